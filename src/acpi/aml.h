/*
 * A small encoder for ACPI Machine Language (ACPI 6.5, chapter 20) and
 * resource descriptors (section 6.4): just what a DSDT describing
 * devices by name needs. No methods.
 *
 * Every emitter appends to a bounded buffer. The first error (no room,
 * or an invalid name or string) is latched in aml->error and later calls
 * do nothing, so a builder checks once, at the end, with aml_error().
 * Nothing is ever silently truncated.
 */
#ifndef HVRUN_ACPI_AML_H
#define HVRUN_ACPI_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aml {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int error;		/* 0, -ENOSPC or -EINVAL */
};

/* Largest PkgLength value: 28 bits. */
#define AML_PKGLEN_MAX	((1U << 28) - 1)

void aml_init(struct aml *a, uint8_t *buf, size_t cap);
int aml_error(const struct aml *a);

void aml_byte(struct aml *a, uint8_t v);
void aml_bytes(struct aml *a, const void *p, size_t n);

/*
 * Encode PkgLength value `value` (it counts its own bytes, so a builder
 * picks it with aml_pkg_close) into out[] in the fewest bytes; returns
 * that number (1-4), or 0 when value exceeds AML_PKGLEN_MAX.
 */
int aml_pkglen_encode(uint32_t value, uint8_t out[4]);

/*
 * Packages with a PkgLength (Scope, Device, Package, Buffer): open returns
 * a mark where the contents start; close inserts the PkgLength there,
 * sized for everything emitted since.
 */
size_t aml_pkg_open(struct aml *a);
void aml_pkg_close(struct aml *a, size_t mark);

/*
 * NameString: an optional leading '\', then 1-4 character segments joined
 * by '.', e.g. "\\_SB.COM1" or "_HID". Short segments are padded with '_'.
 */
void aml_namestring(struct aml *a, const char *path);

/* Integer with the shortest encoding: ZeroOp, OneOp or a prefix. */
void aml_integer(struct aml *a, uint64_t v);
/* String of ASCII 0x01-0x7F. */
void aml_string(struct aml *a, const char *s);
/* A compressed EISA id ("PNP0501") as a DWord integer. */
void aml_eisaid(struct aml *a, const char *id);
/* Buffer holding the given bytes. */
void aml_buffer(struct aml *a, const uint8_t *data, size_t n);

/* Name(path, ...): the caller emits the object next. */
void aml_name(struct aml *a, const char *path);

/* Scope(path) { ... } and Device(path) { ... }: close with aml_pkg_close. */
size_t aml_scope_open(struct aml *a, const char *path);
size_t aml_device_open(struct aml *a, const char *path);
/* Package(n) { ... }: emit n objects, then aml_pkg_close. */
size_t aml_package_open(struct aml *a, uint8_t n);

/*
 * Resource descriptors, appended to a separate struct aml that holds the
 * ResourceTemplate; aml_res_end adds the end tag with a checksum that
 * makes the template's bytes sum to zero. aml_buffer then emits it.
 */
void aml_res_io(struct aml *r, uint16_t base, uint8_t len);	/* Decode16, fixed */
void aml_res_memory32_fixed(struct aml *r, bool writable, uint32_t base,
			    uint32_t len);
/* Interrupt(ResourceConsumer, Edge, ActiveHigh, Exclusive) { gsi } */
void aml_res_interrupt(struct aml *r, uint32_t gsi);
void aml_res_end(struct aml *r);

#endif
