/* bus.c: range registry and dispatch. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"

struct probe {
	int calls;
	uint64_t addr;
	uint32_t len;
	bool is_write;
	uint8_t last[8];
};

static void probe_io(void *opaque, uint64_t addr, uint8_t *data, uint32_t len,
		     bool is_write)
{
	struct probe *p = opaque;

	p->calls++;
	p->addr = addr;
	p->len = len;
	p->is_write = is_write;
	if (is_write)
		memcpy(p->last, data, len < 8 ? len : 8);
	else
		memset(data, 0x5a, len);
}

static struct bus b;

static void setup(void)
{
	bus_init(&b, "test");
}

static void teardown(void)
{
	bus_free(&b);
}

START_TEST(dispatch_reaches_owner)
{
	struct probe a = { 0 }, c = { 0 };
	uint8_t data[4] = { 0x11, 0x22, 0x33, 0x44 };

	ck_assert_int_eq(bus_register(&b, 0x3f8, 8, probe_io, &a, "a"), 0);
	ck_assert_int_eq(bus_register(&b, 0x70, 2, probe_io, &c, "c"), 0);
	ck_assert(bus_access(&b, 0x3fd, data, 1, false));
	ck_assert_int_eq(a.calls, 1);
	ck_assert_uint_eq(a.addr, 0x3fd);
	ck_assert_uint_eq(data[0], 0x5a);
	ck_assert(bus_access(&b, 0x71, data, 4, true));
	ck_assert_int_eq(c.calls, 1);
	ck_assert_uint_eq(c.len, 4);
	ck_assert_mem_eq(c.last, data, 4);
	ck_assert_int_eq(a.calls, 1);
}
END_TEST

START_TEST(unclaimed_reads_all_ones)
{
	struct probe a = { 0 };
	uint8_t data[8] = { 0 };

	ck_assert_int_eq(bus_register(&b, 0x3f8, 8, probe_io, &a, "a"), 0);
	ck_assert(!bus_access(&b, 0x3f7, data, 8, false));
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(data[i], 0xff);
	ck_assert(!bus_access(&b, 0x400, data, 1, true));
	ck_assert_int_eq(a.calls, 0);
	ck_assert(!bus_access(&b, 0, data, 1, false));
	ck_assert(!bus_access(&b, UINT64_MAX, data, 1, false));
}
END_TEST

START_TEST(edges_are_exact)
{
	struct probe a = { 0 };
	uint8_t d;

	ck_assert_int_eq(bus_register(&b, 0x100, 0x10, probe_io, &a, "a"), 0);
	ck_assert(bus_access(&b, 0x100, &d, 1, false));
	ck_assert(bus_access(&b, 0x10f, &d, 1, false));
	ck_assert(!bus_access(&b, 0x110, &d, 1, false));
	ck_assert(!bus_access(&b, 0xff, &d, 1, false));
	ck_assert_int_eq(a.calls, 2);
}
END_TEST

START_TEST(overlaps_refused)
{
	struct probe a = { 0 };

	ck_assert_int_eq(bus_register(&b, 0x100, 0x10, probe_io, &a, "a"), 0);
	ck_assert_int_eq(bus_register(&b, 0x10f, 1, probe_io, &a, "x"), -EEXIST);
	ck_assert_int_eq(bus_register(&b, 0xf0, 0x11, probe_io, &a, "x"), -EEXIST);
	ck_assert_int_eq(bus_register(&b, 0x0, 0x1000, probe_io, &a, "x"), -EEXIST);
	ck_assert_int_eq(bus_register(&b, 0x108, 1, probe_io, &a, "x"), -EEXIST);
	ck_assert_int_eq(bus_register(&b, 0xf0, 0x10, probe_io, &a, "ok"), 0);
	ck_assert_int_eq(bus_register(&b, 0x110, 0x10, probe_io, &a, "ok"), 0);
	ck_assert_uint_eq(b.nr, 3);
}
END_TEST

START_TEST(bad_ranges_refused)
{
	struct probe a = { 0 };

	ck_assert_int_eq(bus_register(&b, 0x100, 0, probe_io, &a, "x"), -EINVAL);
	ck_assert_int_eq(bus_register(&b, UINT64_MAX, 2, probe_io, &a, "x"), -EINVAL);
	ck_assert_int_eq(bus_register(&b, 0x100, 1, NULL, &a, "x"), -EINVAL);
	/* The very last byte of the space is a valid range. */
	ck_assert_int_eq(bus_register(&b, UINT64_MAX, 1, probe_io, &a, "top"), 0);
	ck_assert_ptr_nonnull(bus_find(&b, UINT64_MAX));
}
END_TEST

START_TEST(many_ranges_stay_sorted)
{
	static struct probe p[200];
	uint8_t d;

	/* Registered out of order; every one still found, neighbours not. */
	for (int i = 199; i >= 0; i--)
		ck_assert_int_eq(bus_register(&b, 0x1000 + 0x10 * (uint64_t)i, 8,
					      probe_io, &p[i], "p"), 0);
	for (int i = 0; i < 200; i++) {
		ck_assert(bus_access(&b, 0x1000 + 0x10 * (uint64_t)i + 7, &d, 1, true));
		ck_assert(!bus_access(&b, 0x1000 + 0x10 * (uint64_t)i + 8, &d, 1, true));
		ck_assert_int_eq(p[i].calls, 1);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bus");
	TCase *tc = tcase_create("bus");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, dispatch_reaches_owner);
	tcase_add_test(tc, unclaimed_reads_all_ones);
	tcase_add_test(tc, edges_are_exact);
	tcase_add_test(tc, overlaps_refused);
	tcase_add_test(tc, bad_ranges_refused);
	tcase_add_test(tc, many_ranges_stay_sorted);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
