/* src/irqchip/: the 8259 PIC pair, the IOAPIC and the 8254 PIT models. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "irqchip/i8254.h"
#include "irqchip/i8259.h"
#include "irqchip/ioapic.h"

/* ---- 8259 ---- */

/* What PC firmware and Linux write: ICW1-ICW4, vectors 0x20 and 0x28. */
static void pic_init(struct i8259 *p, uint8_t icw4)
{
	i8259_reset(p);
	i8259_write(p, 0x20, 0x11);
	i8259_write(p, 0xa0, 0x11);
	i8259_write(p, 0x21, 0x20);
	i8259_write(p, 0xa1, 0x28);
	i8259_write(p, 0x21, 0x04);
	i8259_write(p, 0xa1, 0x02);
	i8259_write(p, 0x21, icw4);
	i8259_write(p, 0xa1, icw4);
	i8259_write(p, 0x21, 0x00);	/* everything unmasked */
	i8259_write(p, 0xa1, 0x00);
}

static uint8_t ack(struct i8259 *p, int *irq)
{
	int dummy;

	return i8259_ack(p, irq ? irq : &dummy);
}

START_TEST(pic_edge_ack_eoi)
{
	struct i8259 p;
	int irq;

	pic_init(&p, 0x01);
	ck_assert(!i8259_output(&p));
	i8259_set_irq(&p, 0, 1);
	ck_assert(i8259_output(&p));
	ck_assert_uint_eq(ack(&p, &irq), 0x20);
	ck_assert_int_eq(irq, 0);
	/* In service: no INT, and the edge is consumed even while high. */
	ck_assert(!i8259_output(&p));
	i8259_set_irq(&p, 0, 1);
	ck_assert(!i8259_output(&p));
	i8259_write(&p, 0x20, 0x0b);	/* OCW3: read ISR */
	ck_assert_uint_eq(i8259_read(&p, 0x20), 0x01);
	i8259_write(&p, 0x20, 0x20);	/* non-specific EOI */
	ck_assert_uint_eq(i8259_read(&p, 0x20), 0x00);
	ck_assert(!i8259_output(&p));	/* no new edge */
	i8259_set_irq(&p, 0, 0);
	i8259_set_irq(&p, 0, 1);
	ck_assert(i8259_output(&p));
}
END_TEST

START_TEST(pic_priority_and_mask)
{
	struct i8259 p;
	int irq;

	pic_init(&p, 0x01);
	i8259_write(&p, 0x21, 0x02);	/* mask IRQ 1 */
	i8259_set_irq(&p, 1, 1);
	ck_assert(!i8259_output(&p));
	i8259_write(&p, 0x20, 0x0a);	/* OCW3: read IRR */
	ck_assert_uint_eq(i8259_read(&p, 0x20), 0x02);
	ck_assert_uint_eq(i8259_read(&p, 0x21), 0x02);
	i8259_set_irq(&p, 4, 1);
	i8259_set_irq(&p, 3, 1);
	ck_assert_uint_eq(ack(&p, &irq), 0x23);	/* 3 before 4 */
	/* 4 is lower priority than 3 in service: waits for the EOI. */
	ck_assert(!i8259_output(&p));
	i8259_write(&p, 0x20, 0x63);	/* specific EOI for 3 */
	ck_assert_uint_eq(ack(&p, &irq), 0x24);
	ck_assert_int_eq(irq, 4);
	i8259_write(&p, 0x21, 0x00);	/* unmask 1: it outranks 4 */
	ck_assert(i8259_output(&p));
	ck_assert_uint_eq(ack(&p, &irq), 0x21);
}
END_TEST

START_TEST(pic_cascade_and_spurious)
{
	struct i8259 p;
	int irq;

	pic_init(&p, 0x01);
	i8259_set_irq(&p, 12, 1);
	ck_assert(i8259_output(&p));
	ck_assert_uint_eq(ack(&p, &irq), 0x2c);
	ck_assert_int_eq(irq, 12);
	i8259_write(&p, 0xa0, 0x20);	/* EOI slave, then master */
	i8259_write(&p, 0x20, 0x20);
	ck_assert(!i8259_output(&p));
	/* Nothing pending at INTA: IRQ 7's vector, no input served. */
	ck_assert_uint_eq(ack(&p, &irq), 0x27);
	ck_assert_int_eq(irq, -1);
	/* Out-of-range inputs are ignored. */
	i8259_set_irq(&p, 16, 1);
	i8259_set_irq(&p, 0xffffffffu, 1);
	ck_assert(!i8259_output(&p));
}
END_TEST

START_TEST(pic_level_auto_eoi_poll)
{
	struct i8259 p;
	int irq;

	pic_init(&p, 0x03);		/* auto-EOI */
	i8259_write(&p, 0x4d1, 0xff);	/* slave inputs level, as allowed */
	ck_assert_uint_eq(i8259_read(&p, 0x4d1), 0xde);
	i8259_set_irq(&p, 9, 1);
	ck_assert_uint_eq(ack(&p, &irq), 0x29);
	/* Auto-EOI and still high: a level input asks again at once. */
	ck_assert(i8259_output(&p));
	/* Dropped before INTA: the 8259's spurious IRQ 15 (datasheet). */
	i8259_set_irq(&p, 9, 0);
	ck_assert_uint_eq(ack(&p, &irq), 0x2f);
	ck_assert_int_eq(irq, -1);
	ck_assert(!i8259_output(&p));
	/* Poll mode: the read acknowledges and names the input. */
	i8259_set_irq(&p, 5, 1);
	i8259_write(&p, 0x20, 0x0c);
	ck_assert_uint_eq(i8259_read(&p, 0x20), 0x85);
	ck_assert(!i8259_output(&p));
	i8259_write(&p, 0x20, 0x0c);
	ck_assert_uint_eq(i8259_read(&p, 0x20), 0x00);
}
END_TEST

/* ---- IOAPIC ---- */

static void redir_write(struct ioapic *io, unsigned pin, uint64_t e)
{
	ioapic_write(io, 0, 0x10 + 2 * pin + 1);
	ioapic_write(io, 0x10, (uint32_t)(e >> 32));
	ioapic_write(io, 0, 0x10 + 2 * pin);
	ioapic_write(io, 0x10, (uint32_t)e);
}

static uint64_t redir_read(struct ioapic *io, unsigned pin)
{
	uint64_t lo, hi;

	ioapic_write(io, 0, 0x10 + 2 * pin);
	lo = ioapic_read(io, 0x10);
	ioapic_write(io, 0, 0x10 + 2 * pin + 1);
	hi = ioapic_read(io, 0x10);
	return hi << 32 | lo;
}

START_TEST(ioapic_registers)
{
	struct ioapic io;

	ioapic_reset(&io);
	ioapic_write(&io, 0, 0x01);
	ck_assert_uint_eq(ioapic_read(&io, 0x10), 0x170011);	/* 24 pins */
	ioapic_write(&io, 0, 0x00);
	ck_assert_uint_eq(ioapic_read(&io, 0x10), IOAPIC_ID << 24);
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		ck_assert_uint_eq(redir_read(&io, i), IOAPIC_MASKED);
	/* Delivery status and remote IRR are read-only. */
	redir_write(&io, 3, 0x0300000000000031ULL | 1 << 12 | IOAPIC_REMOTE_IRR);
	ck_assert_uint_eq(redir_read(&io, 3), 0x0300000000000031ULL);
	ck_assert_uint_eq(io.routes_changed, 1u << 3);
	/* Past the last entry and odd offsets: nothing, no crash. */
	ioapic_write(&io, 0, 0x10 + 2 * IOAPIC_PINS);
	ioapic_write(&io, 0x10, 0xffffffff);
	ck_assert_uint_eq(ioapic_read(&io, 0x10), 0);
	ck_assert_uint_eq(ioapic_read(&io, 0x20), 0);
	ioapic_write(&io, 0, 0xff);
	ck_assert_uint_eq(ioapic_read(&io, 0), 0xff);
}
END_TEST

START_TEST(ioapic_msi_encoding)
{
	struct ioapic io;
	struct ioapic_msi m;

	ioapic_reset(&io);
	/* vector 0x31, lowest priority, logical, level, dest 0x03 */
	redir_write(&io, 5, 0x0300000000008931ULL);
	ck_assert(ioapic_msi(&io, 5, &m));
	ck_assert_uint_eq(m.addr, 0xfee03000ULL | 1 << 2 | 1 << 3);
	ck_assert_uint_eq(m.data, 0x31 | 1 << 8 | 1 << 15);
	/* ExtINT and INIT are not messages a local APIC takes from us. */
	redir_write(&io, 6, 0x0731);
	ck_assert(!ioapic_msi(&io, 6, &m));
	redir_write(&io, 6, 0x0531);
	ck_assert(!ioapic_msi(&io, 6, &m));
}
END_TEST

START_TEST(ioapic_edge)
{
	struct ioapic io;

	ioapic_reset(&io);
	ioapic_set_irq(&io, 4, 1);		/* masked: dropped */
	ck_assert_uint_eq(io.nr_out, 0);
	ioapic_set_irq(&io, 4, 0);
	redir_write(&io, 4, 0x0000000000000034ULL);
	ck_assert_uint_eq(io.nr_out, 0);
	ioapic_set_irq(&io, 4, 1);
	ck_assert_uint_eq(io.nr_out, 1);
	ck_assert_uint_eq(io.out[0].data, 0x34);
	ck_assert_uint_eq(io.out[0].addr, 0xfee00000ULL);
	ioapic_set_irq(&io, 4, 1);		/* no new edge */
	ck_assert_uint_eq(io.nr_out, 1);
	ioapic_set_irq(&io, 4, 0);
	ioapic_set_irq(&io, 4, 1);
	ck_assert_uint_eq(io.nr_out, 2);
	/* Active low: the falling input is the edge. */
	io.nr_out = 0;
	redir_write(&io, 7, 0x0000000000002035ULL);
	ioapic_set_irq(&io, 7, 1);
	ck_assert_uint_eq(io.nr_out, 0);
	ioapic_set_irq(&io, 7, 0);
	ck_assert_uint_eq(io.nr_out, 1);
	ioapic_set_irq(&io, IOAPIC_PINS, 1);	/* no such pin */
	ck_assert_uint_eq(io.nr_out, 1);
}
END_TEST

START_TEST(ioapic_level_eoi)
{
	struct ioapic io;

	ioapic_reset(&io);
	redir_write(&io, 9, 0x0000000000018041ULL);	/* level, masked */
	ioapic_set_irq(&io, 9, 1);
	ck_assert_uint_eq(io.nr_out, 0);
	redir_write(&io, 9, 0x0000000000008041ULL);	/* unmask: delivers */
	ck_assert_uint_eq(io.nr_out, 1);
	ck_assert(redir_read(&io, 9) & IOAPIC_REMOTE_IRR);
	ioapic_set_irq(&io, 9, 1);		/* remote IRR: held */
	ck_assert_uint_eq(io.nr_out, 1);
	ioapic_eoi(&io, 0x42);			/* another vector */
	ck_assert_uint_eq(io.nr_out, 1);
	ioapic_eoi(&io, 0x41);			/* still high: again */
	ck_assert_uint_eq(io.nr_out, 2);
	ck_assert_uint_eq(io.out[1].data, 0x41 | 1 << 15);
	ioapic_set_irq(&io, 9, 0);
	ioapic_eoi(&io, 0x41);
	ck_assert_uint_eq(io.nr_out, 2);
	ck_assert(!(redir_read(&io, 9) & IOAPIC_REMOTE_IRR));
}
END_TEST

/* ---- 8254 ---- */

#define MS 1000000ULL

/* A 16-bit count read LSB first, then MSB (in this order: two calls in
 * one expression could run either way round). */
static unsigned read16(struct i8254 *p, uint16_t port, uint64_t now)
{
	unsigned lo = i8254_read(p, port, now);

	return lo | (unsigned)i8254_read(p, port, now) << 8;
}

START_TEST(pit_rate_generator)
{
	struct i8254 p;
	uint64_t first, period, t0 = 5 * MS;

	i8254_reset(&p, 0);
	ck_assert(!i8254_timer(&p, &first, &period));
	i8254_write(&p, 0x43, 0x34, t0);	/* ch 0, lo/hi, mode 2 */
	i8254_write(&p, 0x40, 1193 & 0xff, t0);
	ck_assert(!i8254_timer(&p, &first, &period));	/* half a count */
	i8254_write(&p, 0x40, 1193 >> 8, t0);
	ck_assert(i8254_timer(&p, &first, &period));
	ck_assert_uint_eq(period, 999848);	/* 1193 / 1.193182 MHz, ns */
	ck_assert_uint_eq(first, t0 + period);
	/* Latched half way: LSB then MSB of 1193 - 596 ticks, later. */
	i8254_write(&p, 0x43, 0x00, t0 + period / 2);
	ck_assert_uint_eq(read16(&p, 0x40, t0 + 2 * period), 597);
	/* Unlatched: the live count, 1193 - 1193 * 3/4 - rounding. */
	ck_assert_uint_eq(read16(&p, 0x40, t0 + period * 3 / 4), 299);
	/* A new mode word stops channel 0 until its count is written. */
	i8254_write(&p, 0x43, 0x30, t0);
	ck_assert(!i8254_timer(&p, &first, &period));
	i8254_write(&p, 0x40, 0x00, t0);
	i8254_write(&p, 0x40, 0x00, t0);	/* 0 is 65536 */
	ck_assert(i8254_timer(&p, &first, &period));
	ck_assert_uint_eq(period, 0);		/* mode 0: one-shot */
	ck_assert_uint_eq(first, t0 + 54925402);	/* rounded up */
}
END_TEST

START_TEST(pit_channel2_and_readback)
{
	struct i8254 p;

	i8254_reset(&p, 0);
	/* What Linux's PIT calibration does: gate on, mode 0, count 0xffff. */
	i8254_write(&p, 0x61, 0x01, 0);
	i8254_write(&p, 0x43, 0xb0, 0);
	i8254_write(&p, 0x42, 0xff, 0);
	i8254_write(&p, 0x42, 0xff, 0);
	ck_assert_uint_eq(i8254_read(&p, 0x61, 0) & 0x21, 0x01);	/* OUT2 low */
	ck_assert_uint_eq(i8254_read(&p, 0x61, 60 * MS) & 0x20, 0x20);	/* expired */
	/* Read-back of channel 2's status and count, at 1 ms. */
	i8254_write(&p, 0x43, 0xc8, MS);
	ck_assert_uint_eq(i8254_read(&p, 0x42, 2 * MS), 0x30);	/* mode 0, lo/hi */
	ck_assert_uint_eq(read16(&p, 0x42, 2 * MS), 0xffff - 1193);
	/* The control port reads as nothing; other ports are ignored. */
	ck_assert_uint_eq(i8254_read(&p, 0x43, 0), 0xff);
	i8254_write(&p, 0x44, 0x12, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("irqchip");
	TCase *tc = tcase_create("irqchip");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, pic_edge_ack_eoi);
	tcase_add_test(tc, pic_priority_and_mask);
	tcase_add_test(tc, pic_cascade_and_spurious);
	tcase_add_test(tc, pic_level_auto_eoi_poll);
	tcase_add_test(tc, ioapic_registers);
	tcase_add_test(tc, ioapic_msi_encoding);
	tcase_add_test(tc, ioapic_edge);
	tcase_add_test(tc, ioapic_level_eoi);
	tcase_add_test(tc, pit_rate_generator);
	tcase_add_test(tc, pit_channel2_and_readback);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
