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

static int is_elf(const uint8_t *img, size_t len)
{
	return len >= SELFMAG && memcmp(img, ELFMAG, SELFMAG) == 0;
}

/* The PC boot sector's signature, which a bzImage's header keeps too. */
static int has_boot_signature(const uint8_t *img, size_t len)
{
	return len >= BZ_BOOT_FLAG + 2 &&
	       img[BZ_BOOT_FLAG] == 0x55 && img[BZ_BOOT_FLAG + 1] == 0xAA;
}

static int is_bzimage(const uint8_t *img, size_t len)
{
	return len >= BZ_HEADER + 4 && has_boot_signature(img, len) &&
	       memcmp(img + BZ_HEADER, "HdrS", 4) == 0;
}

/* Non-ELF multiboot images can only be loaded by the a.out kludge. */
static int is_aout_multiboot(const uint8_t *img, size_t len)
{
	long off = multiboot_find_header(img, len);
	uint32_t flags;

	if (off < 0)
		return 0;
	memcpy(&flags, img + off + 4, sizeof(flags));
	return (flags & MB_FLAG_AOUT_KLUDGE) != 0;
}

enum image_kind loader_sniff(const uint8_t *img, size_t len)
{
	uint32_t version;
	uint64_t entry;
	size_t desc_len;

	if (is_elf(img, len)) {
		if (pv_find_note(img, len, &version))
			return IMAGE_PV;
		if (pvh_find_note(img, len, &entry, &desc_len))
			return IMAGE_PVH;
		return multiboot_find_header(img, len) >= 0 ?
		       IMAGE_MULTIBOOT : IMAGE_ELF;
	}
	if (is_aout_multiboot(img, len))
		return IMAGE_MULTIBOOT;
	if (is_bzimage(img, len))
		return IMAGE_BZIMAGE;
	return has_boot_signature(img, len) ? IMAGE_RAW : IMAGE_UNKNOWN;
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
	switch (kind) {
	case IMAGE_RAW:
		return "raw";
	case IMAGE_ELF:
		return "ELF";
	case IMAGE_MULTIBOOT:
		return "multiboot";
	case IMAGE_BZIMAGE:
		return "Linux bzImage";
	case IMAGE_PV:
		return "PV";
	case IMAGE_PVH:
		return "PVH";
	case IMAGE_UNKNOWN:
		break;
	}
	return "unrecognised";
}

/*
 * An ELF with the multiboot magic but no valid header was meant to be
 * multiboot: booting it as plain ELF would start it without its magic and
 * info, so say what is wrong with the header instead.
 */
static int check_broken_multiboot(const uint8_t *img, size_t len, char *err)
{
	long off = multiboot_find_magic(img, len);
	uint32_t hdr[3];

	if (off < 0)
		return 0;
	memcpy(hdr, img + off, sizeof(hdr));
	return loader_fail(err, "multiboot header at offset 0x%lx has a bad checksum "
			   "(magic + flags + checksum = 0x%x, must be 0)",
			   off, (unsigned int)(hdr[0] + hdr[1] + hdr[2]));
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
static int check_opts(enum image_kind kind, const struct load_opts *opts,
		      char *err)
{
	if (kind != IMAGE_RAW && (opts->has_load || opts->has_entry))
		return loader_fail(err, "--load and --entry apply to raw images only, "
				   "this is a%s %s image",
				   kind == IMAGE_ELF ? "n" : "",
				   loader_kind_name(kind));
	if (kind != IMAGE_MULTIBOOT && kind != IMAGE_PV &&
	    kind != IMAGE_BZIMAGE && kind != IMAGE_PVH && opts->cmdline)
		return loader_fail(err, "a command line is passed to Linux, multiboot "
				   "and PV images only, this is a%s %s image",
				   kind == IMAGE_ELF ? "n" : "",
				   loader_kind_name(kind));
	if (kind != IMAGE_BZIMAGE && kind != IMAGE_PVH &&
	    kind != IMAGE_MULTIBOOT && opts->initrd)
		return loader_fail(err, "--initrd applies to Linux bzImage, PVH and "
				   "multiboot images only, this is a%s %s image",
				   kind == IMAGE_ELF ? "n" : "",
				   loader_kind_name(kind));
	return 0;
}

int loader_load(struct mem *m, const uint8_t *img, size_t len,
		const struct load_opts *opts, struct boot_state *bs,
		char err[LOADER_ERRLEN])
{
	static const struct load_opts no_opts;
	enum image_kind kind;

	err[0] = '\0';
	if (!opts)
		opts = &no_opts;
	if (len == 0)
		return loader_fail(err, "image is empty");

	kind = loader_kind(img, len, opts);
	if (kind == IMAGE_UNKNOWN)
		return refuse_unknown(img, len, err);
	if (check_opts(kind, opts, err) < 0)
		return -1;

	switch (kind) {
	case IMAGE_RAW:
		return load_raw(m, img, len, opts, bs, err);
	case IMAGE_ELF:
		if (check_broken_multiboot(img, len, err) < 0)
			return -1;
		return load_elf(m, img, len, opts, bs, err);
	case IMAGE_MULTIBOOT:
		return load_multiboot(m, img, len, opts, bs, err);
	case IMAGE_BZIMAGE:
		return load_bzimage(m, img, len, opts, bs, err);
	case IMAGE_PV:
		return load_pv(m, img, len, opts, bs, err);
	case IMAGE_PVH:
		return load_pvh(m, img, len, opts, bs, err);
	case IMAGE_UNKNOWN:
		break;
	}
	return loader_fail(err, "unknown image kind %d", (int)kind);
}
