/* Internal to src/snapshot/. */
#ifndef HVRUN_SNAPSHOT_INTERNAL_H
#define HVRUN_SNAPSHOT_INTERNAL_H

#include <stdint.h>
#include <linux/kvm.h>

#include "../backend/block.h"
#include "../backend/host_io.h"
#include "../vm.h"

#define SNAP_MAX_CPUS 64	/* snap_machine.started is a 64-bit mask */

/* SNAP_KVM: the KVM clock, then (--irqchip kernel) the in-kernel chips. */
struct snap_kvm {
	struct kvm_clock_data clock;
	uint32_t has_irqchip;
	uint32_t pad;
};

static inline uint64_t snapshot_disk_size(const struct vm *vm, int i)
{
	return block_size(host_disk(vm->io, (uint64_t)i));
}

#endif
