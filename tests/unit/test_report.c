/* report.c: the JSON string escaper and the --report file. Each test runs
 * in its own process (Check forks), so report.c's state starts clean. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "report.h"

static char buf[4096];

/* report_json_string(s) as a C string in buf. */
static const char *json(const char *s)
{
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	ck_assert_ptr_nonnull(f);
	report_json_string(f, s);
	fclose(f);
	return buf;
}

START_TEST(json_strings)
{
	ck_assert_str_eq(json(""), "\"\"");
	ck_assert_str_eq(json("plain text"), "\"plain text\"");
	ck_assert_str_eq(json("a\"b\\c"), "\"a\\\"b\\\\c\"");
	ck_assert_str_eq(json("l1\nl2\r\t"), "\"l1\\nl2\\r\\t\"");
	ck_assert_str_eq(json("\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"");
	/* Valid UTF-8 passes through: é, €, U+1F600. */
	ck_assert_str_eq(json("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
			 "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
}
END_TEST

/* Bytes that are not UTF-8 become U+FFFD, one per byte, never raw. */
START_TEST(json_invalid_utf8)
{
	ck_assert_str_eq(json("a\xffz"), "\"a\\ufffdz\"");
	ck_assert_str_eq(json("\xc3"), "\"\\ufffd\"");		/* cut short */
	ck_assert_str_eq(json("\xc0\xaf"), "\"\\ufffd\\ufffd\"");	/* overlong */
	ck_assert_str_eq(json("\xe0\x80\xaf"), "\"\\ufffd\\ufffd\\ufffd\"");
	ck_assert_str_eq(json("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	ck_assert_str_eq(json("\xf4\x90\x80\x80"),			/* > U+10FFFF */
			 "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	ck_assert_str_eq(json("\xe2\x82"), "\"\\ufffd\\ufffd\"");
	ck_assert_str_eq(json("\x80x"), "\"\\ufffdx\"");
}
END_TEST

START_TEST(reason_names)
{
	ck_assert_str_eq(report_reason_name(STOP_GUEST_STATUS), "guest-status");
	ck_assert_str_eq(report_reason_name(STOP_PANIC), "panic");
	ck_assert_str_eq(report_reason_name(STOP_SETUP_ERROR), "setup-error");
	for (int i = 0; i < STOP_NR_REASONS; i++)
		ck_assert_ptr_nonnull(report_reason_name(i));
	ck_assert_str_eq(report_reason_name(STOP_NR_REASONS), "unknown");
}
END_TEST

static char dir[] = "/tmp/hvrun-test-report.XXXXXX";
static char path[128];

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/r.json", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

/* The file's text in buf. */
static const char *read_report(void)
{
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void expect_in(const char *what)
{
	ck_assert_msg(strstr(buf, what), "report lacks '%s':\n%s", what, buf);
}

/* Nothing in the directory but the report: the temporary file is gone. */
static void expect_alone(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "test \"$(ls -A %s)\" = r.json", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(crash_report)
{
	uint64_t a[REPORT_EXIT_SLOTS] = { 0 }, b[REPORT_EXIT_SLOTS] = { 0 };
	struct stat st;

	report_start();
	ck_assert_int_eq(report_open(path), 0);
	ck_assert_int_ne(access(path, F_OK), 0);	/* not before the end */
	report_vcpus(2);
	a[KVM_EXIT_IO] = 5;
	a[KVM_EXIT_MMIO] = 1;
	b[KVM_EXIT_IO] = 2;
	b[KVM_EXIT_SHUTDOWN] = 1;
	b[REPORT_EXIT_SLOTS - 1] = 3;	/* reasons past the table */
	b[50] = 4;			/* no name */
	report_add_exits(a);
	report_add_exits(b);
	report_console_output();
	report_stop(STOP_CRASH, "triple fault \"x\"");
	report_crash_site(1, 0xffffffff81000000ULL, -1);
	ck_assert_int_eq(report_finish(126, "g.img"), 0);
	read_report();
	expect_in("\"status\": 126,");
	expect_in("\"reason\": \"crash\",");
	expect_in("\"detail\": {\"message\": \"triple fault \\\"x\\\"\", \"vcpu\": 1, "
		  "\"rip\": \"0xffffffff81000000\", \"vector\": null}");
	expect_in("\"exits\": {\"io\": 7, \"mmio\": 1, \"shutdown\": 1, "
		  "\"exit-50\": 4, \"other\": 3},");
	expect_in("\"exits_total\": 16");
	expect_in("\"vcpus\": 2,");
	expect_in("\"image\": \"g.img\",");
	ck_assert_ptr_null(strstr(buf, "\"first_output_seconds\": null"));
	expect_alone();
	/* A plain file's mode, not mkstemp's 0600 (umask allowing). */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0044, 0044 & ~(unsigned)umask(022));
}
END_TEST

/* The crash site is only for a crash; a signal names its signal. */
START_TEST(signal_report)
{
	report_start();
	ck_assert_int_eq(report_open(path), 0);
	report_stop(STOP_SIGNAL, "stopped by signal 15 (Terminated)");
	report_crash_site(0, 0x1000, 14);
	ck_assert_int_eq(report_finish(143, "g.img"), 0);
	read_report();
	expect_in("\"reason\": \"signal\",");
	expect_in("\"signal\": 15, \"signal_name\": \"SIGTERM\"");
	ck_assert_ptr_null(strstr(buf, "\"rip\""));
	expect_in("\"first_output_seconds\": null");
	expect_in("\"exits\": {},");
}
END_TEST

/* A run that never said why still gets a report that says so. */
START_TEST(no_reason_is_setup_error)
{
	report_start();
	ck_assert_int_eq(report_open(path), 0);
	ck_assert_int_eq(report_finish(125, "g.img"), 0);
	read_report();
	expect_in("\"reason\": \"setup-error\"");
	expect_in("without saying why");
}
END_TEST

/* No --report: nothing is written, finishing is a no-op. */
START_TEST(no_report)
{
	report_start();
	report_stop(STOP_GUEST_STATUS, "x");
	ck_assert_int_eq(report_finish(0, "g.img"), 0);
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

/* The report cannot be put in place (FILE became a directory): -1, and
 * the temporary file is gone. */
START_TEST(finish_fails_cleanly)
{
	report_start();
	ck_assert_int_eq(report_open(path), 0);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	report_stop(STOP_GUEST_STATUS, "x");
	ck_assert_int_eq(report_finish(0, "g.img"), -1);
	expect_alone();
	ck_assert_int_eq(rmdir(path), 0);
}
END_TEST

START_TEST(unwritable_place)
{
	char bad[160];

	snprintf(bad, sizeof(bad), "%s/missing/r.json", dir);
	ck_assert_int_eq(report_open(bad), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, json_strings);
	tcase_add_test(tc, json_invalid_utf8);
	tcase_add_test(tc, reason_names);
	tcase_add_test(tc, crash_report);
	tcase_add_test(tc, signal_report);
	tcase_add_test(tc, no_reason_is_setup_error);
	tcase_add_test(tc, no_report);
	tcase_add_test(tc, finish_fails_cleanly);
	tcase_add_test(tc, unwritable_place);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
