/* Port I/O and MMIO range registry and dispatch. */
#ifndef HVRUN_BUS_H
#define HVRUN_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One handler signature for PIO and MMIO (as kvmtool): addr is the absolute
 * port or guest physical address, data holds len bytes (1, 2, 4 or 8 for
 * PIO; any size KVM reports for MMIO) in guest byte order. A read fills
 * data; a write consumes it. String I/O calls the handler once per element.
 */
typedef void (*bus_io_fn)(void *opaque, uint64_t addr, uint8_t *data,
			  uint32_t len, bool is_write);

struct bus_range {
	uint64_t base;
	uint64_t len;
	bus_io_fn fn;
	void *opaque;
	const char *name;
};

struct bus {
	const char *name;	/* "pio" or "mmio", for messages */
	struct bus_range *ranges;	/* sorted by base, never overlapping */
	size_t nr, cap;
};

void bus_init(struct bus *b, const char *name);
void bus_free(struct bus *b);

/* Claim [base, base + len). -EEXIST on overlap, -EINVAL on len 0 or wrap. */
int bus_register(struct bus *b, uint64_t base, uint64_t len, bus_io_fn fn,
		 void *opaque, const char *name);

/* The range holding addr, or NULL. */
const struct bus_range *bus_find(const struct bus *b, uint64_t addr);

/*
 * Dispatch one access. Returns false when no device claims addr: a read
 * then returns all-ones, a write is dropped.
 */
bool bus_access(const struct bus *b, uint64_t addr, uint8_t *data,
		uint32_t len, bool is_write);

#endif
