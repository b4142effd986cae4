/*
 * 8259A programmable interrupt controller pair, as wired in a PC: the
 * slave's INT on the master's IR2, edge/level per input from the ELCR.
 * Modelled after the Intel datasheet; the fully nested mode, specific and
 * rotating EOIs, auto-EOI, special mask and poll mode are there because
 * old guests use them. Every guest value is masked to its field: no input
 * can index outside a register.
 */
#include <string.h>

#include "i8259.h"

static uint8_t bit(unsigned n)
{
	return (uint8_t)(1u << (n & 7));
}

static void chip_reset(struct i8259_chip *c, uint8_t elcr_mask)
{
	uint8_t elcr = c->elcr;

	memset(c, 0, sizeof(*c));
	c->elcr = elcr & elcr_mask;
	c->elcr_mask = elcr_mask;
}

void i8259_reset(struct i8259 *p)
{
	memset(p, 0, sizeof(*p));
	/* Timer, keyboard, cascade and RTC inputs are always edge on a PC. */
	chip_reset(&p->chip[0], 0xf8);
	chip_reset(&p->chip[1], 0xde);
}

/* Priority 0 (highest) to 7 of the highest set bit in mask, 8 if none. */
static unsigned priority(const struct i8259_chip *c, uint8_t mask)
{
	unsigned prio = 0;

	if (!mask)
		return 8;
	while (!(mask & bit(prio + c->priority_add)))
		prio++;
	return prio;
}

/* The input this chip would raise INT for, or -1. */
static int chip_pending(const struct i8259_chip *c, bool master)
{
	uint8_t in_service = c->isr;
	unsigned prio = priority(c, c->irr & ~c->imr), cur;

	if (prio == 8)
		return -1;
	if (c->special_mask)
		in_service &= ~c->imr;
	/* Special fully nested: the slave may interrupt its own cascade. */
	if (master && c->special_nested)
		in_service &= ~bit(2);
	cur = priority(c, in_service);
	return prio < cur ? (int)((prio + c->priority_add) & 7) : -1;
}

static void chip_set_input(struct i8259_chip *c, unsigned n, int level)
{
	uint8_t m = bit(n);

	if (c->elcr & m) {
		if (level) {
			c->irr |= m;
			c->last_irr |= m;
		} else {
			c->irr &= ~m;
			c->last_irr &= ~m;
		}
		return;
	}
	if (level) {
		if (!(c->last_irr & m))
			c->irr |= m;
		c->last_irr |= m;
	} else {
		c->last_irr &= ~m;
	}
}

/*
 * The slave's INT is the master's IR2, an edge input: a request the slave
 * still has after an acknowledge (a level input, auto-EOI) is a new edge.
 */
static void update_cascade(struct i8259 *p)
{
	bool pending = chip_pending(&p->chip[1], false) >= 0;

	if (pending)
		chip_set_input(&p->chip[0], 2, 0);
	chip_set_input(&p->chip[0], 2, pending);
}

void i8259_set_irq(struct i8259 *p, unsigned irq, int level)
{
	if (irq > 15)
		return;
	chip_set_input(&p->chip[irq >> 3], irq & 7, level);
	update_cascade(p);
}

bool i8259_output(const struct i8259 *p)
{
	return chip_pending(&p->chip[0], true) >= 0;
}

static void intack(struct i8259_chip *c, unsigned n)
{
	if (c->auto_eoi) {
		if (c->rotate_on_auto_eoi)
			c->priority_add = (uint8_t)((n + 1) & 7);
	} else {
		c->isr |= bit(n);
	}
	/* A level input stays requested until the device lowers it. */
	if (!(c->elcr & bit(n)))
		c->irr &= ~bit(n);
}

uint8_t i8259_ack(struct i8259 *p, int *irq)
{
	struct i8259_chip *m = &p->chip[0], *s = &p->chip[1];
	int n = chip_pending(m, true), n2;
	uint8_t vec;

	*irq = -1;
	if (n < 0)
		return (uint8_t)(m->irq_base + 7);	/* spurious IRQ 7 */
	if (n == 2) {
		n2 = chip_pending(s, false);
		if (n2 >= 0) {
			intack(s, (unsigned)n2);
			*irq = 8 + n2;
		} else {
			n2 = 7;			/* spurious IRQ 15 */
		}
		vec = (uint8_t)(s->irq_base + n2);
	} else {
		*irq = n;
		vec = (uint8_t)(m->irq_base + n);
	}
	intack(m, (unsigned)n);
	update_cascade(p);
	return vec;
}

/* Poll mode: a read of either port acknowledges, as an INTA cycle does. */
static uint8_t poll_read(struct i8259 *p, struct i8259_chip *c)
{
	bool master = c == &p->chip[0];
	int n = chip_pending(c, master);

	c->poll = false;
	if (n < 0)
		return 0;
	if (master && n == 2)
		p->chip[1].poll = true;	/* the slave answers the next read */
	intack(c, (unsigned)n);
	if (!master)
		update_cascade(p);
	return (uint8_t)(0x80 | n);
}

uint8_t i8259_read(struct i8259 *p, uint16_t port)
{
	struct i8259_chip *c;

	if (port == 0x4d0 || port == 0x4d1)
		return p->chip[port & 1].elcr;
	c = &p->chip[(port >> 7) & 1];
	if (c->poll)
		return poll_read(p, c);
	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

static void eoi(struct i8259_chip *c, unsigned n, bool rotate)
{
	c->isr &= ~bit(n);
	if (rotate)
		c->priority_add = (uint8_t)((n + 1) & 7);
}

static void write_ocw2(struct i8259_chip *c, uint8_t val)
{
	unsigned prio;

	switch (val >> 5) {
	case 0:				/* rotate in auto-EOI: clear */
	case 4:				/* rotate in auto-EOI: set */
		c->rotate_on_auto_eoi = val >> 7;
		break;
	case 1:				/* non-specific EOI */
	case 5:				/* rotate on non-specific EOI */
		prio = priority(c, c->isr);
		if (prio < 8)
			eoi(c, (prio + c->priority_add) & 7, val >> 7);
		break;
	case 3:				/* specific EOI */
	case 7:				/* rotate on specific EOI */
		eoi(c, val & 7, val >> 7);
		break;
	case 6:				/* set priority */
		c->priority_add = (uint8_t)((val + 1) & 7);
		break;
	default:			/* 2: no operation */
		break;
	}
}

static void write_command(struct i8259_chip *c, uint8_t val)
{
	if (val & 0x10) {		/* ICW1: start initialisation */
		chip_reset(c, c->elcr_mask);
		c->init_state = 1;
		c->init4 = val & 1;
		c->single = val & 2;
		return;
	}
	if (val & 0x08) {		/* OCW3 */
		if (val & 0x04)
			c->poll = true;
		if (val & 0x02)
			c->read_isr = val & 1;
		if (val & 0x40)
			c->special_mask = (val >> 5) & 1;
		return;
	}
	write_ocw2(c, val);
}

static void write_data(struct i8259_chip *c, uint8_t val)
{
	switch (c->init_state) {
	case 0:				/* OCW1 */
		c->imr = val;
		break;
	case 1:				/* ICW2: vector base */
		c->irq_base = val & 0xf8;
		c->init_state = c->single ? (c->init4 ? 3 : 0) : 2;
		break;
	case 2:				/* ICW3: cascade wiring, fixed here */
		c->init_state = c->init4 ? 3 : 0;
		break;
	default:			/* ICW4 */
		c->special_nested = (val >> 4) & 1;
		c->auto_eoi = (val >> 1) & 1;
		c->init_state = 0;
		break;
	}
}

void i8259_write(struct i8259 *p, uint16_t port, uint8_t val)
{
	struct i8259_chip *c;

	if (port == 0x4d0 || port == 0x4d1) {
		c = &p->chip[port & 1];
		c->elcr = val & c->elcr_mask;
		return;
	}
	c = &p->chip[(port >> 7) & 1];
	if (port & 1)
		write_data(c, val);
	else
		write_command(c, val);
	update_cascade(p);
}
