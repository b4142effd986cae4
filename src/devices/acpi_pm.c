/*
 * The hardware-reduced ACPI sleep control and status register (one I/O
 * port, ACPI_PM_PORT, that the FADT names as both): a write of SLP_EN with
 * the S5 sleep type, which Linux makes on `poweroff`, ends the VM with
 * status 0. Other sleep states are not offered (the DSDT names only \_S5)
 * and other writes, such as clearing WAK_STS, do nothing. Reads return 0.
 */
#include <stdint.h>
#include <string.h>

#include "../acpi/acpi.h"
#include "../log.h"
#include "../vm.h"
#include "device.h"

static void acpi_pm_io(void *opaque, uint64_t addr, uint8_t *data,
		       uint32_t len, bool is_write)
{
	struct vm *vm = opaque;

	if (!is_write) {
		memset(data, 0, len);
		return;
	}
	if (!acpi_pm_is_poweroff(data[0]))
		return;
	log_info(1, "guest powered off (ACPI S5, port 0x%x)", ACPI_PM_PORT);
	vm_stop(vm, 0, STOP_POWEROFF, "the guest powered off (ACPI S5, port 0x%x)",
		ACPI_PM_PORT);
}

static int acpi_pm_init(struct vm *vm, void **state)
{
	return bus_register(&vm->pio, ACPI_PM_PORT, 1, acpi_pm_io, vm,
			    "acpi-pm");
}

static const struct device_ops acpi_pm_dev = {
	.name = "acpi-pm",
	.init = acpi_pm_init,
	.stateless = true,
};
DEVICE_REGISTER(acpi_pm_dev)
