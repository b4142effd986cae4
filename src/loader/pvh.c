/*
 * PVH boot (the Xen/KVM "PVH boot ABI", as Linux's arch/x86/platform/pvh/
 * implements it): an ELF kernel, typically an uncompressed vmlinux, whose
 * "Xen" note XEN_ELFNOTE_PHYS32_ENTRY names a 32-bit entry point. It is
 * entered in flat 32-bit protected mode with paging off and EBX pointing at
 * a struct hvm_start_info that gives the command line, the initrd (module
 * 0), the ACPI RSDP and the memory map. Every check runs before the first
 * byte of guest memory is written.
 */
#include <elf.h>
#include <string.h>

#include "loader.h"
#include "bootmem.h"
#include "../acpi/acpi.h"


_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info layout");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry layout");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24,
	       "hvm_memmap_table_entry layout");
_Static_assert(PVH_START_INFO + sizeof(struct hvm_start_info) <= PVH_MODLIST &&
	       PVH_MODLIST + sizeof(struct hvm_modlist_entry) <= PVH_MEMMAP &&
	       PVH_MEMMAP + BOOT_MEMMAP_MAX * sizeof(struct hvm_memmap_table_entry)
	       <= PVH_START_INFO + BOOT_PAGE_SIZE,
	       "PVH start info, module list and memory map overflow their page");

int pvh_find_note(const uint8_t *img, size_t len, uint64_t *entry,
		  size_t *desc_len)
{
	int elfclass;

	*entry = 0;
	*desc_len = sizeof(*entry);
	return elf_find_note(img, len, PVH_NOTE_NAME, PVH_NOTE_PHYS32_ENTRY,
			     &elfclass, entry, desc_len);
}

/*
 * The note's descriptor is the entry as a 32-bit value, or as a 64-bit one
 * (Linux emits it with _ASM_PTR, a .quad on x86-64).
 */
static int entry_from_note(const uint8_t *img, size_t len, uint32_t *entry,
			   char *err)
{
	uint64_t v;
	size_t desc_len;

	if (!pvh_find_note(img, len, &v, &desc_len))
		return loader_fail(err, "no PVH entry note (Xen note type %d)",
				   PVH_NOTE_PHYS32_ENTRY);
	if (desc_len != 4 && desc_len != 8)
		return loader_fail(err, "PVH entry note is %zu bytes, expected 4 or 8",
				   desc_len);
	if (v >= BOARD_4GIB)
		return loader_fail(err, "PVH entry point 0x%llx is above 4 GiB",
				   (unsigned long long)v);
	*entry = (uint32_t)v;
	return 0;
}

/* Module 0 at the highest page of low RAM that clears the kernel. */
static int place_initrd(const struct mem *m, size_t size, uint64_t kernel_end,
			uint64_t *addr, char *err)
{
	uint64_t top = m->region[0].size;	/* below the hole, below 4 GiB */
	uint64_t floor = kernel_end > PVH_IMAGE_MIN ? kernel_end : PVH_IMAGE_MIN;

	if (size > top)
		return loader_fail(err, "initrd (%zu bytes) is larger than the "
				   "guest RAM below 0x%llx", size,
				   (unsigned long long)top);
	*addr = (top - size) & ~(BOOT_PAGE_SIZE - 1);
	if (*addr < floor)
		return loader_fail(err, "initrd (%zu bytes) does not fit between "
				   "the kernel's end 0x%llx and 0x%llx", size,
				   (unsigned long long)floor,
				   (unsigned long long)top);
	return 0;
}

/* Start info, module list and memory map: one page. */
static int start_info_write(struct mem *m, uint64_t initrd, size_t initrd_len,
			    char *err)
{
	uint8_t page[BOOT_PAGE_SIZE] = { 0 };
	struct boot_memmap_entry map[BOOT_MEMMAP_MAX];
	unsigned int n = boot_memmap(m, map);
	struct hvm_start_info si = {
		.magic = PVH_START_MAGIC,
		.version = PVH_START_VERSION,
		.cmdline_paddr = PVH_CMDLINE,
		.rsdp_paddr = ACPI_RSDP_ADDR,
		.memmap_paddr = PVH_MEMMAP,
		.memmap_entries = n,
	};
	struct hvm_modlist_entry mod = { .paddr = initrd, .size = initrd_len };

	if (initrd_len) {
		si.nr_modules = 1;
		si.modlist_paddr = PVH_MODLIST;
		memcpy(page + (PVH_MODLIST - PVH_START_INFO), &mod, sizeof(mod));
	}
	for (unsigned int i = 0; i < n; i++) {
		struct hvm_memmap_table_entry e = {
			.addr = map[i].addr,
			.size = map[i].size,
			.type = map[i].type,
		};

		memcpy(page + (PVH_MEMMAP - PVH_START_INFO) + i * sizeof(e),
		       &e, sizeof(e));
	}
	memcpy(page, &si, sizeof(si));
	if (mem_write(m, PVH_START_INFO, page, sizeof(page)) < 0)
		return loader_fail(err, "cannot write the PVH start info at 0x%llx",
				   PVH_START_INFO);
	return 0;
}

int load_pvh(struct mem *m, const uint8_t *img, size_t len,
	     const struct load_opts *opts, struct boot_state *bs, char *err)
{
	const char *cmdline = opts->cmdline ? opts->cmdline : "";
	size_t cmd_len = strlen(cmdline);
	size_t initrd_len = opts->initrd ? opts->initrd_len : 0;
	uint64_t kernel_end, initrd = 0;
	uint32_t entry = 0;
	int elfclass, in_image;

	if (entry_from_note(img, len, &entry, err) < 0)
		return -1;
	if (elf_segments_span(img, len, entry, &kernel_end, &in_image, err) < 0)
		return -1;
	if (!in_image)
		return loader_fail(err, "PVH entry point 0x%x is not in a loaded "
				   "segment of the image", entry);
	if (cmd_len >= BZ_CMDLINE_MAX)
		return loader_fail(err, "command line is %zu bytes, hvrun passes "
				   "at most %llu", cmd_len, BZ_CMDLINE_MAX - 1);
	if (initrd_len &&
	    place_initrd(m, initrd_len, kernel_end, &initrd, err) < 0)
		return -1;
	/* Checks every segment (from 1 MiB up), then loads them. */
	if (elf_load_segments(m, img, len, PVH_IMAGE_MIN, &elfclass, NULL,
			      err) < 0)
		return -1;

	if (initrd_len && mem_write(m, initrd, opts->initrd, initrd_len) < 0)
		return loader_fail(err, "cannot write the initrd at 0x%llx",
				   (unsigned long long)initrd);
	if (mem_write(m, PVH_CMDLINE, cmdline, cmd_len + 1) < 0)
		return loader_fail(err, "cannot write the command line at 0x%llx",
				   PVH_CMDLINE);
	if (start_info_write(m, initrd, initrd_len, err) < 0 ||
	    boot_gdt_write(m, BOOT_LOW_BASE, err) < 0)
		return -1;

	*bs = (struct boot_state){
		.mode = MODE_PROTECTED,
		.rip = entry,
		.rbx = PVH_START_INFO,
		.gdt_base = BOOT_GDT,
	};
	return 0;
}

/* An ELF with Xen's PHYS32_ENTRY note. */
static bool probe_pvh(const uint8_t *img, size_t len)
{
	uint64_t entry;
	size_t desc_len;

	return loader_is_elf(img, len) &&
	       pvh_find_note(img, len, &entry, &desc_len);
}

const struct loader_format loader_pvh = {
	.kind = IMAGE_PVH, .name = "PVH", .order = 20,
	.probe = probe_pvh, .load = load_pvh,
	.takes = LOAD_TAKES_CMDLINE | LOAD_TAKES_INITRD,
	.profile = { .devices = true, .acpi = true },
};
