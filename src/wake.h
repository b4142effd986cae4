/*
 * A wake-up: threads sleep until the next signal or a deadline, and
 * whoever makes something ready signals without knowing who waits.
 *
 * Race-free without checking the sources under the wake's lock (which
 * would order it before the sources' own locks): a waiter reads the
 * generation with wake_gen *before* it checks its sources, and wake_wait
 * sleeps only while the generation is still that one. A signal that lands
 * between the check and the sleep has already moved the generation, so the
 * waiter does not sleep; one that lands later takes the lock, which the
 * waiter only releases inside pthread_cond_wait, so the broadcast reaches it.
 */
#ifndef HVRUN_WAKE_H
#define HVRUN_WAKE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct wake {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	_Atomic uint64_t gen;
};

void wake_init(struct wake *w);
void wake_destroy(struct wake *w);
/* Read before checking the sources. */
uint64_t wake_gen(struct wake *w);
/* Wake every waiter. Any thread. */
void wake_signal(struct wake *w);
/*
 * Sleep while the generation is still gen, at most until deadline_ns
 * (CLOCK_MONOTONIC; UINT64_MAX: none). false when the deadline passed.
 */
bool wake_wait(struct wake *w, uint64_t gen, uint64_t deadline_ns);
/* CLOCK_MONOTONIC now, in ns. */
uint64_t wake_now_ns(void);

#endif
