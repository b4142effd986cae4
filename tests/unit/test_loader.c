/* Loaders: every image is crafted here, every byte of it hostile. */
#include <check.h>
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "loader/loader.h"
#include "loader/bootmem.h"

#define GUEST_SIZE	(16ULL << 20)
#define IMG_MAX		(64 << 10)
#define PAYLOAD_OFF	0x1000
#define PAYLOAD_LEN	0x100
#define KERNEL_ADDR	0x100000ULL

static struct mem m;
static uint8_t img[IMG_MAX] __attribute__((aligned(16)));
static struct load_opts opts;
static struct boot_state bs;
static char err[LOADER_ERRLEN];

struct seg {
	uint32_t type;
	uint64_t paddr, offset, filesz, memsz;
};

/* A sentinel: a refused image must leave the boot state alone. */
static void bs_reset(void)
{
	memset(&bs, 0x5A, sizeof(bs));
}

static void setup(void)
{
	ck_assert_int_eq(mem_init(&m, GUEST_SIZE), 0);
	memset(img, 0, sizeof(img));
	memset(&opts, 0, sizeof(opts));
	bs_reset();
	memset(err, 0, sizeof(err));
}

static void teardown(void)
{
	mem_free(&m);
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + 1);
}

static void payload_fill(uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		b[i] = pattern(i);
}

static uint8_t guest_byte(uint64_t gpa)
{
	uint8_t v;

	ck_assert_int_eq(mem_read(&m, &v, gpa, 1), 0);
	return v;
}

static uint64_t guest_u64(uint64_t gpa)
{
	uint64_t v;

	ck_assert_int_eq(mem_read(&m, &v, gpa, sizeof(v)), 0);
	return v;
}

static uint32_t guest_u32(uint64_t gpa)
{
	uint32_t v;

	ck_assert_int_eq(mem_read(&m, &v, gpa, sizeof(v)), 0);
	return v;
}

static void guest_fill(uint64_t gpa, uint8_t v, uint64_t len)
{
	uint8_t *p = mem_ptr(&m, gpa, len);

	ck_assert_ptr_nonnull(p);
	memset(p, v, len);
}

static size_t seg_end(const struct seg *s, int n, size_t end)
{
	for (int i = 0; i < n; i++) {
		if (s[i].offset <= IMG_MAX && s[i].filesz <= IMG_MAX - s[i].offset &&
		    s[i].offset + s[i].filesz > end)
			end = s[i].offset + s[i].filesz;
	}
	return end;
}

/* ELF32 i386 ET_EXEC header with program headers; returns the image size. */
static size_t elf32_build(uint8_t *b, const struct seg *s, int n, uint32_t entry)
{
	Elf32_Ehdr *eh = (Elf32_Ehdr *)b;
	Elf32_Phdr *ph = (Elf32_Phdr *)(b + sizeof(*eh));

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_386;
	eh->e_version = EV_CURRENT;
	eh->e_entry = entry;
	eh->e_phoff = n ? sizeof(*eh) : 0;
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = (uint16_t)n;
	for (int i = 0; i < n; i++)
		ph[i] = (Elf32_Phdr){
			.p_type = s[i].type,
			.p_offset = (uint32_t)s[i].offset,
			.p_vaddr = (uint32_t)s[i].paddr,
			.p_paddr = (uint32_t)s[i].paddr,
			.p_filesz = (uint32_t)s[i].filesz,
			.p_memsz = (uint32_t)s[i].memsz,
			.p_flags = PF_R | PF_W | PF_X,
			.p_align = 4,
		};
	return seg_end(s, n, sizeof(*eh) + n * sizeof(*ph));
}

static size_t elf64_build(uint8_t *b, const struct seg *s, int n, uint64_t entry)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
	Elf64_Phdr *ph = (Elf64_Phdr *)(b + sizeof(*eh));

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = entry;
	eh->e_phoff = n ? sizeof(*eh) : 0;
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = (uint16_t)n;
	for (int i = 0; i < n; i++)
		ph[i] = (Elf64_Phdr){
			.p_type = s[i].type,
			.p_offset = s[i].offset,
			.p_vaddr = s[i].paddr,
			.p_paddr = s[i].paddr,
			.p_filesz = s[i].filesz,
			.p_memsz = s[i].memsz,
			.p_flags = PF_R | PF_W | PF_X,
			.p_align = 4096,
		};
	return seg_end(s, n, sizeof(*eh) + n * sizeof(*ph));
}

/* The usual kernel: one segment at 1 MiB, 0x100 file bytes, 0x200 in memory. */
static const struct seg kernel_seg = {
	PT_LOAD, KERNEL_ADDR, PAYLOAD_OFF, PAYLOAD_LEN, 2 * PAYLOAD_LEN
};

static size_t elf32_kernel(void)
{
	payload_fill(img + PAYLOAD_OFF, PAYLOAD_LEN);
	return elf32_build(img, &kernel_seg, 1, KERNEL_ADDR);
}

static size_t elf64_kernel(void)
{
	payload_fill(img + PAYLOAD_OFF, PAYLOAD_LEN);
	return elf64_build(img, &kernel_seg, 1, KERNEL_ADDR);
}

/* A multiboot v1 header at b: magic, flags, checksum. */
static void mb_put(uint8_t *b, uint32_t flags)
{
	uint32_t h[3] = { MB_HEADER_MAGIC, flags, -(MB_HEADER_MAGIC + flags) };

	memcpy(b, h, sizeof(h));
}

static void mb_put_aout(uint8_t *b, uint32_t flags, uint32_t header_addr,
			uint32_t load_addr, uint32_t load_end_addr,
			uint32_t bss_end_addr, uint32_t entry_addr)
{
	uint32_t a[5] = { header_addr, load_addr, load_end_addr, bss_end_addr,
			  entry_addr };

	mb_put(b, flags | MB_FLAG_AOUT_KLUDGE);
	memcpy(b + 12, a, sizeof(a));
}

static size_t mb_kernel(uint32_t flags)
{
	size_t len = elf32_kernel();

	mb_put(img + PAYLOAD_OFF, flags);
	return len;
}

static void assert_err_line(void)
{
	size_t n = strnlen(err, LOADER_ERRLEN);

	ck_assert_uint_gt(n, 0);
	ck_assert_uint_lt(n, LOADER_ERRLEN);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_int_ne(strncmp(err, "hvrun:", 6), 0);
}

static void assert_bs_untouched(void)
{
	struct boot_state sentinel;

	memset(&sentinel, 0x5A, sizeof(sentinel));
	ck_assert_int_eq(memcmp(&bs, &sentinel, sizeof(bs)), 0);
}

/* Load must fail, with a single-line reason containing what. */
static void expect_fail(const uint8_t *b, size_t len, const char *what)
{
	int ret = loader_load(&m, b, len, &opts, &bs, err);

	ck_assert_msg(ret == -1, "load succeeded, expected \"%s\"", what);
	assert_err_line();
	ck_assert_msg(strstr(err, what), "error \"%s\" lacks \"%s\"", err, what);
	assert_bs_untouched();
}

static void expect_ok(const uint8_t *b, size_t len)
{
	int ret = loader_load(&m, b, len, &opts, &bs, err);

	ck_assert_msg(ret == 0, "load failed: %s", err);
}

/* --- sniffing --- */

/* A boot sector is raw; without its signature nothing is. */
START_TEST(sniff_raw)
{
	memset(img, 0x90, 512);
	ck_assert_int_eq(loader_sniff(img, 512), IMAGE_UNKNOWN);
	img[510] = 0x55;
	img[511] = 0xAA;
	ck_assert_int_eq(loader_sniff(img, 512), IMAGE_RAW);
	ck_assert_int_eq(loader_sniff(img, 511), IMAGE_UNKNOWN);
	ck_assert_int_eq(loader_sniff(img, 0), IMAGE_UNKNOWN);
	ck_assert_int_eq(loader_sniff((const uint8_t *)"\x7f" "EL", 3), IMAGE_UNKNOWN);
	img[511] = 0xAB;
	ck_assert_int_eq(loader_sniff(img, 512), IMAGE_UNKNOWN);
}
END_TEST

/* --load or --entry say the user knows the file is raw code. */
START_TEST(kind_unknown_with_load_or_entry_is_raw)
{
	memset(img, 0x90, 512);
	ck_assert_int_eq(loader_kind(img, 512, &opts), IMAGE_UNKNOWN);
	ck_assert_int_eq(loader_kind(img, 512, NULL), IMAGE_UNKNOWN);
	opts.has_entry = 1;
	opts.entry_addr = 0x7C00;
	ck_assert_int_eq(loader_kind(img, 512, &opts), IMAGE_RAW);
	opts.has_entry = 0;
	opts.has_load = 1;
	opts.load_addr = 0x7C00;
	ck_assert_int_eq(loader_kind(img, 512, &opts), IMAGE_RAW);
	expect_ok(img, 512);
	ck_assert_int_eq(bs.mode, MODE_REAL);
	/* A recognised image stays what it is: the options are refused. */
	ck_assert_int_eq(loader_kind(img, elf32_kernel(), &opts), IMAGE_ELF);
}
END_TEST

/* Text, gzip and cpio files are refused, naming what was expected. */
START_TEST(unknown_image_refused)
{
	static const uint8_t gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
	const char *text = "#!/bin/sh\necho hello\n";

	expect_fail((const uint8_t *)text, strlen(text), "not a recognised image");
	ck_assert_msg(strstr(err, "0x55AA at offset 510"), "%s", err);
	ck_assert_msg(strstr(err, "bzImage"), "%s", err);
	ck_assert_uint_eq(guest_byte(0x7C00), 0);	/* nothing written */
	expect_fail(gz, sizeof(gz), "this is gzip data");
	memset(img, 0, 1024);
	memcpy(img, "070701", 6);
	expect_fail(img, 1024, "this is a cpio archive");
	memcpy(img, "070702", 6);
	expect_fail(img, 1024, "this is a cpio archive");
	/* 511 bytes cannot hold the signature. */
	memset(img, 0, 512);
	img[510] = 0x55;
	expect_fail(img, 511, "not a recognised image");
	ck_assert_str_eq(loader_kind_name(IMAGE_UNKNOWN), "unrecognised");
}
END_TEST

START_TEST(sniff_elf)
{
	size_t len = elf32_kernel();

	ck_assert_int_eq(loader_sniff(img, len), IMAGE_ELF);
	ck_assert_int_eq(loader_sniff(img, SELFMAG), IMAGE_ELF);
}
END_TEST

START_TEST(sniff_multiboot_elf)
{
	size_t len = elf32_kernel();

	mb_put(img + PAYLOAD_OFF, 0);
	ck_assert_int_eq(loader_sniff(img, len), IMAGE_MULTIBOOT);
	ck_assert_int_eq(multiboot_find_header(img, len), PAYLOAD_OFF);
}
END_TEST

START_TEST(sniff_multiboot_aout)
{
	mb_put_aout(img + 0x20, 0, 0, 0, 0, 0, 0);
	ck_assert_int_eq(loader_sniff(img, 0x200), IMAGE_MULTIBOOT);
	/* Non-ELF without the kludge cannot be loaded as multiboot. */
	mb_put(img + 0x20, 0);
	ck_assert_int_eq(loader_sniff(img, 0x200), IMAGE_UNKNOWN);
}
END_TEST

START_TEST(sniff_bzimage)
{
	img[0x1FE] = 0x55;
	img[0x1FF] = 0xAA;
	memcpy(img + 0x202, "HdrS", 4);
	ck_assert_int_eq(loader_sniff(img, 0x400), IMAGE_BZIMAGE);
	ck_assert_int_eq(loader_sniff(img, 0x205), IMAGE_RAW);	/* "HdrS" cut */
	img[0x203] = 'X';
	ck_assert_int_eq(loader_sniff(img, 0x400), IMAGE_RAW);	/* a boot sector */
}
END_TEST

START_TEST(kind_names)
{
	ck_assert_str_eq(loader_kind_name(IMAGE_RAW), "raw");
	ck_assert_str_eq(loader_kind_name(IMAGE_ELF), "ELF");
	ck_assert_str_eq(loader_kind_name(IMAGE_MULTIBOOT), "multiboot");
	ck_assert_str_eq(loader_kind_name(IMAGE_BZIMAGE), "Linux bzImage");
}
END_TEST

START_TEST(multiboot_header_search_window)
{
	/* The last offset whose 12 bytes end at 8 KiB is found ... */
	mb_put(img + 8180, 0);
	ck_assert_int_eq(multiboot_find_header(img, IMG_MAX), 8180);
	/* ... one further is not, nor past 8 KiB, nor unaligned. */
	memset(img, 0, IMG_MAX);
	mb_put(img + 8184, 0);
	ck_assert_int_eq(multiboot_find_header(img, IMG_MAX), -1);
	mb_put(img + 8192, 0);
	ck_assert_int_eq(multiboot_find_header(img, IMG_MAX), -1);
	mb_put(img + 0x102, 0);
	ck_assert_int_eq(multiboot_find_header(img, IMG_MAX), -1);
	/* A header cut by the end of the file does not count. */
	memset(img, 0, IMG_MAX);
	mb_put(img + 0x100, 0);
	ck_assert_int_eq(multiboot_find_header(img, 0x10C), 0x100);
	ck_assert_int_eq(multiboot_find_header(img, 0x10B), -1);
	/* Bad checksum: magic found, header not. */
	img[0x108] ^= 1;
	ck_assert_int_eq(multiboot_find_header(img, IMG_MAX), -1);
	ck_assert_int_eq(multiboot_find_magic(img, IMG_MAX), 0x100);
}
END_TEST

START_TEST(multiboot_header_past_8k_is_plain_elf)
{
	struct seg s = { PT_LOAD, KERNEL_ADDR, 0x2000, 0x100, 0x100 };
	size_t len = elf32_build(img, &s, 1, KERNEL_ADDR);

	mb_put(img + 0x2000, 0);
	ck_assert_int_eq(loader_sniff(img, len), IMAGE_ELF);
	expect_ok(img, len);
	ck_assert_int_eq(bs.mode, MODE_PROTECTED);
	ck_assert_uint_eq(bs.rax, 0);
	ck_assert_uint_eq(guest_u32(KERNEL_ADDR), MB_HEADER_MAGIC);
}
END_TEST

/* --- raw --- */

START_TEST(raw_default_load)
{
	payload_fill(img, 512);
	img[510] = 0x55;
	img[511] = 0xAA;
	guest_fill(RAW_DEFAULT_LOAD + 512, 0xAA, 16);
	expect_ok(img, 512);
	ck_assert_int_eq(bs.mode, MODE_REAL);
	ck_assert_uint_eq(bs.real_cs, 0);
	ck_assert_uint_eq(bs.rip, 0x7C00);
	ck_assert_uint_eq(bs.rsp, 0);
	ck_assert_uint_eq(guest_byte(0x7C00), pattern(0));
	ck_assert_uint_eq(guest_byte(0x7C00 + 509), pattern(509));
	ck_assert_uint_eq(guest_byte(0x7C00 + 511), 0xAA);
	ck_assert_uint_eq(guest_byte(0x7C00 + 512), 0xAA);
}
END_TEST

START_TEST(raw_load_and_entry)
{
	payload_fill(img, 0x800);
	opts.has_load = 1;
	opts.load_addr = 0x10000;
	opts.has_entry = 1;
	opts.entry_addr = 0x12345;
	expect_ok(img, 0x800);
	ck_assert_int_eq(bs.mode, MODE_REAL);
	ck_assert_uint_eq(bs.real_cs, 0x1000);
	ck_assert_uint_eq(bs.rip, 0x2345);
	ck_assert_uint_eq(guest_byte(0x10000), pattern(0));
	ck_assert_uint_eq(guest_byte(0x107FF), pattern(0x7FF));
	ck_assert_uint_eq(guest_byte(0x7C00), 0);
}
END_TEST

START_TEST(raw_entry_defaults_to_load)
{
	payload_fill(img, 16);
	opts.has_load = 1;
	opts.load_addr = 0x9F000;
	expect_ok(img, 16);
	ck_assert_uint_eq(bs.real_cs, 0x9000);
	ck_assert_uint_eq(bs.rip, 0xF000);
}
END_TEST

START_TEST(raw_may_use_reserved_pages)
{
	payload_fill(img, 0x2000);
	opts.has_load = 1;
	opts.load_addr = 0x1000;
	expect_ok(img, 0x2000);
	ck_assert_uint_eq(guest_byte(0x1000), pattern(0));
	ck_assert_uint_eq(bs.rip, 0x1000);
}
END_TEST

START_TEST(raw_too_large)
{
	opts.has_load = 1;
	opts.load_addr = GUEST_SIZE - 100;
	opts.has_entry = 1;
	opts.entry_addr = 0x7C00;
	expect_fail(img, 512, "does not fit");
	opts.load_addr = UINT64_MAX - 10;
	expect_fail(img, 512, "does not fit");
}
END_TEST

START_TEST(raw_entry_above_real_mode)
{
	opts.has_entry = 1;
	opts.entry_addr = 0x100000;
	expect_fail(img, 512, "1 MiB");
	ck_assert_uint_eq(guest_byte(0x7C00 + 1), 0);
}
END_TEST

START_TEST(empty_image)
{
	expect_fail(img, 0, "image is empty");
	ck_assert_str_eq(err, "image is empty");
}
END_TEST

START_TEST(bzimage_refused)
{
	img[0x1FE] = 0x55;
	img[0x1FF] = 0xAA;
	memcpy(img + 0x202, "HdrS", 4);
	expect_fail(img, 0x1000, "Linux boot protocol 0.00 is too old");
}
END_TEST

START_TEST(raw_options_on_elf_refused)
{
	size_t len = elf32_kernel();

	opts.has_entry = 1;
	opts.entry_addr = 0x7C00;
	expect_fail(img, len, "raw images only");
	opts.has_entry = 0;
	opts.cmdline = "quiet";
	expect_fail(img, len, "multiboot and PV images only");
}
END_TEST

/* --- ELF: hostile headers --- */

START_TEST(elf_header_cut_short)
{
	size_t len = elf32_kernel();

	(void)len;
	expect_fail(img, sizeof(Elf32_Ehdr) - 10, "ELF");
	expect_fail(img, SELFMAG, "ELF");
	elf64_kernel();
	expect_fail(img, sizeof(Elf64_Ehdr) - 1, "ELF");
}
END_TEST

START_TEST(elf_phdrs_past_eof)
{
	size_t len = elf64_kernel();
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;

	eh->e_phoff = len - 8;
	expect_fail(img, len, "program header");
	eh->e_phoff = UINT64_MAX - 8;
	expect_fail(img, len, "program header");
	/* Header table cut by the end of the file. */
	eh->e_phoff = sizeof(*eh);
	expect_fail(img, sizeof(*eh) + sizeof(Elf64_Phdr) - 1, "program header");
}
END_TEST

START_TEST(elf_phentsize_lie)
{
	size_t len = elf32_kernel();

	((Elf32_Ehdr *)img)->e_phentsize = 16;
	expect_fail(img, len, "program header size 16");
}
END_TEST

START_TEST(elf_segment_past_eof)
{
	struct seg s = kernel_seg;
	size_t len;

	len = elf64_build(img, &s, 1, KERNEL_ADDR);
	expect_fail(img, len - 1, "past the end");

	s.offset = UINT64_MAX - 0x10;	/* offset + filesz wraps */
	elf64_build(img, &s, 1, KERNEL_ADDR);
	expect_fail(img, len, "past the end");

	s = kernel_seg;
	s.offset = 0xFFFFFF00;
	len = elf32_build(img, &s, 1, KERNEL_ADDR);
	expect_fail(img, len, "past the end");
}
END_TEST

START_TEST(elf_wrong_machine)
{
	size_t len = elf32_kernel();

	((Elf32_Ehdr *)img)->e_machine = EM_ARM;
	expect_fail(img, len, "ARM");
}
END_TEST

START_TEST(elf32_with_x86_64_machine)
{
	size_t len = elf32_kernel();

	((Elf32_Ehdr *)img)->e_machine = EM_X86_64;
	expect_fail(img, len, "ELF32 for machine 62");
	len = elf64_kernel();
	((Elf64_Ehdr *)img)->e_machine = EM_386;
	expect_fail(img, len, "ELF64 for machine 3");
}
END_TEST

START_TEST(elf_big_endian_refused)
{
	size_t len = elf32_kernel();

	img[EI_DATA] = ELFDATA2MSB;
	expect_fail(img, len, "little-endian");
}
END_TEST

START_TEST(elf_dyn_refused)
{
	size_t len = elf64_kernel();

	((Elf64_Ehdr *)img)->e_type = ET_DYN;
	expect_fail(img, len, "ET_EXEC");
	((Elf64_Ehdr *)img)->e_type = ET_REL;
	expect_fail(img, len, "ET_EXEC");
}
END_TEST

START_TEST(elf_segment_beyond_memory)
{
	struct seg s = kernel_seg;
	size_t len;

	s.paddr = GUEST_SIZE - PAYLOAD_LEN;	/* file bytes fit, bss does not */
	len = elf64_build(img, &s, 1, KERNEL_ADDR);
	payload_fill(img + PAYLOAD_OFF, PAYLOAD_LEN);
	expect_fail(img, len, "outside guest RAM");
	/* Validated before loading: nothing was written. */
	ck_assert_uint_eq(guest_byte(GUEST_SIZE - PAYLOAD_LEN), 0);

	s.paddr = 0xFFFFF000;
	len = elf32_build(img, &s, 1, KERNEL_ADDR);
	expect_fail(img, len, "outside guest RAM");
}
END_TEST

/* Only the IVT and BIOS data area are refused; hvrun's boot block moves
 * out of the image's way (boot_block_place). */
START_TEST(elf_segment_below_floor)
{
	struct seg s[2] = { kernel_seg, kernel_seg };
	size_t len;

	s[1].paddr = 0x400;
	s[1].memsz = 0x2000;
	len = elf32_build(img, s, 2, KERNEL_ADDR);
	expect_fail(img, len, "ELF segment 1 (paddr 0x400, memsz 0x2000) "
		    "overlaps the real-mode IVT and BIOS data area 0x0-0x500");
	ck_assert_uint_eq(guest_byte(KERNEL_ADDR), 0);	/* segment 0 not loaded */

	s[1].paddr = 0x500;
	s[1].filesz = 0;
	len = elf32_build(img, s, 2, KERNEL_ADDR);
	expect_ok(img, len);
	/* 0x500-0x2500 is the image's: the block starts on the next page. */
	ck_assert_uint_eq(bs.gdt_base, 0x3000);
}
END_TEST

/* A segment where the low block would be (realmode.flat: 0x8000). */
START_TEST(elf_low_image_moves_boot_block)
{
	struct seg s = { PT_LOAD, 0x8000, PAYLOAD_OFF, PAYLOAD_LEN, 0x286c };
	size_t len;

	payload_fill(img + PAYLOAD_OFF, PAYLOAD_LEN);
	len = elf32_build(img, &s, 1, 0x8000);
	expect_ok(img, len);
	ck_assert_uint_eq(bs.rip, 0x8000);
	ck_assert_uint_eq(guest_byte(0x8000 + 5), pattern(5));
	/* The first page after the image: 0xb000, clear of it. */
	ck_assert_uint_eq(bs.gdt_base, 0xB000);
	ck_assert_uint_eq(guest_u64(0xB000 + BOOT_SEL_CODE32), 0x00cf9a000000ffffULL);
	/* Nothing of hvrun's in the image's bss. */
	for (uint64_t a = 0x8000 + PAYLOAD_LEN; a < 0x8000 + 0x286c; a += 0x100)
		ck_assert_uint_eq(guest_byte(a), 0);
}
END_TEST

/* ELF64: the identity map moves with the block and CR3 follows it. */
START_TEST(elf64_low_image_page_tables_follow)
{
	struct seg s = { PT_LOAD, 0x1000, PAYLOAD_OFF, PAYLOAD_LEN, 0x9000 };
	const uint64_t rw = PTE_PRESENT | PTE_WRITABLE;
	size_t len;

	payload_fill(img + PAYLOAD_OFF, PAYLOAD_LEN);
	len = elf64_build(img, &s, 1, 0x1000);
	expect_ok(img, len);
	ck_assert_int_eq(bs.mode, MODE_LONG);
	ck_assert_uint_eq(bs.gdt_base, 0xA000);
	ck_assert_uint_eq(bs.cr3, 0xA000 + BOOT_PML4_OFF);
	ck_assert_uint_eq(guest_u64(bs.cr3), (0xA000 + BOOT_PDPT_OFF) | rw);
	ck_assert_uint_eq(guest_u64(0xA000 + BOOT_PDPT_OFF),
			  (0xA000 + BOOT_PD_OFF) | rw);
	ck_assert_uint_eq(guest_byte(0x1000), pattern(0));
}
END_TEST

static void plan_of(struct load_plan *p, const uint64_t (*r)[2], int n)
{
	*p = (struct load_plan){ 0 };
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(plan_add(p, r[i][0], r[i][1], err), 0);
}

static uint64_t place(const uint64_t (*r)[2], int n)
{
	struct load_plan p;
	uint64_t base = 0;

	plan_of(&p, r, n);
	ck_assert_msg(boot_block_place(&m, &p, &base, err) == 0, "%s", err);
	plan_free(&p);
	return base;
}

/* The lowest page-aligned gap that holds the block, the BIOS area kept. */
START_TEST(boot_block_placement)
{
	const uint64_t none[1][2] = { { 0, 0 } };
	const uint64_t high[1][2] = { { KERNEL_ADDR, 0x10000 } };
	const uint64_t low[1][2] = { { 0x8000, 0x286c } };
	const uint64_t gaps[3][2] = {
		{ 0x500, 0x2000 },		/* ends 0x2500 */
		{ 0x8000, 0x100 },		/* 0x3000-0x8000: too small */
		{ 0x11000, 0x10 },		/* 0x9000-0x11000 is free */
	};
	const uint64_t to_bios[1][2] = { { 0x500, 0x9F000 } };
	const uint64_t all_low[2][2] = {
		{ 0x500, 0x9F000 }, { KERNEL_ADDR, 0x200000 }
	};

	ck_assert_uint_eq(place(none, 0), BOOT_LOW_BASE);
	ck_assert_uint_eq(place(high, 1), BOOT_LOW_BASE);
	ck_assert_uint_eq(place(low, 1), 0xB000);
	ck_assert_uint_eq(place(gaps, 3), 0x9000);
	/* 0x9F500 up to the BIOS area at 0x9FC00 is too small: 1 MiB. */
	ck_assert_uint_eq(place(to_bios, 1), MB_HIGH_START);
	ck_assert_uint_eq(place(all_low, 2), KERNEL_ADDR + 0x200000);
}
END_TEST

/* No gap anywhere: a clear refusal, not an overlap. */
START_TEST(boot_block_no_room)
{
	const uint64_t full[2][2] = {
		{ 0x500, MB_LOWER_END - 0x500 - 0x1000 },
		{ MB_HIGH_START, GUEST_SIZE - MB_HIGH_START - 0x7000 },
	};
	struct load_plan p;
	uint64_t base = 7;

	plan_of(&p, full, 2);
	ck_assert_int_eq(boot_block_place(&m, &p, &base, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "no room below 4 GiB"));
	ck_assert_uint_eq(base, 7);
	plan_free(&p);
}
END_TEST

START_TEST(elf_segment_wraps)
{
	struct seg s = kernel_seg;
	size_t len;

	s.paddr = 0xFFFFFFFFFFFFF000ULL;
	s.memsz = 0x2000;
	len = elf64_build(img, &s, 1, KERNEL_ADDR);
	expect_fail(img, len, "wraps");

	/* ELF32: fits 32-bit fields, but ends past 4 GiB. */
	s.paddr = 0xFFFFF000;
	len = elf32_build(img, &s, 1, KERNEL_ADDR);
	expect_fail(img, len, "0x100000000");
}
END_TEST

START_TEST(elf_filesz_above_memsz)
{
	struct seg s = kernel_seg;
	size_t len;

	s.memsz = s.filesz - 1;
	len = elf32_build(img, &s, 1, KERNEL_ADDR);
	expect_fail(img, len, "larger than memsz");
}
END_TEST

START_TEST(elf_huge_memsz)
{
	struct seg s = kernel_seg;
	size_t len;

	s.memsz = 1ULL << 40;
	len = elf64_build(img, &s, 1, KERNEL_ADDR);
	expect_fail(img, len, "outside guest RAM");
}
END_TEST

START_TEST(elf_no_loadable_segment)
{
	struct seg s[2] = {
		{ PT_NOTE, KERNEL_ADDR, PAYLOAD_OFF, PAYLOAD_LEN, PAYLOAD_LEN },
		{ PT_LOAD, KERNEL_ADDR, PAYLOAD_OFF, 0, 0 },
	};
	size_t len = elf64_build(img, s, 2, KERNEL_ADDR);

	expect_fail(img, len, "no loadable segment");
	len = elf64_build(img, s, 0, KERNEL_ADDR);
	expect_fail(img, len, "no loadable segment");
}
END_TEST

START_TEST(elf_zero_memsz_segment_skipped)
{
	/* A zero-size PT_LOAD is ignored even where it would be refused. */
	struct seg s[2] = {
		kernel_seg,
		{ PT_LOAD, 0x2000, 0xFFFFFFF0, 0, 0 },
	};
	size_t len = elf32_build(img, s, 2, KERNEL_ADDR);

	payload_fill(img + PAYLOAD_OFF, PAYLOAD_LEN);
	expect_ok(img, len);
}
END_TEST

START_TEST(elf_entry_outside_ram)
{
	size_t len = elf32_kernel();

	((Elf32_Ehdr *)img)->e_entry = 0x80000000;
	expect_fail(img, len, "entry");
}
END_TEST

/* --- ELF: loading --- */

START_TEST(elf_bss_zeroed)
{
	size_t len = elf32_kernel();

	guest_fill(KERNEL_ADDR - 0x100, 0xAA, 0x1000);
	expect_ok(img, len);
	for (size_t i = 0; i < PAYLOAD_LEN; i++)
		ck_assert_uint_eq(guest_byte(KERNEL_ADDR + i), pattern(i));
	for (size_t i = PAYLOAD_LEN; i < 2 * PAYLOAD_LEN; i++)
		ck_assert_uint_eq(guest_byte(KERNEL_ADDR + i), 0);
	ck_assert_uint_eq(guest_byte(KERNEL_ADDR + 2 * PAYLOAD_LEN), 0xAA);
	ck_assert_uint_eq(guest_byte(KERNEL_ADDR - 1), 0xAA);
}
END_TEST

START_TEST(elf32_protected_mode)
{
	size_t len = elf32_kernel();

	((Elf32_Ehdr *)img)->e_entry = KERNEL_ADDR + 0x10;
	expect_ok(img, len);
	ck_assert_int_eq(bs.mode, MODE_PROTECTED);
	ck_assert_uint_eq(bs.rip, KERNEL_ADDR + 0x10);
	ck_assert_uint_eq(bs.gdt_base, BOOT_GDT);
	ck_assert_uint_eq(bs.rax, 0);
	ck_assert_uint_eq(bs.cr3, 0);
	ck_assert_uint_eq(guest_u64(BOOT_GDT), 0);
	ck_assert_uint_eq(guest_u64(BOOT_GDT + BOOT_SEL_CODE32), 0x00cf9a000000ffffULL);
	ck_assert_uint_eq(guest_u64(BOOT_GDT + BOOT_SEL_DATA), 0x00cf92000000ffffULL);
	ck_assert_uint_eq(guest_u64(BOOT_GDT + BOOT_SEL_CODE64), 0x00af9a000000ffffULL);
	/* No page tables for protected mode. */
	ck_assert_uint_eq(guest_u64(BOOT_PML4), 0);
}
END_TEST

START_TEST(elf64_long_mode)
{
	size_t len = elf64_kernel();
	const uint64_t rw = PTE_PRESENT | PTE_WRITABLE;

	expect_ok(img, len);
	ck_assert_int_eq(bs.mode, MODE_LONG);
	ck_assert_uint_eq(bs.rip, KERNEL_ADDR);
	ck_assert_uint_eq(bs.cr3, BOOT_PML4);
	ck_assert_uint_eq(bs.gdt_base, BOOT_GDT);
	ck_assert_uint_eq(guest_u64(BOOT_GDT + BOOT_SEL_CODE64), 0x00af9a000000ffffULL);

	ck_assert_uint_eq(guest_u64(BOOT_PML4), BOOT_PDPT | rw);
	ck_assert_uint_eq(guest_u64(BOOT_PML4 + 8), 0);
	ck_assert_uint_eq(guest_u64(BOOT_PML4 + 4088), 0);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(guest_u64(BOOT_PDPT + 8 * i),
				  (BOOT_PD + 0x1000 * i) | rw);
	ck_assert_uint_eq(guest_u64(BOOT_PDPT + 32), 0);

	ck_assert_uint_eq(guest_u64(BOOT_PD), 0x83);
	ck_assert_uint_eq(guest_u64(BOOT_PD + 8), 0x200083);
	ck_assert_uint_eq(guest_u64(BOOT_PD + 0x1000), 0x40000083);
	ck_assert_uint_eq(guest_u64(BOOT_PD + 0x3000 + 511 * 8), 0xFFE00083ULL);
	for (int i = 0; i < 2048; i++)
		ck_assert_uint_eq(guest_u64(BOOT_PD + 8 * i),
				  ((uint64_t)i << 21) | 0x83);

	ck_assert_uint_eq(guest_byte(KERNEL_ADDR + 1), pattern(1));
	/* Page tables end before BOOT_INFO, which ELF loading leaves alone. */
	ck_assert_uint_eq(guest_u32(BOOT_INFO), 0);
}
END_TEST

START_TEST(elf64_entry_above_4g)
{
	/* 5 GiB: 3 GiB below the hole, 2 GiB above 4 GiB. */
	struct seg s = kernel_seg;
	size_t len;

	mem_free(&m);
	ck_assert_int_eq(mem_init(&m, 5ULL << 30), 0);
	s.paddr = MEM_HOLE_END;
	len = elf64_build(img, &s, 1, MEM_HOLE_END);
	expect_fail(img, len, "above 4 GiB");

	/* Loading above 4 GiB is fine while the entry stays below. */
	len = elf64_build(img, (struct seg[2]){ kernel_seg, s }, 2, KERNEL_ADDR);
	payload_fill(img + PAYLOAD_OFF, PAYLOAD_LEN);
	expect_ok(img, len);
	ck_assert_uint_eq(guest_byte(MEM_HOLE_END + 2), pattern(2));

	/* A segment in the MMIO hole is not RAM. */
	bs_reset();
	s.paddr = MEM_HOLE_START;
	len = elf64_build(img, &s, 1, KERNEL_ADDR);
	expect_fail(img, len, "outside guest RAM");
}
END_TEST

/* An image in read-only memory, as vm.c maps it: libelf must not write. */
START_TEST(elf_from_read_only_mapping)
{
	size_t len = elf64_kernel();
	uint8_t *ro = mmap(NULL, IMG_MAX, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(ro, MAP_FAILED);
	memcpy(ro, img, len);
	ck_assert_int_eq(mprotect(ro, IMG_MAX, PROT_READ), 0);
	ck_assert_int_eq(loader_load(&m, ro, len, &opts, &bs, err), 0);
	ck_assert_int_eq(bs.mode, MODE_LONG);

	/* Multiboot ELF32, and a big-endian image libelf would convert. */
	ck_assert_int_eq(mprotect(ro, IMG_MAX, PROT_READ | PROT_WRITE), 0);
	len = mb_kernel(0);
	memcpy(ro, img, len);
	ck_assert_int_eq(mprotect(ro, IMG_MAX, PROT_READ), 0);
	ck_assert_int_eq(loader_load(&m, ro, len, &opts, &bs, err), 0);
	ck_assert_uint_eq(bs.rax, MB_BOOT_MAGIC);

	ck_assert_int_eq(mprotect(ro, IMG_MAX, PROT_READ | PROT_WRITE), 0);
	ro[EI_DATA] = ELFDATA2MSB;
	ck_assert_int_eq(mprotect(ro, IMG_MAX, PROT_READ), 0);
	ck_assert_int_eq(loader_load(&m, ro, len, &opts, &bs, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "little-endian"));
	munmap(ro, IMG_MAX);
}
END_TEST

/* Every prefix of a valid image, in an exactly sized buffer so that a
 * sanitizer build catches any read past the end. */
START_TEST(elf_every_truncation)
{
	size_t len = _i ? elf64_kernel() : elf32_kernel();

	if (_i == 0)	/* multiboot ELF32, plain ELF64 */
		mb_put(img + PAYLOAD_OFF, 0);
	for (size_t n = 1; n <= len; n++) {
		uint8_t *b = malloc(n);
		int ret;

		ck_assert_ptr_nonnull(b);
		memcpy(b, img, n);
		ret = loader_load(&m, b, n, &opts, &bs, err);
		/* Shorter than the ELF magic, it is not recognised. */
		if (ret < 0)
			assert_err_line();
		else
			ck_assert(n == len);
		free(b);
	}
}
END_TEST

/* Random corruption of headers: refused or loaded, never a crash. */
START_TEST(elf_corrupted_headers)
{
	size_t len = _i ? elf64_kernel() : elf32_kernel();
	size_t hdr = _i ? sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) :
			  sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr);
	uint8_t *b = malloc(len);
	unsigned int seed = 12345;

	ck_assert_ptr_nonnull(b);
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(b, img, len);
		for (int k = 0; k < 1 + iter % 4; k++) {
			size_t at = SELFMAG + (size_t)rand_r(&seed) % (hdr - SELFMAG);

			b[at] = (uint8_t)rand_r(&seed);
		}
		if (loader_load(&m, b, len, &opts, &bs, err) < 0)
			assert_err_line();
	}
	free(b);
}
END_TEST

/* --- multiboot --- */

START_TEST(multiboot_bad_checksum_refused)
{
	size_t len = mb_kernel(0);

	img[PAYLOAD_OFF + 8] ^= 0x10;
	ck_assert_int_eq(loader_sniff(img, len), IMAGE_ELF);
	expect_fail(img, len, "checksum");
}
END_TEST

START_TEST(multiboot_bad_checksum_raw_is_raw)
{
	mb_put(img + 0x10, MB_FLAG_AOUT_KLUDGE);
	img[0x18] ^= 1;
	img[510] = 0x55;
	img[511] = 0xAA;
	expect_ok(img, 512);
	ck_assert_int_eq(bs.mode, MODE_REAL);
	ck_assert_uint_eq(guest_u32(0x7C10), MB_HEADER_MAGIC);
}
END_TEST

START_TEST(multiboot_elf_boots)
{
	size_t len = mb_kernel(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO);
	struct mb_info info;
	struct mb_mmap_entry e[3];
	char s[64];

	opts.cmdline = "console=ttyS0 quiet";
	expect_ok(img, len);
	ck_assert_int_eq(bs.mode, MODE_PROTECTED);
	ck_assert_uint_eq(bs.rip, KERNEL_ADDR);
	ck_assert_uint_eq(bs.rax, 0x2BADB002);
	ck_assert_uint_eq(bs.rbx, BOOT_INFO);
	ck_assert_uint_eq(bs.gdt_base, BOOT_GDT);
	ck_assert_uint_eq(guest_u64(BOOT_GDT + BOOT_SEL_CODE32), 0x00cf9a000000ffffULL);
	ck_assert_uint_eq(guest_u32(KERNEL_ADDR), MB_HEADER_MAGIC);
	ck_assert_uint_eq(guest_byte(KERNEL_ADDR + 0x20), pattern(0x20));

	ck_assert_int_eq(mem_read(&m, &info, BOOT_INFO, sizeof(info)), 0);
	ck_assert_uint_eq(info.flags, (1 << 0) | (1 << 2) | (1 << 6) | (1 << 9));
	ck_assert_uint_eq(info.mem_lower, 640);
	ck_assert_uint_eq(info.mem_upper, 15 * 1024);

	ck_assert_uint_ge(info.cmdline, BOOT_INFO);
	ck_assert_uint_lt(info.cmdline, BOOT_INFO + 4096 - 20);
	ck_assert_int_eq(mem_read(&m, s, info.cmdline, 20), 0);
	ck_assert_str_eq(s, "console=ttyS0 quiet");

	ck_assert_int_eq(mem_read(&m, s, info.boot_loader_name, 6), 0);
	ck_assert_str_eq(s, "hvrun");

	ck_assert_uint_eq(info.mmap_length, 3 * 24);
	ck_assert_int_eq(mem_read(&m, e, info.mmap_addr, sizeof(e)), 0);
	ck_assert_uint_eq(e[0].size, 20);
	ck_assert_uint_eq(e[0].base_addr, 0);
	ck_assert_uint_eq(e[0].length, 0x9FC00);
	ck_assert_uint_eq(e[0].type, 1);
	ck_assert_uint_eq(e[1].base_addr, 0x9FC00);
	ck_assert_uint_eq(e[1].length, 0x100000 - 0x9FC00);
	ck_assert_uint_eq(e[1].type, 2);
	ck_assert_uint_eq(e[2].base_addr, 0x100000);
	ck_assert_uint_eq(e[2].length, GUEST_SIZE - 0x100000);
	ck_assert_uint_eq(e[2].type, 1);
	/* Everything stays in the BOOT_INFO page. */
	ck_assert_uint_le(info.mmap_addr + info.mmap_length, BOOT_INFO + 4096);
	ck_assert_uint_le(info.boot_loader_name + 6, BOOT_INFO + 4096);
}
END_TEST

START_TEST(multiboot_without_cmdline)
{
	size_t len = mb_kernel(0);
	struct mb_info info;

	expect_ok(img, len);
	ck_assert_int_eq(mem_read(&m, &info, BOOT_INFO, sizeof(info)), 0);
	ck_assert_uint_eq(info.flags & (1 << 2), 0);
	ck_assert_uint_eq(info.cmdline, 0);
	ck_assert_uint_ne(info.flags & (1 << 9), 0);
}
END_TEST

START_TEST(multiboot_long_cmdline_truncated)
{
	size_t len = mb_kernel(0);
	char *line = malloc(10000);
	struct mb_info info;
	uint32_t room;
	char *s = malloc(4096);

	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(s);
	memset(line, 'x', 9999);
	line[9999] = '\0';
	guest_fill(RESERVED_END, 0xAA, 16);
	opts.cmdline = line;
	expect_ok(img, len);
	ck_assert_int_eq(mem_read(&m, &info, BOOT_INFO, sizeof(info)), 0);
	room = (uint32_t)(BOOT_INFO + 4096 - info.cmdline);
	ck_assert_int_eq(mem_read(&m, s, info.cmdline, room), 0);
	ck_assert_uint_eq(s[room - 1], '\0');
	ck_assert_uint_eq(strlen(s), room - 1);
	ck_assert_uint_eq(s[0], 'x');
	ck_assert_uint_eq(guest_byte(RESERVED_END), 0xAA);
	free(s);
	free(line);
}
END_TEST

START_TEST(multiboot_mmap_above_4g)
{
	uint8_t page[4096];
	struct mb_info info;
	struct mb_mmap_entry e[4];

	mem_free(&m);
	ck_assert_int_eq(mem_init(&m, 4ULL << 30), 0);
	ck_assert_int_eq(boot_mbinfo_write(&m, BOOT_LOW_BASE, NULL, NULL, err), 0);
	ck_assert_int_eq(mem_read(&m, page, BOOT_INFO, sizeof(page)), 0);
	memcpy(&info, page, sizeof(info));
	ck_assert_uint_eq(info.mem_upper, (0xC0000000 - 0x100000) >> 10);
	ck_assert_uint_eq(info.mmap_length, 4 * 24);
	memcpy(e, page + (info.mmap_addr - BOOT_INFO), sizeof(e));
	ck_assert_uint_eq(e[2].length, 0xC0000000 - 0x100000);
	ck_assert_uint_eq(e[3].base_addr, 0x100000000ULL);
	ck_assert_uint_eq(e[3].length, 1ULL << 30);
	ck_assert_uint_eq(e[3].type, 1);
}
END_TEST

/* --initrd is module 0: on the page after the image, named in the info. */
START_TEST(multiboot_module)
{
	static const uint8_t env[] = "NR_CPUS=2\nMEMSIZE=128\n";
	size_t len = mb_kernel(0);
	struct mb_info info;
	struct mb_module mod;
	char s[64];

	opts.initrd = env;
	opts.initrd_len = sizeof(env) - 1;
	opts.initrd_name = "/tmp/env";
	opts.cmdline = "smptest";
	expect_ok(img, len);
	ck_assert_uint_eq(bs.rbx, BOOT_INFO);
	ck_assert_int_eq(mem_read(&m, &info, BOOT_INFO, sizeof(info)), 0);
	ck_assert_uint_ne(info.flags & MB_INFO_MODS, 0);
	ck_assert_uint_eq(info.mods_count, 1);
	ck_assert_int_eq(mem_read(&m, &mod, info.mods_addr, sizeof(mod)), 0);
	/* The kernel's 0x200 bytes at 1 MiB end on the page before. */
	ck_assert_uint_eq(mod.mod_start, KERNEL_ADDR + 0x1000);
	ck_assert_uint_eq(mod.mod_end, mod.mod_start + sizeof(env) - 1);
	ck_assert_int_eq(mem_read(&m, s, mod.mod_start, sizeof(env) - 1), 0);
	ck_assert_int_eq(memcmp(s, env, sizeof(env) - 1), 0);
	ck_assert_int_eq(mem_read(&m, s, mod.string, 9), 0);
	ck_assert_str_eq(s, "/tmp/env");
	ck_assert_int_eq(mem_read(&m, s, info.cmdline, 8), 0);
	ck_assert_str_eq(s, "smptest");
	ck_assert_uint_le(mod.string, BOOT_INFO + 4096 - 9);
}
END_TEST

/* A module that does not fit above the image: refused, nothing written. */
START_TEST(multiboot_module_too_big)
{
	size_t len = mb_kernel(0);
	uint8_t *big = malloc(GUEST_SIZE);

	ck_assert_ptr_nonnull(big);
	memset(big, 0xAB, GUEST_SIZE);
	opts.initrd = big;
	opts.initrd_len = GUEST_SIZE - KERNEL_ADDR;
	opts.initrd_name = "big";
	expect_fail(img, len, "multiboot module 0 (15728640 bytes at 0x101000) "
		    "is outside guest RAM");
	ck_assert_uint_eq(guest_byte(KERNEL_ADDR), 0);
	ck_assert_uint_eq(guest_u32(BOOT_INFO), 0);
	/* One page less fits exactly. */
	opts.initrd_len = GUEST_SIZE - KERNEL_ADDR - 0x1000;
	expect_ok(img, len);
	ck_assert_uint_eq(guest_byte(GUEST_SIZE - 1), 0xAB);
	free(big);
}
END_TEST

/* A low multiboot kernel, its module and the block all stay apart. */
START_TEST(multiboot_low_image_with_module)
{
	struct seg seg = { PT_LOAD, 0x8000, PAYLOAD_OFF, PAYLOAD_LEN, 0x286c };
	static const uint8_t env[0x1800] = { 1, 2, 3 };
	struct mb_info info;
	struct mb_module mod;
	size_t len;

	payload_fill(img + PAYLOAD_OFF, PAYLOAD_LEN);
	mb_put(img + PAYLOAD_OFF, 0);
	len = elf32_build(img, &seg, 1, 0x8000);
	opts.initrd = env;
	opts.initrd_len = sizeof(env);
	expect_ok(img, len);
	/* image 0x8000-0xa86c, module 0xb000-0xc800, block from 0xd000 */
	ck_assert_uint_eq(bs.gdt_base, 0xD000);
	ck_assert_uint_eq(bs.rbx, 0xD000 + BOOT_INFO_OFF);
	ck_assert_int_eq(mem_read(&m, &info, bs.rbx, sizeof(info)), 0);
	ck_assert_int_eq(mem_read(&m, &mod, info.mods_addr, sizeof(mod)), 0);
	ck_assert_uint_eq(mod.mod_start, 0xB000);
	ck_assert_uint_eq(mod.mod_end, 0xC800);
	ck_assert_uint_eq(guest_byte(0xB002), 3);
	ck_assert_uint_eq(guest_u32(0x8000), MB_HEADER_MAGIC);
	ck_assert_uint_eq(guest_byte(0x1000), 0);	/* the low block unused */
}
END_TEST

START_TEST(initrd_on_plain_elf_refused)
{
	size_t len = elf32_kernel();
	static const uint8_t b[1] = { 1 };

	opts.initrd = b;
	opts.initrd_len = 1;
	expect_fail(img, len, "--initrd applies to Linux bzImage, PVH and "
		    "multiboot images only");
}
END_TEST

/* GRUB's and QEMU's convention: the image's name is argv[0]. */
START_TEST(multiboot_cmdline_names_image)
{
	size_t len = mb_kernel(0);
	struct mb_info info;
	char s[32];

	opts.image_name = "x86/vmexit.flat";
	opts.cmdline = "cpuid";
	expect_ok(img, len);
	ck_assert_int_eq(mem_read(&m, &info, BOOT_INFO, sizeof(info)), 0);
	ck_assert_uint_ne(info.flags & MB_INFO_CMDLINE, 0);
	ck_assert_int_eq(mem_read(&m, s, info.cmdline, 22), 0);
	ck_assert_str_eq(s, "x86/vmexit.flat cpuid");

	opts.cmdline = NULL;
	expect_ok(img, len);
	ck_assert_int_eq(mem_read(&m, &info, BOOT_INFO, sizeof(info)), 0);
	ck_assert_uint_ne(info.flags & MB_INFO_CMDLINE, 0);
	ck_assert_int_eq(mem_read(&m, s, info.cmdline, 16), 0);
	ck_assert_str_eq(s, "x86/vmexit.flat");
}
END_TEST

START_TEST(multiboot_video_refused)
{
	size_t len = mb_kernel(MB_FLAG_VIDEO_MODE);

	expect_fail(img, len, "bit 2 (video mode)");
	ck_assert_uint_eq(guest_byte(KERNEL_ADDR), 0);
}
END_TEST

START_TEST(multiboot_unknown_requirement_refused)
{
	size_t len = mb_kernel(1 << 9);

	expect_fail(img, len, "bit 9");
	/* Optional bits (17-31) are not requirements. */
	len = mb_kernel(1U << 20);
	expect_ok(img, len);
}
END_TEST

START_TEST(multiboot_elf64_refused)
{
	size_t len = elf64_kernel();

	mb_put(img + PAYLOAD_OFF, 0);
	ck_assert_int_eq(loader_sniff(img, len), IMAGE_MULTIBOOT);
	expect_fail(img, len, "ELF32");
}
END_TEST

START_TEST(multiboot_non_elf_without_kludge)
{
	mb_put(img + 0x10, 0);
	ck_assert_int_eq(load_multiboot(&m, img, 0x100, &opts, &bs, err), -1);
	assert_err_line();
	ck_assert_ptr_nonnull(strstr(err, "bit 16"));
}
END_TEST

/* a.out kludge: header at file offset 0x10, image loaded at 1 MiB. */
#define AOUT_HOFF 0x10

START_TEST(multiboot_aout_loads)
{
	struct mb_info info;

	payload_fill(img, 0x400);
	mb_put_aout(img + AOUT_HOFF, 0, KERNEL_ADDR + AOUT_HOFF, KERNEL_ADDR,
		    KERNEL_ADDR + 0x300, KERNEL_ADDR + 0x500, KERNEL_ADDR + 0x40);
	guest_fill(KERNEL_ADDR, 0xAA, 0x1000);
	ck_assert_int_eq(loader_sniff(img, 0x400), IMAGE_MULTIBOOT);
	expect_ok(img, 0x400);
	ck_assert_int_eq(bs.mode, MODE_PROTECTED);
	ck_assert_uint_eq(bs.rip, KERNEL_ADDR + 0x40);
	ck_assert_uint_eq(bs.rax, MB_BOOT_MAGIC);
	ck_assert_uint_eq(bs.rbx, BOOT_INFO);
	ck_assert_uint_eq(guest_u32(KERNEL_ADDR + AOUT_HOFF), MB_HEADER_MAGIC);
	ck_assert_uint_eq(guest_byte(KERNEL_ADDR), pattern(0));
	ck_assert_uint_eq(guest_byte(KERNEL_ADDR + 0x2FF), pattern(0x2FF));
	for (uint64_t a = KERNEL_ADDR + 0x300; a < KERNEL_ADDR + 0x500; a++)
		ck_assert_uint_eq(guest_byte(a), 0);
	ck_assert_uint_eq(guest_byte(KERNEL_ADDR + 0x500), 0xAA);
	ck_assert_int_eq(mem_read(&m, &info, BOOT_INFO, sizeof(info)), 0);
	ck_assert_uint_eq(info.mem_upper, 15 * 1024);
}
END_TEST

START_TEST(multiboot_aout_to_end_of_file)
{
	payload_fill(img, 0x400);
	/* Load 0x20 bytes before the header: header_addr - load_addr < offset. */
	mb_put_aout(img + 0x100, 0, 0x200000, 0x200000 - 0x20, 0, 0, 0x200000);
	/* File offset 0xE0 on, 0x320 bytes, land at 0x1FFFE0. */
	guest_fill(0x1FFFE0 + 0x320 - 4, 0xAA, 16);
	expect_ok(img, 0x400);
	ck_assert_uint_eq(guest_byte(0x1FFFE0), pattern(0xE0));
	ck_assert_uint_eq(guest_u32(0x200000), MB_HEADER_MAGIC);
	ck_assert_uint_eq(guest_byte(0x1FFFE0 + 0x31F), pattern(0x3FF));
	ck_assert_uint_eq(guest_byte(0x1FFFE0 + 0x320), 0xAA);
}
END_TEST

START_TEST(multiboot_aout_bad_addresses)
{
	const uint32_t k = KERNEL_ADDR;

	/* load_end_addr before load_addr */
	mb_put_aout(img + AOUT_HOFF, 0, k + AOUT_HOFF, k, k - 0x10, 0, k);
	expect_fail(img, 0x400, "load_end_addr");
	/* load_addr above header_addr */
	mb_put_aout(img + AOUT_HOFF, 0, k, k + 0x100, 0, 0, k);
	expect_fail(img, 0x400, "above header_addr");
	/* load start before the beginning of the file */
	mb_put_aout(img + AOUT_HOFF, 0, k + 0x100, k, 0, 0, k);
	expect_fail(img, 0x400, "before the header");
	/* load_end_addr past the end of the file */
	mb_put_aout(img + AOUT_HOFF, 0, k + AOUT_HOFF, k, k + 0x401, 0, k);
	expect_fail(img, 0x400, "past the end");
	/* bss_end_addr before load_end_addr */
	mb_put_aout(img + AOUT_HOFF, 0, k + AOUT_HOFF, k, k + 0x300, k + 0x200, k);
	expect_fail(img, 0x400, "bss_end_addr");
	/* into the IVT */
	mb_put_aout(img + AOUT_HOFF, 0, 0x100 + AOUT_HOFF, 0x100, 0, 0, 0x100);
	expect_fail(img, 0x400, "IVT");
	/* bss past the end of RAM */
	mb_put_aout(img + AOUT_HOFF, 0, k + AOUT_HOFF, k, 0, 0xFFFFFFFF, k);
	expect_fail(img, 0x400, "outside guest RAM");
	/* entry outside RAM */
	mb_put_aout(img + AOUT_HOFF, 0, k + AOUT_HOFF, k, 0, 0, 0xF0000000);
	expect_fail(img, 0x400, "entry_addr");
	ck_assert_uint_eq(guest_u32(k + AOUT_HOFF), 0);
}
END_TEST

START_TEST(multiboot_aout_header_cut_short)
{
	/* Magic, flags and checksum fit; the address fields do not. */
	mb_put_aout(img + 0x100, 0, 0, 0, 0, 0, 0);
	expect_fail(img, 0x100 + 16, "cut short");
}
END_TEST

START_TEST(multiboot_aout_on_elf)
{
	/* The kludge wins over the ELF program headers. */
	size_t len = elf32_kernel();

	mb_put_aout(img + PAYLOAD_OFF, 0, 0x300000, 0x300000 - PAYLOAD_OFF,
		    0x300000 + PAYLOAD_LEN, 0, 0x300000 + 0x20);
	expect_ok(img, len);
	ck_assert_uint_eq(bs.rip, 0x300000 + 0x20);
	ck_assert_uint_eq(guest_u32(0x300000), MB_HEADER_MAGIC);
	ck_assert_uint_eq(guest_byte(0x300000 - PAYLOAD_OFF), 0x7F);
	ck_assert_uint_eq(guest_byte(KERNEL_ADDR), 0);
}
END_TEST

/* --- boot memory writers on their own --- */

START_TEST(bootmem_writers)
{
	ck_assert_int_eq(boot_gdt_write(&m, BOOT_LOW_BASE, err), 0);
	ck_assert_int_eq(boot_pagetables_write(&m, BOOT_LOW_BASE, err), 0);
	ck_assert_uint_eq(guest_u64(BOOT_GDT + 8), 0x00cf9a000000ffffULL);
	ck_assert_uint_eq(guest_u64(BOOT_PD + 0x3000 + 8 * 511), 0xFFE00083ULL);
	/* The page tables stop before the multiboot info page. */
	ck_assert_uint_eq(guest_u64(BOOT_INFO), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loader");
	TCase *tc = tcase_create("loader");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);

	tcase_add_test(tc, sniff_raw);
	tcase_add_test(tc, kind_unknown_with_load_or_entry_is_raw);
	tcase_add_test(tc, unknown_image_refused);
	tcase_add_test(tc, sniff_elf);
	tcase_add_test(tc, sniff_multiboot_elf);
	tcase_add_test(tc, sniff_multiboot_aout);
	tcase_add_test(tc, sniff_bzimage);
	tcase_add_test(tc, kind_names);
	tcase_add_test(tc, multiboot_header_search_window);
	tcase_add_test(tc, multiboot_header_past_8k_is_plain_elf);

	tcase_add_test(tc, raw_default_load);
	tcase_add_test(tc, raw_load_and_entry);
	tcase_add_test(tc, raw_entry_defaults_to_load);
	tcase_add_test(tc, raw_may_use_reserved_pages);
	tcase_add_test(tc, raw_too_large);
	tcase_add_test(tc, raw_entry_above_real_mode);
	tcase_add_test(tc, empty_image);
	tcase_add_test(tc, bzimage_refused);
	tcase_add_test(tc, raw_options_on_elf_refused);

	tcase_add_test(tc, elf_header_cut_short);
	tcase_add_test(tc, elf_phdrs_past_eof);
	tcase_add_test(tc, elf_phentsize_lie);
	tcase_add_test(tc, elf_segment_past_eof);
	tcase_add_test(tc, elf_wrong_machine);
	tcase_add_test(tc, elf32_with_x86_64_machine);
	tcase_add_test(tc, elf_big_endian_refused);
	tcase_add_test(tc, elf_dyn_refused);
	tcase_add_test(tc, elf_segment_beyond_memory);
	tcase_add_test(tc, elf_segment_below_floor);
	tcase_add_test(tc, elf_low_image_moves_boot_block);
	tcase_add_test(tc, elf64_low_image_page_tables_follow);
	tcase_add_test(tc, boot_block_placement);
	tcase_add_test(tc, boot_block_no_room);
	tcase_add_test(tc, multiboot_module);
	tcase_add_test(tc, multiboot_module_too_big);
	tcase_add_test(tc, multiboot_low_image_with_module);
	tcase_add_test(tc, initrd_on_plain_elf_refused);
	tcase_add_test(tc, multiboot_cmdline_names_image);
	tcase_add_test(tc, elf_segment_wraps);
	tcase_add_test(tc, elf_filesz_above_memsz);
	tcase_add_test(tc, elf_huge_memsz);
	tcase_add_test(tc, elf_no_loadable_segment);
	tcase_add_test(tc, elf_zero_memsz_segment_skipped);
	tcase_add_test(tc, elf_entry_outside_ram);
	tcase_add_test(tc, elf_bss_zeroed);
	tcase_add_test(tc, elf32_protected_mode);
	tcase_add_test(tc, elf64_long_mode);
	tcase_add_test(tc, elf64_entry_above_4g);
	tcase_add_test(tc, elf_from_read_only_mapping);
	tcase_add_loop_test(tc, elf_every_truncation, 0, 2);
	tcase_add_loop_test(tc, elf_corrupted_headers, 0, 2);

	tcase_add_test(tc, multiboot_bad_checksum_refused);
	tcase_add_test(tc, multiboot_bad_checksum_raw_is_raw);
	tcase_add_test(tc, multiboot_elf_boots);
	tcase_add_test(tc, multiboot_without_cmdline);
	tcase_add_test(tc, multiboot_long_cmdline_truncated);
	tcase_add_test(tc, multiboot_mmap_above_4g);
	tcase_add_test(tc, multiboot_video_refused);
	tcase_add_test(tc, multiboot_unknown_requirement_refused);
	tcase_add_test(tc, multiboot_elf64_refused);
	tcase_add_test(tc, multiboot_non_elf_without_kludge);
	tcase_add_test(tc, multiboot_aout_loads);
	tcase_add_test(tc, multiboot_aout_to_end_of_file);
	tcase_add_test(tc, multiboot_aout_bad_addresses);
	tcase_add_test(tc, multiboot_aout_header_cut_short);
	tcase_add_test(tc, multiboot_aout_on_elf);

	tcase_add_test(tc, bootmem_writers);

	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
