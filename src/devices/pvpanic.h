/*
 * QEMU's pvpanic device, MMIO flavour (QEMU docs/specs/pvpanic.rst; Linux
 * drivers/misc/pvpanic/pvpanic-mmio.c binds it by its ACPI _HID). A read of
 * the register gives the events the device understands; the guest writes
 * one event when its kernel panics, before it reboots or halts.
 */
#ifndef HVRUN_PVPANIC_H
#define HVRUN_PVPANIC_H

#include <stdint.h>

#include "../board.h"	/* PVPANIC_MMIO_BASE, PVPANIC_MMIO_LEN, PVPANIC_HID */

#define PVPANIC_PANICKED	(1U << 0)	/* the host acts: status 126 */
#define PVPANIC_CRASH_LOADED	(1U << 1)	/* a crash kernel takes over */
#define PVPANIC_EVENTS		(PVPANIC_PANICKED | PVPANIC_CRASH_LOADED)

#endif
