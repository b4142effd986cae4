/*
 * libFuzzer harness: the GDB remote protocol's packet parser
 * (src/gdb/packet.c). The input is a byte stream from a hostile client:
 * every byte goes through gdb_rx_byte, and every complete packet through
 * the argument parsers a stub would use. Then the input as a payload must
 * survive gdb_frame -> gdb_rx_byte -> gdb_unescape unchanged, and hex
 * encoding must round-trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct gdb_rx rx;
static char framed[2 * GDB_MAX_PACKET + 8];
static char hex[2 * GDB_MAX_PACKET + 1];
static uint8_t bytes[GDB_MAX_PACKET];

static void parse_packet(const char *s, size_t len)
{
	const char *rest;
	uint64_t a, l, k;
	long tid;
	int type;

	(void)gdb_parse_addr_len(s, '\0', &a, &l, &rest);
	(void)gdb_parse_addr_len(s + (len > 0), ':', &a, &l, &rest);
	(void)gdb_parse_break(s + (len > 0), &type, &a, &k);
	(void)gdb_parse_thread(s + (len > 1 ? 2 : len), &tid, &rest);
	rest = s + (len > 0);
	(void)gdb_parse_hex(&rest, &a);
	/* As a G/M/X body: hex digits, and binary with escapes. */
	(void)gdb_hex_decode(s, bytes, len / 2);
	memcpy(bytes, s, len);
	(void)gdb_unescape(bytes, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n, plen = size < GDB_MAX_PACKET / 2 ? size : GDB_MAX_PACKET / 2;
	enum gdb_rx_event ev = GDB_RX_NONE;
	int packets = 0;
	long u;

	/* 1. The stream. */
	gdb_rx_init(&rx);
	for (size_t i = 0; i < size; i++) {
		if (gdb_rx_byte(&rx, data[i]) == GDB_RX_PACKET) {
			if (rx.len > GDB_MAX_PACKET || rx.buf[rx.len] != '\0')
				abort();
			parse_packet(rx.buf, rx.len);
		}
	}

	/* 2. Frame the input (at most half a packet, so escapes fit) and
	 * read it back: exactly one packet, equal after unescaping. */
	n = gdb_frame(framed, sizeof(framed), data, plen);
	if (n == 0 || framed[0] != '$')
		abort();
	gdb_rx_init(&rx);
	for (size_t i = 0; i < n; i++) {
		ev = gdb_rx_byte(&rx, (uint8_t)framed[i]);
		if (ev == GDB_RX_PACKET)
			packets++;
	}
	if (packets != 1 || ev != GDB_RX_PACKET)
		abort();
	u = gdb_unescape((uint8_t *)rx.buf, rx.len);
	if (u != (long)plen || memcmp(rx.buf, data, plen) != 0)
		abort();

	/* 3. Hex both ways. */
	gdb_hex_encode(hex, data, plen);
	if (strlen(hex) != 2 * plen || gdb_hex_decode(hex, bytes, plen) < 0 ||
	    memcmp(bytes, data, plen) != 0)
		abort();
	return 0;
}
