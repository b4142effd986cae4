/*
 * The 8254 PIT of a split irqchip (ports 0x40-0x43, and 0x61 for channel
 * 2). The register model is src/irqchip/i8254.c; channel 0's interrupts
 * come from a timerfd on the backend loop, armed whenever the guest loads
 * a count, and pulse GSI 0 (PIC IRQ 0 and IOAPIC pin 0).
 *
 * Ticks are not lost when the loop or the guest falls behind: as KVM's
 * own PIT does, ticks that expire while the PIC still holds the previous
 * one wait, and the next goes as soon as the PIC hands the previous one
 * to the CPU (pit_dev_acked), so a guest that counts ticks keeps time.
 * At most one second of ticks is kept. With IRQ 0 masked at the PIC
 * (an IOAPIC guest) every expiry is one pulse.
 */
#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "../backend/backend.h"
#include "../irqchip/i8254.h"
#include "../irqchip/irqchip.h"
#include "../log.h"
#include "../vm.h"
#include "device.h"

#define NS 1000000000ULL
/* As KVM's PIT (min_timer_period_us): a guest cannot make the loop spin. */
#define MIN_PERIOD_NS 200000ULL

struct pit_dev {
	pthread_mutex_t lock;
	struct vm *vm;
	struct i8254 pit;
	int tfd;
	struct event *ev;
	uint64_t owed;			/* ticks waiting for the PIC */
	uint64_t max_owed;		/* one second's worth */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

static struct timespec to_ts(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / NS),
			       .tv_nsec = (long)(ns % NS) };

	return ts;
}

/* Under the lock, after a write: (re)arm or disarm the timerfd. */
static void arm(struct pit_dev *p)
{
	struct itimerspec its;
	uint64_t first, period;

	memset(&its, 0, sizeof(its));
	p->owed = 0;
	if (i8254_timer(&p->pit, &first, &period)) {
		if (period && period < MIN_PERIOD_NS)
			period = MIN_PERIOD_NS;
		its.it_value = to_ts(first ? first : 1);
		its.it_interval = to_ts(period);
		p->max_owed = period ? NS / period + 1 : 1;
	}
	if (timerfd_settime(p->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		log_warn("pit: timerfd_settime: %s", strerror(errno));
}

static void pulse(struct pit_dev *p)
{
	vm_irq_line(p->vm, 0, 1);
	vm_irq_line(p->vm, 0, 0);
}

/*
 * The loop's timer and the boot vCPU's acknowledge both pulse IRQ 0: each
 * looks at the 8259 and pulses under the PIT's lock, or an edge could land
 * on a request the other just made and be lost. (Lock order: the PIT's,
 * then the PIC's or the IOAPIC's.)
 */
static void pit_expired(evutil_socket_t fd, short what, void *opaque)
{
	struct pit_dev *p = opaque;
	struct pic_dev *pic = p->vm->irq.split->pic;
	uint64_t n;
	bool fire = true;
	int irq0;

	(void)what;
	if (read(fd, &n, sizeof(n)) != sizeof(n) || n == 0)
		return;
	pthread_mutex_lock(&p->lock);
	if (!p->pit.ch[0].mode || p->pit.ch[0].mode == 1 ||
	    p->pit.ch[0].mode >= 4)
		p->pit.ch[0].armed = false;	/* one-shot: fired */
	irq0 = pic ? pic_dev_irq0_state(pic) : -1;
	if (irq0 >= 0) {
		/* The PIC takes the ticks one at a time: queue the rest. */
		if (irq0 == 1) {
			fire = false;
			p->owed += n;
		} else {
			p->owed += n - 1;
		}
		if (p->owed > p->max_owed)
			p->owed = p->max_owed;
	}
	if (fire)
		pulse(p);
	pthread_mutex_unlock(&p->lock);
}

void pit_dev_acked(struct pit_dev *p)
{
	pthread_mutex_lock(&p->lock);
	if (p->owed > 0) {
		p->owed--;
		pulse(p);
	}
	pthread_mutex_unlock(&p->lock);
}

static void pit_io(void *opaque, uint64_t port, uint8_t *data, uint32_t len,
		   bool is_write)
{
	struct pit_dev *p = opaque;

	pthread_mutex_lock(&p->lock);
	if (is_write) {
		i8254_write(&p->pit, (uint16_t)port, data[0], now_ns());
		if (port == PIT_PORT || port == PIT_PORT + 3)
			arm(p);
	} else {
		data[0] = i8254_read(&p->pit, (uint16_t)port, now_ns());
	}
	pthread_mutex_unlock(&p->lock);
	if (!is_write && len > 1)
		memset(data + 1, 0xff, len - 1);
}

static int pit_init(struct vm *vm, void **state)
{
	struct pit_dev *p;

	if (vm->irq.mode != IRQCHIP_SPLIT)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	*state = p;
	pthread_mutex_init(&p->lock, NULL);
	p->vm = vm;
	i8254_reset(&p->pit, now_ns());
	p->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (p->tfd < 0) {
		log_err("pit: timerfd_create: %s", strerror(errno));
		return -1;
	}
	p->ev = event_new(backend_base(vm->backend), p->tfd,
			  EV_READ | EV_PERSIST, pit_expired, p);
	if (!p->ev || event_add(p->ev, NULL) < 0)
		return -1;
	if (bus_register(&vm->pio, PIT_PORT, 4, pit_io, p, "pit") < 0 ||
	    bus_register(&vm->pio, PORT_61, 1, pit_io, p, "port61") < 0)
		return -1;
	vm->irq.split->pit = p;
	return 0;
}

static void pit_exit(void *state)
{
	struct pit_dev *p = state;

	if (!p)
		return;
	p->vm->irq.split->pit = NULL;
	if (p->ev)
		event_free(p->ev);
	if (p->tfd >= 0)
		close(p->tfd);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* The register model and owed ticks, with the time they were read at:
 * a restore moves the channels' start times by how long the snapshot
 * slept, as the guest's own clock (the TSC) resumes where it stopped. */
struct pit_saved {
	struct i8254 pit;
	uint64_t now;
	uint64_t owed;
};

static long pit_save(void *state, void *buf)
{
	struct pit_dev *p = state;
	struct pit_saved s;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->lock);
	s.pit = p->pit;
	s.owed = p->owed;
	s.now = now_ns();
	pthread_mutex_unlock(&p->lock);
	memcpy(buf, &s, sizeof(s));
	return sizeof(s);
}

static int pit_load(void *state, const void *buf, size_t len)
{
	struct pit_dev *p = state;
	struct pit_saved s;
	uint64_t shift;

	if (len != (p ? sizeof(s) : 0))
		return device_bad_state("pit", len);
	if (!p)
		return 0;
	memcpy(&s, buf, sizeof(s));
	for (int i = 0; i < 3; i++) {
		struct i8254_channel *c = &s.pit.ch[i];

		if (c->count == 0 || c->count > 0x10000 || c->mode > 5 ||
		    c->rw > 3 || c->read_state > 3 || c->write_state > 3)
			return device_bad_state("pit", len);
		DEVICE_FIX_BOOL(c->latched);
		DEVICE_FIX_BOOL(c->status_latched);
		DEVICE_FIX_BOOL(c->gate);
		DEVICE_FIX_BOOL(c->armed);
	}
	shift = now_ns() - s.now;	/* unsigned: wraps back for an earlier now */
	pthread_mutex_lock(&p->lock);
	p->pit = s.pit;
	for (int i = 0; i < 3; i++)
		p->pit.ch[i].load_ns += shift;
	arm(p);
	p->owed = s.owed < p->max_owed ? s.owed : p->max_owed;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static const struct device_ops pit_dev = {
	.name = "pit",
	.init = pit_init,
	.exit = pit_exit,
	.save = pit_save,
	.load = pit_load,
};
DEVICE_REGISTER(pit_dev)
