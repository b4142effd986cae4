/* cpuid.c: --cpu-features masks applied to a CPUID table. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kvm.h>

#include "cpu_features.h"
#include "vcpu/vcpu.h"

#define NENT 5

static struct kvm_cpuid2 *fake_cpuid(void)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + NENT * sizeof(c->entries[0]));

	ck_assert_ptr_nonnull(c);
	c->nent = NENT;
	c->entries[0].function = 1;
	c->entries[1].function = 7;
	c->entries[1].index = 0;
	c->entries[1].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	c->entries[2].function = 7;
	c->entries[2].index = 1;
	c->entries[2].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	c->entries[3].function = 0x40000001;
	c->entries[4].function = 0x80000001;
	for (int i = 0; i < NENT; i++) {
		c->entries[i].eax = c->entries[i].ebx = 0xffffffff;
		c->entries[i].ecx = c->entries[i].edx = 0xffffffff;
	}
	return c;
}

static void drop(uint64_t *mask, const char *name)
{
	int i = cpu_feature_find(name);

	ck_assert_int_ge(i, 0);
	mask[i / 64] |= 1ULL << (i % 64);
}

START_TEST(nothing_dropped)
{
	uint64_t mask[CPU_FEATURE_WORDS] = { 0 };
	struct kvm_cpuid2 *c = fake_cpuid(), *orig = fake_cpuid();

	cpuid_drop_features(c, mask);
	ck_assert_int_eq(memcmp(c, orig, sizeof(*c) + NENT * sizeof(c->entries[0])), 0);
	free(c);
	free(orig);
}
END_TEST

START_TEST(bits_cleared)
{
	uint64_t mask[CPU_FEATURE_WORDS] = { 0 };
	struct kvm_cpuid2 *c = fake_cpuid();

	drop(mask, "cx16");		/* 1.ECX[13] */
	drop(mask, "popcnt");		/* 1.ECX[23] */
	drop(mask, "fpu");		/* 1.EDX[0] */
	drop(mask, "avx2");		/* 7.0.EBX[5] */
	drop(mask, "arch_capabilities");/* 7.0.EDX[29] */
	drop(mask, "kvm-pv-ipi");	/* 0x40000001.EAX[11] */
	drop(mask, "kvm-clock");	/* 0x40000001.EAX[0] and [3] */
	drop(mask, "lm");		/* 0x80000001.EDX[29] */
	cpuid_drop_features(c, mask);

	ck_assert_uint_eq(c->entries[0].eax, 0xffffffff);
	ck_assert_uint_eq(c->entries[0].ebx, 0xffffffff);
	ck_assert_uint_eq(c->entries[0].ecx, ~((1U << 13) | (1U << 23)));
	ck_assert_uint_eq(c->entries[0].edx, ~1U);
	ck_assert_uint_eq(c->entries[1].ebx, ~(1U << 5));
	ck_assert_uint_eq(c->entries[1].ecx, 0xffffffff);
	ck_assert_uint_eq(c->entries[1].edx, ~(1U << 29));
	/* Leaf 7 subleaf 1 is another entry: untouched. */
	ck_assert_uint_eq(c->entries[2].ebx, 0xffffffff);
	ck_assert_uint_eq(c->entries[2].edx, 0xffffffff);
	ck_assert_uint_eq(c->entries[3].eax, ~((1U << 11) | (1U << 0) | (1U << 3)));
	ck_assert_uint_eq(c->entries[3].ebx, 0xffffffff);
	ck_assert_uint_eq(c->entries[4].edx, ~(1U << 29));
	ck_assert_uint_eq(c->entries[4].ecx, 0xffffffff);
	free(c);
}
END_TEST

/* Leaf 0xd is not in the table: dropping xsaveopt changes nothing and
 * does not fault. */
START_TEST(missing_leaf)
{
	uint64_t mask[CPU_FEATURE_WORDS] = { 0 };
	struct kvm_cpuid2 *c = fake_cpuid(), *orig = fake_cpuid();
	struct kvm_cpuid2 empty = { .nent = 0 };

	drop(mask, "xsaveopt");
	cpuid_drop_features(c, mask);
	ck_assert_int_eq(memcmp(c, orig, sizeof(*c) + NENT * sizeof(c->entries[0])), 0);
	cpuid_drop_features(&empty, mask);
	free(c);
	free(orig);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpuid");
	TCase *tc = tcase_create("cpuid");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, nothing_dropped);
	tcase_add_test(tc, bits_cleared);
	tcase_add_test(tc, missing_leaf);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
