/*
 * fdt.c - a minimal, read-only walker of the flattened device tree (format
 * version 17, as hvrun writes it with libfdt). It only finds a node by its
 * full path and a property of that node: all a PV guest needs to read the
 * nodes of hvrun/abi.h. Everything is big-endian; every read is checked
 * against the structure or strings block, which are checked against
 * totalsize, so a damaged tree yields "not found" rather than a wild read.
 */
#include "hv.h"

#define FDT_MAGIC	0xd00dfeedU
#define FDT_BEGIN_NODE	1
#define FDT_END_NODE	2
#define FDT_PROP	3
#define FDT_NOP		4
#define FDT_END		9

/* Header field indexes, in 32-bit words. */
enum { H_MAGIC, H_TOTALSIZE, H_OFF_STRUCT, H_OFF_STRINGS, H_OFF_RSVMAP,
       H_VERSION, H_LAST_COMP, H_BOOT_CPUID, H_SIZE_STRINGS, H_SIZE_STRUCT,
       H_WORDS };

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static uint32_t hdr(const void *fdt, int field)
{
	return be32((const uint8_t *)fdt + 4 * field);
}

int hv_fdt_check(const void *fdt)
{
	uint32_t total, off, size;

	if (!fdt || hdr(fdt, H_MAGIC) != FDT_MAGIC)
		return -1;
	total = hdr(fdt, H_TOTALSIZE);
	if (total < 4 * H_WORDS || hdr(fdt, H_LAST_COMP) > 17 ||
	    hdr(fdt, H_VERSION) < 17)
		return -1;
	off = hdr(fdt, H_OFF_STRUCT);
	size = hdr(fdt, H_SIZE_STRUCT);
	if ((off & 3) || off > total || size > total - off)
		return -1;
	off = hdr(fdt, H_OFF_STRINGS);
	size = hdr(fdt, H_SIZE_STRINGS);
	if (off > total || size > total - off)
		return -1;
	return 0;
}

static const uint8_t *struct_base(const void *fdt)
{
	return (const uint8_t *)fdt + hdr(fdt, H_OFF_STRUCT);
}

/* Length of the NUL-terminated string at s, or -1 if none within max. */
static long bounded_strlen(const uint8_t *s, uint32_t max)
{
	for (uint32_t i = 0; i < max; i++)
		if (!s[i])
			return i;
	return -1;
}

/*
 * The token at off: its tag, and the offset of the next token. For
 * FDT_BEGIN_NODE the name follows the tag; for FDT_PROP the length and
 * name offset. Returns -1 on anything that would leave the block.
 */
static int next_token(const void *fdt, uint32_t off, uint32_t *tag,
		      uint32_t *next)
{
	const uint8_t *s = struct_base(fdt);
	uint32_t size = hdr(fdt, H_SIZE_STRUCT);
	uint32_t len;
	long n;

	if (off > size || size - off < 4)
		return -1;
	*tag = be32(s + off);
	off += 4;
	switch (*tag) {
	case FDT_BEGIN_NODE:
		n = bounded_strlen(s + off, size - off);
		if (n < 0)
			return -1;
		off += (uint32_t)n + 1;
		break;
	case FDT_PROP:
		if (size - off < 8)
			return -1;
		len = be32(s + off);
		off += 8;
		if (len > size - off)
			return -1;
		off += len;
		break;
	case FDT_END_NODE:
	case FDT_NOP:
	case FDT_END:
		break;
	default:
		return -1;
	}
	*next = (off + 3) & ~3U;
	return 0;
}

/* Does path component [c, c+clen) name this node? */
static int name_matches(const char *name, const char *c, size_t clen)
{
	return strncmp(name, c, clen) == 0 && name[clen] == '\0';
}

int hv_fdt_path_offset(const void *fdt, const char *path)
{
	const uint8_t *s;
	uint32_t off = 0, next, tag;
	int depth = -1, matched = 0;	/* components matched: depth reached */
	const char *c;
	size_t clen;

	if (hv_fdt_check(fdt) < 0 || !path || path[0] != '/')
		return -1;
	s = struct_base(fdt);
	c = path + 1;
	for (;;) {
		while (*c == '/')
			c++;
		for (clen = 0; c[clen] && c[clen] != '/'; clen++)
			;
		if (next_token(fdt, off, &tag, &next) < 0)
			return -1;
		switch (tag) {
		case FDT_BEGIN_NODE:
			depth++;
			if (depth == 0 && clen == 0)
				return (int)off;	/* "/" itself */
			if (depth == matched + 1 &&
			    name_matches((const char *)s + off + 4, c, clen)) {
				matched++;
				c += clen;
				while (*c == '/')
					c++;
				if (!*c)
					return (int)off;
			}
			break;
		case FDT_END_NODE:
			/* Leaving the deepest matched node: the next
			 * component is not among its children. */
			if (depth == matched)
				return -1;
			depth--;
			break;
		case FDT_END:
			return -1;
		}
		off = next;
	}
}

const void *hv_fdt_getprop(const void *fdt, int node, const char *name,
			   int *lenp)
{
	const uint8_t *s, *strings;
	uint32_t off, next, tag, len, nameoff, strsize;

	if (node < 0 || hv_fdt_check(fdt) < 0)
		return NULL;
	s = struct_base(fdt);
	strings = (const uint8_t *)fdt + hdr(fdt, H_OFF_STRINGS);
	strsize = hdr(fdt, H_SIZE_STRINGS);
	if (next_token(fdt, (uint32_t)node, &tag, &next) < 0 ||
	    tag != FDT_BEGIN_NODE)
		return NULL;
	/* Properties come before any subnode. */
	for (off = next; next_token(fdt, off, &tag, &next) == 0; off = next) {
		if (tag == FDT_NOP)
			continue;
		if (tag != FDT_PROP)
			return NULL;
		len = be32(s + off + 4);
		nameoff = be32(s + off + 8);
		if (nameoff >= strsize ||
		    bounded_strlen(strings + nameoff, strsize - nameoff) < 0)
			return NULL;
		if (strcmp((const char *)strings + nameoff, name) == 0) {
			if (lenp)
				*lenp = (int)len;
			return s + off + 12;
		}
	}
	return NULL;
}

static const void *prop_at(const void *fdt, const char *path,
			   const char *name, int *lenp)
{
	return hv_fdt_getprop(fdt, hv_fdt_path_offset(fdt, path), name, lenp);
}

int hv_fdt_u32(const void *fdt, const char *path, const char *name,
	       uint32_t *out)
{
	int len;
	const void *p = prop_at(fdt, path, name, &len);

	if (!p || len != 4)
		return -1;
	*out = be32(p);
	return 0;
}

int hv_fdt_u64(const void *fdt, const char *path, const char *name,
	       uint64_t *out)
{
	int len;
	const uint8_t *p = prop_at(fdt, path, name, &len);

	if (!p || len != 8)
		return -1;
	*out = (uint64_t)be32(p) << 32 | be32(p + 4);
	return 0;
}

const char *hv_fdt_string(const void *fdt, const char *path, const char *name)
{
	int len;
	const char *p = prop_at(fdt, path, name, &len);

	if (!p || len < 1 || p[len - 1] != '\0')
		return NULL;
	return p;
}

int hv_fdt_has(const void *fdt, const char *path, const char *name)
{
	return prop_at(fdt, path, name, NULL) != NULL;
}
