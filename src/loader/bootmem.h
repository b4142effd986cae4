/*
 * Boot structures hvrun writes into its boot block (BOOT_BLOCK_SIZE bytes
 * at a base the loader chose, loader.h): the GDT, the long-mode identity
 * map and the multiboot information. Each writer returns 0, or -1 with a one-line
 * reason in err (LOADER_ERRLEN bytes).
 */
#ifndef HVRUN_LOADER_BOOTMEM_H
#define HVRUN_LOADER_BOOTMEM_H

#include <stdint.h>
#include "../mem.h"

#define BOOT_PAGE_SIZE	4096ULL
#define BOOT_GDT_ENTRIES 4	/* null, CODE32, DATA, CODE64 */

/* Page-table entry bits used by the identity map. */
#define PTE_PRESENT	(1ULL << 0)
#define PTE_WRITABLE	(1ULL << 1)
#define PTE_HUGE	(1ULL << 7)	/* PD entry maps a 2 MiB page */

/* Multiboot v1 (spec 0.6.96). */
#define MB_HEADER_MAGIC		0x1BADB002U
#define MB_BOOT_MAGIC		0x2BADB002U	/* in EAX at entry */
#define MB_SEARCH_LIMIT		8192		/* header lies in the first 8 KiB */
#define MB_HEADER_MIN_LEN	12		/* magic, flags, checksum */
#define MB_HEADER_AOUT_LEN	32		/* ... + 5 address fields */

#define MB_FLAG_PAGE_ALIGN	(1U << 0)
#define MB_FLAG_MEMORY_INFO	(1U << 1)
#define MB_FLAG_VIDEO_MODE	(1U << 2)
#define MB_FLAG_AOUT_KLUDGE	(1U << 16)

#define MB_INFO_MEMORY		(1U << 0)
#define MB_INFO_CMDLINE		(1U << 2)
#define MB_INFO_MODS		(1U << 3)
#define MB_INFO_MMAP		(1U << 6)
#define MB_INFO_LOADER_NAME	(1U << 9)

#define MB_MMAP_AVAILABLE	1
#define MB_MMAP_RESERVED	2

#define MB_LOWER_END		0x9FC00ULL	/* end of conventional memory */
#define MB_HIGH_START		0x100000ULL	/* 1 MiB */

/* struct multiboot_info (the fields up to the VBE block), as the guest sees it. */
struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe_control_info, vbe_mode_info;
	uint16_t vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
};

/* One module; string is a NUL-terminated guest address. */
struct mb_module {
	uint32_t mod_start, mod_end;
	uint32_t string;
	uint32_t reserved;
};

/* One memory map entry; size counts the bytes after the size field. */
struct mb_mmap_entry {
	uint32_t size;
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
} __attribute__((packed));

/*
 * The guest's physical memory map, one list for every boot protocol
 * (multiboot mmap, Linux e820, PVH memmap): the PC's conventional memory,
 * the reserved BIOS area below 1 MiB (which holds the ACPI tables), then
 * every RAM region. Types are the e820/multiboot/PVH ones.
 */
#define BOOT_MEM_RAM		1
#define BOOT_MEM_RESERVED	2
#define BOOT_MEMMAP_MAX		(2 + MEM_MAX_REGIONS)

struct boot_memmap_entry {
	uint64_t addr, size;
	uint32_t type;
};

/* Fill e (BOOT_MEMMAP_MAX entries); returns how many are used. */
unsigned int boot_memmap(const struct mem *m, struct boot_memmap_entry *e);

/* Flat code/data descriptors at base + BOOT_GDT_OFF, selectors
 * BOOT_SEL_* (boot.h). */
int boot_gdt_write(struct mem *m, uint64_t base, char *err);

/* PML4, PDPT and 4 PDs at base + BOOT_PML4_OFF... identity-mapping
 * 0-4 GiB with 2 MiB pages. */
int boot_pagetables_write(struct mem *m, uint64_t base, char *err);

/* A multiboot module as the info page describes it. */
struct mb_module_desc {
	uint32_t start, end;		/* guest addresses, end exclusive */
	const char *string;		/* the file name */
};

/* Multiboot info, memory map, loader name, module 0 (mod may be NULL) and
 * cmdline (may be NULL) in the page at base + BOOT_INFO_OFF. */
int boot_mbinfo_write(struct mem *m, uint64_t base, const char *cmdline,
		      const struct mb_module_desc *mod, char *err);

#endif
