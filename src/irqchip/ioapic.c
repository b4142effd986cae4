/*
 * I/O APIC register model. The guest selects a register through IOREGSEL
 * and reads or writes it through IOWIN: 0 id, 1 version, 2 arbitration,
 * 0x10 + 2n / 0x11 + 2n the low and high halves of redirection entry n.
 * Edge inputs deliver on a rising (asserted) edge; level inputs deliver
 * while asserted and remote IRR is clear, and again after the EOI if still
 * asserted. Delivery appends the entry's MSI message to io->out; the
 * caller sends them once it drops its lock.
 */
#include <string.h>

#include "ioapic.h"

#define REG_ID		0x00
#define REG_VERSION	0x01
#define REG_ARB		0x02
#define REG_REDIR	0x10
#define IOWIN		0x10

#define VERSION		(0x11 | ((IOAPIC_PINS - 1) << 16))	/* 82093AA */
/* Bits the guest may write: all but delivery status and remote IRR. */
#define REDIR_RW_MASK	(~(uint64_t)((1 << 12) | IOAPIC_REMOTE_IRR))

#define MSI_ADDR_BASE	0xfee00000ULL

void ioapic_reset(struct ioapic *io)
{
	memset(io, 0, sizeof(*io));
	io->id = IOAPIC_ID;
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = IOAPIC_MASKED;
}

bool ioapic_msi(const struct ioapic *io, unsigned pin, struct ioapic_msi *m)
{
	uint64_t e = io->redir[pin];
	unsigned dm = (e >> IOAPIC_DM_SHIFT) & 7;

	/* Fixed, lowest priority and NMI reach a local APIC as a message. */
	if (dm != 0 && dm != 1 && dm != 4)
		return false;
	m->addr = MSI_ADDR_BASE | ((e >> 56) << 12) |
		  (e & IOAPIC_DEST_LOGICAL ? 1u << 2 : 0) |
		  (dm == 1 ? 1u << 3 : 0);	/* redirection hint */
	m->data = IOAPIC_VECTOR(e) | dm << 8 |
		  (e & IOAPIC_LEVEL ? 1u << 15 : 0);
	return true;
}

static bool asserted(const struct ioapic *io, unsigned pin)
{
	bool high = io->level & (1u << pin);

	return io->redir[pin] & IOAPIC_POLARITY_LOW ? !high : high;
}

static void deliver(struct ioapic *io, unsigned pin)
{
	uint64_t *e = &io->redir[pin];

	if (*e & IOAPIC_MASKED || io->nr_out == IOAPIC_PINS)
		return;
	if (*e & IOAPIC_LEVEL) {
		if (*e & IOAPIC_REMOTE_IRR)
			return;
		*e |= IOAPIC_REMOTE_IRR;
	}
	if (ioapic_msi(io, pin, &io->out[io->nr_out]))
		io->nr_out++;
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, int level)
{
	bool was;

	if (pin >= IOAPIC_PINS)
		return;
	was = asserted(io, pin);
	if (level)
		io->level |= 1u << pin;
	else
		io->level &= ~(1u << pin);
	if (!asserted(io, pin))
		return;
	if (io->redir[pin] & IOAPIC_LEVEL || !was)
		deliver(io, pin);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	for (unsigned i = 0; i < IOAPIC_PINS; i++) {
		uint64_t *e = &io->redir[i];

		if (!(*e & IOAPIC_LEVEL) || IOAPIC_VECTOR(*e) != vector ||
		    !(*e & IOAPIC_REMOTE_IRR))
			continue;
		*e &= ~IOAPIC_REMOTE_IRR;
		if (asserted(io, i))
			deliver(io, i);
	}
}

uint32_t ioapic_read(struct ioapic *io, uint64_t offset)
{
	unsigned idx;

	if (offset == 0)
		return io->regsel;
	if (offset != IOWIN)
		return 0;
	switch (io->regsel) {
	case REG_ID:
	case REG_ARB:
		return (io->id & 0xf) << 24;
	case REG_VERSION:
		return VERSION;
	}
	if (io->regsel < REG_REDIR)
		return 0;
	idx = (io->regsel - REG_REDIR) / 2;
	if (idx >= IOAPIC_PINS)
		return 0;
	return (uint32_t)(io->redir[idx] >> (io->regsel & 1 ? 32 : 0));
}

static void write_redir(struct ioapic *io, unsigned idx, bool high,
			uint32_t val)
{
	uint64_t *e = &io->redir[idx];
	uint64_t old = *e, v = *e;

	if (high)
		v = (v & 0xffffffffULL) | (uint64_t)val << 32;
	else
		v = (v & ~0xffffffffULL) | val;
	*e = (v & REDIR_RW_MASK) | (old & IOAPIC_REMOTE_IRR);
	/* An edge entry has no remote IRR. */
	if (!(*e & IOAPIC_LEVEL))
		*e &= ~IOAPIC_REMOTE_IRR;
	if (*e != old)
		io->routes_changed |= 1u << idx;
	/* Unmasking a level entry whose input is asserted delivers it. */
	if ((*e & IOAPIC_LEVEL) && asserted(io, idx))
		deliver(io, idx);
}

void ioapic_write(struct ioapic *io, uint64_t offset, uint32_t val)
{
	unsigned idx;

	if (offset == 0) {
		io->regsel = val & 0xff;
		return;
	}
	if (offset != IOWIN)
		return;
	if (io->regsel == REG_ID) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (io->regsel < REG_REDIR)
		return;			/* version and arbitration: read-only */
	idx = (io->regsel - REG_REDIR) / 2;
	if (idx < IOAPIC_PINS)
		write_redir(io, idx, io->regsel & 1, val);
}
