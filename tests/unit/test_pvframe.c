/* vcpu/pvframe.c: the one decoder of the PV exception stubs' stack. No
 * KVM: with no vCPU fd, KVM_TRANSLATE fails and the stub stack is read
 * identity-mapped, as the PV layout maps it. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kvm.h>

#include "board.h"
#include "vcpu/vcpu.h"
#include "vm.h"

#define RAM	(4ULL << 20)
#define SP	0xD000ULL	/* on the PV exception stack */

static struct vm vm;
static struct vcpu v;
static const struct image_profile pv = { .pv = true }, other = { .devices = true };

static void setup(void)
{
	memset(&vm, 0, sizeof(vm));
	vm.profile = &pv;
	ck_assert_int_eq(mem_init(&vm.mem, RAM), 0);
	memset(&v, 0, sizeof(v));
	v.vm = &vm;
	v.fd = -1;
}

static void teardown(void)
{
	mem_free(&vm.mem);
}

/* words at SP upward; the CPU's frame is rip 0x401000, cs 0x1b,
 * rflags 0x246, rsp 0x7000, ss 0x23 after `above` words. */
static void stack(const uint64_t *above, int n)
{
	const uint64_t frame[5] = { 0x401000, 0x1b, 0x246, 0x7000, 0x23 };

	ck_assert_int_eq(mem_write(&vm.mem, SP, above, 8 * (size_t)n), 0);
	ck_assert_int_eq(mem_write(&vm.mem, SP + 8ULL * n, frame, sizeof(frame)), 0);
}

static void check_frame(const struct pv_frame *f, uint64_t gva)
{
	ck_assert_uint_eq(f->rip, 0x401000);
	ck_assert_uint_eq(f->cs, 0x1b);
	ck_assert_uint_eq(f->rflags, 0x246);
	ck_assert_uint_eq(f->rsp, 0x7000);
	ck_assert_uint_eq(f->ss, 0x23);
	ck_assert_uint_eq(f->frame_gva, gva);
}

START_TEST(common_part_holds_vector_and_error)
{
	const uint64_t above[2] = { 14, 0x6 };	/* #PF, error 6 */
	struct kvm_regs r = { .rip = PV_STUBS + PV_NR_STUBS * PV_STUB_SIZE + 20,
			      .rsp = SP };
	struct pv_frame f;

	stack(above, 2);
	ck_assert_int_eq(vcpu_pv_frame(&v, &r, &f), 0);
	ck_assert(f.common);
	ck_assert_uint_eq(f.vector, 14);
	ck_assert_uint_eq(f.error, 6);
	check_frame(&f, SP + 16);
}
END_TEST

START_TEST(step_after_push_zero)
{
	const uint64_t above[1] = { 0 };
	struct kvm_regs r = { .rip = PV_STUBS + PV_STUB_SIZE + 2, .rsp = SP };
	struct pv_frame f;

	stack(above, 1);
	ck_assert_int_eq(vcpu_pv_frame(&v, &r, &f), 0);
	ck_assert(!f.common);
	ck_assert_uint_eq(f.vector, 1);
	ck_assert_uint_eq(f.error, 0);
	check_frame(&f, SP + 8);
}
END_TEST

START_TEST(entry_with_cpu_error_code)
{
	const uint64_t above[1] = { 0x10 };	/* #GP's error code */
	struct kvm_regs r = { .rip = PV_STUBS + 13 * PV_STUB_SIZE, .rsp = SP };
	struct pv_frame f;

	stack(above, 1);
	ck_assert_int_eq(vcpu_pv_frame(&v, &r, &f), 0);
	ck_assert_uint_eq(f.vector, 13);
	ck_assert_uint_eq(f.error, 0x10);
	check_frame(&f, SP + 8);
}
END_TEST

START_TEST(refuses_what_is_no_stub_frame)
{
	const uint64_t above[2] = { 99, 0 };	/* no such vector */
	struct kvm_regs r = { .rip = PV_STUBS_END, .rsp = SP };
	struct pv_frame f;

	stack(above, 2);
	ck_assert_int_eq(vcpu_pv_frame(&v, &r, &f), -1);
	r.rip = PV_STUBS - 1;
	ck_assert_int_eq(vcpu_pv_frame(&v, &r, &f), -1);
	r.rip = PV_STUBS + PV_NR_STUBS * PV_STUB_SIZE;
	ck_assert_int_eq(vcpu_pv_frame(&v, &r, &f), -1);	/* vector 99 */
	r.rsp = RAM - 8;					/* runs off RAM */
	ck_assert_int_eq(vcpu_pv_frame(&v, &r, &f), -1);
	vm.profile = &other;					/* not a PV guest */
	r.rsp = SP;
	r.rip = PV_STUBS + PV_STUB_SIZE + 2;
	ck_assert_int_eq(vcpu_pv_frame(&v, &r, &f), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pvframe");
	TCase *tc = tcase_create("pvframe");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, common_part_holds_vector_and_error);
	tcase_add_test(tc, step_after_push_zero);
	tcase_add_test(tc, entry_with_cpu_error_code);
	tcase_add_test(tc, refuses_what_is_no_stub_frame);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
