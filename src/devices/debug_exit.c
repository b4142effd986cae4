/*
 * Debug-exit port 0x501 (as QEMU's isa-debug-exit, but the status is the
 * byte itself): `outb n, 0x501` ends the VM with status n. The same
 * register is also a byte of MMIO at DEBUG_EXIT_MMIO, for code that cannot
 * reach a port: Linux user space without /dev/port (distribution kernels
 * lack it) writes it with `busybox devmem 0xd0f00000 8 N`. Also port 0x80,
 * the POST diagnostic port, which firmware and kernels write to as a delay.
 *
 * --debug-exit-port PORT puts the same register at PORT too, for guests
 * written for QEMU's `-device isa-debug-exit,iobase=0xf4`: a write of any
 * width ends the run with its low byte. QEMU exits with (v << 1) | 1
 * instead, so that no guest value reads as success; hvrun keeps the value
 * itself, which is what a CI script wants to compare.
 */
#include <errno.h>
#include <stdint.h>

#include "../bus.h"
#include "../log.h"
#include "../status.h"
#include "../vm.h"
#include "device.h"


static void debug_exit_io(void *opaque, uint64_t addr, uint8_t *data,
			  uint32_t len, bool is_write)
{
	struct vm *vm = opaque;
	int status;

	if (!is_write) {
		data[0] = 0xff;
		for (uint32_t i = 1; i < len; i++)
			data[i] = 0xff;
		return;
	}
	status = status_from_guest(data[0]);
	log_info(1, "guest exited with status %d (debug-exit %s 0x%llx)",
		 status, addr == DEBUG_EXIT_MMIO ? "MMIO" : "port",
		 (unsigned long long)addr);
	vm_stop(vm, status, STOP_GUEST_STATUS,
		"the guest wrote %u to the debug-exit %s 0x%llx", data[0],
		addr == DEBUG_EXIT_PORT ? "port" : "MMIO",
		(unsigned long long)addr);
}

static void post_io(void *opaque, uint64_t addr, uint8_t *data, uint32_t len,
		    bool is_write)
{
	if (!is_write)
		for (uint32_t i = 0; i < len; i++)
			data[i] = 0xff;
}

/* The --debug-exit-port register, unless another device has that port. */
static int extra_port_init(struct vm *vm)
{
	uint16_t port = vm->cfg->debug_exit_port;
	const struct bus_range *owner;
	int ret;

	if (!port)
		return 0;
	ret = bus_register(&vm->pio, port, 1, debug_exit_io, vm, "debug-exit");
	if (ret == -EEXIST) {
		owner = bus_find(&vm->pio, port);
		log_err("--debug-exit-port 0x%x: the port belongs to %s", port,
			owner ? owner->name : "another device");
	}
	return ret;
}

static int debug_exit_init(struct vm *vm, void **state)
{
	if (bus_register(&vm->pio, DEBUG_EXIT_PORT, 1, debug_exit_io, vm,
			 "debug-exit") < 0 || extra_port_init(vm) < 0 ||
	    bus_register(&vm->mmio, DEBUG_EXIT_MMIO, DEBUG_EXIT_MMIO_LEN,
			 debug_exit_io, vm, "debug-exit") < 0)
		return -1;
	return bus_register(&vm->pio, POST_PORT, 1, post_io, vm, "post");
}

static const struct device_ops debug_exit_dev = {
	.name = "debug-exit",
	.init = debug_exit_init,
	.stateless = true,
};
DEVICE_REGISTER(debug_exit_dev)
