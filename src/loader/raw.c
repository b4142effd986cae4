/*
 * Raw images: copied verbatim and entered in real mode, like a boot sector.
 * They run without hvrun's GDT or page tables, so the reserved pages are
 * theirs to overwrite.
 */
#include <stdio.h>
#include <string.h>

#include "loader.h"

#define REAL_MODE_LIMIT (1ULL << 20)

int load_raw(struct mem *m, const uint8_t *img, size_t len,
	     const struct load_opts *opts, struct boot_state *bs, char *err)
{
	uint64_t load = opts->has_load ? opts->load_addr : RAW_DEFAULT_LOAD;
	uint64_t entry = opts->has_entry ? opts->entry_addr : load;
	uint16_t cs;

	if (len == 0)
		return loader_fail(err, "image is empty");
	if (entry >= REAL_MODE_LIMIT)
		return loader_fail(err, "raw image entry 0x%llx is not below 1 MiB, "
				   "out of real mode's reach",
				   (unsigned long long)entry);
	if (mem_write(m, load, img, len) < 0)
		return loader_fail(err, "raw image (%zu bytes at 0x%llx) does not fit "
				   "in guest RAM (%llu KiB)", len,
				   (unsigned long long)load,
				   (unsigned long long)(m->ram_size >> 10));

	/* CS is the base of entry's 64 KiB block, so IP fits 16 bits. */
	cs = (uint16_t)((entry >> 4) & 0xF000);
	*bs = (struct boot_state){
		.mode = MODE_REAL,
		.real_cs = cs,
		.rip = entry - (uint64_t)cs * 16,
		.rsp = 0,
	};
	return 0;
}

/* A boot sector, or any file with --load or --entry (loader_kind). */
static bool probe_raw(const uint8_t *img, size_t len)
{
	return loader_boot_signature(img, len);
}

const struct loader_format loader_raw = {
	.kind = IMAGE_RAW, .name = "raw", .order = 60,
	.probe = probe_raw, .load = load_raw,
	.takes = LOAD_TAKES_ADDR,
	.profile = { .devices = true },
};
