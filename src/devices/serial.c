/*
 * 16550A UART on COM1 (ports 0x3f8-0x3ff, IRQ 4). Transmit goes straight to
 * the console while it has room; the transmitter is busy (LSR THRE clear,
 * no THR-empty interrupt) while the console has no room for a FIFO's
 * worth, as a real UART's is at its line speed: the console's reader
 * paces the guest. Receive takes host input through a 16-byte FIFO at the
 * guest's pace (the console holds the rest). Loopback mode works, since
 * Linux's 8250 driver probes with it. Line speed is ignored.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/console.h"
#include "../vm.h"
#include "device.h"

#define FIFO_SIZE 16

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

#define IER_RDA   0x01
#define IER_THRE  0x02
#define IIR_NONE  0x01
#define IIR_THRE  0x02
#define IIR_RDA   0x04
#define IIR_FIFO  0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define LCR_DLAB  0x80
#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT1  0x04
#define MCR_OUT2  0x08	/* gates the interrupt line on a PC */
#define MCR_LOOP  0x10
#define LSR_DR    0x01
#define LSR_THRE  0x20
#define LSR_TEMT  0x40
#define MSR_CTS   0x10
#define MSR_DSR   0x20
#define MSR_RI    0x40
#define MSR_DCD   0x80

struct serial {
	pthread_mutex_t lock;
	struct vm *vm;
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thre_pending;	/* THR-empty interrupt not yet acknowledged */
	bool thre_waiting;	/* THR busy: the interrupt comes with room */
	bool rx_wanted;		/* the console has input waiting for room */
	int irq_level;
	uint8_t rx[FIFO_SIZE];
	unsigned rx_head, rx_count;
};

static uint8_t iir(const struct serial *s)
{
	uint8_t fifo = s->fcr & FCR_ENABLE ? IIR_FIFO : 0;

	if ((s->ier & IER_RDA) && s->rx_count)
		return fifo | IIR_RDA;
	if ((s->ier & IER_THRE) && s->thre_pending)
		return fifo | IIR_THRE;
	return fifo | IIR_NONE;
}

static void update_irq(struct serial *s)
{
	int level = !(iir(s) & IIR_NONE) && (s->mcr & MCR_OUT2);

	if (level != s->irq_level) {
		s->irq_level = level;
		vm_irq_line(s->vm, COM1_IRQ, level);
	}
}

static unsigned rx_push(struct serial *s, const uint8_t *buf, size_t len)
{
	unsigned n = 0;

	while (n < len && s->rx_count < FIFO_SIZE) {
		s->rx[(s->rx_head + s->rx_count) % FIFO_SIZE] = buf[n++];
		s->rx_count++;
	}
	return n;
}

static uint8_t rx_pop(struct serial *s)
{
	uint8_t ch;

	if (!s->rx_count)
		return 0;
	ch = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % FIFO_SIZE;
	s->rx_count--;
	if (s->rx_count == 0 && s->rx_wanted) {
		s->rx_wanted = false;
		console_input_ready(s->vm->console);
	}
	return ch;
}

/* Console → FIFO, on the backend thread. */
static size_t serial_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct serial *s = opaque;
	size_t n;

	pthread_mutex_lock(&s->lock);
	/* In loopback the line is disconnected from the outside world. */
	n = s->mcr & MCR_LOOP ? 0 : rx_push(s, buf, len);
	if (n < len)
		s->rx_wanted = true;
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* THR empty: room in the console for what a driver writes per THRE. */
static bool thr_empty(struct serial *s)
{
	return (s->mcr & MCR_LOOP) || console_has_room(s->vm->console, FIFO_SIZE);
}

/* THR is empty now, or will say so by interrupt once the console has room. */
static void thr_emptied(struct serial *s)
{
	if (thr_empty(s))
		s->thre_pending = true;
	else
		s->thre_waiting = true;
}

/* False when the console is full: a guest that ignored LSR waits. */
static bool transmit(struct serial *s, uint8_t ch)
{
	if (s->mcr & MCR_LOOP)
		rx_push(s, &ch, 1);
	else if (console_write(s->vm->console, &ch, 1) == 0)
		return false;
	thr_emptied(s);
	return true;
}

/* The console has room again: backend thread. */
static void serial_room(void *opaque)
{
	struct serial *s = opaque;

	pthread_mutex_lock(&s->lock);
	if (s->thre_waiting && thr_empty(s)) {
		s->thre_waiting = false;
		s->thre_pending = true;
		update_irq(s);
	}
	pthread_mutex_unlock(&s->lock);
}

static uint8_t modem_status(const struct serial *s)
{
	uint8_t m = s->mcr;

	if (!(m & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS;
	return (uint8_t)(((m & MCR_RTS) ? MSR_CTS : 0) |
			 ((m & MCR_DTR) ? MSR_DSR : 0) |
			 ((m & MCR_OUT1) ? MSR_RI : 0) |
			 ((m & MCR_OUT2) ? MSR_DCD : 0));
}

static uint8_t serial_read(struct serial *s, unsigned reg)
{
	uint8_t v;

	switch (reg) {
	case RBR_THR:
		return s->lcr & LCR_DLAB ? s->dll : rx_pop(s);
	case IER:
		return s->lcr & LCR_DLAB ? s->dlm : s->ier;
	case IIR_FCR:
		v = iir(s);
		/* Reading IIR acknowledges a THR-empty interrupt. */
		if ((v & 0x0f) == IIR_THRE)
			s->thre_pending = false;
		return v;
	case LCR:
		return s->lcr;
	case MCR:
		return s->mcr;
	case LSR:
		return (uint8_t)((thr_empty(s) ? LSR_THRE | LSR_TEMT : 0) |
				 (s->rx_count ? LSR_DR : 0));
	case MSR:
		return modem_status(s);
	default:
		return s->scr;
	}
}

/* False: a THR write found the console full; nothing changed. */
static bool serial_write(struct serial *s, unsigned reg, uint8_t v)
{
	switch (reg) {
	case RBR_THR:
		if (!(s->lcr & LCR_DLAB))
			return transmit(s, v);
		s->dll = v;
		break;
	case IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			break;
		}
		/* Enabling THRE with THR empty raises the interrupt at once. */
		if ((v & IER_THRE) && !(s->ier & IER_THRE))
			thr_emptied(s);
		s->ier = v & 0x0f;
		break;
	case IIR_FCR:
		s->fcr = v & (FCR_ENABLE | 0xc0);
		if (v & FCR_CLEAR_RX) {
			s->rx_count = 0;
			if (s->rx_wanted) {
				s->rx_wanted = false;
				console_input_ready(s->vm->console);
			}
		}
		break;
	case LCR:
		s->lcr = v;
		break;
	case MCR:
		s->mcr = v & 0x1f;
		break;
	case SCR:
		s->scr = v;
		break;
	default:
		break;		/* LSR and MSR are read-only */
	}
	return true;
}

static void serial_io(void *opaque, uint64_t addr, uint8_t *data, uint32_t len,
		      bool is_write)
{
	struct serial *s = opaque;
	unsigned reg = (unsigned)(addr - COM1_PORT);

	pthread_mutex_lock(&s->lock);
	if (is_write) {
		/* The vCPU waits, not the loop; a stop ends the wait. */
		while (!serial_write(s, reg, data[0])) {
			pthread_mutex_unlock(&s->lock);
			if (!console_wait_room(s->vm->console))
				return;
			pthread_mutex_lock(&s->lock);
		}
	} else {
		memset(data, 0xff, len);
		data[0] = serial_read(s, reg);
	}
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static int serial_init(struct vm *vm, void **state)
{
	struct serial *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	*state = s;
	pthread_mutex_init(&s->lock, NULL);
	s->vm = vm;
	s->mcr = MCR_OUT2;
	s->dll = 12;	/* 9600 baud, as firmware leaves it */
	if (bus_register(&vm->pio, COM1_PORT, 8, serial_io, s, "serial") < 0)
		return -1;
	console_set_input(vm->console, serial_input, s);
	return console_on_room(vm->console, serial_room, s);
}

static void serial_exit(void *state)
{
	struct serial *s = state;

	if (!s)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* The registers, the receive FIFO and the interrupt line as the guest
 * last saw them; a transmitter waiting for console room is empty now
 * (the new run's console has room). */
struct serial_saved {
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	uint8_t thre_pending, irq_level, rx_head, rx_count;
	uint8_t rx[FIFO_SIZE];
};

static long serial_save(void *state, void *buf)
{
	struct serial *s = state;
	struct serial_saved v;

	pthread_mutex_lock(&s->lock);
	v = (struct serial_saved){
		.ier = s->ier, .lcr = s->lcr, .mcr = s->mcr, .scr = s->scr,
		.fcr = s->fcr, .dll = s->dll, .dlm = s->dlm,
		.thre_pending = s->thre_pending || s->thre_waiting,
		.irq_level = (uint8_t)s->irq_level,
		.rx_head = (uint8_t)s->rx_head, .rx_count = (uint8_t)s->rx_count,
	};
	memcpy(v.rx, s->rx, sizeof(v.rx));
	pthread_mutex_unlock(&s->lock);
	memcpy(buf, &v, sizeof(v));
	return sizeof(v);
}

static int serial_load(void *state, const void *buf, size_t len)
{
	struct serial *s = state;
	struct serial_saved v;

	if (len != sizeof(v))
		return device_bad_state("serial", len);
	memcpy(&v, buf, sizeof(v));
	if (v.rx_head >= FIFO_SIZE || v.rx_count > FIFO_SIZE)
		return device_bad_state("serial", len);
	s->ier = v.ier;
	s->lcr = v.lcr;
	s->mcr = v.mcr;
	s->scr = v.scr;
	s->fcr = v.fcr;
	s->dll = v.dll;
	s->dlm = v.dlm;
	s->thre_pending = v.thre_pending;
	s->irq_level = v.irq_level != 0;	/* the irqchip's own state agrees */
	s->rx_head = v.rx_head;
	s->rx_count = v.rx_count;
	memcpy(s->rx, v.rx, sizeof(s->rx));
	return 0;
}

static const struct device_ops serial_dev = {
	.name = "serial",
	.init = serial_init,
	.exit = serial_exit,
	.save = serial_save,
	.load = serial_load,
};
DEVICE_REGISTER(serial_dev)
