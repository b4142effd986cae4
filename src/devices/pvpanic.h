/*
 * QEMU's pvpanic device, MMIO flavour (QEMU docs/specs/pvpanic.rst; Linux
 * drivers/misc/pvpanic/pvpanic-mmio.c binds it by its ACPI _HID). A read of
 * the register gives the events the device understands; the guest writes
 * one event when its kernel panics, before it reboots or halts.
 */
#ifndef HVRUN_PVPANIC_H
#define HVRUN_PVPANIC_H

#include <stdint.h>

/* In the 3-4 GiB hole, the page after the debug-exit register's. */
#define PVPANIC_MMIO_BASE	0xD0F01000ULL
#define PVPANIC_MMIO_LEN	2ULL	/* as QEMU's pvpanic-mmio */
#define PVPANIC_HID		"QEMU0001"

#define PVPANIC_PANICKED	(1U << 0)	/* the host acts: status 126 */
#define PVPANIC_CRASH_LOADED	(1U << 1)	/* a crash kernel takes over */
#define PVPANIC_EVENTS		(PVPANIC_PANICKED | PVPANIC_CRASH_LOADED)

#endif
