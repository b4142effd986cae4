/* gdb/packet.c: framing, checksums, escapes, hex, argument parsing, and
 * what a hostile or broken client can send. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/packet.h"

static struct gdb_rx rx;

static void setup(void)
{
	gdb_rx_init(&rx);
}

/* Feed bytes; return the last event that was not GDB_RX_NONE. */
static enum gdb_rx_event feed(const void *data, size_t len, int *count)
{
	const unsigned char *p = data;
	enum gdb_rx_event last = GDB_RX_NONE, ev;

	if (count)
		*count = 0;
	for (size_t i = 0; i < len; i++) {
		ev = gdb_rx_byte(&rx, p[i]);
		if (ev != GDB_RX_NONE) {
			last = ev;
			if (count)
				(*count)++;
		}
	}
	return last;
}

static enum gdb_rx_event feed_str(const char *s)
{
	return feed(s, strlen(s), NULL);
}

START_TEST(good_packet)
{
	ck_assert_int_eq(feed_str("$qSupported#37"), GDB_RX_PACKET);
	ck_assert_str_eq(rx.buf, "qSupported");
	ck_assert_uint_eq(rx.len, 10);
	ck_assert_int_eq(feed_str("$g#67"), GDB_RX_PACKET);
	ck_assert_str_eq(rx.buf, "g");
	/* Upper-case checksum digits are fine too. */
	ck_assert_int_eq(feed_str("$?#3F"), GDB_RX_PACKET);
}
END_TEST

START_TEST(empty_packet)
{
	ck_assert_int_eq(feed_str("$#00"), GDB_RX_PACKET);
	ck_assert_uint_eq(rx.len, 0);
	ck_assert_str_eq(rx.buf, "");
}
END_TEST

START_TEST(bad_checksum)
{
	ck_assert_int_eq(feed_str("$g#68"), GDB_RX_BADSUM);
	ck_assert_int_eq(feed_str("$g#zz"), GDB_RX_BADSUM);
	/* A non-hex digit must not be read as a matching zero. */
	ck_assert_int_eq(feed_str("$#0x"), GDB_RX_BADSUM);
	/* The parser recovers for the next packet. */
	ck_assert_int_eq(feed_str("$g#67"), GDB_RX_PACKET);
}
END_TEST

START_TEST(acks_and_interrupt)
{
	ck_assert_int_eq(feed_str("+"), GDB_RX_ACK);
	ck_assert_int_eq(feed_str("-"), GDB_RX_NAK);
	ck_assert_int_eq(feed("\x03", 1, NULL), GDB_RX_INTERRUPT);
	/* 0x03 inside a packet is data, not Ctrl-C. */
	ck_assert_int_eq(feed("$\x03#03", 5, NULL), GDB_RX_PACKET);
	ck_assert_uint_eq(rx.len, 1);
	ck_assert_int_eq(rx.buf[0], 3);
}
END_TEST

START_TEST(split_across_reads)
{
	const char *pkt = "$m1000,4#8e";

	for (size_t i = 0; i + 1 < strlen(pkt); i++)
		ck_assert_int_eq(gdb_rx_byte(&rx, (unsigned char)pkt[i]),
				 GDB_RX_NONE);
	ck_assert_int_eq(gdb_rx_byte(&rx, (unsigned char)pkt[strlen(pkt) - 1]),
			 GDB_RX_PACKET);
	ck_assert_str_eq(rx.buf, "m1000,4");
}
END_TEST

START_TEST(garbage_between_packets)
{
	int n;

	ck_assert_int_eq(feed(" \r\nxyz#12\x7f\xff$g#67", 16, &n), GDB_RX_PACKET);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(rx.buf, "g");
}
END_TEST

START_TEST(restart_on_dollar)
{
	/* A packet that lost its '#' is abandoned when a new one starts. */
	ck_assert_int_eq(feed_str("$mdeadbeef$g#67"), GDB_RX_PACKET);
	ck_assert_str_eq(rx.buf, "g");
}
END_TEST

START_TEST(oversized)
{
	char *big = malloc(GDB_MAX_PACKET + 2);
	int n;

	big[0] = '$';
	memset(big + 1, 'a', GDB_MAX_PACKET + 1);
	ck_assert_int_eq(feed(big, GDB_MAX_PACKET + 2, &n), GDB_RX_OVERFLOW);
	ck_assert_int_eq(n, 1);
	/* Exactly the maximum is accepted. */
	gdb_rx_init(&rx);
	feed(big, GDB_MAX_PACKET + 1, NULL);
	ck_assert_int_eq(feed_str("#"), GDB_RX_NONE);
	{
		uint8_t sum = (uint8_t)('a' * GDB_MAX_PACKET);
		char tail[3];

		snprintf(tail, sizeof(tail), "%02x", sum);
		ck_assert_int_eq(feed_str(tail), GDB_RX_PACKET);
		ck_assert_uint_eq(rx.len, GDB_MAX_PACKET);
	}
	free(big);
}
END_TEST

START_TEST(missing_hash_never_overruns)
{
	/* A client that never sends '#': bounded, reported once. */
	int n;
	char *junk = malloc(3 * GDB_MAX_PACKET);

	memset(junk, 'Z', 3 * GDB_MAX_PACKET);
	junk[0] = '$';
	feed(junk, 3 * GDB_MAX_PACKET, &n);
	ck_assert_int_eq(n, 1);
	free(junk);
}
END_TEST

START_TEST(checksum)
{
	ck_assert_uint_eq(gdb_checksum("", 0), 0);
	ck_assert_uint_eq(gdb_checksum("g", 1), 0x67);
	ck_assert_uint_eq(gdb_checksum("OK", 2), 0x9a);
	ck_assert_uint_eq(gdb_checksum("\xff\xff", 2), 0xfe);
}
END_TEST

START_TEST(frame)
{
	char out[64];
	size_t n;

	n = gdb_frame(out, sizeof(out), "OK", 2);
	ck_assert_uint_eq(n, 6);
	ck_assert(!memcmp(out, "$OK#9a", 6));
	n = gdb_frame(out, sizeof(out), "", 0);
	ck_assert(n == 4 && !memcmp(out, "$#00", 4));
	/* Special characters are escaped, and the escape is checksummed. */
	n = gdb_frame(out, sizeof(out), "a#$}*", 5);
	ck_assert(!memcmp(out, "$a}\x03}\x04}]}\x0a#", 11));
	ck_assert_uint_eq(n, 13);
	/* What we frame, the parser accepts (after unescaping). */
	ck_assert_int_eq(feed(out, n, NULL), GDB_RX_PACKET);
	ck_assert_int_eq(gdb_unescape((uint8_t *)rx.buf, rx.len), 5);
	ck_assert(!memcmp(rx.buf, "a#$}*", 5));
	/* Too small a buffer: 0, never a truncated packet. */
	ck_assert_uint_eq(gdb_frame(out, 5, "OK", 2), 0);
	ck_assert_uint_eq(gdb_frame(out, 6, "OK", 2), 6);
	ck_assert_uint_eq(gdb_frame(out, 3, "", 0), 0);
	ck_assert_uint_eq(gdb_frame(out, 5, "#", 1), 0);
	ck_assert_uint_eq(gdb_frame(out, 6, "#", 1), 6);
}
END_TEST

START_TEST(unescape)
{
	uint8_t a[] = { 'x', '}', 0x5d, 'y' };
	uint8_t b[] = { 'x', '}' };

	ck_assert_int_eq(gdb_unescape(a, sizeof(a)), 3);
	ck_assert(a[0] == 'x' && a[1] == '}' && a[2] == 'y');
	ck_assert_int_eq(gdb_unescape(b, sizeof(b)), -1);
	ck_assert_int_eq(gdb_unescape(b, 0), 0);
}
END_TEST

START_TEST(hex)
{
	uint8_t out[4];
	char s[9];

	ck_assert_int_eq(gdb_hex_decode("00fFa5", out, 3), 0);
	ck_assert(out[0] == 0 && out[1] == 0xff && out[2] == 0xa5);
	ck_assert_int_eq(gdb_hex_decode("0g", out, 1), -1);
	ck_assert_int_eq(gdb_hex_decode("1", out, 1), -1);	/* odd: NUL */
	gdb_hex_encode(s, "\x01\xab\xff\x00", 4);
	ck_assert_str_eq(s, "01abff00");
}
END_TEST

START_TEST(parse_hex)
{
	const char *p;
	uint64_t v;

	p = "ffffffffffffffff,";
	ck_assert_int_eq(gdb_parse_hex(&p, &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(*p, ',');
	p = "10000000000000000";	/* 17 digits */
	ck_assert_int_eq(gdb_parse_hex(&p, &v), -1);
	p = ",1";
	ck_assert_int_eq(gdb_parse_hex(&p, &v), -1);
	p = "";
	ck_assert_int_eq(gdb_parse_hex(&p, &v), -1);
}
END_TEST

START_TEST(addr_len)
{
	uint64_t a, l;
	const char *rest;

	ck_assert_int_eq(gdb_parse_addr_len("100000,40", '\0', &a, &l, NULL), 0);
	ck_assert(a == 0x100000 && l == 0x40);
	ck_assert_int_eq(gdb_parse_addr_len("10,2:abcd", ':', &a, &l, &rest), 0);
	ck_assert_str_eq(rest, "abcd");
	ck_assert_int_eq(gdb_parse_addr_len("10,2", ':', &a, &l, &rest), -1);
	ck_assert_int_eq(gdb_parse_addr_len("10", '\0', &a, &l, NULL), -1);
	ck_assert_int_eq(gdb_parse_addr_len("10,", '\0', &a, &l, NULL), -1);
	ck_assert_int_eq(gdb_parse_addr_len(",4", '\0', &a, &l, NULL), -1);
	ck_assert_int_eq(gdb_parse_addr_len("10,4x", '\0', &a, &l, NULL), -1);
	ck_assert_int_eq(gdb_parse_addr_len("-1,4", '\0', &a, &l, NULL), -1);
}
END_TEST

START_TEST(breakpoints)
{
	int t;
	uint64_t a, k;

	ck_assert_int_eq(gdb_parse_break("0,401000,1", &t, &a, &k), 0);
	ck_assert(t == 0 && a == 0x401000 && k == 1);
	ck_assert_int_eq(gdb_parse_break("2,1000,8;X1,0", &t, &a, &k), 0);
	ck_assert_int_eq(t, 2);
	ck_assert_int_eq(gdb_parse_break("5,1000,1", &t, &a, &k), -1);
	ck_assert_int_eq(gdb_parse_break("0,1000", &t, &a, &k), -1);
	ck_assert_int_eq(gdb_parse_break("01000,1", &t, &a, &k), -1);
	ck_assert_int_eq(gdb_parse_break("", &t, &a, &k), -1);
}
END_TEST

START_TEST(threads)
{
	long tid;
	const char *rest;

	ck_assert_int_eq(gdb_parse_thread("-1", &tid, &rest), 0);
	ck_assert_int_eq(tid, -1);
	ck_assert_int_eq(gdb_parse_thread("0", &tid, &rest), 0);
	ck_assert_int_eq(tid, 0);
	ck_assert_int_eq(gdb_parse_thread("1f;c", &tid, &rest), 0);
	ck_assert_int_eq(tid, 0x1f);
	ck_assert_str_eq(rest, ";c");
	ck_assert_int_eq(gdb_parse_thread("-2", &tid, &rest), -1);
	ck_assert_int_eq(gdb_parse_thread("80000000", &tid, &rest), -1);
	ck_assert_int_eq(gdb_parse_thread("x", &tid, &rest), -1);
}
END_TEST

/* Random bytes must never crash the parser or overrun its buffer. */
START_TEST(fuzz)
{
	unsigned seed = 12345;

	for (int i = 0; i < 200000; i++) {
		unsigned char c;

		seed = seed * 1103515245 + 12345;
		c = (unsigned char)(seed >> 16);
		/* Make framing characters common. */
		if ((seed >> 8 & 7) == 0)
			c = "$#}\x03+-"[(seed >> 24) % 6];
		(void)gdb_rx_byte(&rx, c);
		ck_assert_uint_le(rx.len, GDB_MAX_PACKET);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("gdb_packet");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, good_packet);
	tcase_add_test(tc, empty_packet);
	tcase_add_test(tc, bad_checksum);
	tcase_add_test(tc, acks_and_interrupt);
	tcase_add_test(tc, split_across_reads);
	tcase_add_test(tc, garbage_between_packets);
	tcase_add_test(tc, restart_on_dollar);
	tcase_add_test(tc, oversized);
	tcase_add_test(tc, missing_hash_never_overruns);
	tcase_add_test(tc, checksum);
	tcase_add_test(tc, frame);
	tcase_add_test(tc, unescape);
	tcase_add_test(tc, hex);
	tcase_add_test(tc, parse_hex);
	tcase_add_test(tc, addr_len);
	tcase_add_test(tc, breakpoints);
	tcase_add_test(tc, threads);
	tcase_add_test(tc, fuzz);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
