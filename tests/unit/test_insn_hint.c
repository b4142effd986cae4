/* vcpu/insn_hint.c: the byte patterns of instructions some KVMs cannot
 * emulate, with their prefixes, and what is not one of them. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vcpu/insn_hint.h"

#define FIND(bits, ...) ({						\
	static const uint8_t b_[] = { __VA_ARGS__ };			\
	insn_hint_find(b_, sizeof(b_), bits);				\
})

static void is(const struct insn_hint *h, const char *feature)
{
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(h->feature);
	ck_assert_str_eq(h->feature, feature);
	ck_assert_ptr_nonnull(strstr(h->hint, "--cpu-features -"));
}

START_TEST(cmpxchg16b_and_8b)
{
	is(FIND(64, 0x48, 0x0f, 0xc7, 0x0e), "cx16");	/* cmpxchg16b (%rsi) */
	is(FIND(64, 0xf0, 0x48, 0x0f, 0xc7, 0x0f), "cx16");	/* lock */
	ck_assert_str_eq(FIND(64, 0x48, 0x0f, 0xc7, 0x0e)->name, "cmpxchg16b");
	is(FIND(64, 0x0f, 0xc7, 0x0e), "cx8");
	is(FIND(32, 0x0f, 0xc7, 0x0e), "cx8");
	/* Outside 64-bit code 0x48 is dec %eax, not REX.W. */
	ck_assert_ptr_null(FIND(32, 0x48, 0x0f, 0xc7, 0x0e));
}
END_TEST

START_TEST(xsave_family)
{
	is(FIND(64, 0x0f, 0xae, 0x27), "xsave");		/* xsave (%rdi) */
	is(FIND(64, 0x48, 0x0f, 0xae, 0x2f), "xsave");	/* xrstor64 */
	is(FIND(64, 0x0f, 0xae, 0x37), "xsave");		/* xsaveopt */
	is(FIND(64, 0x0f, 0xc7, 0x1f), "xsave");		/* xrstors */
	is(FIND(64, 0x0f, 0xc7, 0x27), "xsave");		/* xsavec */
	is(FIND(64, 0x0f, 0xc7, 0x2f), "xsave");		/* xsaves */
	is(FIND(64, 0x0f, 0x01, 0xd0), "xsave");		/* xgetbv */
	is(FIND(64, 0x0f, 0x01, 0xd1), "xsave");		/* xsetbv */
	ck_assert_ptr_nonnull(strstr(FIND(64, 0x0f, 0xae, 0x27)->hint,
				     "noxsave"));
}
END_TEST

START_TEST(cpuid_features)
{
	is(FIND(64, 0xf3, 0x0f, 0xb8, 0xc0), "popcnt");
	is(FIND(16, 0xf3, 0x0f, 0xb8, 0xc0), "popcnt");
	is(FIND(64, 0xf3, 0x48, 0x0f, 0xb8, 0xc0), "popcnt");
	is(FIND(64, 0x0f, 0xc7, 0xf0), "rdrand");
	is(FIND(64, 0x0f, 0xc7, 0xf8), "rdseed");
	is(FIND(64, 0xf3, 0x0f, 0xc7, 0xf8), "rdpid");
	is(FIND(64, 0xf3, 0x48, 0x0f, 0xae, 0xc0), "fsgsbase");	/* rdfsbase */
	is(FIND(64, 0xf3, 0x0f, 0xae, 0xd8), "fsgsbase");	/* wrgsbase */
	is(FIND(64, 0x66, 0x0f, 0xae, 0x37), "clwb");
	is(FIND(64, 0x66, 0x0f, 0xae, 0x3f), "clflushopt");
	is(FIND(64, 0x66, 0x0f, 0x38, 0x82, 0x01), "invpcid");
	is(FIND(64, 0x0f, 0x01, 0xcb), "smap");		/* stac */
	is(FIND(64, 0x0f, 0x01, 0xca), "smap");		/* clac */
}
END_TEST

START_TEST(no_cpuid_bit)
{
	const struct insn_hint *h = FIND(64, 0x9b);

	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(h->name, "fwait");
	ck_assert_ptr_null(h->feature);
	ck_assert_str_eq(FIND(64, 0xcc)->name, "int3");
	ck_assert_str_eq(FIND(64, 0xcf)->name, "a 32-bit iret");
	ck_assert_str_eq(FIND(32, 0xcf)->name, "a 32-bit iret");
	ck_assert_str_eq(FIND(16, 0x66, 0xcf)->name, "a 32-bit iret");
	ck_assert_ptr_null(FIND(64, 0x48, 0xcf));	/* iretq */
	ck_assert_ptr_null(FIND(16, 0xcf));		/* 16-bit iret */
}
END_TEST

START_TEST(others_are_not_named)
{
	ck_assert_ptr_null(FIND(64, 0x0f, 0xae, 0x3f));	/* clflush */
	ck_assert_ptr_null(FIND(64, 0x0f, 0xae, 0xe8));	/* lfence */
	ck_assert_ptr_null(FIND(64, 0x0f, 0xae, 0x07));	/* fxsave */
	ck_assert_ptr_null(FIND(64, 0x0f, 0xb8, 0xc0));	/* jmpe, no F3 */
	ck_assert_ptr_null(FIND(64, 0x0f, 0xc7, 0xc8));	/* group 9, mod 3 */
	ck_assert_ptr_null(FIND(64, 0x90));
	ck_assert_ptr_null(FIND(64, 0x48, 0x89, 0xc0));	/* mov */
	ck_assert_ptr_null(FIND(64, 0x0f, 0x38, 0x82, 0x01));	/* no 66 */
}
END_TEST

/* Short input: nothing past len is read (ASan checks the buffers). */
START_TEST(truncated)
{
	uint8_t *one = malloc(1), *two = malloc(2), *prefixes = malloc(16);

	one[0] = 0x0f;
	ck_assert_ptr_null(insn_hint_find(one, 1, 64));
	two[0] = 0xf3;
	two[1] = 0x0f;
	ck_assert_ptr_null(insn_hint_find(two, 2, 64));
	ck_assert_ptr_null(insn_hint_find(two, 0, 64));
	memset(prefixes, 0x66, 16);
	ck_assert_ptr_null(insn_hint_find(prefixes, 16, 64));
	ck_assert_ptr_null(insn_hint_find(prefixes, 15, 64));
	free(one);
	free(two);
	free(prefixes);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("insn_hint");
	TCase *tc = tcase_create("insn_hint");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, cmpxchg16b_and_8b);
	tcase_add_test(tc, xsave_family);
	tcase_add_test(tc, cpuid_features);
	tcase_add_test(tc, no_cpuid_bit);
	tcase_add_test(tc, others_are_not_named);
	tcase_add_test(tc, truncated);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
