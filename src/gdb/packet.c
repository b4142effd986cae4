/* GDB remote protocol framing and encodings; see packet.h. */
#include <string.h>

#include "packet.h"

static const char hexdigits[] = "0123456789abcdef";

void gdb_rx_init(struct gdb_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

int gdb_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static enum gdb_rx_event rx_idle(struct gdb_rx *rx, uint8_t c)
{
	switch (c) {
	case '$':
		rx->state = GDB_RX_DATA;
		rx->len = 0;
		rx->sum = 0;
		rx->want = 0;
		rx->bad_digit = false;
		return GDB_RX_NONE;
	case 0x03:
		return GDB_RX_INTERRUPT;
	case '+':
		return GDB_RX_ACK;
	case '-':
		return GDB_RX_NAK;
	}
	return GDB_RX_NONE;	/* line noise between packets */
}

enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c)
{
	int v;

	switch (rx->state) {
	case GDB_RX_IDLE:
		return rx_idle(rx, c);
	case GDB_RX_DATA:
		if (c == '#') {
			rx->state = GDB_RX_SUM1;
			return GDB_RX_NONE;
		}
		/* '$' cannot occur unescaped in a payload: the sender restarted. */
		if (c == '$')
			return rx_idle(rx, c);
		if (rx->len == GDB_MAX_PACKET) {
			rx->state = GDB_RX_IDLE;
			return GDB_RX_OVERFLOW;
		}
		rx->buf[rx->len++] = (char)c;
		rx->sum += c;
		return GDB_RX_NONE;
	case GDB_RX_SUM1:
	case GDB_RX_SUM2:
		v = gdb_hexval(c);
		if (v < 0)
			rx->bad_digit = true;
		rx->want = (uint8_t)(rx->want << 4 | (v < 0 ? 0 : v));
		if (rx->state == GDB_RX_SUM1) {
			rx->state = GDB_RX_SUM2;
			return GDB_RX_NONE;
		}
		rx->state = GDB_RX_IDLE;
		rx->buf[rx->len] = '\0';
		if (rx->bad_digit || rx->want != rx->sum)
			return GDB_RX_BADSUM;
		return GDB_RX_PACKET;
	}
	rx->state = GDB_RX_IDLE;
	return GDB_RX_NONE;
}

uint8_t gdb_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum;
}

static bool needs_escape(uint8_t c)
{
	return c == '$' || c == '#' || c == '}' || c == '*';
}

size_t gdb_frame(char *dst, size_t dst_size, const void *payload, size_t len)
{
	const uint8_t *p = payload;
	size_t n = 0;
	uint8_t sum = 0;

	/* '$' + worst case two bytes per input byte + '#xx'. */
	if (dst_size < 4)
		return 0;
	dst[n++] = '$';
	for (size_t i = 0; i < len; i++) {
		if (n + (needs_escape(p[i]) ? 2 : 1) + 3 > dst_size)
			return 0;
		if (needs_escape(p[i])) {
			dst[n++] = '}';
			sum += '}';
			dst[n++] = (char)(p[i] ^ 0x20);
			sum += p[i] ^ 0x20;
		} else {
			dst[n++] = (char)p[i];
			sum += p[i];
		}
	}
	dst[n++] = '#';
	dst[n++] = hexdigits[sum >> 4];
	dst[n++] = hexdigits[sum & 15];
	return n;
}

long gdb_unescape(uint8_t *buf, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (buf[i] != '}') {
			buf[o++] = buf[i];
			continue;
		}
		if (++i == len)
			return -1;
		buf[o++] = buf[i] ^ 0x20;
	}
	return (long)o;
}

int gdb_hex_decode(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = gdb_hexval((unsigned char)hex[2 * i]);
		int lo = hi < 0 ? -1 : gdb_hexval((unsigned char)hex[2 * i + 1]);

		if (lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void gdb_hex_encode(char *dst, const void *src, size_t n)
{
	const uint8_t *p = src;

	for (size_t i = 0; i < n; i++) {
		*dst++ = hexdigits[p[i] >> 4];
		*dst++ = hexdigits[p[i] & 15];
	}
	*dst = '\0';
}

int gdb_parse_hex(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int n = 0, d;

	while ((d = gdb_hexval((unsigned char)*s)) >= 0) {
		if (++n > 16)
			return -1;
		v = v << 4 | (uint64_t)d;
		s++;
	}
	if (!n)
		return -1;
	*out = v;
	*p = s;
	return 0;
}

int gdb_parse_addr_len(const char *s, char end, uint64_t *addr,
		       uint64_t *len, const char **rest)
{
	if (gdb_parse_hex(&s, addr) < 0 || *s++ != ',' ||
	    gdb_parse_hex(&s, len) < 0 || *s != end)
		return -1;
	if (rest)
		*rest = end ? s + 1 : s;
	return 0;
}

int gdb_parse_break(const char *s, int *type, uint64_t *addr, uint64_t *kind)
{
	if (*s < '0' || *s > '4' || s[1] != ',')
		return -1;
	*type = *s - '0';
	s += 2;
	if (gdb_parse_hex(&s, addr) < 0 || *s++ != ',' ||
	    gdb_parse_hex(&s, kind) < 0 || (*s && *s != ';'))
		return -1;
	return 0;
}

int gdb_parse_thread(const char *s, long *tid, const char **rest)
{
	uint64_t v;

	if (s[0] == '-' && s[1] == '1') {
		*tid = -1;
		s += 2;
	} else {
		if (gdb_parse_hex(&s, &v) < 0 || v > 0x7fffffff)
			return -1;
		*tid = (long)v;
	}
	if (rest)
		*rest = s;
	return 0;
}
