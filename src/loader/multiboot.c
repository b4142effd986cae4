/*
 * Multiboot v1 (spec 0.6.96) kernels: an ELF32 loaded by its program
 * headers, or any image loaded by the header's address fields (the "a.out
 * kludge", flag bit 16). Entered in 32-bit protected mode with the boot
 * magic in EAX and the multiboot info in EBX. --initrd is module 0, on
 * the first page after the image; the boot block (GDT, multiboot info) goes
 * where neither is. Everything is checked and placed before the first
 * byte is written.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "bootmem.h"


/* Flags hvrun honours among the required ones (bits 0-15). */
#define MB_FLAGS_REQUIRED	0x0000FFFFU
#define MB_FLAGS_PROVIDED	(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO)

struct mb_header {
	uint32_t magic, flags, checksum;
	/* Valid with MB_FLAG_AOUT_KLUDGE only. */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
	uint32_t entry_addr;
};

_Static_assert(sizeof(struct mb_header) == MB_HEADER_AOUT_LEN,
	       "multiboot header layout");

/* The host is x86-64 (configure insists), as little-endian as the guest. */
static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int checksum_ok(const uint8_t *p)
{
	return (uint32_t)(get32(p) + get32(p + 4) + get32(p + 8)) == 0;
}

/* The header is 4-byte aligned and wholly inside the first 8 KiB. */
static long scan(const uint8_t *img, size_t len, int want_checksum)
{
	size_t limit = len < MB_SEARCH_LIMIT ? len : MB_SEARCH_LIMIT;

	for (size_t off = 0; off + MB_HEADER_MIN_LEN <= limit; off += 4) {
		if (get32(img + off) != MB_HEADER_MAGIC)
			continue;
		if (!want_checksum || checksum_ok(img + off))
			return (long)off;
	}
	return -1;
}

long multiboot_find_header(const uint8_t *img, size_t len)
{
	return scan(img, len, 1);
}

long multiboot_find_magic(const uint8_t *img, size_t len)
{
	return scan(img, len, 0);
}

/* Bits 0-15 are requirements: a loader that cannot meet one must refuse. */
static int flags_check(uint32_t flags, char *err)
{
	uint32_t missing = flags & MB_FLAGS_REQUIRED & ~MB_FLAGS_PROVIDED;
	int bit;

	if (!missing)
		return 0;
	bit = __builtin_ctz(missing);
	return loader_fail(err, "multiboot header flag bit %d (%s) asks for a "
			   "feature hvrun does not provide", bit,
			   bit == 2 ? "video mode" : "unknown requirement");
}

/* Where the address fields put the image: checked against file and RAM. */
struct aout_layout {
	uint64_t file_off;	/* of load_addr's byte */
	uint64_t load_len;	/* bytes copied from the file */
	uint64_t end;		/* end of bss, or of the copied bytes */
};

static int aout_file_range(const struct mb_header *h, size_t len, size_t off,
			   struct aout_layout *l, char *err)
{
	if (h->load_addr > h->header_addr)
		return loader_fail(err, "multiboot load_addr 0x%x is above "
				   "header_addr 0x%x", h->load_addr, h->header_addr);
	if (h->header_addr - h->load_addr > off)
		return loader_fail(err, "multiboot load_addr 0x%x starts 0x%x bytes "
				   "before the header, but the header is at file "
				   "offset 0x%zx", h->load_addr,
				   h->header_addr - h->load_addr, off);
	l->file_off = off - (h->header_addr - h->load_addr);

	if (h->load_end_addr == 0) {
		l->load_len = len - l->file_off;
	} else if (h->load_end_addr <= h->load_addr) {
		return loader_fail(err, "multiboot load_end_addr 0x%x is not above "
				   "load_addr 0x%x", h->load_end_addr, h->load_addr);
	} else {
		l->load_len = h->load_end_addr - h->load_addr;
		if (l->load_len > len - l->file_off)
			return loader_fail(err, "multiboot load_addr-load_end_addr "
					   "0x%x-0x%x needs 0x%llx bytes from file "
					   "offset 0x%llx, past the end of the "
					   "%zu-byte image", h->load_addr,
					   h->load_end_addr,
					   (unsigned long long)l->load_len,
					   (unsigned long long)l->file_off, len);
	}
	return 0;
}

static int aout_check(const struct mem *m, const struct mb_header *h,
		      size_t len, size_t off, struct aout_layout *l, char *err)
{
	char what[96];

	if (aout_file_range(h, len, off, l, err) < 0)
		return -1;
	/* A 32-bit address plus at most the image's length: no wrap. */
	l->end = h->load_addr + l->load_len;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < l->end)
			return loader_fail(err, "multiboot bss_end_addr 0x%x is below "
					   "the end of the loaded bytes 0x%llx",
					   h->bss_end_addr,
					   (unsigned long long)l->end);
		l->end = h->bss_end_addr;
	}
	snprintf(what, sizeof(what), "multiboot image 0x%x-0x%llx",
		 h->load_addr, (unsigned long long)l->end);
	if (loader_check_range(m, h->load_addr, l->end - h->load_addr,
			       BOARD_4GIB, what, err) < 0)
		return -1;
	if (!mem_ptr(m, h->entry_addr, 1))
		return loader_fail(err, "multiboot entry_addr 0x%x is outside "
				   "guest RAM", h->entry_addr);
	return 0;
}

/* The a.out kludge's header, checked against the file and RAM. */
static int aout_plan(const struct mem *m, const uint8_t *img, size_t len,
		     size_t off, struct mb_header *h, struct aout_layout *l,
		     struct load_plan *plan, char *err)
{
	if (len - off < sizeof(*h) || off + sizeof(*h) > MB_SEARCH_LIMIT)
		return loader_fail(err, "multiboot header at offset 0x%zx is cut "
				   "short: its address fields (flag bit 16) run past "
				   "the %s", off,
				   len - off < sizeof(*h) ? "end of the image" :
							    "first 8 KiB");
	memcpy(h, img + off, sizeof(*h));
	if (aout_check(m, h, len, off, l, err) < 0)
		return -1;
	return plan_add(plan, h->load_addr, l->end - h->load_addr, err);
}

/* Copy [load_addr, load_end_addr) from the file, zero up to bss_end_addr. */
static int aout_write(struct mem *m, const uint8_t *img,
		      const struct mb_header *h, const struct aout_layout *l,
		      char *err)
{
	uint64_t bss_len = l->end - h->load_addr - l->load_len;
	uint8_t *bss;

	if (mem_write(m, h->load_addr, img + l->file_off, l->load_len) < 0)
		return loader_fail(err, "cannot write the multiboot image");
	bss = mem_ptr(m, h->load_addr + l->load_len, bss_len);
	if (!bss)
		return loader_fail(err, "cannot zero the multiboot image's bss");
	memset(bss, 0, bss_len);
	return 0;
}

/* Without the kludge the kernel is an ELF32, loaded by its program headers. */
static int elf32_plan(const struct mem *m, const uint8_t *img, size_t len,
		      struct load_plan *plan, char *err)
{
	if (len < SELFMAG || memcmp(img, ELFMAG, SELFMAG) != 0)
		return loader_fail(err, "multiboot image is not ELF and its header "
				   "lacks the a.out kludge (flag bit 16) to say "
				   "where to load it");
	if (elf_image_class(img, len) == ELFCLASS64)
		return loader_fail(err, "multiboot image is ELF64: multiboot v1 "
				   "loads ELF32 only (or set header flag bit 16)");
	return elf_plan_segments(m, img, len, plan, err);
}

/* How one multiboot image loads, worked out before anything is written. */
struct mb_load {
	uint32_t flags;
	struct mb_header h;		/* a.out kludge only */
	struct aout_layout l;
	struct load_plan plan;		/* image, module */
	struct mb_module_desc mod;
	uint64_t base;			/* the boot block */
	char *cmdline;			/* "IMAGE ARGS", or NULL */
};

/* Module 0 on the first page after the image, below 4 GiB. */
static int module_place(const struct mem *m, const struct load_opts *opts,
			struct mb_load *ml, char *err)
{
	uint64_t start = (plan_end(&ml->plan) + BOOT_PAGE_SIZE - 1) &
			 ~(BOOT_PAGE_SIZE - 1);
	char what[96];

	if (opts->initrd_len == 0)
		return loader_fail(err, "multiboot module 0 (--initrd) is empty");
	snprintf(what, sizeof(what), "multiboot module 0 (%zu bytes at 0x%llx)",
		 opts->initrd_len, (unsigned long long)start);
	if (loader_check_range(m, start, opts->initrd_len, BOARD_4GIB, what,
			       err) < 0)
		return -1;
	ml->mod = (struct mb_module_desc){
		.start = (uint32_t)start,
		.end = (uint32_t)(start + opts->initrd_len),
		.string = opts->initrd_name,
	};
	return plan_add(&ml->plan, start, opts->initrd_len, err);
}

/*
 * "IMAGE ARGS", as GRUB and QEMU pass a multiboot kernel its command line:
 * kernels that parse it into argv (kvm-unit-tests) take the first word as
 * their name. Either part may be NULL, not both. NULL if out of memory.
 */
static char *mb_cmdline(const char *name, const char *args)
{
	char *line;

	if (name && args)
		return asprintf(&line, "%s %s", name, args) < 0 ? NULL : line;
	return strdup(name ? name : args);
}

static int mb_plan(const struct mem *m, const uint8_t *img, size_t len,
		   size_t off, const struct load_opts *opts, struct mb_load *ml,
		   char *err)
{
	int ret;

	if (ml->flags & MB_FLAG_AOUT_KLUDGE)
		ret = aout_plan(m, img, len, off, &ml->h, &ml->l, &ml->plan, err);
	else
		ret = elf32_plan(m, img, len, &ml->plan, err);
	if (ret < 0 || (opts->initrd && module_place(m, opts, ml, err) < 0))
		return -1;
	if ((opts->image_name || opts->cmdline) &&
	    !(ml->cmdline = mb_cmdline(opts->image_name, opts->cmdline)))
		return loader_fail(err, "out of memory for the command line");
	return boot_block_place(m, &ml->plan, &ml->base, err);
}

static int mb_write(struct mem *m, const uint8_t *img, size_t len,
		    const struct load_opts *opts, const struct mb_load *ml,
		    uint64_t *entry, char *err)
{
	int elfclass;

	if (ml->flags & MB_FLAG_AOUT_KLUDGE) {
		if (aout_write(m, img, &ml->h, &ml->l, err) < 0)
			return -1;
		*entry = ml->h.entry_addr;
	} else if (elf_load_segments(m, img, len, 0, &elfclass, entry, err) < 0) {
		return -1;
	}
	if (opts->initrd &&
	    mem_write(m, ml->mod.start, opts->initrd, opts->initrd_len) < 0)
		return loader_fail(err, "cannot write multiboot module 0");
	if (boot_gdt_write(m, ml->base, err) < 0)
		return -1;
	return boot_mbinfo_write(m, ml->base, ml->cmdline,
				 opts->initrd ? &ml->mod : NULL, err);
}

int load_multiboot(struct mem *m, const uint8_t *img, size_t len,
		   const struct load_opts *opts, struct boot_state *bs,
		   char *err)
{
	static const struct load_opts no_opts;
	long off = multiboot_find_header(img, len);
	struct mb_load ml = { 0 };
	uint64_t entry;
	int ret = -1;

	if (!opts)
		opts = &no_opts;
	if (off < 0)
		return loader_fail(err, "no valid multiboot header in the first 8 KiB");
	ml.flags = get32(img + off + 4);
	if (flags_check(ml.flags, err) < 0)
		return -1;
	if (mb_plan(m, img, len, (size_t)off, opts, &ml, err) < 0 ||
	    mb_write(m, img, len, opts, &ml, &entry, err) < 0)
		goto out;

	*bs = (struct boot_state){
		.mode = MODE_PROTECTED,
		.rip = entry,
		.rax = MB_BOOT_MAGIC,
		.rbx = ml.base + BOOT_INFO_OFF,
		.gdt_base = ml.base + BOOT_GDT_OFF,
	};
	ret = 0;
out:
	plan_free(&ml.plan);
	free(ml.cmdline);
	return ret;
}

/* An ELF with a multiboot header, or another file with one that uses the
 * a.out kludge (the only way to load a non-ELF multiboot image). */
static bool probe_multiboot(const uint8_t *img, size_t len)
{
	long off = multiboot_find_header(img, len);
	uint32_t flags;

	if (off < 0)
		return false;
	if (loader_is_elf(img, len))
		return true;
	memcpy(&flags, img + off + 4, sizeof(flags));
	return (flags & MB_FLAG_AOUT_KLUDGE) != 0;
}

const struct loader_format loader_multiboot = {
	.kind = IMAGE_MULTIBOOT, .name = "multiboot", .order = 30,
	.probe = probe_multiboot, .load = load_multiboot,
	.takes = LOAD_TAKES_CMDLINE | LOAD_TAKES_INITRD,
	.profile = { .devices = true },
};
