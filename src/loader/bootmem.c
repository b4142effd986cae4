/*
 * Boot structures in hvrun's boot block, and where the block goes.
 * Everything is built in a host buffer and copied with mem_write(), so a
 * structure is either written whole or the caller gets an error.
 */
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "bootmem.h"
#include "../acpi/acpi.h"

_Static_assert(sizeof(struct mb_info) == 88, "multiboot info layout");
_Static_assert(sizeof(struct mb_mmap_entry) == 24, "multiboot mmap entry layout");
_Static_assert(sizeof(struct mb_module) == 16, "multiboot module layout");
_Static_assert(BOOT_PD_OFF + 4 * BOOT_PAGE_SIZE <= BOOT_INFO_OFF &&
	       BOOT_INFO_OFF + BOOT_PAGE_SIZE <= BOOT_BLOCK_SIZE,
	       "boot block layout");


int plan_add(struct load_plan *p, uint64_t addr, uint64_t size, char *err)
{
	if (p->n == p->cap) {
		unsigned int cap = p->cap ? 2 * p->cap : 8;
		struct boot_range *r = realloc(p->used, cap * sizeof(*r));

		if (!r)
			return loader_fail(err, "out of memory planning the image's layout");
		p->used = r;
		p->cap = cap;
	}
	p->used[p->n++] = (struct boot_range){ addr, size };
	return 0;
}

void plan_free(struct load_plan *p)
{
	free(p->used);
	*p = (struct load_plan){ 0 };
}

/* Ranges were checked not to wrap before they were added. */
uint64_t plan_end(const struct load_plan *p)
{
	uint64_t end = 0;

	for (unsigned int i = 0; i < p->n; i++)
		if (p->used[i].addr + p->used[i].size > end)
			end = p->used[i].addr + p->used[i].size;
	return end;
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* The block at base is in RAM below 4 GiB and clear of everything. */
static int block_fits(const struct mem *m, const struct load_plan *p,
		      uint64_t base)
{
	if (base < BOOT_LOW_BASE || base > BOARD_4GIB - BOOT_BLOCK_SIZE ||
	    !mem_ptr(m, base, BOOT_BLOCK_SIZE) ||
	    overlaps(base, BOOT_BLOCK_SIZE, MB_LOWER_END,
		     MB_HIGH_START - MB_LOWER_END))
		return 0;
	for (unsigned int i = 0; i < p->n; i++)
		if (overlaps(base, BOOT_BLOCK_SIZE, p->used[i].addr,
			     p->used[i].size))
			return 0;
	return 1;
}

/*
 * The lowest free spot starts at BOOT_LOW_BASE or right after something
 * in the way (a range, or the BIOS area), page-aligned: try those.
 */
int boot_block_place(const struct mem *m, const struct load_plan *p,
		     uint64_t *base, char *err)
{
	const uint64_t mask = BOOT_PAGE_SIZE - 1;
	uint64_t best = UINT64_MAX;

	if (block_fits(m, p, BOOT_LOW_BASE)) {
		*base = BOOT_LOW_BASE;
		return 0;
	}
	if (block_fits(m, p, MB_HIGH_START))
		best = MB_HIGH_START;
	for (unsigned int i = 0; i < p->n; i++) {
		uint64_t end = p->used[i].addr + p->used[i].size;
		uint64_t cand;

		if (end >= BOARD_4GIB)
			continue;
		cand = (end + mask) & ~mask;
		if (cand < best && block_fits(m, p, cand))
			best = cand;
	}
	if (best == UINT64_MAX)
		return loader_fail(err, "no room below 4 GiB for hvrun's %llu KiB of "
				   "boot pages beside the image",
				   BOOT_BLOCK_SIZE >> 10);
	*base = best;
	return 0;
}

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

int boot_gdt_write(struct mem *m, uint64_t base, char *err)
{
	uint64_t gdt = base + BOOT_GDT_OFF;

	if (mem_write(m, gdt, boot_gdt, sizeof(boot_gdt)) < 0)
		return write_failed(err, "the GDT", gdt, sizeof(boot_gdt));
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

int boot_pagetables_write(struct mem *m, uint64_t base, char *err)
{
	const uint64_t rw = PTE_PRESENT | PTE_WRITABLE;
	const uint64_t big = 2ULL << 20;
	const unsigned int per_pd = BOOT_PAGE_SIZE / sizeof(uint64_t);
	uint64_t pdpt = base + BOOT_PDPT_OFF, pd = base + BOOT_PD_OFF;

	if (write_table(m, base + BOOT_PML4_OFF, pdpt | rw, 0, 1, err) < 0)
		return -1;
	if (write_table(m, pdpt, pd | rw, BOOT_PAGE_SIZE, 4, err) < 0)
		return -1;
	for (unsigned int i = 0; i < 4; i++) {
		uint64_t first = (uint64_t)i * per_pd * big;

		if (write_table(m, pd + i * BOOT_PAGE_SIZE,
				first | rw | PTE_HUGE, big, per_pd, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * The multiboot info page: struct mb_info, then the memory map, the loader
 * name, the module list (one entry) and its string (up to MB_MODSTR_MAX
 * bytes with its NUL), and the command line, which gets whatever room is
 * left.
 */
#define MB_MMAP_MAX	4
#define MB_LOADER_NAME	"hvrun"
#define MB_MODSTR_MAX	1024
#define MB_MMAP_OFF	sizeof(struct mb_info)
#define MB_NAME_OFF	(MB_MMAP_OFF + MB_MMAP_MAX * sizeof(struct mb_mmap_entry))
#define MB_MODS_OFF	((MB_NAME_OFF + sizeof(MB_LOADER_NAME) + 3) & ~3UL)
#define MB_MODSTR_OFF	(MB_MODS_OFF + sizeof(struct mb_module))
#define MB_CMDLINE_OFF	(MB_MODSTR_OFF + MB_MODSTR_MAX)

_Static_assert(MB_CMDLINE_OFF + 1 <= BOOT_PAGE_SIZE,
	       "multiboot info, mmap, loader name and module overflow the info page");

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

/* Copy s into the page at off, cut short to room bytes with its NUL. */
static void string_store(uint8_t *page, size_t off, size_t room, const char *s)
{
	size_t n = strnlen(s, room - 1);

	memcpy(page + off, s, n);
	page[off + n] = '\0';
}

static void module_store(uint8_t *page, uint64_t info,
			 const struct mb_module_desc *mod)
{
	struct mb_module e = {
		.mod_start = mod->start,
		.mod_end = mod->end,
		.string = (uint32_t)(info + MB_MODSTR_OFF),
	};

	memcpy(page + MB_MODS_OFF, &e, sizeof(e));
	string_store(page, MB_MODSTR_OFF, MB_MODSTR_MAX,
		     mod->string ? mod->string : "");
}

int boot_mbinfo_write(struct mem *m, uint64_t base, const char *cmdline,
		      const struct mb_module_desc *mod, char *err)
{
	uint8_t page[BOOT_PAGE_SIZE] = { 0 };
	uint64_t low_size = m->nr_regions > 0 ? m->region[0].size : 0;
	uint64_t info_gpa = base + BOOT_INFO_OFF;
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

	/* The block lies below 4 GiB (boot_block_place): addresses fit. */
	n = mmap_build(m, page);
	info.mmap_addr = (uint32_t)(info_gpa + MB_MMAP_OFF);
	info.mmap_length = n * sizeof(struct mb_mmap_entry);

	memcpy(page + MB_NAME_OFF, MB_LOADER_NAME, sizeof(MB_LOADER_NAME));
	info.boot_loader_name = (uint32_t)(info_gpa + MB_NAME_OFF);

	if (mod) {
		module_store(page, info_gpa, mod);
		info.flags |= MB_INFO_MODS;
		info.mods_count = 1;
		info.mods_addr = (uint32_t)(info_gpa + MB_MODS_OFF);
	}
	if (cmdline) {
		string_store(page, MB_CMDLINE_OFF, BOOT_PAGE_SIZE - MB_CMDLINE_OFF,
			     cmdline);
		info.flags |= MB_INFO_CMDLINE;
		info.cmdline = (uint32_t)(info_gpa + MB_CMDLINE_OFF);
	}

	memcpy(page, &info, sizeof(info));
	if (mem_write(m, info_gpa, page, sizeof(page)) < 0)
		return write_failed(err, "the multiboot info", info_gpa,
				    sizeof(page));
	return 0;
}
