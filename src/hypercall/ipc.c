/* Inter-VM state of a PV guest: what the image may use, the channels. */
#include <stdlib.h>

#include "../backend/chan.h"
#include "../log.h"
#include "../vm.h"
#include "ipc.h"

int pv_ipc_new(struct vm *vm, uint32_t abi)
{
	if (abi < 2 && (vm->cfg->nr_chans > 0 || vm->cfg->nr_shms > 0)) {
		log_err("%s needs an image built for hvrun ABI version 2 (this one is version %u)",
			vm->cfg->nr_chans ? "--chan" : "--shm", abi);
		return -1;
	}
	vm->ipc = calloc(1, sizeof(*vm->ipc));
	if (!vm->ipc) {
		log_err("out of memory");
		return -1;
	}
	vm->ipc->abi = abi;
	return pv_shm_map_all(vm);
}

int pv_ipc_open_chans(struct vm *vm)
{
	struct pv_ipc *ipc = vm->ipc;
	const struct vm_config *cfg = vm->cfg;

	for (; ipc->nr_chans < cfg->nr_chans; ipc->nr_chans++)
		if (chan_open(vm, ipc->nr_chans, cfg->chans[ipc->nr_chans],
			      &ipc->chans[ipc->nr_chans]) < 0)
			return -1;
	return 0;
}

void pv_ipc_close_chans(struct vm *vm)
{
	struct pv_ipc *ipc = vm->ipc;

	if (!ipc)
		return;
	for (int i = 0; i < ipc->nr_chans; i++)
		chan_close(ipc->chans[i]);
	ipc->nr_chans = 0;
}

void pv_ipc_free(struct vm *vm)
{
	pv_ipc_close_chans(vm);
	if (vm->ipc)
		pv_shm_unmap_all(vm->ipc);
	free(vm->ipc);
	vm->ipc = NULL;
}

uint32_t pv_ipc_abi(const struct vm *vm)
{
	return vm->ipc ? vm->ipc->abi : HVRUN_ABI_VERSION;
}

struct chan *pv_ipc_chan(const struct vm *vm, uint64_t n)
{
	if (!vm->ipc || n >= (uint64_t)vm->ipc->nr_chans)
		return NULL;
	return vm->ipc->chans[n];
}

uint64_t pv_ipc_ready(const struct vm *vm, uint64_t mask)
{
	uint64_t ready = 0;

	for (int n = 0; vm->ipc && n < vm->ipc->nr_chans; n++) {
		uint64_t want = mask & (HVRUN_POLL_CHAN(n) | HVRUN_POLL_CHAN_SEND(n) |
					HVRUN_POLL_CHAN_UP(n) | HVRUN_POLL_CHAN_DOWN(n));
		unsigned int r;

		if (!want)
			continue;
		r = chan_ready(vm->ipc->chans[n]);
		ready |= (r & CHAN_READY_RX ? HVRUN_POLL_CHAN(n) : 0) |
			 (r & CHAN_READY_TX ? HVRUN_POLL_CHAN_SEND(n) : 0) |
			 (r & CHAN_READY_UP ? HVRUN_POLL_CHAN_UP(n) : 0) |
			 (r & CHAN_READY_DOWN ? HVRUN_POLL_CHAN_DOWN(n) : 0);
		ready &= mask;
	}
	return ready;
}

int pv_ipc_nr_chans(const struct vm *vm)
{
	return vm->ipc ? vm->ipc->nr_chans : 0;
}

const struct pv_shm *pv_ipc_shm(const struct vm *vm, int n)
{
	if (!vm->ipc || n < 0 || n >= vm->ipc->nr_shm)
		return NULL;
	return &vm->ipc->shm[n];
}

bool pv_ipc_is_shm_file(const struct vm *vm, dev_t dev, ino_t ino)
{
	for (int i = 0; vm->ipc && i < vm->ipc->nr_shm; i++)
		if (vm->ipc->shm[i].dev == dev && vm->ipc->shm[i].ino == ino)
			return true;
	return false;
}
