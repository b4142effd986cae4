/* The snapshot file's header and section table: see format.h. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "format.h"

uint32_t snap_crc(const void *p, size_t len)
{
	uLong c = crc32(0L, Z_NULL, 0);

	/* zlib takes uInt lengths: feed big buffers in pieces. */
	while (len) {
		uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;

		c = crc32(c, p, n);
		p = (const uint8_t *)p + n;
		len -= n;
	}
	return (uint32_t)c;
}

uint64_t snap_table_size(int nr_sections)
{
	uint64_t n = sizeof(struct snap_header) +
		     (uint64_t)nr_sections * sizeof(struct snap_section);

	return (n + 63) & ~63ULL;
}

static int fail(char *err, const char *msg, unsigned i)
{
	snprintf(err, SNAP_ERRLEN, msg, i);
	return -1;
}

/* Section i's bounds, alone and against the sections before it. */
static int check_bounds(const struct snap_index *ix, int i, uint64_t start,
			uint64_t file_size, char *err)
{
	const struct snap_section *s = &ix->sec[i];

	if (s->type == 0 || s->type >= SNAP_TYPES)
		return fail(err, "section %u has an unknown type", (unsigned)i);
	if (s->offset < start || s->offset > file_size ||
	    s->size > file_size - s->offset)
		return fail(err, "section %u lies outside the file", (unsigned)i);
	if (s->type == SNAP_RAM) {
		if (s->offset % SNAP_PAGE || s->size % SNAP_PAGE || !s->size)
			return fail(err, "section %u (RAM) is not page-aligned",
				    (unsigned)i);
	} else if (s->size > SNAP_MAX_SECTION) {
		return fail(err, "section %u is too large", (unsigned)i);
	}
	if (memchr(s->name, 0, sizeof(s->name)) == NULL)
		return fail(err, "section %u's name is not terminated",
			    (unsigned)i);
	for (int j = 0; j < i; j++) {
		const struct snap_section *o = &ix->sec[j];

		if (s->size && o->size && s->offset < o->offset + o->size &&
		    o->offset < s->offset + s->size)
			return fail(err, "sections %u overlap", (unsigned)i);
	}
	return 0;
}

int snap_parse(const uint8_t *buf, size_t len, uint64_t file_size,
	       struct snap_index *ix, char *err)
{
	uint64_t table;

	memset(ix, 0, sizeof(*ix));
	if (len > file_size)
		len = (size_t)file_size;
	if (len < sizeof(ix->hdr))
		return fail(err, "too short for a snapshot header (%u bytes)",
			    (unsigned)len);
	memcpy(&ix->hdr, buf, sizeof(ix->hdr));
	if (memcmp(ix->hdr.magic, SNAP_MAGIC, sizeof(ix->hdr.magic)))
		return fail(err, "not an hvrun snapshot (bad magic)%.0u", 0);
	if (ix->hdr.version != SNAP_VERSION)
		return fail(err, "snapshot format version %u is not supported "
			    "(this hvrun reads version 1)", ix->hdr.version);
	if (ix->hdr.nr_sections > SNAP_MAX_SECTIONS)
		return fail(err, "too many sections (%u)", ix->hdr.nr_sections);
	if (!memchr(ix->hdr.hvrun_version, 0, sizeof(ix->hdr.hvrun_version)))
		return fail(err, "the hvrun version is not terminated%.0u", 0);
	ix->nr = (int)ix->hdr.nr_sections;
	table = snap_table_size(ix->nr);
	if (len < table)
		return fail(err, "truncated: the section table needs %u bytes",
			    (unsigned)table);
	memcpy(ix->sec, buf + sizeof(ix->hdr),
	       (size_t)ix->nr * sizeof(ix->sec[0]));
	if (snap_crc(ix->sec, (size_t)ix->nr * sizeof(ix->sec[0])) !=
	    ix->hdr.table_crc)
		return fail(err, "the section table's checksum does not match%.0u", 0);
	for (int i = 0; i < ix->nr; i++)
		if (check_bounds(ix, i, table, file_size, err) < 0)
			return -1;
	return 0;
}

const struct snap_section *snap_find(const struct snap_index *ix,
				     uint32_t type, int64_t id)
{
	for (int i = 0; i < ix->nr; i++)
		if (ix->sec[i].type == type &&
		    (id < 0 || ix->sec[i].id == (uint64_t)id))
			return &ix->sec[i];
	return NULL;
}

int snap_check(const struct snap_section *s, const void *data, char *err)
{
	if (s->type == SNAP_RAM || snap_crc(data, s->size) == s->crc)
		return 0;
	return fail(err, "section type %u: checksum mismatch (corrupted)",
		    s->type);
}

int snap_machine_decode(const void *data, uint64_t size,
			struct snap_machine *m, char *err)
{
	if (size != sizeof(*m))
		return fail(err, "the machine section has %u bytes",
			    (unsigned)size);
	memcpy(m, data, sizeof(*m));
	if (m->ncpus == 0 || m->ncpus > 64)
		return fail(err, "the snapshot records %u vCPUs", m->ncpus);
	if (m->mem_size < (1ULL << 20) || m->mem_size > (1ULL << 40) ||
	    m->mem_size % SNAP_PAGE)
		return fail(err, "the snapshot's memory size is invalid%.0u", 0);
	if (m->nr_disks > BOARD_MAX_DISKS)
		return fail(err, "the snapshot records %u disks", m->nr_disks);
	if (m->nr_nets > BOARD_MAX_NETS)
		return fail(err, "the snapshot records %u networks", m->nr_nets);
	if ((m->ncpus < 64 && (m->started >> m->ncpus)) || !(m->started & 1))
		return fail(err, "the snapshot's running vCPUs are invalid%.0u", 0);
	return 0;
}
