/* snapshot/format.c: the header and section table of a snapshot file,
 * parsed from bytes nothing vouches for. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/format.h"

#define FILE_SIZE (3 * SNAP_PAGE)

static uint8_t file[FILE_SIZE];
static struct snap_index ix;
static char err[SNAP_ERRLEN];

static struct snap_section *sec(int i)
{
	return (struct snap_section *)(file + sizeof(struct snap_header)) + i;
}

static void seal(void)
{
	struct snap_header *h = (struct snap_header *)file;

	h->table_crc = snap_crc(sec(0), h->nr_sections * sizeof(*sec(0)));
}

/* A machine section of 16 bytes at 256 and a page of RAM at 4096. */
static void build(void)
{
	struct snap_header *h = (struct snap_header *)file;

	memset(file, 0, sizeof(file));
	memcpy(h->magic, SNAP_MAGIC, 8);
	h->version = SNAP_VERSION;
	h->nr_sections = 2;
	strcpy(h->hvrun_version, "test");
	*sec(0) = (struct snap_section){ .type = SNAP_PV, .offset = 256,
					 .size = 16 };
	memset(file + 256, 0xab, 16);
	sec(0)->crc = snap_crc(file + 256, 16);
	*sec(1) = (struct snap_section){ .type = SNAP_RAM, .offset = SNAP_PAGE,
					 .size = 2 * SNAP_PAGE };
	seal();
}

static int parse(void)
{
	return snap_parse(file, sizeof(file), sizeof(file), &ix, err);
}

START_TEST(good_file_parses)
{
	build();
	ck_assert_int_eq(parse(), 0);
	ck_assert_int_eq(ix.nr, 2);
	ck_assert_ptr_eq(snap_find(&ix, SNAP_RAM, -1), &ix.sec[1]);
	ck_assert_ptr_null(snap_find(&ix, SNAP_VCPU, 0));
	ck_assert_int_eq(snap_check(&ix.sec[0], file + 256, err), 0);
}
END_TEST

START_TEST(header_is_checked)
{
	build();
	file[0] = 'X';
	ck_assert_int_eq(parse(), -1);
	ck_assert_ptr_nonnull(strstr(err, "bad magic"));
	build();
	((struct snap_header *)file)->version = 2;
	ck_assert_int_eq(parse(), -1);
	ck_assert_ptr_nonnull(strstr(err, "version 2"));
	build();
	((struct snap_header *)file)->nr_sections = SNAP_MAX_SECTIONS + 1;
	ck_assert_int_eq(parse(), -1);
	build();
	memset(((struct snap_header *)file)->hvrun_version, 'x', 32);
	ck_assert_int_eq(parse(), -1);
}
END_TEST

START_TEST(truncation_is_caught)
{
	build();
	for (size_t len = 0; len < 64 + 2 * 48; len++)
		ck_assert_int_eq(snap_parse(file, len, len, &ix, err), -1);
	/* The table is whole but the file ends inside RAM. */
	ck_assert_int_eq(snap_parse(file, sizeof(file), 2 * SNAP_PAGE, &ix,
				    err), -1);
	ck_assert_ptr_nonnull(strstr(err, "outside the file"));
}
END_TEST

START_TEST(table_crc_and_section_crc)
{
	build();
	sec(0)->size = 17;		/* not resealed */
	ck_assert_int_eq(parse(), -1);
	ck_assert_ptr_nonnull(strstr(err, "section table's checksum"));
	build();
	ck_assert_int_eq(parse(), 0);
	file[260] ^= 1;
	ck_assert_int_eq(snap_check(&ix.sec[0], file + 256, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "checksum mismatch"));
}
END_TEST

START_TEST(hostile_bounds_refused)
{
	build();
	sec(0)->offset = UINT64_MAX - 8;	/* offset + size wraps */
	seal();
	ck_assert_int_eq(parse(), -1);
	build();
	sec(0)->offset = 64;			/* inside the table */
	seal();
	ck_assert_int_eq(parse(), -1);
	build();
	sec(0)->offset = SNAP_PAGE + 100;	/* inside RAM */
	seal();
	ck_assert_int_eq(parse(), -1);
	ck_assert_ptr_nonnull(strstr(err, "overlap"));
	build();
	sec(1)->offset = SNAP_PAGE + 64;	/* RAM not page-aligned */
	sec(1)->size = SNAP_PAGE;
	seal();
	ck_assert_int_eq(parse(), -1);
	build();
	sec(0)->type = 0;
	seal();
	ck_assert_int_eq(parse(), -1);
	build();
	memset(sec(0)->name, 'n', sizeof(sec(0)->name));
	seal();
	ck_assert_int_eq(parse(), -1);
}
END_TEST

START_TEST(machine_values_checked)
{
	struct snap_machine m = { .ncpus = 2, .mem_size = 256 << 20,
				  .started = 1 };
	struct snap_machine out;

	ck_assert_int_eq(snap_machine_decode(&m, sizeof(m), &out, err), 0);
	ck_assert_int_eq(snap_machine_decode(&m, sizeof(m) - 1, &out, err), -1);
	m.ncpus = 0;
	ck_assert_int_eq(snap_machine_decode(&m, sizeof(m), &out, err), -1);
	m.ncpus = 2;
	m.mem_size = 12345;
	ck_assert_int_eq(snap_machine_decode(&m, sizeof(m), &out, err), -1);
	m.mem_size = 256 << 20;
	m.started = 4;		/* vCPU 2 of 2 */
	ck_assert_int_eq(snap_machine_decode(&m, sizeof(m), &out, err), -1);
	m.started = 2;		/* not the boot vCPU */
	ck_assert_int_eq(snap_machine_decode(&m, sizeof(m), &out, err), -1);
	m.started = 1;
	m.nr_disks = 9;
	ck_assert_int_eq(snap_machine_decode(&m, sizeof(m), &out, err), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("format");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, good_file_parses);
	tcase_add_test(tc, header_is_checked);
	tcase_add_test(tc, truncation_is_caught);
	tcase_add_test(tc, table_crc_and_section_crc);
	tcase_add_test(tc, hostile_bounds_refused);
	tcase_add_test(tc, machine_values_checked);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
