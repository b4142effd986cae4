/* AML and resource-descriptor encoder; see aml.h. Opcodes: ACPI 6.5, 20.3. */
#include <errno.h>
#include <string.h>

#include "aml.h"

#define ZERO_OP		0x00
#define ONE_OP		0x01
#define NAME_OP		0x08
#define BYTE_PREFIX	0x0A
#define WORD_PREFIX	0x0B
#define DWORD_PREFIX	0x0C
#define STRING_PREFIX	0x0D
#define QWORD_PREFIX	0x0E
#define SCOPE_OP	0x10
#define BUFFER_OP	0x11
#define PACKAGE_OP	0x12
#define EXT_OP_PREFIX	0x5B
#define DEVICE_OP	0x82	/* after EXT_OP_PREFIX */
#define ROOT_CHAR	'\\'
#define DUAL_NAME_PREFIX  0x2E
#define MULTI_NAME_PREFIX 0x2F

/* Resource descriptors (6.4.2, 6.4.3). */
#define RES_IO			0x47	/* small item 0x08, length 7 */
#define RES_END_TAG		0x79	/* small item 0x0F, length 1 */
#define RES_MEMORY32_FIXED	0x86	/* large item 0x06 */
#define RES_EXT_INTERRUPT	0x89	/* large item 0x09 */
#define RES_IO_DECODE16		0x01
#define RES_MEM_WRITABLE	0x01
#define RES_INT_CONSUMER	0x01
#define RES_INT_EDGE		0x02	/* clear: level */
/* bit 2 active low and bit 3 shared stay clear: active high, exclusive */

#define NAMESEG_LEN	4
#define MAX_SEGS	255

void aml_init(struct aml *a, uint8_t *buf, size_t cap)
{
	*a = (struct aml){ .buf = buf, .cap = cap };
}

int aml_error(const struct aml *a)
{
	return a->error;
}

static void fail(struct aml *a, int err)
{
	if (!a->error)
		a->error = err;
}

static bool room(struct aml *a, size_t n)
{
	if (a->error)
		return false;
	if (n > a->cap - a->len) {
		fail(a, -ENOSPC);
		return false;
	}
	return true;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (!room(a, n))
		return;
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t v)
{
	aml_bytes(a, &v, 1);
}

static void put_le(struct aml *a, uint64_t v, int n)
{
	uint8_t b[8];

	for (int i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	aml_bytes(a, b, (size_t)n);
}

/*
 * One byte holds up to 63 in bits 0-5. Longer: bits 6-7 of the lead byte
 * count the bytes that follow, its bits 0-3 are the low nibble and each
 * following byte the next 8 bits.
 */
int aml_pkglen_encode(uint32_t value, uint8_t out[4])
{
	int follow;

	if (value <= 0x3F) {
		out[0] = (uint8_t)value;
		return 1;
	}
	if (value < (1U << 12))
		follow = 1;
	else if (value < (1U << 20))
		follow = 2;
	else if (value <= AML_PKGLEN_MAX)
		follow = 3;
	else
		return 0;
	out[0] = (uint8_t)((follow << 6) | (value & 0x0F));
	for (int i = 1; i <= follow; i++)
		out[i] = (uint8_t)(value >> (4 + 8 * (i - 1)));
	return follow + 1;
}

/* The largest value a PkgLength of 1, 2, 3 and 4 bytes holds. */
static const uint64_t pkglen_limit[] = { 0, 0x3F, 0xFFF, 0xFFFFF,
					 AML_PKGLEN_MAX };

size_t aml_pkg_open(struct aml *a)
{
	return a->len;
}

void aml_pkg_close(struct aml *a, size_t mark)
{
	size_t body;
	uint8_t enc[4];
	int n = 0;

	if (a->error)
		return;
	if (mark > a->len) {
		fail(a, -EINVAL);
		return;
	}
	body = a->len - mark;
	/* The length counts its own bytes: take the fewest that hold it. */
	for (int k = 1; k <= 4 && !n; k++)
		if (body + (size_t)k <= pkglen_limit[k])
			n = aml_pkglen_encode((uint32_t)(body + (size_t)k), enc);
	if (!n) {
		fail(a, -ENOSPC);
		return;
	}
	if (!room(a, (size_t)n))
		return;
	memmove(a->buf + mark + n, a->buf + mark, body);
	memcpy(a->buf + mark, enc, (size_t)n);
	a->len += (size_t)n;
}

static bool nameseg_char(char c, bool lead)
{
	if (c == '_' || (c >= 'A' && c <= 'Z'))
		return true;
	return !lead && c >= '0' && c <= '9';
}

/* One segment of up to 4 characters starting at p; returns its length. */
static size_t nameseg(struct aml *a, const char *p, uint8_t seg[NAMESEG_LEN])
{
	size_t n = 0;

	while (p[n] && p[n] != '.') {
		if (n == NAMESEG_LEN || !nameseg_char(p[n], n == 0)) {
			fail(a, -EINVAL);
			return 0;
		}
		seg[n] = (uint8_t)p[n];
		n++;
	}
	if (n == 0)
		fail(a, -EINVAL);
	for (size_t i = n; i < NAMESEG_LEN; i++)
		seg[i] = '_';
	return n;
}

void aml_namestring(struct aml *a, const char *path)
{
	uint8_t segs[MAX_SEGS][NAMESEG_LEN];
	size_t nsegs = 0;
	const char *p = path;

	if (a->error)
		return;
	if (*p == ROOT_CHAR)
		p++;
	for (;;) {
		size_t n;

		if (nsegs == MAX_SEGS) {
			fail(a, -EINVAL);
			return;
		}
		n = nameseg(a, p, segs[nsegs]);
		if (a->error)
			return;
		nsegs++;
		p += n;
		if (!*p)
			break;
		p++;		/* the '.' */
	}
	if (*path == ROOT_CHAR)
		aml_byte(a, ROOT_CHAR);
	if (nsegs == 2)
		aml_byte(a, DUAL_NAME_PREFIX);
	else if (nsegs > 2) {
		aml_byte(a, MULTI_NAME_PREFIX);
		aml_byte(a, (uint8_t)nsegs);
	}
	aml_bytes(a, segs, nsegs * NAMESEG_LEN);
}

void aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0)
		aml_byte(a, ZERO_OP);
	else if (v == 1)
		aml_byte(a, ONE_OP);
	else if (v <= 0xFF) {
		aml_byte(a, BYTE_PREFIX);
		put_le(a, v, 1);
	} else if (v <= 0xFFFF) {
		aml_byte(a, WORD_PREFIX);
		put_le(a, v, 2);
	} else if (v <= 0xFFFFFFFF) {
		aml_byte(a, DWORD_PREFIX);
		put_le(a, v, 4);
	} else {
		aml_byte(a, QWORD_PREFIX);
		put_le(a, v, 8);
	}
}

void aml_string(struct aml *a, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] > 0x7F) {
			fail(a, -EINVAL);
			return;
		}
	if (!room(a, n + 2))
		return;
	aml_byte(a, STRING_PREFIX);
	aml_bytes(a, s, n + 1);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Three letters of 5 bits each (A = 1) in bits 14-0 of a big-endian
 * 16-bit word, then four hex digits, big-endian too; the bytes in that
 * order are the little-endian DWord (6.1.5).
 */
void aml_eisaid(struct aml *a, const char *id)
{
	uint8_t b[4];
	uint16_t letters = 0;

	if (strlen(id) != 7) {
		fail(a, -EINVAL);
		return;
	}
	for (int i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			fail(a, -EINVAL);
			return;
		}
		letters = (uint16_t)((letters << 5) | (id[i] - 'A' + 1));
	}
	b[0] = (uint8_t)(letters >> 8);
	b[1] = (uint8_t)letters;
	for (int i = 0; i < 2; i++) {
		int hi = hexval(id[3 + 2 * i]), lo = hexval(id[4 + 2 * i]);

		if (hi < 0 || lo < 0) {
			fail(a, -EINVAL);
			return;
		}
		b[2 + i] = (uint8_t)(hi << 4 | lo);
	}
	aml_byte(a, DWORD_PREFIX);
	aml_bytes(a, b, sizeof(b));
}

void aml_buffer(struct aml *a, const uint8_t *data, size_t n)
{
	size_t mark;

	aml_byte(a, BUFFER_OP);
	mark = aml_pkg_open(a);
	aml_integer(a, n);
	aml_bytes(a, data, n);
	aml_pkg_close(a, mark);
}

void aml_name(struct aml *a, const char *path)
{
	aml_byte(a, NAME_OP);
	aml_namestring(a, path);
}

/* The PkgLength goes between the opcode and the name. */
size_t aml_scope_open(struct aml *a, const char *path)
{
	size_t mark;

	aml_byte(a, SCOPE_OP);
	mark = aml_pkg_open(a);
	aml_namestring(a, path);
	return mark;
}

size_t aml_device_open(struct aml *a, const char *path)
{
	size_t mark;

	aml_byte(a, EXT_OP_PREFIX);
	aml_byte(a, DEVICE_OP);
	mark = aml_pkg_open(a);
	aml_namestring(a, path);
	return mark;
}

size_t aml_package_open(struct aml *a, uint8_t n)
{
	size_t mark;

	aml_byte(a, PACKAGE_OP);
	mark = aml_pkg_open(a);
	aml_byte(a, n);
	return mark;
}

/* IO(Decode16, base, base, 1, len): a fixed range. */
void aml_res_io(struct aml *r, uint16_t base, uint8_t len)
{
	aml_byte(r, RES_IO);
	aml_byte(r, RES_IO_DECODE16);
	put_le(r, base, 2);		/* minimum */
	put_le(r, base, 2);		/* maximum */
	aml_byte(r, 1);			/* alignment */
	aml_byte(r, len);
}

void aml_res_memory32_fixed(struct aml *r, bool writable, uint32_t base,
			    uint32_t len)
{
	aml_byte(r, RES_MEMORY32_FIXED);
	put_le(r, 9, 2);		/* length of what follows */
	aml_byte(r, writable ? RES_MEM_WRITABLE : 0);
	put_le(r, base, 4);
	put_le(r, len, 4);
}

void aml_res_interrupt(struct aml *r, uint32_t gsi)
{
	aml_byte(r, RES_EXT_INTERRUPT);
	put_le(r, 6, 2);		/* flags, count, one interrupt */
	aml_byte(r, RES_INT_CONSUMER | RES_INT_EDGE);
	aml_byte(r, 1);
	put_le(r, gsi, 4);
}

void aml_res_end(struct aml *r)
{
	uint8_t sum = RES_END_TAG;

	if (r->error)
		return;
	for (size_t i = 0; i < r->len; i++)
		sum = (uint8_t)(sum + r->buf[i]);
	aml_byte(r, RES_END_TAG);
	aml_byte(r, (uint8_t)-sum);
}
