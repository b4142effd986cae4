/*
 * The two PC reset paths a guest uses to reboot: the i8042 keyboard
 * controller's pulse-reset command (0xFE to port 0x64) and the fast reset
 * bit of system control port A (0x92). A reset request ends the VM with
 * status 0 and a line on stderr (vm_reset). There is no keyboard: the
 * controller never has data.
 */
#include <stdint.h>
#include <string.h>

#include "../vm.h"
#include "device.h"

#define CMD_PULSE_RESET 0xfe
#define PORT_A_RESET  0x01

struct i8042 {
	struct vm *vm;
	uint8_t port_a;
};


static void i8042_io(void *opaque, uint64_t addr, uint8_t *data, uint32_t len,
		     bool is_write)
{
	struct i8042 *k = opaque;

	if (!is_write) {
		/* Status 0: output buffer empty, input buffer empty. */
		memset(data, 0, len);
		return;
	}
	if (addr == I8042_CMD_PORT && data[0] == CMD_PULSE_RESET)
		vm_reset(k->vm, "i8042 pulse reset");
}

static void port_a_io(void *opaque, uint64_t addr, uint8_t *data, uint32_t len,
		      bool is_write)
{
	struct i8042 *k = opaque;

	if (!is_write) {
		memset(data, 0, len);
		data[0] = k->port_a & ~PORT_A_RESET;
		return;
	}
	k->port_a = data[0];
	if (data[0] & PORT_A_RESET)
		vm_reset(k->vm, "port 0x92 fast reset");
}

static int i8042_init(struct vm *vm, void **state)
{
	static struct i8042 k;

	k = (struct i8042){ .vm = vm };
	*state = &k;
	if (bus_register(&vm->pio, I8042_DATA_PORT, 1, i8042_io, &k, "i8042") < 0 ||
	    bus_register(&vm->pio, I8042_CMD_PORT, 1, i8042_io, &k, "i8042") < 0)
		return -1;
	return bus_register(&vm->pio, PORT_A, 1, port_a_io, &k, "port-a");
}

static long i8042_save(void *state, void *buf)
{
	struct i8042 *k = state;

	*(uint8_t *)buf = k->port_a;
	return 1;
}

static int i8042_load(void *state, const void *buf, size_t len)
{
	struct i8042 *k = state;

	if (len != 1)
		return device_bad_state("i8042", len);
	k->port_a = *(const uint8_t *)buf & ~PORT_A_RESET;
	return 0;
}

static const struct device_ops i8042_dev = {
	.name = "i8042",
	.init = i8042_init,
	.save = i8042_save,
	.load = i8042_load,
};
DEVICE_REGISTER(i8042_dev)
