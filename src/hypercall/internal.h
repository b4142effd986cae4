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

struct symtab;

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

	/* Per vCPU: 1 + the number of a call the stop interrupted, or 0;
	 * written by the vCPU's thread, read after it is joined. */
	uint32_t interrupted[BOARD_MAX_CPUS];
};

#endif
