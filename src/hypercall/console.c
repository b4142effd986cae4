/*
 * The PV console: console_write hands guest bytes to the console backend;
 * console_read takes host input that the console handed us, from a ring
 * that fills at the guest's pace (what does not fit waits in the console).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/backend.h"
#include "../backend/console.h"
#include "../loader/symbols.h"
#include "../log.h"
#include "../wake.h"
#include "../vm.h"
#include "hypercall.h"
#include "internal.h"

/* Console → ring, on the backend thread. */
static size_t pv_console_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct pv_state *pc = opaque;
	size_t n = 0;

	pthread_mutex_lock(&pc->lock);
	while (n < len && pc->count < PV_CONSOLE_RING) {
		pc->ring[(pc->head + pc->count) % PV_CONSOLE_RING] = buf[n++];
		pc->count++;
	}
	if (n < len)
		pc->wanted = true;
	pthread_mutex_unlock(&pc->lock);
	if (n)
		wake_signal(backend_io_wake(pc->vm->backend));	/* poll */
	return n;
}

int pv_init(struct vm *vm, struct symtab *symbols, const struct boot_state *boot)
{
	struct pv_state *pc = calloc(1, sizeof(*pc));

	if (!pc) {
		symtab_free(symbols);
		return -1;
	}
	pthread_mutex_init(&pc->lock, NULL);
	pc->vm = vm;
	pc->symbols = symbols;
	pc->boot = *boot;
	if (pv_aio_new(pc) < 0) {
		symtab_free(symbols);
		pthread_mutex_destroy(&pc->lock);
		free(pc);
		return -1;
	}
	vm->pv = pc;
	if (vm->console)
		console_set_input(vm->console, pv_console_input, pc);
	return 0;
}

void pv_free(struct vm *vm)
{
	if (!vm->pv)
		return;
	pv_aio_free(vm->pv);
	symtab_free(vm->pv->symbols);
	pthread_mutex_destroy(&vm->pv->lock);
	free(vm->pv);
	vm->pv = NULL;
}

size_t pv_save(struct vm *vm, void *buf)
{
	_Static_assert(sizeof(vm->pv->boot) <= PV_SAVE_MAX, "PV state fits");
	memcpy(buf, &vm->pv->boot, sizeof(vm->pv->boot));
	return sizeof(vm->pv->boot);
}

int pv_load(struct vm *vm, const void *buf, size_t len)
{
	struct boot_state bs;

	if (len != sizeof(bs)) {
		log_err("the snapshot's PV state has %zu bytes", len);
		return -1;
	}
	memcpy(&bs, buf, len);
	if (bs.mode != MODE_PV) {
		log_err("the snapshot's PV state is not a PV guest's");
		return -1;
	}
	vm->pv->boot = bs;
	return 0;
}

size_t pv_console_pending(struct vm *vm)
{
	struct pv_state *pc = vm->pv;
	size_t n;

	if (!pc)
		return 0;
	pthread_mutex_lock(&pc->lock);
	n = pc->count;
	pthread_mutex_unlock(&pc->lock);
	return n;
}

/*
 * Through the console's bounded buffer: while the host reader is slower
 * than the guest the vCPU waits for room (never hvrun's loop), so a
 * write of any size costs hvrun no more memory than the buffer, and a
 * stop ends the wait: then fewer than len bytes were written.
 */
int64_t hc_console_write(struct hc_call *c)
{
	struct console *con = c->vm->console;
	uint64_t len = c->arg[1], done = 0;
	const uint8_t *p = mem_ptr(&c->vm->mem, c->arg[0], len);

	if (!p)
		return -EFAULT;
	if (len > INT64_MAX)
		return -EINVAL;
	if (!con)
		return (int64_t)len;
	while (done < len) {
		done += console_write(con, p + done, len - done);
		if (done < len && !console_wait_room(con)) {
			/* The stop ended the wait with part of it written:
			 * a snapshot makes the whole call again, on the
			 * restored run's own console. */
			c->interrupted = true;
			break;
		}
	}
	return (int64_t)done;
}

int64_t hc_console_read(struct hc_call *c)
{
	struct pv_state *pc = c->vm->pv;
	uint64_t len = c->arg[1];
	uint8_t *p = mem_ptr(&c->vm->mem, c->arg[0], len);
	size_t n = 0;
	bool resume;

	if (!p)
		return -EFAULT;
	if (!pc)
		return 0;
	pthread_mutex_lock(&pc->lock);
	while (n < len && pc->count) {
		p[n++] = pc->ring[pc->head];
		pc->head = (pc->head + 1) % PV_CONSOLE_RING;
		pc->count--;
	}
	resume = pc->wanted && pc->count == 0;
	if (resume)
		pc->wanted = false;
	pthread_mutex_unlock(&pc->lock);
	if (resume && c->vm->console)
		console_input_ready(c->vm->console);
	return (int64_t)n;
}
