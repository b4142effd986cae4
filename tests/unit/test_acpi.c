/*
 * ACPI tables and the AML encoder. Expected AML bytes are worked out by
 * hand from the ACPI 6.5 spec (20.2 encodings, 6.4 resource descriptors),
 * not produced by the code under test.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"
#include "acpi/aml.h"
#include "mem.h"
#include "vm.h"

#define AREA	(ACPI_END - ACPI_BASE)

static uint8_t *buf;
static long used;
static char err[ACPI_ERRLEN];

static const struct vm_platform_dev virtio0 = {
	.hid = "LNRO0005", .base = 0xD0000000, .len = 0x200, .gsi = 16,
};

static void setup(void)
{
	buf = calloc(1, AREA);
	ck_assert_ptr_nonnull(buf);
	used = -1;
	err[0] = 0;
}

static void teardown(void)
{
	free(buf);
}

static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static void build(int nr_cpus, const struct vm_platform_dev *devs, int nr)
{
	used = acpi_tables_build(buf, AREA, ACPI_BASE, nr_cpus, devs, nr, err);
	ck_assert_msg(used > 0, "acpi_tables_build: %s", err);
}

/* The table at gpa: signature, checksum, and it lies in what was built. */
static const uint8_t *table(uint64_t gpa, const char *sig)
{
	const uint8_t *t;
	uint32_t len;

	ck_assert_uint_ge(gpa, ACPI_BASE);
	ck_assert_uint_lt(gpa - ACPI_BASE, (uint64_t)used);
	t = buf + (gpa - ACPI_BASE);
	ck_assert_mem_eq(t, sig, 4);
	len = get32(t + 4);
	ck_assert_uint_ge(len, 36);
	ck_assert_uint_le(gpa - ACPI_BASE + len, (uint64_t)used);
	ck_assert_uint_eq(sum(t, len), 0);
	ck_assert_mem_eq(t + 10, "HVRUN ", 6);
	return t;
}

static uint64_t xsdt_gpa(void)
{
	return get64(buf + 24);
}

/* The XSDT's entry with this signature. */
static const uint8_t *find(const char *sig)
{
	const uint8_t *x = table(xsdt_gpa(), "XSDT");
	uint32_t n = (get32(x + 4) - 36) / 8;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t gpa = get64(x + 36 + 8 * i);

		if (!memcmp(buf + (gpa - ACPI_BASE), sig, 4))
			return table(gpa, sig);
	}
	ck_abort_msg("no %s in the XSDT", sig);
	return NULL;
}

static const uint8_t *dsdt(void)
{
	const uint8_t *f = find("FACP");

	ck_assert_uint_eq(get64(f + 140), get32(f + 40));
	return table(get64(f + 140), "DSDT");
}

START_TEST(rsdp)
{
	build(1, NULL, 0);
	ck_assert_mem_eq(buf, "RSD PTR ", 8);
	ck_assert_uint_eq(sum(buf, 20), 0);
	ck_assert_uint_eq(sum(buf, 36), 0);
	ck_assert_uint_eq(buf[15], 2);
	ck_assert_uint_eq(get32(buf + 20), 36);
	ck_assert_uint_eq(xsdt_gpa() % 8, 0);
	table(xsdt_gpa(), "XSDT");
}
END_TEST

START_TEST(xsdt_lists_fadt_and_madt)
{
	const uint8_t *x;

	build(2, &virtio0, 1);
	x = table(xsdt_gpa(), "XSDT");
	ck_assert_uint_eq(get32(x + 4), 36 + 2 * 8);
	ck_assert_mem_eq(buf + get64(x + 36) - ACPI_BASE, "FACP", 4);
	ck_assert_mem_eq(buf + get64(x + 44) - ACPI_BASE, "APIC", 4);
}
END_TEST

START_TEST(fadt)
{
	const uint8_t *f;

	build(1, NULL, 0);
	f = find("FACP");
	ck_assert_uint_eq(get32(f + 4), 276);
	ck_assert_uint_eq(f[8], 6);
	ck_assert_uint_eq(get32(f + 112) & (1U << 20), 1U << 20);	/* HW_REDUCED */
	ck_assert_uint_eq(get32(f + 112) & (1U << 10), 1U << 10);	/* RESET_REG_SUP */
	ck_assert_uint_eq(get32(f + 36), 0);			/* no FACS */
	ck_assert_uint_eq(get16(f + 46), 0);			/* no SCI */
	/* IAPC_BOOT_ARCH: 8042 present, CMOS RTC not "not present". */
	ck_assert_uint_eq(get16(f + 109) & (1U << 1), 1U << 1);
	ck_assert_uint_eq(get16(f + 109) & (1U << 5), 0);
	/* RESET_REG: SystemIO, 8 bits, port 0x64, value 0xFE. */
	ck_assert_uint_eq(f[116], 1);
	ck_assert_uint_eq(f[117], 8);
	ck_assert_uint_eq(get64(f + 120), 0x64);
	ck_assert_uint_eq(f[128], 0xFE);
	/* SLEEP_CONTROL_REG and SLEEP_STATUS_REG: the acpi-pm port. */
	ck_assert_uint_eq(f[244], 1);
	ck_assert_uint_eq(f[245], 8);
	ck_assert_uint_eq(get64(f + 248), ACPI_PM_PORT);
	ck_assert_uint_eq(f[256], 1);
	ck_assert_uint_eq(get64(f + 260), ACPI_PM_PORT);
	dsdt();
}
END_TEST

static void check_madt(int n)
{
	const uint8_t *m, *e, *end;
	int lapics = 0, ioapics = 0;

	setup();
	build(n, NULL, 0);
	m = find("APIC");
	ck_assert_uint_eq(get32(m + 4), 44 + 8 * n + 12);
	ck_assert_uint_eq(get32(m + 36), 0xFEE00000);
	end = m + get32(m + 4);
	for (e = m + 44; e < end; e += e[1]) {
		ck_assert_uint_ge(e[1], 2);
		ck_assert(e + e[1] <= end);
		switch (e[0]) {
		case 0:
			ck_assert_uint_eq(e[1], 8);
			ck_assert_uint_eq(e[3], lapics);	/* APIC id */
			ck_assert_uint_eq(e[2], lapics);	/* UID */
			ck_assert_uint_eq(get32(e + 4) & 1, 1);	/* enabled */
			lapics++;
			break;
		case 1:
			ck_assert_uint_eq(e[1], 12);
			/* id, address and GSI base of src/irqchip/ioapic.h */
			ck_assert_uint_eq(e[2], 0);
			ck_assert_uint_eq(get32(e + 4), 0xFEC00000);
			ck_assert_uint_eq(get32(e + 8), 0);
			ioapics++;
			break;
		default:
			ck_abort_msg("unexpected MADT entry type %u", e[0]);
		}
	}
	ck_assert_ptr_eq(e, end);
	ck_assert_int_eq(lapics, n);
	ck_assert_int_eq(ioapics, 1);
	teardown();
}

START_TEST(madt_cpus)
{
	check_madt(1);
	check_madt(2);
	check_madt(255);
}
END_TEST

START_TEST(cpu_count_refused)
{
	ck_assert_int_eq(acpi_tables_build(buf, AREA, ACPI_BASE, 0, NULL, 0, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "CPUs"));
	ck_assert_int_eq(acpi_tables_build(buf, AREA, ACPI_BASE, 256, NULL, 0, err), -1);
}
END_TEST

/* PkgLength: 1 byte up to 63, then 2, 3, 4 bytes (20.2.4). */
START_TEST(pkglen_encode)
{
	static const struct {
		uint32_t v;
		int n;
		uint8_t b[4];
	} c[] = {
		{ 0, 1, { 0x00 } },
		{ 63, 1, { 0x3F } },
		{ 64, 2, { 0x40, 0x04 } },
		{ 4095, 2, { 0x4F, 0xFF } },
		{ 4096, 3, { 0x80, 0x00, 0x01 } },
		{ 0xFFFFF, 3, { 0x8F, 0xFF, 0xFF } },
		{ 0x100000, 4, { 0xC0, 0x00, 0x00, 0x01 } },
		{ 0xFFFFFFF, 4, { 0xCF, 0xFF, 0xFF, 0xFF } },
	};
	uint8_t out[4];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(out, 0xAA, sizeof(out));
		ck_assert_int_eq(aml_pkglen_encode(c[i].v, out), c[i].n);
		ck_assert_mem_eq(out, c[i].b, (size_t)c[i].n);
	}
	ck_assert_int_eq(aml_pkglen_encode(0x10000000, out), 0);
}
END_TEST

/* A package of `body` bytes: the length counts its own bytes. */
static void check_pkg(size_t body, const uint8_t *want, int n)
{
	static uint8_t b[8192];
	struct aml a;
	size_t mark;

	aml_init(&a, b, sizeof(b));
	aml_byte(&a, 0x12);
	mark = aml_pkg_open(&a);
	for (size_t i = 0; i < body; i++)
		aml_byte(&a, (uint8_t)i);
	aml_pkg_close(&a, mark);
	ck_assert_int_eq(aml_error(&a), 0);
	ck_assert_uint_eq(a.len, 1 + (size_t)n + body);
	ck_assert_mem_eq(b + 1, want, (size_t)n);
	ck_assert_uint_eq(b[1 + n], 0);			/* body moved intact */
	ck_assert_uint_eq(b[n + body], (uint8_t)(body - 1));
}

START_TEST(pkglen_boundaries)
{
	check_pkg(62, (const uint8_t[]){ 0x3F }, 1);		/* 63 */
	check_pkg(63, (const uint8_t[]){ 0x41, 0x04 }, 2);	/* 65 */
	check_pkg(4093, (const uint8_t[]){ 0x4F, 0xFF }, 2);	/* 4095 */
	check_pkg(4094, (const uint8_t[]){ 0x81, 0x00, 0x01 }, 3);	/* 4097 */
}
END_TEST

static void check_aml(void (*emit)(struct aml *), const uint8_t *want,
		      size_t n)
{
	uint8_t b[256];
	struct aml a;

	aml_init(&a, b, sizeof(b));
	emit(&a);
	ck_assert_int_eq(aml_error(&a), 0);
	ck_assert_uint_eq(a.len, n);
	ck_assert_mem_eq(b, want, n);
}

static void emit_name_hid(struct aml *a)
{
	aml_name(a, "_HID");
	aml_string(a, "LNRO0005");
}

static void emit_paths(struct aml *a)
{
	aml_namestring(a, "\\_SB");
	aml_namestring(a, "\\_SB.COM1");
	aml_namestring(a, "A.B1.C");
}

static void emit_integers(struct aml *a)
{
	aml_integer(a, 0);
	aml_integer(a, 1);
	aml_integer(a, 2);
	aml_integer(a, 0x100);
	aml_integer(a, 0x10000);
	aml_integer(a, 0x100000000ULL);
	aml_eisaid(a, "PNP0501");
}

START_TEST(aml_encodings)
{
	static const uint8_t hid[] = {
		0x08, '_', 'H', 'I', 'D',
		0x0D, 'L', 'N', 'R', 'O', '0', '0', '0', '5', 0x00,
	};
	static const uint8_t paths[] = {
		'\\', '_', 'S', 'B', '_',
		'\\', 0x2E, '_', 'S', 'B', '_', 'C', 'O', 'M', '1',
		0x2F, 3, 'A', '_', '_', '_', 'B', '1', '_', '_', 'C', '_', '_', '_',
	};
	static const uint8_t ints[] = {
		0x00, 0x01, 0x0A, 0x02, 0x0B, 0x00, 0x01,
		0x0C, 0x00, 0x00, 0x01, 0x00,
		0x0E, 0, 0, 0, 0, 1, 0, 0, 0,
		0x0C, 0x41, 0xD0, 0x05, 0x01,		/* EisaId("PNP0501") */
	};

	check_aml(emit_name_hid, hid, sizeof(hid));
	check_aml(emit_paths, paths, sizeof(paths));
	check_aml(emit_integers, ints, sizeof(ints));
}
END_TEST

START_TEST(aml_invalid)
{
	static const char *bad[] = { "", "\\", "1ABC", "ABCDE", "A..B", "A.",
				     "ab" };
	uint8_t b[64];
	struct aml a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		aml_init(&a, b, sizeof(b));
		aml_namestring(&a, bad[i]);
		ck_assert_int_eq(aml_error(&a), -EINVAL);
		/* Latched: later output is dropped, the error stays. */
		aml_byte(&a, 1);
		ck_assert_int_eq(aml_error(&a), -EINVAL);
	}
	aml_init(&a, b, sizeof(b));
	aml_eisaid(&a, "PNP050G");
	ck_assert_int_eq(aml_error(&a), -EINVAL);
	aml_init(&a, b, sizeof(b));
	aml_string(&a, "\x80");
	ck_assert_int_eq(aml_error(&a), -EINVAL);
}
END_TEST

START_TEST(aml_overflow)
{
	uint8_t b[8];
	struct aml a;
	size_t mark;

	memset(b, 0xEE, sizeof(b));
	aml_init(&a, b, 4);
	aml_string(&a, "LNRO0005");
	ck_assert_int_eq(aml_error(&a), -ENOSPC);
	ck_assert_uint_eq(a.len, 0);
	ck_assert_uint_eq(b[4], 0xEE);

	/* The PkgLength itself does not fit. */
	aml_init(&a, b, 4);
	aml_byte(&a, 0x12);
	mark = aml_pkg_open(&a);
	aml_bytes(&a, "abc", 3);
	aml_pkg_close(&a, mark);
	ck_assert_int_eq(aml_error(&a), -ENOSPC);
	ck_assert_uint_eq(b[4], 0xEE);
}
END_TEST

/* Descriptors (6.4.2.5, 6.4.3.4, 6.4.3.6) and the end tag's checksum. */
static void emit_res(struct aml *r)
{
	aml_res_io(r, 0x3F8, 8);
	aml_res_memory32_fixed(r, true, 0xD0000000, 0x200);
	aml_res_interrupt(r, 16);
	aml_res_end(r);
}

START_TEST(resource_descriptors)
{
	static const uint8_t want[] = {
		0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x01, 0x08,
		0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xD0,
		0x00, 0x02, 0x00, 0x00,
		0x89, 0x06, 0x00, 0x03, 0x01, 0x10, 0x00, 0x00, 0x00,
		0x79, 0x3B,
	};

	ck_assert_uint_eq(sum(want, sizeof(want)), 0);
	check_aml(emit_res, want, sizeof(want));
}
END_TEST

/* The whole DSDT body for COM1, pvpanic and one virtio-mmio device, by hand. */
START_TEST(dsdt_bytes)
{
	static const uint8_t want[] = {
		0x10, 0x49, 0x0A, '\\', '_', 'S', 'B', '_',	/* Scope(\_SB), 169 */
		0x5B, 0x82, 0x31, 'C', 'O', 'M', '1',		/* Device, 49 */
		0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x05, 0x01,
		0x08, '_', 'U', 'I', 'D', 0x00,
		0x08, '_', 'C', 'R', 'S', 0x11, 0x16, 0x0A, 0x13,
		0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x01, 0x08,
		0x89, 0x06, 0x00, 0x03, 0x01, 0x04, 0x00, 0x00, 0x00,
		0x79, 0xA9,
		0x5B, 0x82, 0x31, 'P', 'E', 'V', 'T',		/* Device, 49 */
		0x08, '_', 'H', 'I', 'D',
		0x0D, 'Q', 'E', 'M', 'U', '0', '0', '0', '1', 0x00,
		0x08, '_', 'U', 'I', 'D', 0x00,
		0x08, '_', 'C', 'R', 'S', 0x11, 0x11, 0x0A, 0x0E,
		0x86, 0x09, 0x00, 0x01, 0x00, 0x10, 0xF0, 0xD0,	/* 0xd0f01000 */
		0x02, 0x00, 0x00, 0x00,				/* 2 bytes */
		0x79, 0x25,
		0x5B, 0x82, 0x3A, 'D', 'V', '0', '0',		/* Device, 58 */
		0x08, '_', 'H', 'I', 'D',
		0x0D, 'L', 'N', 'R', 'O', '0', '0', '0', '5', 0x00,
		0x08, '_', 'U', 'I', 'D', 0x00,
		0x08, '_', 'C', 'R', 'S', 0x11, 0x1A, 0x0A, 0x17,
		0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xD0,
		0x00, 0x02, 0x00, 0x00,
		0x89, 0x06, 0x00, 0x03, 0x01, 0x10, 0x00, 0x00, 0x00,
		0x79, 0x82,
		0x08, '\\', '_', 'S', '5', '_',			/* Name(\_S5, */
		0x12, 0x07, 0x04, 0x0A, 0x05, 0x00, 0x00, 0x00,	/* Package(4)) */
	};
	const uint8_t *d;

	build(1, &virtio0, 1);
	d = dsdt();
	ck_assert_uint_eq(d[8], 2);
	ck_assert_uint_eq(get32(d + 4), 36 + sizeof(want));
	ck_assert_mem_eq(d + 36, want, sizeof(want));
	/* The DSDT is the last table: the built length ends with it. */
	ck_assert_uint_eq((size_t)(d - buf) + get32(d + 4), (size_t)used);
}
END_TEST

START_TEST(dsdt_all_devices)
{
	struct vm_platform_dev devs[VM_MAX_PLATFORM_DEVS];
	const uint8_t *d;
	char name[5];

	for (int i = 0; i < VM_MAX_PLATFORM_DEVS; i++)
		devs[i] = (struct vm_platform_dev){ "LNRO0005",
			0xD0000000 + 0x1000 * (uint64_t)i, 0x200, 16 + (unsigned)i };
	build(4, devs, VM_MAX_PLATFORM_DEVS);
	d = dsdt();
	for (int i = 0; i < VM_MAX_PLATFORM_DEVS; i++) {
		snprintf(name, sizeof(name), "DV%02X", i);
		ck_assert_ptr_nonnull(memmem(d, get32(d + 4), name, 4));
	}
}
END_TEST

START_TEST(devices_refused)
{
	struct vm_platform_dev devs[VM_MAX_PLATFORM_DEVS + 1];
	struct vm_platform_dev d;

	for (int i = 0; i <= VM_MAX_PLATFORM_DEVS; i++)
		devs[i] = virtio0;
	ck_assert_int_eq(acpi_tables_build(buf, AREA, ACPI_BASE, 1, devs,
					   VM_MAX_PLATFORM_DEVS + 1, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "platform devices"));

	d = virtio0;
	d.gsi = 24;
	ck_assert_int_eq(acpi_tables_build(buf, AREA, ACPI_BASE, 1, &d, 1, err), -1);
	d = virtio0;
	d.base = 0xFFFFFF00;
	ck_assert_int_eq(acpi_tables_build(buf, AREA, ACPI_BASE, 1, &d, 1, err), -1);
	d = virtio0;
	d.len = 0;
	ck_assert_int_eq(acpi_tables_build(buf, AREA, ACPI_BASE, 1, &d, 1, err), -1);
	d = virtio0;
	d.hid = "lnro0005";
	ck_assert_int_eq(acpi_tables_build(buf, AREA, ACPI_BASE, 1, &d, 1, err), -1);
	d.hid = NULL;
	ck_assert_int_eq(acpi_tables_build(buf, AREA, ACPI_BASE, 1, &d, 1, err), -1);
}
END_TEST

/*
 * Every area smaller than the tables is refused. Each buffer is allocated
 * to its exact size, so a write past it is an ASan error.
 */
START_TEST(area_too_small)
{
	struct vm_platform_dev devs[2] = { virtio0, virtio0 };
	long need;

	build(3, devs, 2);
	need = used;
	for (long cap = 0; cap < need; cap++) {
		uint8_t *small = malloc((size_t)cap + 1);

		ck_assert_int_eq(acpi_tables_build(small, (size_t)cap, ACPI_BASE,
						   3, devs, 2, err), -1);
		ck_assert_ptr_nonnull(strstr(err, "do not fit"));
		free(small);
	}
	ck_assert_int_eq(acpi_tables_build(buf, (size_t)need, ACPI_BASE, 3,
					   devs, 2, err), need);
}
END_TEST

START_TEST(into_guest_memory)
{
	struct mem m;
	uint8_t sig[8];

	ck_assert_int_eq(mem_init(&m, MEM_MIN_SIZE), 0);
	ck_assert_int_eq(acpi_build(&m, 2, &virtio0, 1, err), 0);
	ck_assert_int_eq(mem_read(&m, sig, ACPI_RSDP_ADDR, 8), 0);
	ck_assert_mem_eq(sig, "RSD PTR ", 8);
	mem_free(&m);
}
END_TEST

/* SLP_EN | SLP_TYP 5 powers off; nothing else does. */
START_TEST(pm_decode)
{
	ck_assert(acpi_pm_is_poweroff(0x20 | 5 << 2));
	ck_assert(!acpi_pm_is_poweroff(5 << 2));	/* no SLP_EN */
	ck_assert(!acpi_pm_is_poweroff(0x20));		/* S0 */
	ck_assert(!acpi_pm_is_poweroff(0x20 | 3 << 2));	/* S3 */
	ck_assert(!acpi_pm_is_poweroff(0x80));		/* clearing WAK_STS */
	ck_assert(!acpi_pm_is_poweroff(0));
}
END_TEST

static Suite *acpi_suite(void)
{
	Suite *s = suite_create("acpi");
	TCase *tc = tcase_create("tables");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rsdp);
	tcase_add_test(tc, xsdt_lists_fadt_and_madt);
	tcase_add_test(tc, fadt);
	tcase_add_test(tc, cpu_count_refused);
	tcase_add_test(tc, dsdt_bytes);
	tcase_add_test(tc, dsdt_all_devices);
	tcase_add_test(tc, devices_refused);
	tcase_add_test(tc, area_too_small);
	tcase_add_test(tc, into_guest_memory);
	suite_add_tcase(s, tc);

	tc = tcase_create("madt");
	tcase_add_test(tc, madt_cpus);
	suite_add_tcase(s, tc);

	tc = tcase_create("aml");
	tcase_add_test(tc, pkglen_encode);
	tcase_add_test(tc, pkglen_boundaries);
	tcase_add_test(tc, aml_encodings);
	tcase_add_test(tc, aml_invalid);
	tcase_add_test(tc, aml_overflow);
	tcase_add_test(tc, resource_descriptors);
	tcase_add_test(tc, pm_decode);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(acpi_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
