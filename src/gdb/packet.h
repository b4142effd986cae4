/*
 * The GDB remote serial protocol's framing and encodings: "$data#xx"
 * packets, checksums, hex, binary escapes. Pure functions, no I/O, so the
 * parser can be fed hostile input in unit tests.
 */
#ifndef HVRUN_GDB_PACKET_H
#define HVRUN_GDB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest packet payload we accept (and announce as PacketSize, in hex). */
#define GDB_MAX_PACKET 0x4000

enum gdb_rx_event {
	GDB_RX_NONE,		/* byte consumed, nothing complete yet */
	GDB_RX_PACKET,		/* rx->buf holds a verified payload */
	GDB_RX_BADSUM,		/* complete packet, wrong checksum: send '-' */
	GDB_RX_INTERRUPT,	/* 0x03 outside a packet: Ctrl-C */
	GDB_RX_ACK,		/* '+' */
	GDB_RX_NAK,		/* '-': resend the last reply */
	GDB_RX_OVERFLOW,	/* payload longer than GDB_MAX_PACKET */
};

struct gdb_rx {
	enum { GDB_RX_IDLE, GDB_RX_DATA, GDB_RX_SUM1, GDB_RX_SUM2 } state;
	uint8_t sum;		/* running checksum of the payload */
	uint8_t want;		/* checksum the sender gave, as far as read */
	bool bad_digit;		/* a checksum character was not hex */
	size_t len;
	char buf[GDB_MAX_PACKET + 1];	/* payload, NUL-terminated */
};

void gdb_rx_init(struct gdb_rx *rx);
/* Feed one byte; packets may arrive split across any number of reads. */
enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c);

uint8_t gdb_checksum(const void *data, size_t len);

/*
 * Frame payload as "$payload#xx" into dst, escaping '$', '#', '}' and '*'.
 * Returns the framed length, or 0 if it does not fit in dst_size.
 */
size_t gdb_frame(char *dst, size_t dst_size, const void *payload, size_t len);

/* Undo '}' escapes (X packets) in place; -1 on a dangling '}'. */
long gdb_unescape(uint8_t *buf, size_t len);

int gdb_hexval(int c);
/* Decode exactly 2 * n hex digits into out[n]; -1 on a bad digit. */
int gdb_hex_decode(const char *hex, uint8_t *out, size_t n);
/* Encode n bytes as 2 * n lowercase hex digits plus a NUL. */
void gdb_hex_encode(char *dst, const void *src, size_t n);

/*
 * Parse a hex number of 1 to 16 digits at *p and advance *p past it.
 * -1 on no digits or overflow.
 */
int gdb_parse_hex(const char **p, uint64_t *out);

/* "ADDR,LEN" then `end` ('\0', ':' ...); *rest points after `end`. */
int gdb_parse_addr_len(const char *s, char end, uint64_t *addr,
		       uint64_t *len, const char **rest);

/* Z/z packets: "T,ADDR,KIND" (conditions after ';' are ignored). */
int gdb_parse_break(const char *s, int *type, uint64_t *addr, uint64_t *kind);

/* Thread ids: "-1" (all), "0" (any), or a positive hex number. */
int gdb_parse_thread(const char *s, long *tid, const char **rest);

#endif
