/*
 * The 16550A's transmitter against a console that fills: THR busy (LSR
 * THRE clear, no THR-empty interrupt) while the console has no room for a
 * FIFO's worth, the interrupt once it has, and a THR write into a full
 * console waits on its (vCPU) thread until there is room or a stop. A stub
 * console stands in for src/backend/console.c; no KVM.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/console.h"
#include "devices/device.h"
#include "vm.h"

#define COM1	0x3f8
#define THR	(COM1 + 0)
#define IER	(COM1 + 1)
#define IIR	(COM1 + 2)
#define LSR	(COM1 + 5)
#define LSR_THRE 0x20
#define IIR_THRE 0x02

/* ---- The console, and the irqchip: stubs. -------------------------------- */

static pthread_mutex_t con_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t con_cond = PTHREAD_COND_INITIALIZER;
static size_t con_room;		/* bytes it takes before it is full */
static bool con_stopped;
static char con_out[64];
static size_t con_len;
static console_room_fn room_fn;
static void *room_opaque;
static int irq_level;

size_t console_write(struct console *c, const void *buf, size_t len)
{
	(void)c;
	pthread_mutex_lock(&con_lock);
	if (len > con_room)
		len = con_room;
	if (len > sizeof(con_out) - con_len)
		len = sizeof(con_out) - con_len;
	memcpy(con_out + con_len, buf, len);
	con_len += len;
	con_room -= len;
	pthread_mutex_unlock(&con_lock);
	return len;
}

bool console_has_room(struct console *c, size_t need)
{
	bool room;

	(void)c;
	pthread_mutex_lock(&con_lock);
	room = con_room >= need;
	pthread_mutex_unlock(&con_lock);
	return room;
}

bool console_wait_room(struct console *c)
{
	bool ok;

	(void)c;
	pthread_mutex_lock(&con_lock);
	while (!con_room && !con_stopped)
		pthread_cond_wait(&con_cond, &con_lock);
	ok = !con_stopped;
	pthread_mutex_unlock(&con_lock);
	return ok;
}

int console_on_room(struct console *c, console_room_fn fn, void *opaque)
{
	(void)c;
	room_fn = fn;
	room_opaque = opaque;
	return 0;
}

void console_set_input(struct console *c, console_input_fn fn, void *opaque)
{
	(void)c, (void)fn, (void)opaque;
}

void console_input_ready(struct console *c)
{
	(void)c;
}

int vm_irq_line(struct vm *vm, unsigned gsi, int level)
{
	(void)vm;
	if (gsi == 4)
		irq_level = level;
	return 0;
}

/* The test's side of the stub, under the stub's lock: the device reads
 * and writes it from the loop or a "vCPU" thread. */
static size_t con_len_now(void)
{
	size_t n;

	pthread_mutex_lock(&con_lock);
	n = con_len;
	pthread_mutex_unlock(&con_lock);
	return n;
}

static void con_set_room(size_t n)
{
	pthread_mutex_lock(&con_lock);
	con_room = n;
	pthread_mutex_unlock(&con_lock);
}

/* The console frees room (the loop's part) or the VM stops. */
static void console_gets_room(size_t n)
{
	pthread_mutex_lock(&con_lock);
	con_room = n;
	pthread_cond_broadcast(&con_cond);
	pthread_mutex_unlock(&con_lock);
	room_fn(room_opaque);
}

/* ---- Fixture. ------------------------------------------------------------ */

static struct vm vm;

static void setup(void)
{
	memset(&vm, 0, sizeof(vm));
	bus_init(&vm.pio, "pio");
	vm.console = (struct console *)&vm;	/* never dereferenced */
	con_room = 1000;
	con_stopped = false;
	con_len = 0;
	irq_level = 0;
	ck_assert_int_eq(devices_init(&vm), 0);
	ck_assert_ptr_nonnull(room_fn);
}

static void teardown(void)
{
	devices_exit();
	bus_free(&vm.pio);
}

static uint8_t inb(uint16_t port)
{
	uint8_t v;

	ck_assert(bus_access(&vm.pio, port, &v, 1, false));
	return v;
}

static void outb(uint16_t port, uint8_t v)
{
	ck_assert(bus_access(&vm.pio, port, &v, 1, true));
}

/* ---- Tests. -------------------------------------------------------------- */

START_TEST(thr_busy_while_console_full)
{
	outb(IER, 0x02);			/* THR-empty interrupt on */
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(inb(IIR) & 0x0f, IIR_THRE);	/* acknowledged */
	ck_assert_int_eq(irq_level, 0);

	/* Room for fewer than a FIFO's worth after this byte: busy. */
	con_set_room(10);
	outb(THR, 'a');
	ck_assert_uint_eq(con_len_now(), 1);
	ck_assert_uint_eq(inb(LSR) & LSR_THRE, 0);
	ck_assert_uint_eq(inb(IIR) & 0x0f, 0x01);	/* no interrupt */
	ck_assert_int_eq(irq_level, 0);

	/* The reader catches up: THR empty, and the interrupt says so. */
	console_gets_room(100);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(inb(LSR) & LSR_THRE, LSR_THRE);
	ck_assert_uint_eq(inb(IIR) & 0x0f, IIR_THRE);
	ck_assert_int_eq(irq_level, 0);
	ck_assert_mem_eq(con_out, "a", 1);
}
END_TEST

static void *write_thr(void *arg)
{
	outb(THR, *(const uint8_t *)arg);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000 };

	nanosleep(&ts, NULL);
}

/* A "vCPU" writes ch to THR with the console full: it is still waiting
 * 50 ms later. */
static pthread_t write_into_full(const uint8_t *ch)
{
	pthread_t t;

	con_set_room(0);
	ck_assert_int_eq(pthread_create(&t, NULL, write_thr, (void *)ch), 0);
	sleep_ms(50);
	ck_assert_uint_eq(con_len_now(), 0);
	return t;
}

/* A guest that ignores LSR: its vCPU waits, the byte is not lost. */
START_TEST(thr_write_into_full_console_waits)
{
	static const uint8_t ch = 'z';
	pthread_t t = write_into_full(&ch);

	/* The device lock is free meanwhile: LSR reads, and says busy. */
	ck_assert_uint_eq(inb(LSR) & LSR_THRE, 0);
	console_gets_room(1);
	pthread_join(t, NULL);
	ck_assert_uint_eq(con_len_now(), 1);
	ck_assert_mem_eq(con_out, "z", 1);
}
END_TEST

/* A stop ends the wait (the byte goes nowhere: the run is over). */
START_TEST(stop_ends_the_wait)
{
	static const uint8_t ch = 'q';
	pthread_t t = write_into_full(&ch);

	pthread_mutex_lock(&con_lock);
	con_stopped = true;
	pthread_cond_broadcast(&con_cond);
	pthread_mutex_unlock(&con_lock);
	pthread_join(t, NULL);
	ck_assert_uint_eq(con_len_now(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("serial");
	TCase *tc = tcase_create("transmit");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, thr_busy_while_console_full);
	tcase_add_test(tc, thr_write_into_full_console_waits);
	tcase_add_test(tc, stop_ends_the_wait);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
