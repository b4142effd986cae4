/*
 * PV I/O hypercalls: block_*, net_*, poll. Each test gets a hand-built VM
 * with 16 MiB of guest RAM, a real backend loop on its own thread (so every
 * call goes through backend_call), two disk images and a socket=PATH cable
 * whose two ends are net devices 0 and 1, all in a fresh temp directory,
 * and the real PV console reading a pipe that stands in for stdin.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "backend/backend.h"
#include "backend/block.h"
#include "backend/host_io.h"
#include "backend/console.h"
#include "backend/net.h"
#include "hypercall/hypercall.h"
#include "vm.h"
#include "wake.h"
#include "stubs.h"

#define RAM		(16ULL << 20)
#define DISK0_SIZE	(64 * 1024)	/* read-write */
#define DISK1_SIZE	(8 * 1024)	/* read-only */
#define SECTOR		HVRUN_SECTOR_SIZE
#define MS		1000000ULL

/* ---- Test stub. ---------------------------------------------------------- */

/* backend.c and console.c stop the VM on --timeout, signals and Ctrl-A x;
 * vm.c (KVM) is not linked: the shared stub, which like the real one
 * wakes pollers through this. */
static void wake_pollers(struct vm *vm)
{
	wake_signal(backend_io_wake(vm->backend));
}

/* ---- Fixture. ------------------------------------------------------------ */

static struct vm vm;
static struct host_io hio;	/* vm.io: the disks and nets opened here */
static struct vm_config cfg;
static pthread_t loop_thread;
static bool loop_running;
/* Short enough that every path below fits a socket address (108 bytes). */
static char dir[80], disk0[128], disk1[128], sock[128];
static uint8_t image0[DISK0_SIZE], image1[DISK1_SIZE];
static uint8_t *guest;		/* the test's own view of all guest RAM */
static int saved_stdin = -1, console_in = -1;	/* console_in: write end */

static void *loop_main(void *arg)
{
	backend_run(arg);
	return NULL;
}

static void write_image(const char *path, uint8_t *img, size_t size, uint8_t seed)
{
	int fd;

	for (size_t i = 0; i < size; i++)
		img[i] = (uint8_t)(seed + i * 7 + i / SECTOR);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, img, size), (ssize_t)size);
	close(fd);
}

/* The whole image as it is on the host now. */
static void read_file(const char *path, uint8_t *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	struct stat st;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, (off_t)size);
	ck_assert_int_eq(pread(fd, buf, size, 0), (ssize_t)size);
	close(fd);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char spec[160];
	int fds[2];

	memset(&vm, 0, sizeof(vm));
	memset(&hio, 0, sizeof(hio));
	vm.io = &hio;
	memset(&cfg, 0, sizeof(cfg));
	vm.cfg = &cfg;
	stub_on_stop = wake_pollers;
	atomic_init(&vm.stopping, false);
	ck_assert_int_eq(mem_init(&vm.mem, RAM), 0);
	guest = mem_ptr(&vm.mem, 0, RAM);
	ck_assert_ptr_nonnull(guest);

	if (!tmp || !*tmp || strlen(tmp) > 60)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/hvrun-hc-XXXXXX", tmp);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(disk0, sizeof(disk0), "%s/disk0", dir);
	snprintf(disk1, sizeof(disk1), "%s/disk1", dir);
	snprintf(sock, sizeof(sock), "%s/cable", dir);
	write_image(disk0, image0, sizeof(image0), 1);
	write_image(disk1, image1, sizeof(image1), 99);

	vm.backend = backend_new(&vm);
	ck_assert_ptr_nonnull(vm.backend);
	/* The console reads stdin: make it a pipe the tests write to. */
	ck_assert_int_eq(pipe(fds), 0);
	saved_stdin = dup(STDIN_FILENO);
	ck_assert_int_eq(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	console_in = fds[1];
	cfg.console = CONSOLE_STDIO;
	vm.console = console_open(&vm);
	ck_assert_ptr_nonnull(vm.console);
	ck_assert_int_eq(pv_init(&vm, NULL, &(struct boot_state){ 0 }), 0);
	ck_assert_int_eq(block_open(disk0, &hio.disks[0]), 0);
	snprintf(spec, sizeof(spec), "%s,ro", disk1);
	ck_assert_int_eq(block_open(spec, &hio.disks[1]), 0);
	hio.nr_disks = 2;
	snprintf(spec, sizeof(spec), "socket=%s", sock);
	ck_assert_int_eq(net_open(&vm, 0, spec, &hio.nets[0]), 0);	/* binds */
	ck_assert_int_eq(net_open(&vm, 1, spec, &hio.nets[1]), 0);	/* connects */
	hio.nr_nets = 2;
	ck_assert_int_eq(pthread_create(&loop_thread, NULL, loop_main, vm.backend), 0);
	loop_running = true;
}

static void stop_loop(void)
{
	if (!loop_running)
		return;
	backend_stop(vm.backend);
	pthread_join(loop_thread, NULL);
	loop_running = false;
}

static void teardown(void)
{
	stop_loop();
	for (int i = 0; i < hio.nr_nets; i++)
		net_close(hio.nets[i]);
	for (int i = 0; i < hio.nr_disks; i++)
		block_close(hio.disks[i]);
	pv_free(&vm);
	console_close(vm.console);
	/* Last: the devices above free events on its base. */
	backend_free(vm.backend);
	close(console_in);
	dup2(saved_stdin, STDIN_FILENO);
	close(saved_stdin);
	mem_free(&vm.mem);
	unlink(disk0);
	unlink(disk1);
	unlink(sock);
	rmdir(dir);
}

/* ---- Helpers. ------------------------------------------------------------ */

static int64_t hc(hc_fn fn, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct hc_call c = {
		.vm = &vm,
		.arg = { a0, a1, a2, a3, 0xdead, 0xbeef },
	};

	return fn(&c);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void assert_disks_unchanged(void)
{
	static uint8_t now0[DISK0_SIZE], now1[DISK1_SIZE];

	read_file(disk0, now0, sizeof(now0));
	read_file(disk1, now1, sizeof(now1));
	ck_assert_mem_eq(now0, image0, sizeof(now0));
	ck_assert_mem_eq(now1, image1, sizeof(now1));
}

/* ---- Block. -------------------------------------------------------------- */

START_TEST(block_open_refuses_bad_images)
{
	struct block_dev *d = NULL;
	char spec[160];

	snprintf(spec, sizeof(spec), "%s/missing", dir);
	ck_assert_int_eq(block_open(spec, &d), -1);
	ck_assert_int_eq(block_open(dir, &d), -1);		/* a directory */
	snprintf(spec, sizeof(spec), "%s,rw", disk0);
	ck_assert_int_eq(block_open(spec, &d), -1);
	ck_assert_int_eq(block_open(",ro", &d), -1);
	ck_assert_int_eq(block_open("", &d), -1);
	ck_assert_int_eq(block_open("/dev/null", &d), -1);	/* a char device */
	ck_assert_ptr_null(d);
}
END_TEST

START_TEST(block_open_reports_size_and_mode)
{
	ck_assert_uint_eq(block_size(hio.disks[0]), DISK0_SIZE);
	ck_assert_uint_eq(block_size(hio.disks[1]), DISK1_SIZE);
	ck_assert(!block_read_only(hio.disks[0]));
	ck_assert(block_read_only(hio.disks[1]));
}
END_TEST

START_TEST(block_read_lands_in_guest_memory)
{
	uint64_t gpa = 0x10000, len = 4 * SECTOR;

	memset(guest + gpa - 16, 0xAA, len + 32);
	ck_assert_int_eq(hc(hc_block_read, 0, 3, gpa, len), (int64_t)len);
	ck_assert_mem_eq(guest + gpa, image0 + 3 * SECTOR, len);
	/* Not a byte either side. */
	for (int i = 1; i <= 16; i++) {
		ck_assert_uint_eq(guest[gpa - i], 0xAA);
		ck_assert_uint_eq(guest[gpa + len + i - 1], 0xAA);
	}
	/* The read-only disk reads too, at the very top of guest RAM. */
	ck_assert_int_eq(hc(hc_block_read, 1, 0, RAM - DISK1_SIZE, DISK1_SIZE),
			 DISK1_SIZE);
	ck_assert_mem_eq(guest + RAM - DISK1_SIZE, image1, DISK1_SIZE);
}
END_TEST

START_TEST(block_write_reaches_the_file)
{
	uint64_t gpa = 0x200000, len = 8 * SECTOR;
	uint8_t now[DISK0_SIZE];

	for (uint64_t i = 0; i < len; i++)
		guest[gpa + i] = (uint8_t)(i * 13 + 5);
	ck_assert_int_eq(hc(hc_block_write, 0, 5, gpa, len), (int64_t)len);
	ck_assert_int_eq(hc(hc_block_flush, 0, 0, 0, 0), 0);
	memcpy(image0 + 5 * SECTOR, guest + gpa, len);
	read_file(disk0, now, sizeof(now));
	ck_assert_mem_eq(now, image0, sizeof(now));
}
END_TEST

START_TEST(block_whole_disk_round_trip)
{
	uint8_t now[DISK0_SIZE];

	ck_assert_int_eq(hc(hc_block_read, 0, 0, 0x100000, DISK0_SIZE), DISK0_SIZE);
	for (size_t i = 0; i < DISK0_SIZE; i++)
		guest[0x100000 + i] ^= 0xFF;
	ck_assert_int_eq(hc(hc_block_write, 0, 0, 0x100000, DISK0_SIZE), DISK0_SIZE);
	read_file(disk0, now, sizeof(now));
	for (size_t i = 0; i < DISK0_SIZE; i++)
		ck_assert_uint_eq(now[i], (uint8_t)(image0[i] ^ 0xFF));
}
END_TEST

START_TEST(block_end_of_disk_is_exact)
{
	uint64_t last = DISK0_SIZE / SECTOR - 1;

	ck_assert_int_eq(hc(hc_block_read, 0, last, 0, SECTOR), SECTOR);
	ck_assert_int_eq(hc(hc_block_write, 0, last, 0, SECTOR), SECTOR);
	ck_assert_int_eq(hc(hc_block_read, 0, last, 0, 2 * SECTOR), -EINVAL);
	ck_assert_int_eq(hc(hc_block_read, 0, last + 1, 0, SECTOR), -EINVAL);
	ck_assert_int_eq(hc(hc_block_write, 0, last + 1, 0, SECTOR), -EINVAL);
	ck_assert_int_eq(hc(hc_block_read, 0, 0, 0, DISK0_SIZE + SECTOR), -EINVAL);
	/* Zero length at the very end is fine, one sector beyond is not. */
	ck_assert_int_eq(hc(hc_block_read, 0, last + 1, 0, 0), 0);
	ck_assert_int_eq(hc(hc_block_read, 0, last + 2, 0, 0), -EINVAL);
	ck_assert_int_eq(hc(hc_block_read, 1, DISK1_SIZE / SECTOR, 0, SECTOR), -EINVAL);
}
END_TEST

START_TEST(block_sector_arithmetic_cannot_wrap)
{
	uint64_t top = UINT64_MAX / SECTOR;	/* largest sector whose offset fits */

	ck_assert_int_eq(hc(hc_block_read, 0, top + 1, 0, SECTOR), -EINVAL);
	ck_assert_int_eq(hc(hc_block_write, 0, top + 1, 0, SECTOR), -EINVAL);
	ck_assert_int_eq(hc(hc_block_read, 0, UINT64_MAX, 0, SECTOR), -EINVAL);
	ck_assert_int_eq(hc(hc_block_read, 0, top, 0, SECTOR), -EINVAL);
	/* offset + len wraps to a small number. */
	ck_assert_int_eq(hc(hc_block_read, 0, top, 0, 2 * SECTOR), -EINVAL);
	ck_assert_int_eq(hc(hc_block_write, 0, top, 0, 2 * SECTOR), -EINVAL);
	ck_assert_int_eq(hc(hc_block_read, 0, 1, 0, UINT64_MAX - (SECTOR - 1)), -EINVAL);
	ck_assert_int_eq(hc(hc_block_write, 0, 2, 0, UINT64_MAX - (SECTOR - 1)), -EINVAL);
	ck_assert_int_eq(hc(hc_block_read, 0, 0, 0, UINT64_MAX - (SECTOR - 1)), -EINVAL);
	assert_disks_unchanged();
}
END_TEST

START_TEST(block_length_must_be_whole_sectors)
{
	ck_assert_int_eq(hc(hc_block_read, 0, 0, 0, 1), -EINVAL);
	ck_assert_int_eq(hc(hc_block_read, 0, 0, 0, SECTOR - 1), -EINVAL);
	ck_assert_int_eq(hc(hc_block_write, 0, 0, 0, SECTOR + 1), -EINVAL);
	ck_assert_int_eq(hc(hc_block_write, 0, 0, 0, UINT64_MAX), -EINVAL);
	assert_disks_unchanged();
}
END_TEST

START_TEST(block_unknown_device)
{
	static const uint64_t devs[] = { 2, 8, 255, 1ULL << 32, INT64_MAX,
					 (uint64_t)-1, UINT64_MAX };

	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		ck_assert_int_eq(hc(hc_block_read, devs[i], 0, 0, SECTOR), -ENODEV);
		ck_assert_int_eq(hc(hc_block_write, devs[i], 0, 0, SECTOR), -ENODEV);
		ck_assert_int_eq(hc(hc_block_flush, devs[i], 0, 0, 0), -ENODEV);
	}
	/* A VM without disks has none at all. */
	hio.nr_disks = 0;
	ck_assert_int_eq(hc(hc_block_read, 0, 0, 0, SECTOR), -ENODEV);
	ck_assert_int_eq(hc(hc_block_flush, 0, 0, 0, 0), -ENODEV);
	hio.nr_disks = 2;
}
END_TEST

START_TEST(block_guest_range_outside_ram)
{
	uint64_t edge = RAM - 256;

	memset(guest + edge, 0x5A, 256);
	ck_assert_int_eq(hc(hc_block_read, 0, 0, UINT64_MAX - 10, SECTOR), -EFAULT);
	ck_assert_int_eq(hc(hc_block_write, 0, 0, UINT64_MAX - 10, SECTOR), -EFAULT);
	ck_assert_int_eq(hc(hc_block_read, 0, 0, UINT64_MAX - (SECTOR - 1), SECTOR), -EFAULT);
	ck_assert_int_eq(hc(hc_block_read, 0, 0, edge, SECTOR), -EFAULT);
	ck_assert_int_eq(hc(hc_block_write, 0, 0, edge, SECTOR), -EFAULT);
	ck_assert_int_eq(hc(hc_block_read, 0, 0, RAM, SECTOR), -EFAULT);
	ck_assert_int_eq(hc(hc_block_read, 0, 0, 1ULL << 40, SECTOR), -EFAULT);
	ck_assert_int_eq(hc(hc_block_read, 0, 0, MEM_HOLE_END, SECTOR), -EFAULT);
	/* Refused transfers touched neither side. */
	for (int i = 0; i < 256; i++)
		ck_assert_uint_eq(guest[edge + i], 0x5A);
	assert_disks_unchanged();
}
END_TEST

START_TEST(block_zero_length)
{
	ck_assert_int_eq(hc(hc_block_read, 0, 0, 0x1000, 0), 0);
	ck_assert_int_eq(hc(hc_block_write, 0, 7, 0x1000, 0), 0);
	ck_assert_int_eq(hc(hc_block_read, 0, 0, RAM, 0), 0);	/* end of RAM */
	/* Still a guest pointer: it must be in RAM. */
	ck_assert_int_eq(hc(hc_block_read, 0, 0, UINT64_MAX, 0), -EFAULT);
	ck_assert_int_eq(hc(hc_block_write, 0, 0, RAM + 1, 0), -EFAULT);
	assert_disks_unchanged();
}
END_TEST

START_TEST(block_read_only_disk_refuses_writes)
{
	memset(guest, 0xEE, DISK1_SIZE);
	ck_assert_int_eq(hc(hc_block_write, 1, 0, 0, SECTOR), -EROFS);
	ck_assert_int_eq(hc(hc_block_write, 1, 0, 0, DISK1_SIZE), -EROFS);
	ck_assert_int_eq(hc(hc_block_write, 1, 0, 0, 0), -EROFS);
	ck_assert_int_eq(hc(hc_block_flush, 1, 0, 0, 0), 0);
	assert_disks_unchanged();
}
END_TEST

/* Each error wins over the ones after it in the documented order. */
START_TEST(block_checks_run_in_order)
{
	uint64_t bad_gpa = UINT64_MAX - 10;

	ck_assert_int_eq(hc(hc_block_write, 9, UINT64_MAX, bad_gpa, 1), -ENODEV);
	ck_assert_int_eq(hc(hc_block_write, 1, UINT64_MAX, bad_gpa, 1), -EINVAL);
	ck_assert_int_eq(hc(hc_block_write, 1, UINT64_MAX, bad_gpa, SECTOR), -EINVAL);
	ck_assert_int_eq(hc(hc_block_write, 1, 1000, bad_gpa, SECTOR), -EINVAL);
	ck_assert_int_eq(hc(hc_block_write, 1, 0, bad_gpa, SECTOR), -EROFS);
	ck_assert_int_eq(hc(hc_block_write, 0, 0, bad_gpa, SECTOR), -EFAULT);
	ck_assert_int_eq(hc(hc_block_read, 1, 0, bad_gpa, SECTOR), -EFAULT);
	assert_disks_unchanged();
}
END_TEST

START_TEST(block_flush_succeeds)
{
	ck_assert_int_eq(hc(hc_block_flush, 0, 0, 0, 0), 0);
	ck_assert_int_eq(hc(hc_block_flush, 1, 0, 0, 0), 0);
	/* Other argument registers are ignored. */
	ck_assert_int_eq(hc(hc_block_flush, 0, UINT64_MAX, UINT64_MAX, UINT64_MAX), 0);
}
END_TEST

/* The image shrank under hvrun: an error, never a hang or stale bytes. */
START_TEST(block_image_shrunk_behind_our_back)
{
	ck_assert_int_eq(truncate(disk0, 4 * SECTOR), 0);
	ck_assert_int_eq(hc(hc_block_read, 0, 2, 0, 2 * SECTOR), 2 * SECTOR);
	ck_assert_int_eq(hc(hc_block_read, 0, 3, 0, 2 * SECTOR), -EIO);
	ck_assert_int_eq(hc(hc_block_read, 0, 10, 0, SECTOR), -EIO);
}
END_TEST

/* Once the loop has stopped, calls fail instead of hanging. */
START_TEST(block_after_backend_stopped)
{
	stop_loop();
	ck_assert_int_eq(hc(hc_block_read, 0, 0, 0, SECTOR), -EIO);
	ck_assert_int_eq(hc(hc_block_write, 0, 0, 0, SECTOR), -EIO);
	ck_assert_int_eq(hc(hc_block_flush, 0, 0, 0, 0), -EIO);
	assert_disks_unchanged();
}
END_TEST

/* ---- Block rings. --------------------------------------------------------- */

#define RING_GPA	0x100000ULL
#define RING_N		8

static struct hvrun_blk_ring *ring_hdr(void)
{
	return (struct hvrun_blk_ring *)(guest + RING_GPA);
}

static void ring_push(uint64_t tag, uint16_t op, uint64_t sector,
		      uint64_t gpa, uint32_t len)
{
	struct hvrun_blk_ring *h = ring_hdr();
	struct hvrun_blk_req r = { .tag = tag, .sector = sector, .gpa = gpa,
				   .len = len, .op = op };

	memcpy(guest + RING_GPA + HVRUN_BLK_RING_SQ +
	       (h->sq_tail % RING_N) * sizeof(r), &r, sizeof(r));
	h->sq_tail++;
}

static struct hvrun_blk_cpl ring_pop(void)
{
	struct hvrun_blk_ring *h = ring_hdr();
	struct hvrun_blk_cpl c;

	ck_assert_uint_ne(h->cq_head, h->cq_tail);
	memcpy(&c, guest + RING_GPA + HVRUN_BLK_RING_CQ(RING_N) +
	       (h->cq_head % RING_N) * sizeof(c), sizeof(c));
	h->cq_head++;
	return c;
}

START_TEST(block_ring_hostile_setup)
{
	static const uint64_t devs[] = { 2, 8, 1ULL << 32, UINT64_MAX };

	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		ck_assert_int_eq(hc(hc_block_ring, devs[i], RING_GPA, RING_N, 0), -ENODEV);
		ck_assert_int_eq(hc(hc_block_kick, devs[i], 0, 0, 0), -ENODEV);
	}
	ck_assert_int_eq(hc(hc_block_kick, 0, 0, 0, 0), -ENODEV);	/* no ring */
	ck_assert_int_eq(hc(hc_block_ring, 0, RING_GPA, 3, 0), -EINVAL);
	ck_assert_int_eq(hc(hc_block_ring, 0, RING_GPA, 2048, 0), -EINVAL);
	ck_assert_int_eq(hc(hc_block_ring, 0, RING_GPA, UINT64_MAX, 0), -EINVAL);
	ck_assert_int_eq(hc(hc_block_ring, 0, RING_GPA + 8, RING_N, 0), -EINVAL);
	ck_assert_int_eq(hc(hc_block_ring, 0, RAM - 64, RING_N, 0), -EFAULT);
	ck_assert_int_eq(hc(hc_block_ring, 0, UINT64_MAX & ~63ULL, 1, 0), -EINVAL);
	ck_assert_int_eq(hc(hc_block_ring, 0, 0x7ff00000000ULL, 1, 0), -EFAULT);
	/* The indices are hvrun's to reset. */
	memset(guest + RING_GPA, 0xff, 16);
	ck_assert_int_eq(hc(hc_block_ring, 0, RING_GPA, RING_N, 0), 0);
	ck_assert_uint_eq(ring_hdr()->sq_tail, 0);
	ck_assert_uint_eq(ring_hdr()->cq_tail, 0);
	ck_assert_int_eq(hc(hc_block_ring, 0, RING_GPA, RING_N, 0), -EBUSY);
	ck_assert_int_eq(hc(hc_block_kick, 0, 0, 0, 0), 0);
	ck_assert_int_eq(hc(hc_block_ring, 0, 0, 0, 0), 0);		/* detach */
	ck_assert_int_eq(hc(hc_block_ring, 0, 0, 0, 0), 0);
	ck_assert_int_eq(hc(hc_block_kick, 0, 0, 0, 0), -ENODEV);
	assert_disks_unchanged();
}
END_TEST

/* A batch of good and bad requests in one kick that waits for them all:
 * every one completes once, with its result, and the reads land. */
START_TEST(block_ring_serves_a_batch)
{
	struct hvrun_blk_ring *h = ring_hdr();
	struct hvrun_blk_cpl c;
	static const int64_t want[] = {
		4 * SECTOR, -EINVAL, -EINVAL, -EFAULT, -EINVAL, 0, DISK0_SIZE,
	};

	ck_assert_int_eq(hc(hc_block_ring, 0, RING_GPA, RING_N, 0), 0);
	ring_push(0, HVRUN_BLK_OP_READ, 3, 0x10000, 4 * SECTOR);
	ring_push(1, HVRUN_BLK_OP_READ, DISK0_SIZE / SECTOR, 0x10000, SECTOR);
	ring_push(2, HVRUN_BLK_OP_READ, 0, RING_GPA + 64, SECTOR);	/* the ring */
	ring_push(3, HVRUN_BLK_OP_READ, 0, RAM - SECTOR / 2, SECTOR);
	ring_push(4, 7, 0, 0x10000, SECTOR);
	ring_push(5, HVRUN_BLK_OP_FLUSH, 0, 0, 0);
	ring_push(6, HVRUN_BLK_OP_READ, 0, 0x200000, DISK0_SIZE);
	ck_assert_int_eq(hc(hc_block_kick, 0, 7, now_ns() + 5000 * MS, 0), 7);
	ck_assert_uint_eq(h->sq_head, 7);
	ck_assert_uint_eq(h->cq_tail, 7);
	ck_assert_int_eq(hc(hc_poll, 0, HVRUN_POLL_BLOCK(0) | HVRUN_POLL_BLOCK(1), 0, 0),
			 HVRUN_POLL_BLOCK(0));
	/* Refused requests complete at once, ahead of the reads: by tag. */
	for (uint64_t i = 0, seen = 0; i < 7; i++) {
		c = ring_pop();
		ck_assert_uint_lt(c.tag, 7);
		ck_assert_int_eq(c.result, want[c.tag]);
		ck_assert_uint_eq(seen & (1u << c.tag), 0);
		seen |= 1u << c.tag;
	}
	ck_assert_int_eq(hc(hc_poll, 0, HVRUN_POLL_BLOCK(0), 0, 0), 0);
	ck_assert_mem_eq(guest + 0x10000, image0 + 3 * SECTOR, 4 * SECTOR);
	ck_assert_mem_eq(guest + 0x200000, image0, DISK0_SIZE);
	/* Nonsense indices: nothing taken, and the ring still works. */
	h->sq_tail = h->sq_head + RING_N + 1;
	ck_assert_int_eq(hc(hc_block_kick, 0, 0, 0, 0), -EINVAL);
	h->sq_tail = h->sq_head;
	h->cq_head = h->cq_tail + 1;
	ck_assert_int_eq(hc(hc_block_kick, 0, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(hc(hc_poll, 0, HVRUN_POLL_BLOCK(0), 0, 0), HVRUN_POLL_BLOCK(0));
	h->cq_head = h->cq_tail;
	ring_push(9, HVRUN_BLK_OP_WRITE, 0, 0x10000, SECTOR);
	ck_assert_int_eq(hc(hc_block_kick, 0, 1, UINT64_MAX, 0), 1);
	c = ring_pop();
	ck_assert_uint_eq(c.tag, 9);
	ck_assert_int_eq(c.result, SECTOR);
	memcpy(image0, guest + 0x10000, SECTOR);
	assert_disks_unchanged();
	/* Nothing in flight: a kick that waits returns at once. */
	ck_assert_int_eq(hc(hc_block_kick, 0, 4, UINT64_MAX, 0), 0);
	ck_assert_int_eq(hc(hc_block_ring, 0, 0, 0, 0), 0);
}
END_TEST

/* ---- Net. ---------------------------------------------------------------- */

START_TEST(net_cable_carries_frames_both_ways)
{
	uint64_t tx = 0x300000, rx = 0x400000;

	for (int i = 0; i < 1500; i++)
		guest[tx + i] = (uint8_t)i;
	/* net1 plugged into net0's PATH: net0 learns its peer from this. */
	ck_assert_int_eq(hc(hc_net_send, 1, tx, 1500, 0), 1500);
	ck_assert_int_eq(hc(hc_net_recv, 0, rx, 2048, 0), 1500);
	ck_assert_mem_eq(guest + rx, guest + tx, 1500);
	ck_assert_int_eq(hc(hc_net_recv, 0, rx, 2048, 0), -EAGAIN);

	guest[tx] = 0x42;
	ck_assert_int_eq(hc(hc_net_send, 0, tx, 60, 0), 60);
	memset(guest + rx, 0, 60);
	ck_assert_int_eq(hc(hc_net_recv, 1, rx, 60, 0), 60);
	ck_assert_mem_eq(guest + rx, guest + tx, 60);
	ck_assert_int_eq(hc(hc_net_recv, 1, rx, 60, 0), -EAGAIN);
}
END_TEST

START_TEST(net_recv_with_nothing_waiting)
{
	ck_assert_int_eq(hc(hc_net_recv, 0, 0x1000, 2048, 0), -EAGAIN);
	ck_assert_int_eq(hc(hc_net_recv, 1, 0x1000, 2048, 0), -EAGAIN);
}
END_TEST

START_TEST(net_send_before_any_peer_is_dropped)
{
	/* net0 bound PATH and has heard from nobody: like an open cable. */
	ck_assert_int_eq(hc(hc_net_send, 0, 0x1000, 100, 0), 100);
	ck_assert_int_eq(hc(hc_net_recv, 1, 0x1000, 2048, 0), -EAGAIN);
}
END_TEST

START_TEST(net_frame_size_limit)
{
	uint64_t gpa = 0x100000;

	ck_assert_int_eq(hc(hc_net_send, 1, gpa, HVRUN_NET_MTU_FRAME + 1, 0), -EMSGSIZE);
	ck_assert_int_eq(hc(hc_net_send, 1, gpa, UINT64_MAX, 0), -EMSGSIZE);
	ck_assert_int_eq(hc(hc_net_recv, 0, gpa, 2048, 0), -EAGAIN);
	memset(guest + gpa, 0x77, HVRUN_NET_MTU_FRAME);
	ck_assert_int_eq(hc(hc_net_send, 1, gpa, HVRUN_NET_MTU_FRAME, 0),
			 HVRUN_NET_MTU_FRAME);
	memset(guest + gpa, 0, HVRUN_NET_MTU_FRAME);
	ck_assert_int_eq(hc(hc_net_recv, 0, gpa, 2 * HVRUN_NET_MTU_FRAME, 0),
			 HVRUN_NET_MTU_FRAME);
	for (int i = 0; i < HVRUN_NET_MTU_FRAME; i++)
		ck_assert_uint_eq(guest[gpa + i], 0x77);
	ck_assert_uint_eq(guest[gpa + HVRUN_NET_MTU_FRAME], 0);
}
END_TEST

START_TEST(net_recv_truncates_to_buffer)
{
	uint64_t gpa = 0x2000;

	memset(guest + gpa, 0x11, 100);
	ck_assert_int_eq(hc(hc_net_send, 1, gpa, 100, 0), 100);
	memset(guest + gpa, 0, 100);
	ck_assert_int_eq(hc(hc_net_recv, 0, gpa, 10, 0), 10);
	ck_assert_uint_eq(guest[gpa + 9], 0x11);
	ck_assert_uint_eq(guest[gpa + 10], 0);
	/* The rest of the frame is gone, not a second frame. */
	ck_assert_int_eq(hc(hc_net_recv, 0, gpa, 100, 0), -EAGAIN);
}
END_TEST

START_TEST(net_hostile_arguments)
{
	static const uint64_t devs[] = { 2, 8, 1ULL << 32, (uint64_t)-1 };

	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		ck_assert_int_eq(hc(hc_net_send, devs[i], 0, 64, 0), -ENODEV);
		ck_assert_int_eq(hc(hc_net_recv, devs[i], 0, 64, 0), -ENODEV);
	}
	ck_assert_int_eq(hc(hc_net_send, 1, UINT64_MAX - 10, 512, 0), -EFAULT);
	ck_assert_int_eq(hc(hc_net_recv, 0, UINT64_MAX - 10, 512, 0), -EFAULT);
	ck_assert_int_eq(hc(hc_net_send, 1, RAM - 10, 64, 0), -EFAULT);
	ck_assert_int_eq(hc(hc_net_recv, 0, RAM - 10, 64, 0), -EFAULT);
	ck_assert_int_eq(hc(hc_net_recv, 0, 0, UINT64_MAX, 0), -EFAULT);
	ck_assert_int_eq(hc(hc_net_recv, 0, 0, RAM + 1, 0), -EFAULT);
	/* Nothing was sent by the refused calls. */
	ck_assert_int_eq(hc(hc_net_recv, 0, 0, 2048, 0), -EAGAIN);
}
END_TEST

START_TEST(net_zero_length_does_nothing)
{
	ck_assert_int_eq(hc(hc_net_send, 1, 0x1000, 0, 0), 0);
	ck_assert_int_eq(hc(hc_net_recv, 0, 0x1000, 0, 0), 0);
	ck_assert_int_eq(hc(hc_net_recv, 0, 0x1000, 2048, 0), -EAGAIN);
	/* A frame waiting is left for the next real receive. */
	ck_assert_int_eq(hc(hc_net_send, 1, 0x1000, 64, 0), 64);
	ck_assert_int_eq(hc(hc_net_recv, 0, 0x1000, 0, 0), 0);
	ck_assert_int_eq(hc(hc_net_recv, 0, 0x1000, 2048, 0), 64);
	ck_assert_int_eq(hc(hc_net_send, 1, UINT64_MAX, 0, 0), -EFAULT);
}
END_TEST

START_TEST(net_macs_differ_per_end)
{
	uint8_t mac[6];

	net_mac(hio.nets[0], mac);
	ck_assert_mem_eq(mac, ((uint8_t[6]){ 0x02, 0x68, 0x76, 0, 0, 0 }), 6);
	net_mac(hio.nets[1], mac);
	ck_assert_mem_eq(mac, ((uint8_t[6]){ 0x02, 0x68, 0x76, 0, 1, 1 }), 6);
}
END_TEST

START_TEST(net_open_refuses_bad_specs)
{
	struct net_dev *n = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char spec[160];
	struct stat st;
	int fd;

	snprintf(spec, sizeof(spec), "socket=%s", disk0);	/* not a socket */
	ck_assert_int_eq(net_open(&vm, 2, spec, &n), -1);
	snprintf(spec, sizeof(spec), "socket=%s/no/such/dir/s", dir);
	ck_assert_int_eq(net_open(&vm, 2, spec, &n), -1);
	ck_assert_int_eq(net_open(&vm, 2, "tap=an-interface-name-too-long", &n), -1);
	ck_assert_int_eq(net_open(&vm, 2, "socket=", &n), -1);
	ck_assert_int_eq(net_open(&vm, 2, "udp=1.2.3.4", &n), -1);

	/* A socket file nobody listens on is taken over: a new socket is
	 * bound there, and removed again on close. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/stale", dir);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	snprintf(spec, sizeof(spec), "socket=%s", sa.sun_path);
	ck_assert_int_eq(net_open(&vm, 2, spec, &n), 0);
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(lstat(sa.sun_path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	net_close(n);
	ck_assert_int_eq(lstat(sa.sun_path, &st), -1);
}
END_TEST

START_TEST(net_close_removes_the_path_it_bound)
{
	struct stat st;

	ck_assert_int_eq(lstat(sock, &st), 0);
	stop_loop();
	net_close(hio.nets[1]);		/* the connecting end: leaves PATH */
	ck_assert_int_eq(lstat(sock, &st), 0);
	net_close(hio.nets[0]);
	ck_assert_int_eq(lstat(sock, &st), -1);
	hio.nr_nets = 0;
}
END_TEST

/* A test script on the other end of the cable: any socket can talk to PATH. */
START_TEST(net_outside_peer_gets_replies)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[64];
	int fd;

	ck_assert_int_eq(hc(hc_net_send, 1, 0x1000, 1, 0), 1);	/* unused */
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa_family_t)), 0);
	strcpy(sa.sun_path, sock);
	ck_assert_int_eq(sendto(fd, "ping", 4, 0, (struct sockaddr *)&sa, sizeof(sa)), 4);
	ck_assert_int_eq(hc(hc_net_recv, 0, 0x2000, 64, 0), 1);	/* net1's */
	ck_assert_int_eq(hc(hc_net_recv, 0, 0x2000, 64, 0), 4);
	ck_assert_mem_eq(guest + 0x2000, "ping", 4);
	/* net0 now answers the latest sender: the script, not net1. */
	memcpy(guest + 0x3000, "pong", 4);
	ck_assert_int_eq(hc(hc_net_send, 0, 0x3000, 4, 0), 4);
	ck_assert_int_eq(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), 4);
	ck_assert_mem_eq(buf, "pong", 4);
	ck_assert_int_eq(hc(hc_net_recv, 1, 0x2000, 64, 0), -EAGAIN);
	close(fd);
}
END_TEST

/* ---- Poll. --------------------------------------------------------------- */

#define ALL_SOURCES (HVRUN_POLL_CONSOLE | HVRUN_POLL_NET(0) | HVRUN_POLL_NET(1))

START_TEST(poll_deadline_zero_returns_at_once)
{
	ck_assert_int_eq(hc(hc_poll, 0, ALL_SOURCES, 0, 0), 0);
	ck_assert_int_eq(hc(hc_poll, 0, UINT64_MAX, 0, 0), 0);
	ck_assert_int_eq(hc(hc_poll, 0, 0, 0, 0), 0);
	/* A deadline already past does not block either. */
	ck_assert_int_eq(hc(hc_poll, 1, ALL_SOURCES, 0, 0), 0);
	ck_assert_int_eq(hc(hc_poll, now_ns(), ALL_SOURCES, 0, 0), 0);
}
END_TEST

START_TEST(poll_waits_until_the_deadline)
{
	uint64_t start = now_ns();

	ck_assert_int_eq(hc(hc_poll, start + 50 * MS, ALL_SOURCES, 0, 0), 0);
	ck_assert_uint_ge(now_ns() - start, 50 * MS);
}
END_TEST

START_TEST(poll_reports_only_ready_sources_in_mask)
{
	/* No deadline: returns once the backend has taken the input. */
	ck_assert_int_eq(write(console_in, "abc", 3), 3);
	ck_assert_int_eq(hc(hc_poll, UINT64_MAX, ALL_SOURCES, 0, 0), HVRUN_POLL_CONSOLE);
	ck_assert_int_eq(hc(hc_poll, 0, HVRUN_POLL_NET(0), 0, 0), 0);
	ck_assert_int_eq(hc(hc_poll, 0x1234, UINT64_MAX, 0, 0), HVRUN_POLL_CONSOLE);

	ck_assert_int_eq(hc(hc_net_send, 1, 0x1000, 64, 0), 64);
	ck_assert_int_eq(hc(hc_poll, 0, ALL_SOURCES, 0, 0),
			 HVRUN_POLL_CONSOLE | HVRUN_POLL_NET(0));
	ck_assert_int_eq(hc(hc_poll, 0, HVRUN_POLL_NET(0), 0, 0), HVRUN_POLL_NET(0));
	ck_assert_int_eq(hc(hc_poll, 0, HVRUN_POLL_NET(1), 0, 0), 0);
	ck_assert_int_eq(hc(hc_console_read, 0x5000, 64, 0, 0), 3);
	ck_assert_mem_eq(guest + 0x5000, "abc", 3);
	ck_assert_int_eq(hc(hc_poll, UINT64_MAX, ALL_SOURCES, 0, 0), HVRUN_POLL_NET(0));
	/* Reading the frame clears readiness. */
	ck_assert_int_eq(hc(hc_net_recv, 0, 0x1000, 2048, 0), 64);
	ck_assert_int_eq(hc(hc_poll, 0, ALL_SOURCES, 0, 0), 0);
}
END_TEST

START_TEST(poll_ignores_unknown_bits)
{
	uint64_t unknown = ~ALL_SOURCES;
	uint64_t start = now_ns();

	/* Bits for net devices 2..7 (absent) and undefined bits. */
	ck_assert_int_eq(hc(hc_net_send, 1, 0x1000, 64, 0), 64);
	ck_assert_int_eq(hc(hc_poll, 0, unknown, 0, 0), 0);
	ck_assert_int_eq(hc(hc_poll, start + 20 * MS, unknown, 0, 0), 0);
	ck_assert_uint_ge(now_ns() - start, 20 * MS);
}
END_TEST

struct delayed {
	uint64_t delay_ns;
	enum { SEND_FRAME, TYPE_KEY, NOTIFY_ONLY, STOP_VM } what;
};

/* A second vCPU, or the host, acting while the test's vCPU polls. */
static void *act_later(void *arg)
{
	struct delayed *d = arg;
	struct timespec ts = {
		.tv_sec = (time_t)(d->delay_ns / 1000000000ULL),
		.tv_nsec = (long)(d->delay_ns % 1000000000ULL),
	};

	nanosleep(&ts, NULL);
	switch (d->what) {
	case SEND_FRAME:
		hc(hc_net_send, 1, 0x800000, 60, 0);
		break;
	case TYPE_KEY:
		ck_assert_int_eq(write(console_in, "k", 1), 1);
		break;
	case NOTIFY_ONLY:
		wake_signal(backend_io_wake(vm.backend));
		break;
	case STOP_VM:
		vm_stop(&vm, 0, STOP_SIGNAL, "test");	/* sets stopping, then notifies */
		break;
	}
	return NULL;
}

static pthread_t start_later(struct delayed *d)
{
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, act_later, d), 0);
	return t;
}

/* No deadline: only the frame can end the wait (Check's timeout catches a
 * lost wakeup). Twice, so the read event is known to re-arm after a recv. */
START_TEST(poll_wakes_when_a_frame_arrives)
{
	struct delayed d = { .delay_ns = 30 * MS, .what = SEND_FRAME };
	pthread_t t;

	for (int round = 0; round < 2; round++) {
		t = start_later(&d);
		ck_assert_int_eq(hc(hc_poll, UINT64_MAX, ALL_SOURCES, 0, 0),
				 HVRUN_POLL_NET(0));
		pthread_join(t, NULL);
		ck_assert_int_eq(hc(hc_net_recv, 0, 0x1000, 2048, 0), 60);
		ck_assert_int_eq(hc(hc_poll, 0, ALL_SOURCES, 0, 0), 0);
	}
	/* With a deadline as well. */
	t = start_later(&d);
	ck_assert_int_eq(hc(hc_poll, now_ns() + 10000 * MS, HVRUN_POLL_NET(0), 0, 0),
			 HVRUN_POLL_NET(0));
	pthread_join(t, NULL);
}
END_TEST

START_TEST(poll_wakes_on_console_input)
{
	struct delayed d = { .delay_ns = 30 * MS, .what = TYPE_KEY };
	pthread_t t = start_later(&d);

	ck_assert_int_eq(hc(hc_poll, UINT64_MAX, ALL_SOURCES, 0, 0), HVRUN_POLL_CONSOLE);
	pthread_join(t, NULL);
	ck_assert_int_eq(hc(hc_console_read, 0x5000, 64, 0, 0), 1);
	ck_assert_int_eq(hc(hc_poll, 0, ALL_SOURCES, 0, 0), 0);
}
END_TEST

START_TEST(poll_spurious_wakeup_keeps_waiting)
{
	struct delayed d = { .delay_ns = 10 * MS, .what = NOTIFY_ONLY };
	uint64_t start = now_ns();
	pthread_t t = start_later(&d);

	ck_assert_int_eq(hc(hc_poll, start + 60 * MS, ALL_SOURCES, 0, 0), 0);
	ck_assert_uint_ge(now_ns() - start, 60 * MS);
	pthread_join(t, NULL);
}
END_TEST

START_TEST(poll_returns_when_the_vm_stops)
{
	struct delayed d = { .delay_ns = 20 * MS, .what = STOP_VM };
	pthread_t t = start_later(&d);

	ck_assert_int_eq(hc(hc_poll, UINT64_MAX, ALL_SOURCES, 0, 0), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(hc(hc_poll, UINT64_MAX, ALL_SOURCES, 0, 0), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hypercall");
	TCase *block = tcase_create("block");
	TCase *net = tcase_create("net");
	TCase *polling = tcase_create("poll");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(block, setup, teardown);
	tcase_add_test(block, block_open_refuses_bad_images);
	tcase_add_test(block, block_open_reports_size_and_mode);
	tcase_add_test(block, block_read_lands_in_guest_memory);
	tcase_add_test(block, block_write_reaches_the_file);
	tcase_add_test(block, block_whole_disk_round_trip);
	tcase_add_test(block, block_end_of_disk_is_exact);
	tcase_add_test(block, block_sector_arithmetic_cannot_wrap);
	tcase_add_test(block, block_length_must_be_whole_sectors);
	tcase_add_test(block, block_unknown_device);
	tcase_add_test(block, block_guest_range_outside_ram);
	tcase_add_test(block, block_zero_length);
	tcase_add_test(block, block_read_only_disk_refuses_writes);
	tcase_add_test(block, block_checks_run_in_order);
	tcase_add_test(block, block_flush_succeeds);
	tcase_add_test(block, block_image_shrunk_behind_our_back);
	tcase_add_test(block, block_after_backend_stopped);
	tcase_add_test(block, block_ring_hostile_setup);
	tcase_add_test(block, block_ring_serves_a_batch);
	suite_add_tcase(s, block);

	tcase_add_checked_fixture(net, setup, teardown);
	tcase_add_test(net, net_cable_carries_frames_both_ways);
	tcase_add_test(net, net_recv_with_nothing_waiting);
	tcase_add_test(net, net_send_before_any_peer_is_dropped);
	tcase_add_test(net, net_frame_size_limit);
	tcase_add_test(net, net_recv_truncates_to_buffer);
	tcase_add_test(net, net_hostile_arguments);
	tcase_add_test(net, net_zero_length_does_nothing);
	tcase_add_test(net, net_macs_differ_per_end);
	tcase_add_test(net, net_open_refuses_bad_specs);
	tcase_add_test(net, net_close_removes_the_path_it_bound);
	tcase_add_test(net, net_outside_peer_gets_replies);
	suite_add_tcase(s, net);

	tcase_add_checked_fixture(polling, setup, teardown);
	tcase_add_test(polling, poll_deadline_zero_returns_at_once);
	tcase_add_test(polling, poll_waits_until_the_deadline);
	tcase_add_test(polling, poll_reports_only_ready_sources_in_mask);
	tcase_add_test(polling, poll_ignores_unknown_bits);
	tcase_add_test(polling, poll_wakes_when_a_frame_arrives);
	tcase_add_test(polling, poll_wakes_on_console_input);
	tcase_add_test(polling, poll_spurious_wakeup_keeps_waiting);
	tcase_add_test(polling, poll_returns_when_the_vm_stops);
	suite_add_tcase(s, polling);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
