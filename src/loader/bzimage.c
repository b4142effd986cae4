/*
 * Linux bzImage loader: x86 boot protocol 2.12 or later, 64-bit entry
 * (Documentation/arch/x86/boot.rst, "64-bit BOOT PROTOCOL"). The real-mode
 * setup code never runs: hvrun fills the zero page itself and enters
 * startup_64 in long mode, as kvmtool and Firecracker do. Every header field
 * is hostile: each is checked against the image and guest RAM before any
 * guest memory is written.
 */
#include <stdio.h>
#include <string.h>

#include "../acpi/acpi.h"
#include "loader.h"
#include "bootmem.h"

#define BZ_4G		BOARD_4GIB	/* the boot identity map ends here */
#define BZ_E820_SIZE	20		/* packed struct boot_e820_entry */
#define BZ_ACPI_VERSION	0x020E		/* the zero page has acpi_rsdp_addr */

_Static_assert(BZ_ZERO_PAGE + BOOT_PAGE_SIZE <= RESERVED_END,
	       "zero page outside the reserved pages");
_Static_assert(BZ_CMDLINE >= RESERVED_END &&
	       BZ_CMDLINE + BZ_CMDLINE_MAX <= MB_LOWER_END,
	       "command line must sit in low RAM, clear of the reserved pages");
_Static_assert(BZ_E820_TABLE + BZ_E820_MAX * BZ_E820_SIZE <= 0xCD0,
	       "e820 table runs into the zero page's EDD buffers");

/* What the setup header says, once checked. */
struct bz_layout {
	size_t hdr_end;		/* zero page copy: [BZ_SETUP_SECTS, hdr_end) */
	size_t setup_len;	/* file offset of the protected-mode kernel */
	size_t kernel_len;	/* its length in the file */
	uint64_t load;		/* where it goes */
	uint64_t area_end;	/* end of the kernel and its init_size area */
	uint64_t initrd;	/* initrd address, if one is given */
};

static uint16_t get16(const uint8_t *p, size_t off)
{
	uint16_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put64(uint8_t *p, size_t off, uint64_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

/* Magic, version and the flags a 64-bit entry needs. */
static int check_header(const uint8_t *img, size_t len, char *err)
{
	uint16_t version;

	if (len < BZ_HDR_MIN_END)
		return loader_fail(err, "Linux setup header cut short: the image "
				   "ends at 0x%zx, the header needs 0x%x bytes",
				   len, BZ_HDR_MIN_END);
	if (get16(img, BZ_BOOT_FLAG) != 0xAA55 ||
	    get32(img, BZ_HEADER) != BZ_MAGIC)
		return loader_fail(err, "no Linux setup header (boot flag 0xAA55 "
				   "and \"HdrS\")");
	version = get16(img, BZ_VERSION);
	if (version < BZ_MIN_VERSION)
		return loader_fail(err, "Linux boot protocol %u.%02u is too old: "
				   "hvrun needs 2.06 or later",
				   version >> 8, version & 0xFF);
	if (!(img[BZ_LOADFLAGS] & BZ_LOADED_HIGH))
		return loader_fail(err, "Linux kernel is not loaded high (loadflags "
				   "bit 0 clear): zImage kernels are not supported");
	/* xloadflags, pref_address and init_size came with 2.10-2.12. */
	if (version < 0x020C || !(get16(img, BZ_XLOADFLAGS) & BZ_XLF_KERNEL_64))
		return loader_fail(err, "not a 64-bit kernel: boot protocol "
				   "%u.%02u without XLF_KERNEL_64 in xloadflags",
				   version >> 8, version & 0xFF);
	return 0;
}

/*
 * Where the protected-mode kernel goes and the RAM it needs. The 64-bit
 * decompressor extracts to max(load aligned up to kernel_alignment,
 * pref_address) when relocatable and to pref_address when not, using
 * init_size bytes from there.
 */
static int place_kernel(const struct mem *m, const uint8_t *img, size_t len,
			struct bz_layout *l, char *err)
{
	unsigned int sects = img[BZ_SETUP_SECTS] ? img[BZ_SETUP_SECTS] : 4;
	uint32_t align = get32(img, BZ_KERNEL_ALIGNMENT);
	uint32_t init_size = get32(img, BZ_INIT_SIZE);
	uint64_t pref = get64(img, BZ_PREF_ADDRESS);
	int reloc = img[BZ_RELOCATABLE] != 0;
	uint64_t extract, need;
	char what[96];

	l->setup_len = (size_t)(sects + 1) * BZ_SECTOR;
	if (l->setup_len >= len || len - l->setup_len <= BZ_ENTRY64_OFF)
		return loader_fail(err, "setup_sects %u puts the Linux kernel at "
				   "0x%zx, past the end of the image (0x%zx bytes)",
				   sects, l->setup_len, len);
	l->kernel_len = len - l->setup_len;
	if (reloc && (align == 0 || (align & (align - 1))))
		return loader_fail(err, "Linux kernel_alignment 0x%x is not a "
				   "power of two", align);
	if (pref < BZ_DEFAULT_LOAD || pref >= BZ_4G)
		return loader_fail(err, "Linux pref_address 0x%llx is outside "
				   "1 MiB-4 GiB", (unsigned long long)pref);

	need = l->kernel_len > init_size ? l->kernel_len : init_size;
	l->load = BZ_DEFAULT_LOAD;
	if (reloc && need <= BZ_4G - pref && mem_ptr(m, pref, need))
		l->load = pref;
	extract = pref;
	if (reloc) {
		uint64_t up = (l->load + align - 1) & ~((uint64_t)align - 1);

		if (up > extract)
			extract = up;
	}

	snprintf(what, sizeof(what), "Linux kernel (0x%zx bytes at 0x%llx)",
		 l->kernel_len, (unsigned long long)l->load);
	if (loader_check_range(m, l->load, l->kernel_len, BZ_4G, what, err) < 0)
		return -1;
	snprintf(what, sizeof(what), "Linux init_size area (0x%x bytes at 0x%llx)",
		 init_size, (unsigned long long)extract);
	if (loader_check_range(m, extract, init_size, BZ_4G, what, err) < 0)
		return -1;

	l->area_end = extract + init_size;
	if (l->load + l->kernel_len > l->area_end)
		l->area_end = l->load + l->kernel_len;
	l->hdr_end = BZ_HEADER + (size_t)img[BZ_JUMP_LEN];
	if (l->hdr_end > BZ_HDR_MAX_END)
		l->hdr_end = BZ_HDR_MAX_END;
	if (l->hdr_end < BZ_HDR_MIN_END)
		l->hdr_end = BZ_HDR_MIN_END;
	if (l->hdr_end > len)
		l->hdr_end = len;
	return 0;
}

/* The highest page below min(initrd_addr_max + 1, low RAM end), above the
 * kernel. */
static int place_initrd(const struct mem *m, const uint8_t *img, size_t size,
			struct bz_layout *l, char *err)
{
	uint64_t top = m->region[0].size;
	uint64_t max = (uint64_t)get32(img, BZ_INITRD_ADDR_MAX) + 1;

	if (max < top)
		top = max;
	if (size > top)
		return loader_fail(err, "initrd (%zu bytes) is larger than the "
				   "guest RAM it may use (below 0x%llx)", size,
				   (unsigned long long)top);
	l->initrd = (top - size) & ~(BOOT_PAGE_SIZE - 1);
	if (l->initrd < l->area_end)
		return loader_fail(err, "initrd (%zu bytes) does not fit between "
				   "the Linux kernel's end 0x%llx and 0x%llx",
				   size, (unsigned long long)l->area_end,
				   (unsigned long long)top);
	return 0;
}

/* boot_memmap() as e820 entries. */
static void e820_build(const struct mem *m, uint8_t *zp)
{
	struct boot_memmap_entry map[BOOT_MEMMAP_MAX];
	unsigned int n = boot_memmap(m, map);

	_Static_assert(BOOT_MEMMAP_MAX <= BZ_E820_MAX, "e820 table too small");
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *e = zp + BZ_E820_TABLE + i * BZ_E820_SIZE;

		memcpy(e, &map[i].addr, 8);
		memcpy(e + 8, &map[i].size, 8);
		memcpy(e + 16, &map[i].type, 4);
	}
	zp[BZ_E820_ENTRIES] = (uint8_t)n;
}

static int write_failed(char *err, const char *what, uint64_t gpa)
{
	return loader_fail(err, "cannot write the %s at 0x%llx", what,
			   (unsigned long long)gpa);
}

int load_bzimage(struct mem *m, const uint8_t *img, size_t len,
		 const struct load_opts *opts, struct boot_state *bs,
		 char *err)
{
	uint8_t zp[BOOT_PAGE_SIZE] = { 0 };
	const char *cmdline = opts && opts->cmdline ? opts->cmdline : "";
	size_t initrd_len = opts && opts->initrd ? opts->initrd_len : 0;
	size_t cmd_len = strlen(cmdline);
	uint32_t cmd_max;
	struct bz_layout l = { 0 };

	if (check_header(img, len, err) < 0 ||
	    place_kernel(m, img, len, &l, err) < 0)
		return -1;
	cmd_max = get32(img, BZ_CMDLINE_SIZE);
	if (cmd_len > cmd_max)
		return loader_fail(err, "command line is %zu bytes, this kernel "
				   "takes at most %u (cmdline_size)", cmd_len,
				   cmd_max);
	if (cmd_len >= BZ_CMDLINE_MAX)
		return loader_fail(err, "command line is %zu bytes, hvrun passes "
				   "at most %llu", cmd_len, BZ_CMDLINE_MAX - 1);
	if (initrd_len && place_initrd(m, img, initrd_len, &l, err) < 0)
		return -1;

	/* The zero page: the image's setup header, then what hvrun knows. */
	memcpy(zp + BZ_SETUP_SECTS, img + BZ_SETUP_SECTS,
	       l.hdr_end - BZ_SETUP_SECTS);
	zp[BZ_TYPE_OF_LOADER] = BZ_LOADER_UNDEFINED;
	put32(zp, BZ_CMD_LINE_PTR, (uint32_t)BZ_CMDLINE);
	if (initrd_len) {
		put32(zp, BZ_RAMDISK_IMAGE, (uint32_t)l.initrd);
		put32(zp, BZ_RAMDISK_SIZE, (uint32_t)initrd_len);
		put32(zp, BZ_EXT_RAMDISK_IMAGE, (uint32_t)(l.initrd >> 32));
		put32(zp, BZ_EXT_RAMDISK_SIZE, (uint32_t)((uint64_t)initrd_len >> 32));
	}
	/* vm.c writes the tables for every bzImage; older kernels scan for them. */
	if (get16(img, BZ_VERSION) >= BZ_ACPI_VERSION)
		put64(zp, BZ_ACPI_RSDP_ADDR, ACPI_RSDP_ADDR);
	e820_build(m, zp);

	if (mem_write(m, l.load, img + l.setup_len, l.kernel_len) < 0)
		return write_failed(err, "Linux kernel", l.load);
	if (initrd_len && mem_write(m, l.initrd, opts->initrd, initrd_len) < 0)
		return write_failed(err, "initrd", l.initrd);
	if (mem_write(m, BZ_CMDLINE, cmdline, cmd_len + 1) < 0)
		return write_failed(err, "command line", BZ_CMDLINE);
	if (mem_write(m, BZ_ZERO_PAGE, zp, sizeof(zp)) < 0)
		return write_failed(err, "zero page", BZ_ZERO_PAGE);
	if (boot_gdt_write(m, BOOT_LOW_BASE, err) < 0 ||
	    boot_pagetables_write(m, BOOT_LOW_BASE, err) < 0)
		return -1;

	/*
	 * startup_64 sets up its own stack, GDT and page tables before it
	 * pushes anything; the stack given here grows into free low memory.
	 */
	*bs = (struct boot_state){
		.mode = MODE_LONG,
		.rip = l.load + BZ_ENTRY64_OFF,
		.rsp = BZ_CMDLINE,
		.rsi = BZ_ZERO_PAGE,
		.gdt_base = BOOT_GDT,
		.cr3 = BOOT_PML4,
	};
	return 0;
}

static bool probe_bzimage(const uint8_t *img, size_t len)
{
	return len >= BZ_HEADER + 4 && loader_boot_signature(img, len) &&
	       memcmp(img + BZ_HEADER, "HdrS", 4) == 0;
}

const struct loader_format loader_bzimage = {
	.kind = IMAGE_BZIMAGE, .name = "Linux bzImage", .order = 50,
	.probe = probe_bzimage, .load = load_bzimage,
	.takes = LOAD_TAKES_CMDLINE | LOAD_TAKES_INITRD,
	.profile = { .devices = true, .acpi = true },
};
