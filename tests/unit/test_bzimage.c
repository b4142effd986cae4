/* Linux bzImage loader: a minimal bzImage crafted here, every field hostile. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"
#include "loader/loader.h"
#include "loader/bootmem.h"
#include "options.h"
#include "vm_config.h"

#define GUEST_SIZE	(64ULL << 20)
#define SETUP_SECTS	1
#define SETUP_LEN	((SETUP_SECTS + 1) * 512)
#define KERNEL_LEN	0x800
#define IMG_LEN		(SETUP_LEN + KERNEL_LEN)
#define PREF		0x1000000ULL
#define INIT_SIZE	0x200000U
#define INITRD_LEN	0x3000

static struct mem m;
static uint8_t img[IMG_LEN];
static uint8_t initrd[INITRD_LEN];
static uint8_t zp[4096];
static struct load_opts opts;
static struct boot_state bs;
static char err[LOADER_ERRLEN];

static void put16(size_t off, uint16_t v) { memcpy(img + off, &v, 2); }
static void put32(size_t off, uint32_t v) { memcpy(img + off, &v, 4); }
static void put64(size_t off, uint64_t v) { memcpy(img + off, &v, 8); }

static uint32_t zp32(size_t off)
{
	uint32_t v;

	memcpy(&v, zp + off, 4);
	return v;
}

static uint64_t zp64(size_t off)
{
	uint64_t v;

	memcpy(&v, zp + off, 8);
	return v;
}

/* Protocol 2.15, 64-bit, not relocatable, wants 16 MiB. */
static void bz_build(void)
{
	memset(img, 0, sizeof(img));
	img[BZ_SETUP_SECTS] = SETUP_SECTS;
	put16(BZ_BOOT_FLAG, 0xAA55);
	img[BZ_JUMP_LEN] = 0x6A;
	memcpy(img + BZ_HEADER, "HdrS", 4);
	put16(BZ_VERSION, 0x020F);
	img[BZ_LOADFLAGS] = BZ_LOADED_HIGH;
	put32(BZ_INITRD_ADDR_MAX, 0x7FFFFFFF);
	put32(BZ_KERNEL_ALIGNMENT, 0x200000);
	put16(BZ_XLOADFLAGS, BZ_XLF_KERNEL_64);
	put32(BZ_CMDLINE_SIZE, 2047);
	put64(BZ_PREF_ADDRESS, PREF);
	put32(BZ_INIT_SIZE, INIT_SIZE);
	for (size_t i = 0; i < KERNEL_LEN; i++)
		img[SETUP_LEN + i] = (uint8_t)(i * 7 + 1);
}

static void setup(void)
{
	ck_assert_int_eq(mem_init(&m, GUEST_SIZE), 0);
	bz_build();
	for (size_t i = 0; i < INITRD_LEN; i++)
		initrd[i] = (uint8_t)(i * 13 + 5);
	memset(&opts, 0, sizeof(opts));
	memset(&bs, 0x5A, sizeof(bs));
	memset(err, 0, sizeof(err));
}

static void teardown(void)
{
	mem_free(&m);
}

static void expect_ok(size_t len)
{
	int ret = loader_load(&m, img, len, &opts, &bs, err);

	ck_assert_msg(ret == 0, "load failed: %s", err);
	ck_assert_int_eq(mem_read(&m, zp, BZ_ZERO_PAGE, sizeof(zp)), 0);
}

/* Load must fail with one line containing what and leave bs alone. */
static void expect_fail(size_t len, const char *what)
{
	struct boot_state sentinel;
	int ret = loader_load(&m, img, len, &opts, &bs, err);
	size_t n = strnlen(err, LOADER_ERRLEN);

	ck_assert_msg(ret == -1, "load succeeded, expected \"%s\"", what);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_lt(n, LOADER_ERRLEN);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_msg(strstr(err, what), "error \"%s\" lacks \"%s\"", err, what);
	memset(&sentinel, 0x5A, sizeof(sentinel));
	ck_assert_int_eq(memcmp(&bs, &sentinel, sizeof(bs)), 0);
}

static void check_e820(unsigned int i, uint64_t addr, uint64_t size,
		       uint32_t type)
{
	size_t off = BZ_E820_TABLE + i * 20;

	ck_assert_uint_eq(zp64(off), addr);
	ck_assert_uint_eq(zp64(off + 8), size);
	ck_assert_uint_eq(zp32(off + 16), type);
}

START_TEST(loads_at_1mib)
{
	uint8_t k[KERNEL_LEN], hdr[0x6A + 0x11];
	char line[32];

	opts.cmdline = "console=ttyS0 reboot=k";
	ck_assert_int_eq(loader_sniff(img, IMG_LEN), IMAGE_BZIMAGE);
	expect_ok(IMG_LEN);

	ck_assert_int_eq(mem_read(&m, k, BZ_DEFAULT_LOAD, sizeof(k)), 0);
	ck_assert_int_eq(memcmp(k, img + SETUP_LEN, sizeof(k)), 0);

	ck_assert_int_eq(bs.mode, MODE_LONG);
	ck_assert_uint_eq(bs.rip, BZ_DEFAULT_LOAD + 0x200);
	ck_assert_uint_eq(bs.rsi, BZ_ZERO_PAGE);
	ck_assert_uint_eq(bs.cr3, BOOT_PML4);
	ck_assert_uint_eq(bs.gdt_base, BOOT_GDT);

	/* The setup header is the image's, but for what the loader sets. */
	memcpy(hdr, img + BZ_SETUP_SECTS, sizeof(hdr));
	hdr[BZ_TYPE_OF_LOADER - BZ_SETUP_SECTS] = 0xFF;
	memcpy(hdr + BZ_CMD_LINE_PTR - BZ_SETUP_SECTS, &(uint32_t){ BZ_CMDLINE }, 4);
	ck_assert_int_eq(memcmp(zp + BZ_SETUP_SECTS, hdr, sizeof(hdr)), 0);
	ck_assert_uint_eq(zp[BZ_TYPE_OF_LOADER], 0xFF);

	ck_assert_uint_eq(zp32(BZ_CMD_LINE_PTR), BZ_CMDLINE);
	ck_assert_int_eq(mem_read(&m, line, BZ_CMDLINE, sizeof(line)), 0);
	ck_assert_str_eq(line, "console=ttyS0 reboot=k");

	ck_assert_uint_eq(zp32(BZ_RAMDISK_IMAGE), 0);
	ck_assert_uint_eq(zp32(BZ_RAMDISK_SIZE), 0);

	ck_assert_uint_eq(zp[BZ_E820_ENTRIES], 3);
	check_e820(0, 0, 0x9FC00, BZ_E820_RAM);
	check_e820(1, 0x9FC00, 0x100000 - 0x9FC00, BZ_E820_RESERVED);
	check_e820(2, 0x100000, GUEST_SIZE - 0x100000, BZ_E820_RAM);

	/* Identity map and GDT for the 64-bit entry. */
	ck_assert_uint_eq(*(uint64_t *)mem_ptr(&m, BOOT_PML4, 8) & ~0xFFFULL,
			  BOOT_PDPT);
	ck_assert_uint_eq(*(uint64_t *)mem_ptr(&m, BOOT_GDT + BOOT_SEL_CODE64, 8),
			  0x00af9a000000ffffULL);
}
END_TEST

/* Protocol 2.14+ is told where the RSDP is; the tables sit in reserved e820. */
START_TEST(acpi_rsdp_addr)
{
	expect_ok(IMG_LEN);
	ck_assert_uint_eq(zp64(BZ_ACPI_RSDP_ADDR), ACPI_RSDP_ADDR);
	ck_assert_uint_eq(zp32(BZ_E820_TABLE + 20 + 16), BZ_E820_RESERVED);
	ck_assert_uint_le(zp64(BZ_E820_TABLE + 20), ACPI_BASE);
	ck_assert_uint_ge(zp64(BZ_E820_TABLE + 20) + zp64(BZ_E820_TABLE + 28),
			  ACPI_END);
}
END_TEST

/* 2.13 has no acpi_rsdp_addr: the field stays zero (it scans instead). */
START_TEST(acpi_rsdp_addr_old_protocol)
{
	put16(BZ_VERSION, 0x020D);
	expect_ok(IMG_LEN);
	ck_assert_uint_eq(zp64(BZ_ACPI_RSDP_ADDR), 0);
}
END_TEST

START_TEST(no_cmdline_is_empty)
{
	char c = 'x';

	expect_ok(IMG_LEN);
	ck_assert_uint_eq(zp32(BZ_CMD_LINE_PTR), BZ_CMDLINE);
	ck_assert_int_eq(mem_read(&m, &c, BZ_CMDLINE, 1), 0);
	ck_assert_int_eq(c, '\0');
}
END_TEST

START_TEST(relocatable_loads_at_pref)
{
	uint8_t k[KERNEL_LEN];

	img[BZ_RELOCATABLE] = 1;
	expect_ok(IMG_LEN);
	ck_assert_uint_eq(bs.rip, PREF + 0x200);
	ck_assert_int_eq(mem_read(&m, k, PREF, sizeof(k)), 0);
	ck_assert_int_eq(memcmp(k, img + SETUP_LEN, sizeof(k)), 0);
}
END_TEST

START_TEST(relocatable_pref_beyond_ram_refused)
{
	/* pref_address beyond RAM: the area check still refuses it. */
	img[BZ_RELOCATABLE] = 1;
	put64(BZ_PREF_ADDRESS, 0x8000000);
	expect_fail(IMG_LEN, "outside guest RAM");
}
END_TEST

START_TEST(initrd_placed_high)
{
	uint8_t buf[INITRD_LEN];
	uint64_t addr = (GUEST_SIZE - INITRD_LEN) & ~0xFFFULL;

	opts.initrd = initrd;
	opts.initrd_len = INITRD_LEN;
	expect_ok(IMG_LEN);
	ck_assert_uint_eq(zp32(BZ_RAMDISK_IMAGE), addr);
	ck_assert_uint_eq(zp32(BZ_RAMDISK_SIZE), INITRD_LEN);
	ck_assert_uint_eq(zp32(BZ_EXT_RAMDISK_IMAGE), 0);
	ck_assert_uint_eq(zp32(BZ_EXT_RAMDISK_SIZE), 0);
	ck_assert_int_eq(mem_read(&m, buf, addr, sizeof(buf)), 0);
	ck_assert_int_eq(memcmp(buf, initrd, sizeof(buf)), 0);
}
END_TEST

START_TEST(initrd_below_addr_max)
{
	opts.initrd = initrd;
	opts.initrd_len = INITRD_LEN - 1;
	put32(BZ_INITRD_ADDR_MAX, 0x1FFFFFF);
	expect_ok(IMG_LEN);
	ck_assert_uint_eq(zp32(BZ_RAMDISK_IMAGE), 0x2000000 - INITRD_LEN);
	ck_assert_uint_eq(zp32(BZ_RAMDISK_SIZE), INITRD_LEN - 1);
}
END_TEST

START_TEST(e820_above_4g)
{
	mem_free(&m);
	ck_assert_int_eq(mem_init(&m, 4ULL << 30), 0);
	expect_ok(IMG_LEN);
	ck_assert_uint_eq(zp[BZ_E820_ENTRIES], 4);
	check_e820(2, 0x100000, m.region[0].size - 0x100000, BZ_E820_RAM);
	check_e820(3, 0x100000000ULL, m.region[1].size, BZ_E820_RAM);
}
END_TEST

START_TEST(version_too_old)
{
	put16(BZ_VERSION, 0x0205);
	expect_fail(IMG_LEN, "2.05 is too old");
}
END_TEST

START_TEST(version_without_xloadflags)
{
	put16(BZ_VERSION, 0x020B);
	expect_fail(IMG_LEN, "not a 64-bit kernel");
}
END_TEST

START_TEST(not_loaded_high)
{
	img[BZ_LOADFLAGS] = 0;
	expect_fail(IMG_LEN, "not loaded high");
}
END_TEST

START_TEST(not_64bit)
{
	put16(BZ_XLOADFLAGS, 0x2);
	expect_fail(IMG_LEN, "not a 64-bit kernel");
}
END_TEST

START_TEST(setup_sects_past_eof)
{
	img[BZ_SETUP_SECTS] = 200;
	expect_fail(IMG_LEN, "setup_sects 200");
	/* 0 means 4: 2560 bytes of setup, past this 3 KiB image's entry. */
	img[BZ_SETUP_SECTS] = 0;
	expect_fail(IMG_LEN, "setup_sects 4");
}
END_TEST

START_TEST(init_size_larger_than_ram)
{
	put32(BZ_INIT_SIZE, 0x10000000);
	expect_fail(IMG_LEN, "init_size area");
	put32(BZ_INIT_SIZE, 0xFFFFFFFF);
	expect_fail(IMG_LEN, "init_size area");
}
END_TEST

START_TEST(bad_pref_and_alignment)
{
	put64(BZ_PREF_ADDRESS, 0x8000);
	expect_fail(IMG_LEN, "pref_address");
	put64(BZ_PREF_ADDRESS, UINT64_MAX);
	expect_fail(IMG_LEN, "pref_address");
	put64(BZ_PREF_ADDRESS, PREF);
	img[BZ_RELOCATABLE] = 1;
	put32(BZ_KERNEL_ALIGNMENT, 0x30000);
	expect_fail(IMG_LEN, "kernel_alignment");
	put32(BZ_KERNEL_ALIGNMENT, 0);
	expect_fail(IMG_LEN, "kernel_alignment");
}
END_TEST

START_TEST(cmdline_longer_than_cmdline_size)
{
	put32(BZ_CMDLINE_SIZE, 12);
	opts.cmdline = "console=ttyS0";
	expect_fail(IMG_LEN, "cmdline_size");
	put32(BZ_CMDLINE_SIZE, 13);
	expect_ok(IMG_LEN);
}
END_TEST

START_TEST(cmdline_longer_than_hvrun_passes)
{
	char *line = malloc(BZ_CMDLINE_MAX + 1);

	ck_assert_ptr_nonnull(line);
	memset(line, 'a', BZ_CMDLINE_MAX);
	line[BZ_CMDLINE_MAX] = '\0';
	put32(BZ_CMDLINE_SIZE, 0xFFFFFFFF);
	opts.cmdline = line;
	expect_fail(IMG_LEN, "hvrun passes at most");
	free(line);
}
END_TEST

START_TEST(initrd_larger_than_ram)
{
	/* Refused before a byte of it is read. */
	opts.initrd = initrd;
	opts.initrd_len = GUEST_SIZE + 1;
	expect_fail(IMG_LEN, "initrd");
	ck_assert_ptr_nonnull(strstr(err, "larger than"));
}
END_TEST

START_TEST(initrd_over_kernel)
{
	opts.initrd = initrd;
	opts.initrd_len = INITRD_LEN;
	put32(BZ_INITRD_ADDR_MAX, (uint32_t)(PREF + INIT_SIZE));
	expect_fail(IMG_LEN, "does not fit");
}
END_TEST

START_TEST(header_cut_short)
{
	for (size_t len = 0x206; len < BZ_HDR_MIN_END; len += 0x1D)
		expect_fail(len, "cut short");
	expect_fail(BZ_HDR_MIN_END - 1, "cut short");
}
END_TEST

START_TEST(initrd_refused_for_raw)
{
	memset(img, 0, sizeof(img));
	img[510] = 0x55;	/* a boot sector */
	img[511] = 0xAA;
	opts.initrd = initrd;
	opts.initrd_len = INITRD_LEN;
	expect_fail(512, "--initrd applies to Linux bzImage, PVH and multiboot images only");
}
END_TEST

/* --append, then "-- ARGS", make the kernel command line. */
static char *parse_cmdline(int argc, char **argv, struct vm_config *cfg)
{
	ck_assert_int_eq(options_parse(argc, argv, cfg), OPTIONS_RUN);
	return cfg->cmdline;
}

START_TEST(options_initrd_append)
{
	struct vm_config cfg;
	char *a1[] = { "hvrun", "--initrd", "rd.cpio", "--append", "console=ttyS0",
		       "bzImage", "--", "quiet", "reboot=k", NULL };
	char *a2[] = { "hvrun", "--append", "a b", "bzImage", NULL };
	char *a3[] = { "hvrun", "bzImage", "--", "x", NULL };
	char *a4[] = { "hvrun", "bzImage", NULL };
	char *a5[] = { "hvrun", "--initrd", "", "bzImage", NULL };

	ck_assert_str_eq(parse_cmdline(9, a1, &cfg), "console=ttyS0 quiet reboot=k");
	ck_assert_str_eq(cfg.initrd, "rd.cpio");
	ck_assert_str_eq(cfg.image, "bzImage");
	options_free(&cfg);
	ck_assert_str_eq(parse_cmdline(4, a2, &cfg), "a b");
	ck_assert_ptr_null(cfg.initrd);
	options_free(&cfg);
	ck_assert_str_eq(parse_cmdline(4, a3, &cfg), "x");
	options_free(&cfg);
	ck_assert_ptr_null(parse_cmdline(2, a4, &cfg));
	options_free(&cfg);
	ck_assert_int_eq(options_parse(4, a5, &cfg), OPTIONS_ERROR);
	options_free(&cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bzimage");
	TCase *tc = tcase_create("bzimage");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, loads_at_1mib);
	tcase_add_test(tc, acpi_rsdp_addr);
	tcase_add_test(tc, acpi_rsdp_addr_old_protocol);
	tcase_add_test(tc, no_cmdline_is_empty);
	tcase_add_test(tc, relocatable_loads_at_pref);
	tcase_add_test(tc, relocatable_pref_beyond_ram_refused);
	tcase_add_test(tc, initrd_placed_high);
	tcase_add_test(tc, initrd_below_addr_max);
	tcase_add_test(tc, e820_above_4g);
	tcase_add_test(tc, version_too_old);
	tcase_add_test(tc, version_without_xloadflags);
	tcase_add_test(tc, not_loaded_high);
	tcase_add_test(tc, not_64bit);
	tcase_add_test(tc, setup_sects_past_eof);
	tcase_add_test(tc, init_size_larger_than_ram);
	tcase_add_test(tc, bad_pref_and_alignment);
	tcase_add_test(tc, cmdline_longer_than_cmdline_size);
	tcase_add_test(tc, cmdline_longer_than_hvrun_passes);
	tcase_add_test(tc, initrd_larger_than_ram);
	tcase_add_test(tc, initrd_over_kernel);
	tcase_add_test(tc, header_cut_short);
	tcase_add_test(tc, initrd_refused_for_raw);
	tcase_add_test(tc, options_initrd_append);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
