/*
 * ACPI tables for Linux guests (bzImage and PVH): RSDP, XSDT, FADT
 * (hardware-reduced), MADT and a DSDT whose AML is generated in code.
 */
#ifndef HVRUN_ACPI_H
#define HVRUN_ACPI_H

/*
 * The tables live in the BIOS area [ACPI_BASE, ACPI_END), which Linux never
 * uses as RAM. The RSDP sits at its start, 16-byte aligned, where a kernel
 * that is not told (zero page acpi_rsdp_addr, PVH rsdp_paddr) finds it by
 * scanning 0xE0000-0xFFFFF.
 */
#define ACPI_BASE	0xE0000ULL
#define ACPI_END	0x100000ULL
#define ACPI_RSDP_ADDR	ACPI_BASE

#endif
