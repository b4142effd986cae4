/*
 * 8254 PIT. Channel 0 is the timer interrupt (IRQ 0), channel 1 the old
 * DRAM refresh, channel 2 the speaker, gated and read back through port
 * 0x61, which Linux and others use to calibrate their clocks. Modes 0-5,
 * binary counting (BCD is accepted and counted in binary: no guest of
 * ours needs it), counter latch and read-back commands.
 */
#include <string.h>

#include "i8254.h"

#define NS	1000000000ULL

enum { RW_LATCH, RW_LSB, RW_MSB, RW_WORD };

void i8254_reset(struct i8254 *p, uint64_t now)
{
	memset(p, 0, sizeof(*p));
	for (unsigned i = 0; i < 3; i++) {
		p->ch[i].count = 0x10000;
		p->ch[i].load_ns = now;
		p->ch[i].rw = p->ch[i].read_state = p->ch[i].write_state = RW_LSB;
		p->ch[i].gate = i != 2;		/* channel 2: port 0x61 bit 0 */
	}
}

/* Input clock ticks since counting started. */
static uint64_t ticks(const struct i8254_channel *c, uint64_t now)
{
	uint64_t d = now > c->load_ns ? now - c->load_ns : 0;

	return (uint64_t)((unsigned __int128)d * I8254_HZ / NS);
}

static uint64_t ticks_to_ns(uint64_t t)
{
	return (uint64_t)(((unsigned __int128)t * NS + I8254_HZ - 1) / I8254_HZ);
}

uint16_t i8254_count(const struct i8254 *p, unsigned n, uint64_t now)
{
	const struct i8254_channel *c = &p->ch[n % 3];
	uint64_t d = ticks(c, now);

	switch (c->mode) {
	case 2:
		return (uint16_t)(c->count - d % c->count);
	case 3:
		return (uint16_t)(c->count - (2 * d) % c->count);
	default:			/* 0, 1, 4, 5: count down once, then wrap */
		return (uint16_t)(c->count - d);
	}
}

static bool output(const struct i8254_channel *c, uint64_t now)
{
	uint64_t d = ticks(c, now);

	switch (c->mode) {
	case 0:
		return d >= c->count;
	case 1:
		return d < c->count;
	case 2:
		return d % c->count != c->count - 1;
	case 3:
		return d % c->count < (c->count + 1) / 2;
	default:			/* 4, 5: one low pulse at terminal count */
		return d != c->count;
	}
}

bool i8254_timer(const struct i8254 *p, uint64_t *first, uint64_t *period)
{
	const struct i8254_channel *c = &p->ch[0];

	if (!c->armed)
		return false;
	*first = c->load_ns + ticks_to_ns(c->count);
	*period = c->mode == 2 || c->mode == 3 ? ticks_to_ns(c->count) : 0;
	return true;
}

static void load(struct i8254_channel *c, uint32_t val, uint64_t now)
{
	c->count = val ? val : 0x10000;
	c->load_ns = now;
	c->armed = c->gate || (c->mode != 1 && c->mode != 5);
}

static void latch(struct i8254_channel *c, unsigned n, const struct i8254 *p,
		  uint64_t now)
{
	if (c->latched)
		return;			/* the first latch holds until read */
	c->latch = i8254_count(p, n, now);
	c->latched = true;
}

static void read_back(struct i8254 *p, uint8_t val, uint64_t now)
{
	for (unsigned n = 0; n < 3; n++) {
		struct i8254_channel *c = &p->ch[n];

		if (!(val & (2u << n)))
			continue;
		if (!(val & 0x20))
			latch(c, n, p, now);
		if (!(val & 0x10) && !c->status_latched) {
			c->status = (uint8_t)((output(c, now) ? 0x80 : 0) |
					      c->rw << 4 | c->mode << 1 | c->bcd);
			c->status_latched = true;
		}
	}
}

static void control(struct i8254 *p, uint8_t val, uint64_t now)
{
	unsigned n = val >> 6;
	struct i8254_channel *c;

	if (n == 3) {
		read_back(p, val, now);
		return;
	}
	c = &p->ch[n];
	if (((val >> 4) & 3) == RW_LATCH) {
		latch(c, n, p, now);
		return;
	}
	c->rw = c->read_state = c->write_state = (val >> 4) & 3;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;		/* 6 and 7 are 2 and 3 */
	c->bcd = val & 1;
	c->armed = false;		/* a new mode waits for its count */
}

static uint8_t read_data(struct i8254 *p, unsigned n, uint64_t now)
{
	struct i8254_channel *c = &p->ch[n];
	uint16_t v;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	v = c->latched ? c->latch : i8254_count(p, n, now);
	switch (c->read_state) {
	case RW_MSB:
		c->latched = false;
		return (uint8_t)(v >> 8);
	case RW_WORD:			/* LSB now, MSB next */
		c->read_state = RW_WORD + 1;
		return (uint8_t)v;
	case RW_WORD + 1:
		c->read_state = RW_WORD;
		c->latched = false;
		return (uint8_t)(v >> 8);
	default:
		c->latched = false;
		return (uint8_t)v;
	}
}

static void write_data(struct i8254 *p, unsigned n, uint8_t val, uint64_t now)
{
	struct i8254_channel *c = &p->ch[n];

	switch (c->write_state) {
	case RW_MSB:
		load(c, (uint32_t)val << 8, now);
		break;
	case RW_WORD:
		c->write_lsb = val;
		c->write_state = RW_WORD + 1;
		break;
	case RW_WORD + 1:
		load(c, c->write_lsb | (uint32_t)val << 8, now);
		c->write_state = RW_WORD;
		break;
	default:
		load(c, val, now);
	}
}

/* Channel 2's gate: a rising edge restarts counting in modes 1, 2, 3, 5. */
static void set_gate2(struct i8254 *p, bool gate, uint64_t now)
{
	struct i8254_channel *c = &p->ch[2];

	if (gate && !c->gate && c->mode != 0 && c->mode != 4)
		c->load_ns = now;
	c->gate = gate;
}

uint8_t i8254_read(struct i8254 *p, uint16_t port, uint64_t now)
{
	if (port == 0x61)
		/* bit 4 toggles with the 15 us refresh clock, 5 is OUT2 */
		return (uint8_t)(p->ch[2].gate | (p->port61 & 2) |
				 ((now / 15085) & 1) << 4 |
				 output(&p->ch[2], now) << 5);
	if (port >= 0x40 && port <= 0x42)
		return read_data(p, port - 0x40, now);
	return 0xff;			/* the control word is write-only */
}

void i8254_write(struct i8254 *p, uint16_t port, uint8_t val, uint64_t now)
{
	if (port == 0x61) {
		p->port61 = val & 2;
		set_gate2(p, val & 1, now);
	} else if (port == 0x43) {
		control(p, val, now);
	} else if (port >= 0x40 && port <= 0x42) {
		write_data(p, port - 0x40, val, now);
	}
}
