/*
 * The snapshot file (docs/SNAPSHOT.md): a header, a table of sections
 * with sizes and CRC-32s, the sections, and guest RAM last at a
 * page-aligned offset so that a restore maps it instead of reading it.
 * Pure code: no KVM, no file I/O; the parser trusts nothing in the file.
 */
#ifndef HVRUN_SNAPSHOT_FORMAT_H
#define HVRUN_SNAPSHOT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "../board.h"

#define SNAP_MAGIC		"HVRUNSNP"
#define SNAP_VERSION		1
#define SNAP_PAGE		4096ULL
#define SNAP_MAX_SECTIONS	96
#define SNAP_NAME_LEN		16
#define SNAP_ERRLEN		160
/* Largest non-RAM section: a vCPU's XSAVE area and MSRs fit many times. */
#define SNAP_MAX_SECTION	(1ULL << 20)

enum snap_type {
	SNAP_MACHINE = 1,	/* struct snap_machine */
	SNAP_CPUID = 2,		/* the host's KVM CPUID: kvm_cpuid_entry2[] */
	SNAP_VCPU = 3,		/* one vCPU (id = its index): vcpu/state.c */
	SNAP_DEVICE = 4,	/* one device's hook (name = the device) */
	SNAP_KVM = 5,		/* in-kernel irqchip, PIT, clock */
	SNAP_PV = 6,		/* the PV state (hypercall/) */
	SNAP_RAM = 7,		/* guest RAM, page-aligned, not checksummed */
	SNAP_TYPES
};

/* On disk, little-endian, 64 bytes, at offset 0. */
struct snap_header {
	char magic[8];
	uint32_t version;
	uint32_t nr_sections;
	char hvrun_version[32];
	uint32_t table_crc;	/* CRC-32 of the section table */
	uint32_t reserved[3];
};

/* On disk, 48 bytes each, right after the header. */
struct snap_section {
	uint32_t type;
	uint32_t id;
	uint64_t offset;
	uint64_t size;
	uint32_t crc;		/* CRC-32 of the bytes; 0 for SNAP_RAM */
	uint32_t reserved;
	char name[SNAP_NAME_LEN];	/* NUL-padded; device sections */
};
_Static_assert(sizeof(struct snap_header) == 64, "header layout");
_Static_assert(sizeof(struct snap_section) == 48, "section layout");

/* What makes the machine: a restore builds this one, not the options'. */
struct snap_machine {
	uint32_t image_kind;		/* enum image_kind */
	uint32_t ncpus;
	uint64_t mem_size;
	uint32_t irqchip;		/* enum irqchip_mode, never AUTO */
	uint32_t nr_disks;
	uint64_t disk_size[BOARD_MAX_DISKS];
	uint32_t nr_nets;
	uint32_t virtio_console;
	uint64_t cpu_drop[4];
	uint32_t pv_abi;
	uint32_t pv_vmcall;		/* PV: vmcall page, else the doorbell */
	uint64_t started;		/* bit i: vCPU i's thread ran */
};

/* The parsed table: offsets and sizes validated against file_size. */
struct snap_index {
	struct snap_header hdr;
	struct snap_section sec[SNAP_MAX_SECTIONS];
	int nr;
};

/* CRC-32 (zlib's). */
uint32_t snap_crc(const void *p, size_t len);

/*
 * Parse the header and section table at the start of a file of
 * file_size bytes (buf holds its first len bytes). Checks the magic,
 * version, table CRC, every section's bounds (inside the file, past the
 * table, no two overlapping, at most SNAP_MAX_SECTION bytes but RAM,
 * RAM page-aligned). 0, or -1 with err filled.
 */
int snap_parse(const uint8_t *buf, size_t len, uint64_t file_size,
	       struct snap_index *ix, char *err);

/* The first section of type (and id, for SNAP_VCPU; -1: any), or NULL. */
const struct snap_section *snap_find(const struct snap_index *ix,
				     uint32_t type, int64_t id);

/* data is section s's bytes: do they match its CRC? 0 or -1 (err). */
int snap_check(const struct snap_section *s, const void *data, char *err);

/* A SNAP_MACHINE section's bytes: 0 and *m, or -1 (err). */
int snap_machine_decode(const void *data, uint64_t size,
			struct snap_machine *m, char *err);

/* Bytes from offset 0 to the first section (header + table), rounded up
 * to 64. */
uint64_t snap_table_size(int nr_sections);

#endif
