/*
 * The PC's two cascaded 8259A interrupt controllers as a pure register
 * model: no locks, no KVM. src/devices/pic.c puts it on the bus and turns
 * its output into ExtINT interrupts for the boot vCPU.
 */
#ifndef HVRUN_I8259_H
#define HVRUN_I8259_H

#include <stdbool.h>
#include <stdint.h>

struct i8259_chip {
	uint8_t irr, isr, imr;
	uint8_t last_irr;		/* edge detection */
	uint8_t elcr, elcr_mask;	/* level-triggered inputs (port 0x4d0/1) */
	uint8_t irq_base;
	uint8_t priority_add;		/* rotation: lowest-priority input + 1 */
	uint8_t init_state;		/* 0 ready, 1-3: expecting ICW2-ICW4 */
	bool init4, single, auto_eoi, rotate_on_auto_eoi;
	bool special_mask, special_nested, poll;
	bool read_isr;			/* OCW3: reads of the command port */
};

struct i8259 {
	struct i8259_chip chip[2];	/* master (IRQ 0-7), slave (IRQ 8-15) */
};

void i8259_reset(struct i8259 *p);

/* Set input irq (0-15) to level. */
void i8259_set_irq(struct i8259 *p, unsigned irq, int level);

/* The master's INT output: an unmasked request above what is in service. */
bool i8259_output(const struct i8259 *p);

/*
 * The CPU's interrupt acknowledge: the vector to inject (a spurious IRQ 7
 * or 15 when nothing is pending any more). *irq is the input served, or
 * -1 for a spurious one.
 */
uint8_t i8259_ack(struct i8259 *p, int *irq);

/* Port access: port is 0x20/0x21, 0xa0/0xa1, or 0x4d0/0x4d1 (ELCR). */
uint8_t i8259_read(struct i8259 *p, uint16_t port);
void i8259_write(struct i8259 *p, uint16_t port, uint8_t val);

#endif
