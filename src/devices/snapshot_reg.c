/*
 * The snapshot register (--snapshot), a byte of MMIO at SNAPSHOT_MMIO in
 * the page after pvpanic's: a write of any value takes the snapshot, as
 * the PV snapshot call does, for guests that are not PV. Linux user space
 * writes it with `busybox devmem 0xd0f02000 8 1`. The run that takes the
 * snapshot ends there; a restored run continues after the write. Without
 * --snapshot a write does nothing; reads are all-ones.
 */
#include <stdint.h>

#include "../bus.h"
#include "../log.h"
#include "../vm.h"
#include "device.h"

static void snapshot_reg_io(void *opaque, uint64_t addr, uint8_t *data,
			    uint32_t len, bool is_write)
{
	(void)addr;
	if (!is_write) {
		for (uint32_t i = 0; i < len; i++)
			data[i] = 0xff;
		return;
	}
	if (vm_snapshot(opaque, "the snapshot register") < 0)
		log_info(1, "snapshot register written without --snapshot: ignored");
}

static int snapshot_reg_init(struct vm *vm, void **state)
{
	(void)state;
	return bus_register(&vm->mmio, SNAPSHOT_MMIO, SNAPSHOT_MMIO_LEN,
			    snapshot_reg_io, vm, "snapshot");
}

static const struct device_ops snapshot_reg_dev = {
	.name = "snapshot",
	.init = snapshot_reg_init,
	.stateless = true,
};
DEVICE_REGISTER(snapshot_reg_dev)
