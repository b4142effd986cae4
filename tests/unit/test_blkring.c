/*
 * The block ring's pure core (src/hypercall/blkring.c): ring geometry,
 * how many requests block_kick may take given hostile indices, and the
 * checks of one request, edge by edge.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "hypercall/blkring.h"

START_TEST(setup_geometry)
{
	ck_assert_int_eq(blkring_check_setup(0x1000, 1), 0);
	ck_assert_int_eq(blkring_check_setup(0x40, HVRUN_BLK_RING_MAX), 0);
	ck_assert_int_eq(blkring_check_setup(0x1000, 0), -EINVAL);
	ck_assert_int_eq(blkring_check_setup(0x1000, 3), -EINVAL);
	ck_assert_int_eq(blkring_check_setup(0x1000, 96), -EINVAL);
	ck_assert_int_eq(blkring_check_setup(0x1000, HVRUN_BLK_RING_MAX * 2), -EINVAL);
	ck_assert_int_eq(blkring_check_setup(0x1000, 1ULL << 32), -EINVAL);
	ck_assert_int_eq(blkring_check_setup(0x1000, UINT64_MAX), -EINVAL);
	ck_assert_int_eq(blkring_check_setup(0x1008, 4), -EINVAL);
	ck_assert_int_eq(blkring_check_setup(0x1020, 4), -EINVAL);
	/* The last ring that fits below 2^64, and one that would wrap. */
	ck_assert_int_eq(blkring_check_setup((UINT64_MAX - HVRUN_BLK_RING_SIZE(4)) &
					     ~63ULL, 4), 0);
	ck_assert_int_eq(blkring_check_setup(UINT64_MAX & ~63ULL, 4), -EINVAL);
	ck_assert_uint_eq(HVRUN_BLK_RING_SIZE(4), 64 + 4 * 32 + 4 * 16);
	ck_assert_uint_eq(sizeof(struct hvrun_blk_ring), HVRUN_BLK_RING_SQ);
	ck_assert_uint_eq(sizeof(struct hvrun_blk_req), 32);
	ck_assert_uint_eq(sizeof(struct hvrun_blk_cpl), 16);
}
END_TEST

static int64_t takeable(uint32_t entries, uint32_t sq_head, uint32_t sq_tail,
			uint32_t cq_tail, uint32_t cq_head, uint32_t inflight)
{
	struct blkring_idx x = {
		.entries = entries, .sq_head = sq_head, .sq_tail = sq_tail,
		.cq_tail = cq_tail, .cq_head = cq_head, .inflight = inflight,
	};

	return blkring_takeable(&x);
}

START_TEST(takeable_counts)
{
	ck_assert_int_eq(takeable(8, 0, 0, 0, 0, 0), 0);
	ck_assert_int_eq(takeable(8, 0, 5, 0, 0, 0), 5);
	ck_assert_int_eq(takeable(8, 0, 8, 0, 0, 0), 8);
	/* Room for completions limits what is taken. */
	ck_assert_int_eq(takeable(8, 0, 8, 0, 0, 3), 5);
	ck_assert_int_eq(takeable(8, 0, 8, 6, 0, 0), 2);
	ck_assert_int_eq(takeable(8, 0, 8, 6, 0, 2), 0);
	ck_assert_int_eq(takeable(8, 0, 8, 8, 0, 0), 0);
	/* Counters wrap at 2^32 like any others. */
	ck_assert_int_eq(takeable(8, UINT32_MAX - 1, 2, UINT32_MAX, UINT32_MAX - 2, 1), 4);
	ck_assert_int_eq(takeable(1, UINT32_MAX, 0, 0, 0, 0), 1);
}
END_TEST

START_TEST(takeable_hostile)
{
	/* sq_tail too far ahead, or behind sq_head. */
	ck_assert_int_eq(takeable(8, 0, 9, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(takeable(8, 10, 9, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(takeable(8, 0, UINT32_MAX, 0, 0, 0), -EINVAL);
	/* cq_head ahead of cq_tail, or more than entries behind. */
	ck_assert_int_eq(takeable(8, 0, 1, 4, 5, 0), -EINVAL);
	ck_assert_int_eq(takeable(8, 0, 1, 20, 11, 0), -EINVAL);
	ck_assert_int_eq(takeable(8, 0, 1, 20, 12, 0), 0);
	/* hvrun's own count out of range (a bug, not the guest): refuse. */
	ck_assert_int_eq(takeable(8, 0, 1, 0, 0, 9), -EINVAL);
}
END_TEST

static const struct blkring_target disk = {
	.disk_size = 1 << 20, .read_only = false,
	.ring_gpa = 0x10000, .ring_size = HVRUN_BLK_RING_SIZE(8),
};

static int check_req(uint16_t op, uint64_t sector, uint64_t gpa, uint32_t len,
		     uint16_t flags, const struct blkring_target *t)
{
	struct hvrun_blk_req r = { .tag = 1, .sector = sector, .gpa = gpa,
				   .len = len, .op = op, .flags = flags };
	uint64_t offset;

	return blkring_check_req(&r, t, &offset);
}

START_TEST(request_checks)
{
	struct blkring_target ro = disk;
	struct hvrun_blk_req r = { .sector = 3, .gpa = 0x20000, .len = 1024 };
	uint64_t offset;

	ro.read_only = true;
	ck_assert_int_eq(blkring_check_req(&r, &disk, &offset), 0);
	ck_assert_uint_eq(offset, 3 * 512);
	ck_assert_int_eq(check_req(0, 0, 0x20000, 0, 0, &disk), 0);
	ck_assert_int_eq(check_req(1, 2047, 0x20000, 512, 0, &disk), 0);
	ck_assert_int_eq(check_req(2, 0, 0, 0, 0, &disk), 0);
	ck_assert_int_eq(check_req(0, 0, 0x20000, 512, 1, &disk), -EINVAL);
	ck_assert_int_eq(check_req(3, 0, 0x20000, 512, 0, &disk), -EINVAL);
	ck_assert_int_eq(check_req(0xffff, 0, 0x20000, 512, 0, &disk), -EINVAL);
	ck_assert_int_eq(check_req(2, 1, 0, 0, 0, &disk), -EINVAL);
	ck_assert_int_eq(check_req(2, 0, 1, 0, 0, &disk), -EINVAL);
	ck_assert_int_eq(check_req(2, 0, 0, 512, 0, &disk), -EINVAL);
	ck_assert_int_eq(check_req(0, 0, 0x20000, 511, 0, &disk), -EINVAL);
	ck_assert_int_eq(check_req(0, 2048, 0x20000, 512, 0, &disk), -EINVAL);
	ck_assert_int_eq(check_req(0, 2047, 0x20000, 1024, 0, &disk), -EINVAL);
	ck_assert_int_eq(check_req(0, 2048, 0x20000, 0, 0, &disk), 0);
	ck_assert_int_eq(check_req(0, UINT64_MAX, 0x20000, 512, 0, &disk), -EINVAL);
	ck_assert_int_eq(check_req(0, UINT64_MAX / 512, 0x20000, 512, 0, &disk), -EINVAL);
	ck_assert_int_eq(check_req(0, 0, 0x20000, UINT32_MAX & ~511u, 0, &disk), -EINVAL);
	ck_assert_int_eq(check_req(1, 0, 0x20000, 512, 0, &ro), -EROFS);
	ck_assert_int_eq(check_req(0, 0, 0x20000, 512, 0, &ro), 0);
	/* Buffers touching the ring, and just beside it. */
	ck_assert_int_eq(check_req(0, 0, 0x10000, 512, 0, &disk), -EINVAL);
	ck_assert_int_eq(check_req(0, 0, 0xfe00, 1024, 0, &disk), -EINVAL);
	ck_assert_int_eq(check_req(0, 0, 0x10000 + disk.ring_size - 1, 512, 0, &disk), -EINVAL);
	ck_assert_int_eq(check_req(0, 0, 0xfe00, 512, 0, &disk), 0);
	ck_assert_int_eq(check_req(0, 0, 0x10000 + disk.ring_size, 512, 0, &disk), 0);
	ck_assert_int_eq(check_req(1, 0, 0x10000, 512, 0, &disk), -EINVAL);
	/* A wrapping buffer is mem_ptr's to refuse, not an overlap. */
	ck_assert_int_eq(check_req(0, 0, UINT64_MAX - 100, 512, 0, &disk), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("blkring");
	TCase *tc = tcase_create("blkring");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, setup_geometry);
	tcase_add_test(tc, takeable_counts);
	tcase_add_test(tc, takeable_hostile);
	tcase_add_test(tc, request_checks);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
