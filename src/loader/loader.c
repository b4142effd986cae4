/*
 * Image sniffing and dispatch, and the checks every format loader shares.
 * Every byte of the image is hostile: loaders validate, then write guest
 * memory through mem.c only.
 */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "loader.h"
#include "bootmem.h"

int loader_fail(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, LOADER_ERRLEN, fmt, ap);
	va_end(ap);
	return -1;
}

/* "0x0-0xc0000000, 0x100000000-0x140000000" for an error message. */
static void ram_describe(const struct mem *m, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < m->nr_regions && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s0x%llx-0x%llx",
				 i ? ", " : "",
				 (unsigned long long)m->region[i].gpa,
				 (unsigned long long)(m->region[i].gpa +
						      m->region[i].size));
		if (n < 0)
			return;
		used += (size_t)n;
	}
}

int loader_check_range(const struct mem *m, uint64_t addr, uint64_t size,
		       uint64_t limit, const char *what, char *err)
{
	char ram[96];

	if (size > UINT64_MAX - addr)
		return loader_fail(err, "%s wraps around the end of the address space",
				   what);
	if (addr + size > limit)
		return loader_fail(err, "%s ends above 0x%llx, the highest address "
				   "this image can reach", what,
				   (unsigned long long)limit);
	if (addr < LOW_MEM_FLOOR)
		return loader_fail(err, "%s overlaps the real-mode IVT and BIOS data "
				   "area 0x0-0x%llx", what, LOW_MEM_FLOOR);
	if (!mem_ptr(m, addr, size)) {
		ram_describe(m, ram, sizeof(ram));
		return loader_fail(err, "%s is outside guest RAM (%s)", what, ram);
	}
	return 0;
}

bool loader_is_elf(const uint8_t *img, size_t len)
{
	return len >= SELFMAG && memcmp(img, ELFMAG, SELFMAG) == 0;
}

bool loader_boot_signature(const uint8_t *img, size_t len)
{
	return len >= BZ_BOOT_FLAG + 2 &&
	       img[BZ_BOOT_FLAG] == 0x55 && img[BZ_BOOT_FLAG + 1] == 0xAA;
}

static const struct loader_format *format_of(enum image_kind kind)
{
	for (int i = 0; loader_formats[i]; i++)
		if (loader_formats[i]->kind == kind)
			return loader_formats[i];
	return NULL;
}

enum image_kind loader_sniff(const uint8_t *img, size_t len)
{
	const struct loader_format *best = NULL;

	for (int i = 0; loader_formats[i]; i++) {
		const struct loader_format *f = loader_formats[i];

		if ((!best || f->order < best->order) && f->probe(img, len))
			best = f;
	}
	return best ? best->kind : IMAGE_UNKNOWN;
}

enum image_kind loader_kind(const uint8_t *img, size_t len,
			    const struct load_opts *opts)
{
	enum image_kind kind = loader_sniff(img, len);

	if (kind == IMAGE_UNKNOWN && opts && (opts->has_load || opts->has_entry))
		return IMAGE_RAW;
	return kind;
}

const char *loader_kind_name(enum image_kind kind)
{
	const struct loader_format *f = format_of(kind);

	return f ? f->name : "unrecognised";
}

const struct image_profile *loader_profile(enum image_kind kind)
{
	/* The loader refuses it (or loads it raw with --load/--entry). */
	static const struct image_profile unknown = { .devices = true };
	const struct loader_format *f = format_of(kind);

	return f ? &f->profile : &unknown;
}

/*
 * Run as real-mode code, a text file or an archive only "crashes": say
 * what hvrun takes instead, and what the file seems to be when that is
 * plain from its first bytes.
 */
static int refuse_unknown(const uint8_t *img, size_t len, char *err)
{
	const char *seems = "";

	if (len >= 2 && img[0] == 0x1f && img[1] == 0x8b)
		seems = " (this is gzip data)";
	else if (len >= 6 && (!memcmp(img, "070701", 6) || !memcmp(img, "070702", 6)))
		seems = " (this is a cpio archive)";
	return loader_fail(err, "not a recognised image%s: expected ELF "
			   "(multiboot, PV, PVH), a Linux bzImage, or a boot "
			   "sector with 0x55AA at offset 510 (--load or --entry "
			   "run any file as raw code)", seems);
}

/* --load, --entry, --initrd and a command line mean nothing to some
 * formats: say so. */
static int check_opts(const struct loader_format *f,
		      const struct load_opts *opts, char *err)
{
	const char *an = f->kind == IMAGE_ELF ? "n" : "";

	if (!(f->takes & LOAD_TAKES_ADDR) && (opts->has_load || opts->has_entry))
		return loader_fail(err, "--load and --entry apply to raw images only, "
				   "this is a%s %s image", an, f->name);
	if (!(f->takes & LOAD_TAKES_CMDLINE) && opts->cmdline)
		return loader_fail(err, "a command line is passed to Linux, multiboot "
				   "and PV images only, this is a%s %s image",
				   an, f->name);
	if (!(f->takes & LOAD_TAKES_INITRD) && opts->initrd)
		return loader_fail(err, "--initrd applies to Linux bzImage, PVH and "
				   "multiboot images only, this is a%s %s image",
				   an, f->name);
	return 0;
}

int loader_load(struct mem *m, const uint8_t *img, size_t len,
		const struct load_opts *opts, struct boot_state *bs,
		char err[LOADER_ERRLEN])
{
	static const struct load_opts no_opts;
	const struct loader_format *f;

	err[0] = '\0';
	if (!opts)
		opts = &no_opts;
	if (len == 0)
		return loader_fail(err, "image is empty");

	f = format_of(loader_kind(img, len, opts));
	if (!f)
		return refuse_unknown(img, len, err);
	if (check_opts(f, opts, err) < 0)
		return -1;
	return f->load(m, img, len, opts, bs, err);
}
