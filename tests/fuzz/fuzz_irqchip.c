/*
 * libFuzzer harness: the split irqchip's register models (src/irqchip/)
 * driven by a guest that writes anything anywhere. Each 8-byte record is
 * one operation: which model, what (port or register access, input
 * level, INTA, EOI), an address byte, a 32-bit value and a time step.
 * The models must never index outside their state and keep their
 * invariants: an IOAPIC delivers at most one message per pin and call.
 */
#include <stdint.h>
#include <string.h>

#include "irqchip/i8254.h"
#include "irqchip/i8259.h"
#include "irqchip/ioapic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t pic_ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };
static const uint16_t pit_ports[] = { 0x40, 0x41, 0x42, 0x43, 0x61 };

static void pic_op(struct i8259 *p, uint8_t what, uint8_t addr, uint32_t v)
{
	int irq;

	switch (what % 4) {
	case 0:
		i8259_write(p, pic_ports[addr % 6], (uint8_t)v);
		break;
	case 1:
		(void)i8259_read(p, pic_ports[addr % 6]);
		break;
	case 2:
		i8259_set_irq(p, addr, (int)(v & 1));	/* any input number */
		break;
	default:
		if (i8259_output(p))
			(void)i8259_ack(p, &irq);
	}
}

static void ioapic_op(struct ioapic *io, uint8_t what, uint8_t addr,
		      uint32_t v)
{
	struct ioapic_msi m;

	switch (what % 5) {
	case 0:
		ioapic_write(io, addr & 0x1f, v);
		break;
	case 1:
		(void)ioapic_read(io, addr & 0x1f);
		break;
	case 2:
		ioapic_set_irq(io, addr, (int)(v & 1));
		break;
	case 3:
		ioapic_eoi(io, (uint8_t)v);
		break;
	default:
		(void)ioapic_msi(io, addr % IOAPIC_PINS, &m);
	}
	if (io->nr_out > IOAPIC_PINS)
		__builtin_trap();
	io->nr_out = 0;		/* as the device does once it has sent them */
}

static void pit_op(struct i8254 *p, uint8_t what, uint8_t addr, uint32_t v,
		   uint64_t now)
{
	uint64_t first, period;

	switch (what % 3) {
	case 0:
		i8254_write(p, pit_ports[addr % 5], (uint8_t)v, now);
		break;
	case 1:
		(void)i8254_read(p, pit_ports[addr % 5], now);
		break;
	default:
		if (i8254_timer(p, &first, &period) && period == 0 &&
		    first < p->ch[0].load_ns)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct i8259 pic;
	struct ioapic io;
	struct i8254 pit;
	uint64_t now = 1000000000ULL;

	i8259_reset(&pic);
	ioapic_reset(&io);
	i8254_reset(&pit, now);
	for (; size >= 8; data += 8, size -= 8) {
		uint32_t v;

		memcpy(&v, data + 3, 4);
		now += (uint64_t)data[7] << 12;		/* up to ~1 ms a step */
		switch (data[0] % 3) {
		case 0:
			pic_op(&pic, data[1], data[2], v);
			break;
		case 1:
			ioapic_op(&io, data[1], data[2], v);
			break;
		default:
			pit_op(&pit, data[1], data[2], v, now);
		}
	}
	return 0;
}
