/*
 * ACPI tables for Linux guests (bzImage and PVH): RSDP, XSDT, FADT
 * (hardware-reduced), MADT and a DSDT whose AML is generated in code.
 */
#ifndef HVRUN_ACPI_H
#define HVRUN_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../board.h"

struct mem;
struct vm_platform_dev;

#define ACPI_ERRLEN	160

/*
 * Hardware-reduced ACPI has no PM1 control block: S5 (soft off) is a write
 * of SLP_EN | SLP_TYP to the FADT's SLEEP_CONTROL_REG (ACPI 6.5, 4.8.3.7),
 * here one I/O port (src/devices/acpi_pm.c) that is also SLEEP_STATUS_REG.
 * \_S5 in the DSDT names ACPI_S5_SLP_TYP.
 */
#define ACPI_SLP_TYP_SHIFT	2
#define ACPI_SLP_TYP_MASK	(7U << ACPI_SLP_TYP_SHIFT)
#define ACPI_SLP_EN		(1U << 5)
#define ACPI_S5_SLP_TYP		5

/* xAPIC ids are 8 bits and 0xFF is the broadcast id. */
#define ACPI_MAX_CPUS		BOARD_MAX_CPUS

/* Does this write to the sleep control register ask for S5? */
bool acpi_pm_is_poweroff(uint8_t value);

/*
 * Write every table for a machine with nr_cpus vCPUs (APIC ids 0..n-1)
 * and the nr platform devices into buf (cap bytes), which the guest will
 * see at guest physical address gpa (16-byte aligned, below 4 GiB); the
 * RSDP comes first. Returns the bytes used, or -1 with a one-line reason in
 * err (ACPI_ERRLEN bytes) when the input is invalid or the tables do not
 * fit: nothing is truncated.
 */
long acpi_tables_build(uint8_t *buf, size_t cap, uint64_t gpa, int nr_cpus,
		       const struct vm_platform_dev *devs, int nr, char *err);

/* The same, into guest memory at [ACPI_BASE, ACPI_END). */
int acpi_build(struct mem *m, int nr_cpus, const struct vm_platform_dev *devs,
	       int nr, char *err);

#endif
