/*
 * ACPI tables (ACPI 6.5) for a hardware-reduced machine, as QEMU's microvm
 * and Firecracker describe theirs: the RSDP points to an XSDT listing the
 * FADT and the MADT; the FADT points to the DSDT. There is no FACS (a
 * hardware-reduced machine needs none), no PM timer, SCI or GPE block.
 *
 * Layout from the start of the area, each table 16-byte aligned:
 * RSDP, XSDT, FADT, MADT, DSDT.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mem.h"
#include "../vm.h"
#include "acpi.h"
#include "aml.h"

#define OEM_ID		"HVRUN "	/* 6 bytes */
#define OEM_TABLE_ID	"HVRUNVM "	/* 8 bytes */
#define OEM_REVISION	1
#define CREATOR_ID	"HVRN"
#define CREATOR_REV	1

#define HDR_LEN		36	/* every table but the RSDP */
#define HDR_LENGTH	4	/* u32 */
#define HDR_CHECKSUM	9	/* u8 */

#define RSDP_LEN	36
#define RSDP_V1_LEN	20	/* the part the first checksum covers */

/* FADT, revision 6 (6.5, table 5.9): byte offsets. */
#define FADT_LEN		276
#define FADT_REVISION		6
#define FADT_MINOR		5
#define FADT_DSDT		40
#define FADT_IAPC_BOOT_ARCH	109
#define FADT_FLAGS		112
#define FADT_RESET_REG		116
#define FADT_RESET_VALUE	128
#define FADT_MINOR_VERSION	131
#define FADT_X_DSDT		140
#define FADT_SLEEP_CONTROL	244
#define FADT_SLEEP_STATUS	256
#define FADT_HYPERVISOR_ID	268

#define IAPC_LEGACY_DEVICES	(1U << 0)	/* ISA-style UART and RTC */
#define IAPC_8042		(1U << 1)	/* src/devices/i8042.c */
#define IAPC_NO_VGA		(1U << 2)
#define IAPC_NO_MSI		(1U << 3)	/* no PCI at all */
/* bit 5 (CMOS RTC not present) stays clear: src/devices/rtc.c */

#define FADT_RESET_REG_SUP	(1U << 10)
#define FADT_HW_REDUCED_ACPI	(1U << 20)

/* Generic Address Structure (5.2.3.2). */
#define GAS_LEN			12
#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_BYTE		1


/* MADT (5.2.12). */
#define MADT_REVISION		5
#define MADT_FIXED_LEN		(HDR_LEN + 8)
#define MADT_PCAT_COMPAT	(1U << 0)
#define MADT_TYPE_LAPIC		0
#define MADT_TYPE_IOAPIC	1
#define MADT_LAPIC_LEN		8
#define MADT_IOAPIC_LEN		12
#define MADT_LAPIC_ENABLED	(1U << 0)

#define XSDT_REVISION		1
#define XSDT_ENTRIES		2	/* FADT, MADT */
#define DSDT_REVISION		2	/* 64-bit AML integers */


#define ALIGN16(x)		(((x) + 15) & ~(size_t)15)

/* Where the tables go as they are laid out. */
struct area {
	uint8_t *buf;
	size_t cap;
	size_t len;
	char *err;
};

static int fail(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, ACPI_ERRLEN, fmt, ap);
	va_end(ap);
	return -1;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

/* Reserve len zeroed bytes, 16-byte aligned; returns the offset or -1. */
static long area_alloc(struct area *a, size_t len, const char *what)
{
	size_t off = ALIGN16(a->len);

	if (off > a->cap || len > a->cap - off)
		return fail(a->err, "ACPI tables do not fit in %zu bytes (%s)",
			    a->cap, what);
	memset(a->buf + off, 0, len);
	a->len = off + len;
	return (long)off;
}

static void header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + HDR_LENGTH, len);
	t[8] = rev;
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE_ID, 8);
	put32(t + 24, OEM_REVISION);
	memcpy(t + 28, CREATOR_ID, 4);
	put32(t + 32, CREATOR_REV);
}

static void seal(uint8_t *t)
{
	uint32_t len;

	memcpy(&len, t + HDR_LENGTH, sizeof(len));
	t[HDR_CHECKSUM] = 0;
	t[HDR_CHECKSUM] = checksum(t, len);
}

static void gas_io(uint8_t *g, uint16_t port)
{
	g[0] = GAS_SYSTEM_IO;
	g[1] = 8;			/* bit width */
	g[2] = 0;			/* bit offset */
	g[3] = GAS_ACCESS_BYTE;
	put64(g + 4, port);
}

static void build_rsdp(uint8_t *r, uint64_t xsdt)
{
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, OEM_ID, 6);
	r[15] = 2;			/* revision: ACPI 2.0+, has the XSDT */
	put32(r + 16, 0);		/* no RSDT */
	put32(r + 20, RSDP_LEN);
	put64(r + 24, xsdt);
	r[8] = checksum(r, RSDP_V1_LEN);
	r[32] = checksum(r, RSDP_LEN);
}

static void build_fadt(uint8_t *f, uint64_t dsdt)
{
	header(f, "FACP", FADT_LEN, FADT_REVISION);
	put32(f + FADT_DSDT, (uint32_t)dsdt);
	put16(f + FADT_IAPC_BOOT_ARCH, IAPC_LEGACY_DEVICES | IAPC_8042 |
	      IAPC_NO_VGA | IAPC_NO_MSI);
	put32(f + FADT_FLAGS, FADT_HW_REDUCED_ACPI | FADT_RESET_REG_SUP);
	gas_io(f + FADT_RESET_REG, I8042_CMD_PORT);
	f[FADT_RESET_VALUE] = I8042_RESET_VALUE;
	f[FADT_MINOR_VERSION] = FADT_MINOR;
	put64(f + FADT_X_DSDT, dsdt);
	gas_io(f + FADT_SLEEP_CONTROL, ACPI_PM_PORT);
	gas_io(f + FADT_SLEEP_STATUS, ACPI_PM_PORT);
	memcpy(f + FADT_HYPERVISOR_ID, "hvrun\0\0", 8);
	seal(f);
}

/*
 * One Processor Local APIC per vCPU, APIC id = vCPU index as
 * src/vcpu/cpuid.c reports, and the IOAPIC (KVM's, or hvrun's own with
 * --irqchip split: src/irqchip/ioapic.h has its id, address and pins)
 * with its 24 pins at GSI 0.
 *
 * No Interrupt Source Overrides: with the kernel irqchip hvrun installs no
 * GSI routing, so KVM's default maps GSI n to IOAPIC pin n, and the split
 * irqchip wires GSI n to pin n (and ISA IRQ n to 8259 input n) the same
 * way; ISA IRQ n is GSI n, edge, active high, which is what an OS assumes
 * without an override. (PC firmware declares IRQ0 -> GSI 2 because its
 * board wires the PIT to pin 2; neither irqchip does, and that override
 * would send the timer to a dead pin.)
 *
 * PCAT_COMPAT is set: both irqchips really contain the 8259 pair, wired
 * to the boot CPU's LINT0, and the flag tells the OS so that it masks
 * them in APIC mode. (Linux ignores the PIC altogether on a
 * hardware-reduced machine; the flag is for any other OS.)
 */
static void build_madt(uint8_t *t, size_t len, int nr_cpus)
{
	uint8_t *e = t + MADT_FIXED_LEN;

	header(t, "APIC", (uint32_t)len, MADT_REVISION);
	put32(t + HDR_LEN, LAPIC_ADDR);
	put32(t + HDR_LEN + 4, MADT_PCAT_COMPAT);
	for (int i = 0; i < nr_cpus; i++, e += MADT_LAPIC_LEN) {
		e[0] = MADT_TYPE_LAPIC;
		e[1] = MADT_LAPIC_LEN;
		e[2] = (uint8_t)i;	/* ACPI processor UID */
		e[3] = (uint8_t)i;	/* APIC id */
		put32(e + 4, MADT_LAPIC_ENABLED);
	}
	/* The id its register reads at reset (as QEMU); GSI base 0. */
	e[0] = MADT_TYPE_IOAPIC;
	e[1] = MADT_IOAPIC_LEN;
	e[2] = IOAPIC_ID;
	put32(e + 4, (uint32_t)IOAPIC_BASE);
	put32(e + 8, 0);
	seal(t);
}

/*
 * Device(name) { _HID, _UID, _CRS } with the resources in r, which this
 * ends. hid is an EISA id ("PNP0501", encoded as a number) when eisa,
 * else a string _HID.
 */
static void dsdt_device(struct aml *a, const char *name, const char *hid,
			bool eisa, uint64_t uid, struct aml *r)
{
	size_t dev;

	aml_res_end(r);
	if (aml_error(r)) {
		a->error = aml_error(r);
		return;
	}
	dev = aml_device_open(a, name);
	aml_name(a, "_HID");
	if (eisa)
		aml_eisaid(a, hid);
	else
		aml_string(a, hid);
	aml_name(a, "_UID");
	aml_integer(a, uid);
	aml_name(a, "_CRS");
	aml_buffer(a, r->buf, r->len);
	aml_pkg_close(a, dev);
}

static void dsdt_com1(struct aml *a)
{
	uint8_t res[32];
	struct aml r;

	aml_init(&r, res, sizeof(res));
	aml_res_io(&r, COM1_PORT, COM1_LEN);
	aml_res_interrupt(&r, COM1_IRQ);
	dsdt_device(a, "COM1", "PNP0501", true, 0, &r);
}

/*
 * pvpanic (src/devices/pvpanic.c) as QEMU's microvm describes its
 * pvpanic-mmio: _HID "QEMU0001" and the register's MMIO window, no
 * interrupt. Linux's pvpanic-mmio driver binds it.
 */
static void dsdt_pvpanic(struct aml *a)
{
	uint8_t res[32];
	struct aml r;

	aml_init(&r, res, sizeof(res));
	aml_res_memory32_fixed(&r, true, (uint32_t)PVPANIC_MMIO_BASE,
			       (uint32_t)PVPANIC_MMIO_LEN);
	dsdt_device(a, "PEVT", PVPANIC_HID, false, 0, &r);
}

static void dsdt_platform(struct aml *a, const struct vm_platform_dev *d,
			  int index)
{
	uint8_t res[32];
	struct aml r;
	char name[8];

	aml_init(&r, res, sizeof(res));
	aml_res_memory32_fixed(&r, true, (uint32_t)d->base, (uint32_t)d->len);
	aml_res_interrupt(&r, d->gsi);
	snprintf(name, sizeof(name), "DV%02X", (unsigned)index & 0xFF);
	dsdt_device(a, name, d->hid, false, (uint64_t)index, &r);
}

/* The AML: \_SB with COM1, pvpanic and the platform devices, and \_S5. */
static void dsdt_body(struct aml *a, const struct vm_platform_dev *devs,
		      int nr)
{
	size_t scope, pkg;

	scope = aml_scope_open(a, "\\_SB");
	dsdt_com1(a);
	dsdt_pvpanic(a);
	for (int i = 0; i < nr; i++)
		dsdt_platform(a, &devs[i], i);
	aml_pkg_close(a, scope);

	/* SLP_TYPa, SLP_TYPb and two reserved values. */
	aml_name(a, "\\_S5");
	pkg = aml_package_open(a, 4);
	aml_integer(a, ACPI_S5_SLP_TYP);
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_pkg_close(a, pkg);
}

/* A device must be a valid ACPI id, 32-bit MMIO and an IOAPIC pin. */
static int check_dev(const struct vm_platform_dev *d, int i, char *err)
{
	size_t n = d->hid ? strlen(d->hid) : 0;

	if (n != 7 && n != 8)
		return fail(err, "platform device %d: _HID must be 7 or 8 "
			    "characters", i);
	for (size_t k = 0; k < n; k++)
		if (!((d->hid[k] >= 'A' && d->hid[k] <= 'Z') ||
		      (d->hid[k] >= '0' && d->hid[k] <= '9')))
			return fail(err, "platform device %d: _HID '%s' is not "
				    "an ACPI or PNP id", i, d->hid);
	if (d->len == 0 || d->base > UINT32_MAX ||
	    d->len > (uint64_t)UINT32_MAX + 1 - d->base)
		return fail(err, "platform device %d: MMIO 0x%llx+0x%llx is not "
			    "within 4 GiB", i, (unsigned long long)d->base,
			    (unsigned long long)d->len);
	if (d->gsi >= IOAPIC_PINS)
		return fail(err, "platform device %d: GSI %u is not an IOAPIC "
			    "pin (0-%d)", i, d->gsi, IOAPIC_PINS - 1);
	return 0;
}

static int check_input(uint64_t gpa, int nr_cpus,
		       const struct vm_platform_dev *devs, int nr, char *err)
{
	if (gpa & 15 || gpa > UINT32_MAX)
		return fail(err, "ACPI tables at 0x%llx: not 16-byte aligned "
			    "below 4 GiB", (unsigned long long)gpa);
	if (nr_cpus < 1 || nr_cpus > ACPI_MAX_CPUS)
		return fail(err, "ACPI describes 1-%d CPUs, not %d",
			    ACPI_MAX_CPUS, nr_cpus);
	if (nr < 0 || nr > VM_MAX_PLATFORM_DEVS || (nr && !devs))
		return fail(err, "ACPI describes at most %d platform devices, "
			    "not %d", VM_MAX_PLATFORM_DEVS, nr);
	for (int i = 0; i < nr; i++)
		if (check_dev(&devs[i], i, err) < 0)
			return -1;
	return 0;
}

static long build_dsdt(struct area *ar, const struct vm_platform_dev *devs,
		       int nr)
{
	long off = area_alloc(ar, HDR_LEN, "DSDT");
	struct aml a;

	if (off < 0)
		return -1;
	aml_init(&a, ar->buf + off + HDR_LEN, ar->cap - (size_t)off - HDR_LEN);
	dsdt_body(&a, devs, nr);
	if (aml_error(&a) == -ENOSPC)
		return fail(ar->err, "ACPI tables do not fit in %zu bytes (DSDT)",
			    ar->cap);
	if (aml_error(&a))
		return fail(ar->err, "invalid AML for the DSDT");
	if (HDR_LEN + a.len > UINT32_MAX)
		return fail(ar->err, "DSDT too large");
	ar->len += a.len;
	header(ar->buf + off, "DSDT", (uint32_t)(HDR_LEN + a.len), DSDT_REVISION);
	seal(ar->buf + off);
	return off;
}

long acpi_tables_build(uint8_t *buf, size_t cap, uint64_t gpa, int nr_cpus,
		       const struct vm_platform_dev *devs, int nr, char *err)
{
	struct area ar = { .buf = buf, .cap = cap, .err = err };
	size_t madt_len;
	long rsdp, xsdt, fadt, madt, dsdt;

	if (check_input(gpa, nr_cpus, devs, nr, err) < 0)
		return -1;
	madt_len = MADT_FIXED_LEN + (size_t)nr_cpus * MADT_LAPIC_LEN +
		   MADT_IOAPIC_LEN;
	if ((rsdp = area_alloc(&ar, RSDP_LEN, "RSDP")) < 0 ||
	    (xsdt = area_alloc(&ar, HDR_LEN + 8 * XSDT_ENTRIES, "XSDT")) < 0 ||
	    (fadt = area_alloc(&ar, FADT_LEN, "FADT")) < 0 ||
	    (madt = area_alloc(&ar, madt_len, "MADT")) < 0 ||
	    (dsdt = build_dsdt(&ar, devs, nr)) < 0)
		return -1;
	/* Every address fits in 32 bits: gpa and cap were checked. */
	if (ar.len > UINT32_MAX - gpa)
		return fail(err, "ACPI tables cross 4 GiB");

	build_fadt(buf + fadt, gpa + (uint64_t)dsdt);
	build_madt(buf + madt, madt_len, nr_cpus);
	header(buf + xsdt, "XSDT", HDR_LEN + 8 * XSDT_ENTRIES, XSDT_REVISION);
	put64(buf + xsdt + HDR_LEN, gpa + (uint64_t)fadt);
	put64(buf + xsdt + HDR_LEN + 8, gpa + (uint64_t)madt);
	seal(buf + xsdt);
	build_rsdp(buf + rsdp, gpa + (uint64_t)xsdt);
	return (long)ar.len;
}

int acpi_build(struct mem *m, int nr_cpus, const struct vm_platform_dev *devs,
	       int nr, char *err)
{
	size_t cap = ACPI_END - ACPI_BASE;
	uint8_t *buf = malloc(cap);
	long len;
	int ret = -1;

	if (!buf)
		return fail(err, "out of memory for the ACPI tables");
	len = acpi_tables_build(buf, cap, ACPI_BASE, nr_cpus, devs, nr, err);
	if (len < 0)
		goto out;
	if (mem_write(m, ACPI_BASE, buf, (uint64_t)len) < 0) {
		fail(err, "cannot write the ACPI tables at 0x%llx",
		     (unsigned long long)ACPI_BASE);
		goto out;
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

bool acpi_pm_is_poweroff(uint8_t value)
{
	return (value & ACPI_SLP_EN) &&
	       ((value & ACPI_SLP_TYP_MASK) >> ACPI_SLP_TYP_SHIFT) == ACPI_S5_SLP_TYP;
}
