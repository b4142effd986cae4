/*
 * An 82093AA-style I/O APIC with 24 inputs as a pure register model: no
 * locks, no KVM. It delivers by MSI: each redirection entry is turned
 * into the MSI message (address, data) that the local APICs in KVM
 * accept. src/devices/ioapic.c puts it on the MMIO bus and sends the
 * messages with KVM_SIGNAL_MSI.
 */
#ifndef HVRUN_IOAPIC_H
#define HVRUN_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "../board.h"	/* IOAPIC_BASE, IOAPIC_SIZE, IOAPIC_PINS, IOAPIC_ID */

struct ioapic_msi {
	uint64_t addr;
	uint32_t data;
};

struct ioapic {
	uint32_t id;
	uint32_t regsel;
	uint64_t redir[IOAPIC_PINS];
	uint32_t level;			/* input pins as driven (before polarity) */
	/* Messages to send, collected under the caller's lock and sent after. */
	struct ioapic_msi out[IOAPIC_PINS];
	unsigned nr_out;
	uint32_t routes_changed;	/* pins whose message the guest rewrote */
};

/* Redirection entry fields. */
#define IOAPIC_VECTOR(e)	((uint8_t)(e))
#define IOAPIC_DM_SHIFT		8
#define IOAPIC_DEST_LOGICAL	(1ULL << 11)
#define IOAPIC_POLARITY_LOW	(1ULL << 13)
#define IOAPIC_REMOTE_IRR	(1ULL << 14)
#define IOAPIC_LEVEL		(1ULL << 15)
#define IOAPIC_MASKED		(1ULL << 16)

void ioapic_reset(struct ioapic *io);

/* Drive input pin to level; pins out of range are ignored. */
void ioapic_set_irq(struct ioapic *io, unsigned pin, int level);

/* A local APIC's EOI of vector: clears remote IRR of level entries. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

/* 32-bit accesses to IOREGSEL (offset 0) and IOWIN (0x10). */
uint32_t ioapic_read(struct ioapic *io, uint64_t offset);
void ioapic_write(struct ioapic *io, uint64_t offset, uint32_t val);

/*
 * The MSI message pin's entry describes, whatever its mask. False for an
 * entry the local APICs cannot take as a message (SMI, INIT, ExtINT, or a
 * reserved delivery mode): the pin is then not delivered.
 */
bool ioapic_msi(const struct ioapic *io, unsigned pin, struct ioapic_msi *m);

#endif
