/* mem.c: the one place guest addresses become host pointers. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem.h"

static struct mem m;

static void teardown(void)
{
	mem_free(&m);
}

START_TEST(small_guest_is_one_region)
{
	ck_assert_int_eq(mem_init(&m, 16 << 20), 0);
	ck_assert_int_eq(m.nr_regions, 1);
	ck_assert_uint_eq(mem_top(&m), 16 << 20);
	ck_assert_ptr_nonnull(mem_ptr(&m, 0, 16 << 20));
	ck_assert_ptr_eq(mem_ptr(&m, 4096, 1), (uint8_t *)mem_ptr(&m, 0, 1) + 4096);
}
END_TEST

/* A vhost-user back-end maps m.fd: it must see the guest's bytes at the
 * file offset of the GPA, in both directions, and untouched pages are 0. */
START_TEST(ram_is_a_shareable_memfd)
{
	uint64_t size = 16 << 20;
	char buf[8] = "";
	uint8_t *other;

	ck_assert_int_eq(mem_init(&m, size), 0);
	ck_assert_int_eq(m.fd, -1);	/* private unless asked */
	mem_free(&m);
	ck_assert_int_eq(mem_init_shared(&m, size), 0);
	ck_assert_int_ge(m.fd, 0);
	ck_assert_int_eq(lseek(m.fd, 0, SEEK_END), (off_t)size);
	ck_assert_int_eq(mem_write(&m, 0x123456, "guest", 6), 0);
	ck_assert_int_eq(pread(m.fd, buf, 6, 0x123456), 6);
	ck_assert_str_eq(buf, "guest");
	other = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m.fd, 0);
	ck_assert_ptr_ne(other, MAP_FAILED);
	memcpy(other + 0x200000, "peer", 5);
	ck_assert_str_eq(mem_ptr(&m, 0x200000, 5), "peer");
	ck_assert_int_eq(other[size - 1], 0);
	munmap(other, size);
}
END_TEST

START_TEST(bounds_are_exact)
{
	uint64_t size = 16 << 20;

	ck_assert_int_eq(mem_init(&m, size), 0);
	ck_assert_ptr_nonnull(mem_ptr(&m, size - 1, 1));
	ck_assert_ptr_null(mem_ptr(&m, size - 1, 2));
	ck_assert_ptr_null(mem_ptr(&m, size, 1));
	ck_assert_ptr_null(mem_ptr(&m, 0, size + 1));
	/* Zero length: valid inside RAM and at its very end, not beyond. */
	ck_assert_ptr_nonnull(mem_ptr(&m, size, 0));
	ck_assert_ptr_null(mem_ptr(&m, size + 1, 0));
}
END_TEST

START_TEST(overflow_at_top_of_address_space)
{
	ck_assert_int_eq(mem_init(&m, 16 << 20), 0);
	ck_assert_ptr_null(mem_ptr(&m, UINT64_MAX, 1));
	ck_assert_ptr_null(mem_ptr(&m, UINT64_MAX, UINT64_MAX));
	ck_assert_ptr_null(mem_ptr(&m, 4096, UINT64_MAX));
	ck_assert_ptr_null(mem_ptr(&m, 4096, UINT64_MAX - 4095));
	ck_assert_ptr_null(mem_ptr(&m, UINT64_MAX - 10, 20));
}
END_TEST

START_TEST(large_guest_skips_the_hole)
{
	uint64_t size = 4ULL << 30;	/* 3 GiB low + 1 GiB above 4 GiB */

	ck_assert_int_eq(mem_init(&m, size), 0);
	ck_assert_int_eq(m.nr_regions, 2);
	ck_assert_uint_eq(m.region[1].gpa, MEM_HOLE_END);
	ck_assert_uint_eq(m.region[1].size, size - MEM_HOLE_START);
	ck_assert_uint_eq(mem_top(&m), MEM_HOLE_END + size - MEM_HOLE_START);
	/* The hole is not RAM. */
	ck_assert_ptr_null(mem_ptr(&m, MEM_HOLE_START, 1));
	ck_assert_ptr_null(mem_ptr(&m, 0xFEE00000, 4));
	ck_assert_ptr_null(mem_ptr(&m, MEM_HOLE_END - 1, 1));
	/* A range never spans the hole. */
	ck_assert_ptr_null(mem_ptr(&m, MEM_HOLE_START - 1, 2));
	ck_assert_ptr_nonnull(mem_ptr(&m, MEM_HOLE_START - 1, 1));
	ck_assert_ptr_nonnull(mem_ptr(&m, MEM_HOLE_END, 1));
	/* Host memory behind the regions is contiguous but not exposed. */
	ck_assert_ptr_eq(mem_ptr(&m, MEM_HOLE_END, 1),
			 (uint8_t *)mem_ptr(&m, MEM_HOLE_START - 1, 1) + 1);
	ck_assert_ptr_null(mem_ptr(&m, mem_top(&m), 1));
	ck_assert_ptr_nonnull(mem_ptr(&m, mem_top(&m) - 8, 8));
}
END_TEST

START_TEST(read_write_copy_or_fault)
{
	uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, back[8] = { 0 };

	ck_assert_int_eq(mem_init(&m, 1 << 20), 0);
	ck_assert_int_eq(mem_write(&m, 0x1000, buf, sizeof(buf)), 0);
	ck_assert_int_eq(mem_read(&m, back, 0x1000, sizeof(back)), 0);
	ck_assert_mem_eq(buf, back, sizeof(buf));
	ck_assert_int_eq(mem_write(&m, (1 << 20) - 4, buf, 8), -EFAULT);
	ck_assert_int_eq(mem_read(&m, back, UINT64_MAX - 3, 8), -EFAULT);
	/* A refused write leaves the guest untouched. */
	ck_assert_int_eq(*(uint8_t *)mem_ptr(&m, (1 << 20) - 4, 1), 0);
}
END_TEST

/* A shared region (PV --shm) is RAM to mem_ptr: exact bounds, no range
 * across its edge or into RAM, and no overlap when it is added. */
START_TEST(shared_regions_are_bounded_like_ram)
{
	static uint8_t a[8192], b[4096];
	const uint64_t base = 0xc0000000ULL;

	ck_assert_int_eq(mem_init(&m, 16 << 20), 0);
	ck_assert_int_eq(mem_add_shared(&m, base, sizeof(a), a), 0);
	ck_assert_int_eq(mem_add_shared(&m, base + 0x200000, sizeof(b), b), 0);
	ck_assert_ptr_eq(mem_ptr(&m, base, sizeof(a)), a);
	ck_assert_ptr_eq(mem_ptr(&m, base + 100, 1), a + 100);
	ck_assert_ptr_eq(mem_ptr(&m, base + sizeof(a), 0), a + sizeof(a));
	ck_assert_ptr_null(mem_ptr(&m, base, sizeof(a) + 1));
	ck_assert_ptr_null(mem_ptr(&m, base + sizeof(a), 1));
	ck_assert_ptr_null(mem_ptr(&m, base - 1, 2));
	ck_assert_ptr_null(mem_ptr(&m, base + 1, UINT64_MAX));
	ck_assert_ptr_eq(mem_ptr(&m, base + 0x200000 + 4095, 1), b + 4095);
	ck_assert_ptr_null(mem_ptr(&m, base + 0x200000, 4097));
	/* RAM is unchanged. */
	ck_assert_ptr_nonnull(mem_ptr(&m, 0, 16 << 20));
	ck_assert_ptr_null(mem_ptr(&m, (16 << 20) - 1, 2));
	/* Overlaps, wrapping and empty regions are refused. */
	ck_assert_int_eq(mem_add_shared(&m, base + 4096, 4096, b), -EINVAL);
	ck_assert_int_eq(mem_add_shared(&m, base - 4096, 8192, b), -EINVAL);
	ck_assert_int_eq(mem_add_shared(&m, 0x100000, 4096, b), -EINVAL);
	ck_assert_int_eq(mem_add_shared(&m, UINT64_MAX - 4095, 8192, b), -EINVAL);
	ck_assert_int_eq(mem_add_shared(&m, base + 0x400000, 0, b), -EINVAL);
	for (int i = 2; i < MEM_MAX_SHARED; i++)
		ck_assert_int_eq(mem_add_shared(&m, base + 0x400000 * (uint64_t)i,
						4096, b), 0);
	ck_assert_int_eq(mem_add_shared(&m, 0xd0000000ULL, 4096, b), -EINVAL);
}
END_TEST

START_TEST(bad_sizes_refused)
{
	ck_assert_int_eq(mem_init(&m, 0), -EINVAL);
	ck_assert_int_eq(mem_init(&m, 4096), -EINVAL);
	ck_assert_int_eq(mem_init(&m, (16 << 20) + 1), -EINVAL);
	ck_assert_int_eq(mem_init(&m, MEM_MAX_SIZE + 4096), -EINVAL);
	ck_assert_ptr_null(mem_ptr(&m, 0, 1));
	ck_assert_uint_eq(mem_top(&m), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mem");
	TCase *tc = tcase_create("mem");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, small_guest_is_one_region);
	tcase_add_test(tc, bounds_are_exact);
	tcase_add_test(tc, overflow_at_top_of_address_space);
	tcase_add_test(tc, large_guest_skips_the_hole);
	tcase_add_test(tc, read_write_copy_or_fault);
	tcase_add_test(tc, bad_sizes_refused);
	tcase_add_test(tc, shared_regions_are_bounded_like_ram);
	tcase_add_test(tc, ram_is_a_shareable_memfd);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
