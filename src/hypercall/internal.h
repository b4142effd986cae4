/* Internal to src/hypercall/: the PV state, vm->pv. */
#ifndef HVRUN_HYPERCALL_INTERNAL_H
#define HVRUN_HYPERCALL_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../board.h"
#include "../boot.h"

#define PV_CONSOLE_RING 4096

/*
 * Block requests run on the loop in pieces of at most this much, so that
 * a guest-sized request (GiBs) never holds the loop: the timeout, signals
 * and other devices get their turn between pieces, and a stop ends the
 * request at the next piece.
 */
#define PV_BLOCK_PIECE (1u << 20)

struct symtab;
struct pv_aio;

struct pv_state {
	struct vm *vm;
	struct symtab *symbols;		/* names RIPs in fault reports */
	struct boot_state boot;		/* the entry state vcpu_start starts from */

	/* console_read's input: a ring that fills at the guest's pace
	 * (what does not fit waits in the console). */
	pthread_mutex_t lock;
	uint8_t ring[PV_CONSOLE_RING];
	size_t head, count;
	bool wanted;		/* the console holds input we had no room for */

	struct pv_aio *aio;	/* aio.c: the block rings */
	/* Per vCPU: 1 + the number of a call the stop interrupted, or 0;
	 * written by the vCPU's thread, read after it is joined. */
	uint32_t interrupted[BOARD_MAX_CPUS];
};

/* aio.c: the block rings' state, made and freed with the PV state. */
int pv_aio_new(struct pv_state *pc);
void pv_aio_free(struct pv_state *pc);
/* The HVRUN_POLL_BLOCK bits of mask that are ready. Any thread. */
uint64_t pv_aio_ready(struct vm *vm, uint64_t mask);

#endif
