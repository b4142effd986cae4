/*
 * Boot structures in hvrun's reserved guest pages. Everything is built in a
 * host buffer and copied with mem_write(), so a structure is either written
 * whole or the caller gets an error.
 */
#include <string.h>

#include "loader.h"
#include "bootmem.h"
#include "../acpi/acpi.h"

_Static_assert(sizeof(struct mb_info) == 88, "multiboot info layout");
_Static_assert(sizeof(struct mb_mmap_entry) == 24, "multiboot mmap entry layout");

/* Descriptors as vcpu/mode.c expects them: its GDT limit is 4 entries. */
static const uint64_t boot_gdt[BOOT_GDT_ENTRIES] = {
	[0] = 0,
	[BOOT_SEL_CODE32 / 8] = 0x00cf9a000000ffffULL,	/* 32-bit code, 4 GiB */
	[BOOT_SEL_DATA / 8] = 0x00cf92000000ffffULL,	/* data, 4 GiB */
	[BOOT_SEL_CODE64 / 8] = 0x00af9a000000ffffULL,	/* 64-bit code (L=1) */
};

static int write_failed(char *err, const char *what, uint64_t gpa, uint64_t len)
{
	return loader_fail(err, "cannot write %s at 0x%llx-0x%llx: not guest RAM",
			   what, (unsigned long long)gpa,
			   (unsigned long long)(gpa + len));
}

int boot_gdt_write(struct mem *m, char *err)
{
	if (mem_write(m, BOOT_GDT, boot_gdt, sizeof(boot_gdt)) < 0)
		return write_failed(err, "the GDT", BOOT_GDT, sizeof(boot_gdt));
	return 0;
}

/* One page of n entries first, first + step, ...; the rest of the page is 0. */
static int write_table(struct mem *m, uint64_t gpa, uint64_t first,
		       uint64_t step, unsigned int n, char *err)
{
	uint64_t t[BOOT_PAGE_SIZE / sizeof(uint64_t)] = { 0 };

	for (unsigned int i = 0; i < n; i++)
		t[i] = first + i * step;
	if (mem_write(m, gpa, t, sizeof(t)) < 0)
		return write_failed(err, "a page table", gpa, sizeof(t));
	return 0;
}

int boot_pagetables_write(struct mem *m, char *err)
{
	const uint64_t rw = PTE_PRESENT | PTE_WRITABLE;
	const uint64_t big = 2ULL << 20;
	const unsigned int per_pd = BOOT_PAGE_SIZE / sizeof(uint64_t);

	_Static_assert(BOOT_PD + 4 * BOOT_PAGE_SIZE <= BOOT_INFO,
		       "the page directories run into the multiboot info");

	if (write_table(m, BOOT_PML4, BOOT_PDPT | rw, 0, 1, err) < 0)
		return -1;
	if (write_table(m, BOOT_PDPT, BOOT_PD | rw, BOOT_PAGE_SIZE, 4, err) < 0)
		return -1;
	for (unsigned int i = 0; i < 4; i++) {
		uint64_t base = (uint64_t)i * per_pd * big;

		if (write_table(m, BOOT_PD + i * BOOT_PAGE_SIZE,
				base | rw | PTE_HUGE, big, per_pd, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * The BOOT_INFO page: struct mb_info, then the memory map, the loader name
 * and the command line, which gets whatever room is left.
 */
#define MB_MMAP_MAX	4
#define MB_LOADER_NAME	"hvrun"
#define MB_MMAP_OFF	sizeof(struct mb_info)
#define MB_NAME_OFF	(MB_MMAP_OFF + MB_MMAP_MAX * sizeof(struct mb_mmap_entry))
#define MB_CMDLINE_OFF	(MB_NAME_OFF + sizeof(MB_LOADER_NAME))

_Static_assert(MB_CMDLINE_OFF + 1 <= BOOT_PAGE_SIZE,
	       "multiboot info, mmap and loader name overflow the BOOT_INFO page");
_Static_assert(BOOT_INFO + BOOT_PAGE_SIZE <= RESERVED_END,
	       "BOOT_INFO page outside the reserved pages");

/* Lays out the BIOS hole by itself: the ACPI tables must lie inside it. */
_Static_assert(ACPI_BASE >= MB_LOWER_END && ACPI_END <= MB_HIGH_START,
	       "ACPI tables outside the reserved BIOS area");

_Static_assert(BOOT_MEM_RAM == MB_MMAP_AVAILABLE && BOOT_MEM_RAM == BZ_E820_RAM &&
	       BOOT_MEM_RESERVED == MB_MMAP_RESERVED &&
	       BOOT_MEM_RESERVED == BZ_E820_RESERVED,
	       "multiboot, e820 and PVH share memory types");

static unsigned int memmap_add(struct boot_memmap_entry *e, unsigned int n,
			       uint64_t addr, uint64_t size, uint32_t type)
{
	if (size == 0 || n >= BOOT_MEMMAP_MAX)
		return n;
	e[n] = (struct boot_memmap_entry){ addr, size, type };
	return n + 1;
}

unsigned int boot_memmap(const struct mem *m, struct boot_memmap_entry *e)
{
	uint64_t low = m->nr_regions > 0 ? m->region[0].size : 0;
	unsigned int n = 0;

	n = memmap_add(e, n, 0, low < MB_LOWER_END ? low : MB_LOWER_END,
		       BOOT_MEM_RAM);
	n = memmap_add(e, n, MB_LOWER_END, MB_HIGH_START - MB_LOWER_END,
		       BOOT_MEM_RESERVED);
	if (low > MB_HIGH_START)
		n = memmap_add(e, n, MB_HIGH_START, low - MB_HIGH_START,
			       BOOT_MEM_RAM);
	for (int i = 1; i < m->nr_regions; i++)
		n = memmap_add(e, n, m->region[i].gpa, m->region[i].size,
			       BOOT_MEM_RAM);
	return n;
}

/* The memory map as multiboot says it; returns the number of entries. */
static unsigned int mmap_build(const struct mem *m, uint8_t *page)
{
	struct boot_memmap_entry map[BOOT_MEMMAP_MAX];
	unsigned int n = boot_memmap(m, map);

	_Static_assert(BOOT_MEMMAP_MAX <= MB_MMAP_MAX, "multiboot mmap too small");
	for (unsigned int i = 0; i < n; i++) {
		struct mb_mmap_entry e = {
			.size = sizeof(e) - sizeof(e.size),
			.base_addr = map[i].addr,
			.length = map[i].size,
			.type = map[i].type,
		};

		memcpy(page + MB_MMAP_OFF + i * sizeof(e), &e, sizeof(e));
	}
	return n;
}

/* Copy cmdline into what is left of the page, cut short to fit. */
static void cmdline_store(uint8_t *page, const char *cmdline)
{
	size_t room = BOOT_PAGE_SIZE - MB_CMDLINE_OFF - 1;
	size_t n = strnlen(cmdline, room);

	memcpy(page + MB_CMDLINE_OFF, cmdline, n);
	page[MB_CMDLINE_OFF + n] = '\0';
}

int boot_mbinfo_write(struct mem *m, const char *cmdline, char *err)
{
	uint8_t page[BOOT_PAGE_SIZE] = { 0 };
	uint64_t low_size = m->nr_regions > 0 ? m->region[0].size : 0;
	struct mb_info info = { 0 };
	unsigned int n;

	if (low_size < MB_HIGH_START)
		return loader_fail(err, "guest RAM below the hole is %llu KiB; "
				   "multiboot needs at least 1 MiB",
				   (unsigned long long)(low_size >> 10));

	info.flags = MB_INFO_MEMORY | MB_INFO_MMAP | MB_INFO_LOADER_NAME;
	info.mem_lower = 640;
	/* The region below the hole ends below 4 GiB: this fits 32 bits. */
	info.mem_upper = (uint32_t)((low_size - MB_HIGH_START) >> 10);

	n = mmap_build(m, page);
	info.mmap_addr = (uint32_t)(BOOT_INFO + MB_MMAP_OFF);
	info.mmap_length = n * sizeof(struct mb_mmap_entry);

	memcpy(page + MB_NAME_OFF, MB_LOADER_NAME, sizeof(MB_LOADER_NAME));
	info.boot_loader_name = (uint32_t)(BOOT_INFO + MB_NAME_OFF);

	if (cmdline) {
		cmdline_store(page, cmdline);
		info.flags |= MB_INFO_CMDLINE;
		info.cmdline = (uint32_t)(BOOT_INFO + MB_CMDLINE_OFF);
	}

	memcpy(page, &info, sizeof(info));
	if (mem_write(m, BOOT_INFO, page, sizeof(page)) < 0)
		return write_failed(err, "the multiboot info", BOOT_INFO,
				    sizeof(page));
	return 0;
}
