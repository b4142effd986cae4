/*
 * The 8254 programmable interval timer (three channels at 1.193182 MHz)
 * and port 0x61's channel 2 gate and output, as a pure model: no locks,
 * no clock of its own. Every call takes the current time in nanoseconds
 * (CLOCK_MONOTONIC); counts are computed from it, so nothing ticks while
 * no one looks. src/devices/pit.c arms a host timer for channel 0 from
 * i8254_timer and raises IRQ 0 when it fires.
 */
#ifndef HVRUN_I8254_H
#define HVRUN_I8254_H

#include <stdbool.h>
#include <stdint.h>

#define I8254_HZ	1193182ULL

struct i8254_channel {
	uint32_t count;			/* reload value, 1..0x10000 */
	uint64_t load_ns;		/* when counting (re)started */
	uint16_t latch;			/* latched count */
	uint8_t status;			/* latched status byte */
	uint8_t mode, rw, bcd;
	uint8_t read_state, write_state, write_lsb;
	bool latched, status_latched, gate, armed;
};

struct i8254 {
	struct i8254_channel ch[3];
	uint8_t port61;			/* speaker data (bit 1) */
};

void i8254_reset(struct i8254 *p, uint64_t now);

/* Ports 0x40-0x43 and 0x61. */
uint8_t i8254_read(struct i8254 *p, uint16_t port, uint64_t now);
void i8254_write(struct i8254 *p, uint16_t port, uint8_t val, uint64_t now);

/*
 * Channel 0's interrupt timing after the last write: 0 when it raises no
 * more interrupts, else the time of the next one in *first and, for a
 * periodic mode, the period in *period (0 for a one-shot).
 */
bool i8254_timer(const struct i8254 *p, uint64_t *first, uint64_t *period);

/* The current count of channel n (0-2), as a read would return it. */
uint16_t i8254_count(const struct i8254 *p, unsigned n, uint64_t now);

#endif
