/* The boot vCPU's entry state, as a loader describes it. */
#ifndef HVRUN_BOOT_H
#define HVRUN_BOOT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * What an image kind gets. Each image format says it once, in its
 * struct loader_format (src/loader/); everything else asks vm->profile.
 * A PV guest takes no interrupts (no irqchip, whatever --irqchip says),
 * talks to hvrun by hypercalls only, and its crash reports name
 * functions; everything else gets the emulated devices and virtio-mmio,
 * and Linux (bzImage, PVH) finds its CPUs, IOAPIC and devices in ACPI
 * tables.
 */
struct image_profile {
	bool pv;		/* hypercalls and the PV state; no interrupts */
	bool devices;		/* the emulated legacy devices and virtio-mmio */
	bool acpi;		/* ACPI tables describe CPUs and devices (Linux) */
	bool symbols;		/* crash reports name the function at RIP */
};

enum cpu_mode {
	MODE_REAL,		/* cs:ip = real_cs:rip, flat 64 KiB segments */
	MODE_PROTECTED,		/* 32-bit flat, paging off */
	MODE_LONG,		/* 64-bit, CPL 0, identity map at cr3 */
	MODE_PV,		/* 64-bit, CPL 3, IOPL 3, IF 0: PV ABI entry */
};

struct boot_state {
	enum cpu_mode mode;
	uint16_t real_cs;	/* MODE_REAL: code segment selector */
	uint64_t rip;
	uint64_t rsp;
	uint64_t rax, rbx, rsi, rdi;
	uint64_t gdt_base;	/* MODE_PROTECTED/MODE_LONG: GDT from boot_gdt_write() */
	uint64_t cr3;		/* MODE_LONG, MODE_PV */
	uint64_t idt_base;	/* MODE_PV */
	uint64_t tss_base;	/* MODE_PV */
};

/* Selectors of the GDT hvrun writes at BOOT_GDT for protected and long mode. */
#define BOOT_SEL_CODE32 0x08
#define BOOT_SEL_DATA   0x10
#define BOOT_SEL_CODE64 0x18

#endif
