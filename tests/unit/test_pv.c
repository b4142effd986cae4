/*
 * PV guests without KVM: the loader (ABI note, layout, hypercall page,
 * exception stubs, page tables) and the hypercall table with the calls
 * that need no I/O, fed hostile arguments.
 */
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <hvrun/abi.h>

#include "hypercall/hypercall.h"
#include "loader/bootmem.h"
#include "loader/loader.h"
#include "loader/symbols.h"
#include "vcpu/vcpu.h"
#include "vm.h"
#include "stubs.h"

#define RAM (16ULL << 20)

/* ---- Stubs: vm.c and the vCPU code need KVM, which is not linked. ---- */

/* ---- A minimal PV image: ELF64 header, PT_LOAD at 1 MiB, PT_NOTE. ---- */

struct pv_image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	Elf64_Nhdr nh;
	char name[8];
	uint32_t desc;
	uint8_t code[16];
};

static void make_image(struct pv_image *im, uint32_t version, uint64_t paddr)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->eh.e_ident, ELFMAG, SELFMAG);
	im->eh.e_ident[EI_CLASS] = ELFCLASS64;
	im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im->eh.e_ident[EI_VERSION] = EV_CURRENT;
	im->eh.e_type = ET_EXEC;
	im->eh.e_machine = EM_X86_64;
	im->eh.e_version = EV_CURRENT;
	im->eh.e_entry = paddr + offsetof(struct pv_image, code);
	im->eh.e_phoff = offsetof(struct pv_image, ph);
	im->eh.e_ehsize = sizeof(Elf64_Ehdr);
	im->eh.e_phentsize = sizeof(Elf64_Phdr);
	im->eh.e_phnum = 2;
	im->ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
		.p_offset = 0, .p_vaddr = paddr, .p_paddr = paddr,
		.p_filesz = sizeof(*im), .p_memsz = 0x2000, .p_align = 0x1000 };
	im->ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_flags = PF_R,
		.p_offset = offsetof(struct pv_image, nh),
		.p_filesz = sizeof(Elf64_Nhdr) + 8 + 4, .p_align = 4 };
	im->nh = (Elf64_Nhdr){ .n_namesz = 6, .n_descsz = 4,
			       .n_type = HVRUN_NOTE_ABI };
	memcpy(im->name, HVRUN_NOTE_NAME, 6);
	im->desc = version;
	memset(im->code, 0x90, sizeof(im->code));
}

static struct mem m;
static struct vm vm;
static struct vm_config cfg;

static void setup(void)
{
	ck_assert_int_eq(mem_init(&m, RAM), 0);
	memset(&vm, 0, sizeof(vm));
	memset(&cfg, 0, sizeof(cfg));
	vm.cfg = &cfg;
	vm.nr_vcpus = 2;
	ck_assert_int_eq(mem_init(&vm.mem, RAM), 0);
	stubs_reset();
}

/* Argument checks must refuse every case these tests make before any
 * vCPU would be touched or a crash reported. */
static void teardown(void)
{
	ck_assert_int_eq(stub_vcpu_starts, 0);
	ck_assert_int_eq(stub_crashes, 0);
	mem_free(&m);
	mem_free(&vm.mem);
}

static int load(const struct pv_image *im, struct boot_state *bs, char *err)
{
	struct load_opts opts = { 0 };

	return loader_load(&m, (const uint8_t *)im, sizeof(*im), &opts, bs, err);
}

START_TEST(note_makes_a_pv_image)
{
	struct pv_image im;
	uint32_t version = 0;

	make_image(&im, HVRUN_ABI_VERSION, 0x100000);
	ck_assert_int_eq(loader_sniff((uint8_t *)&im, sizeof(im)), IMAGE_PV);
	ck_assert_int_eq(pv_find_note((uint8_t *)&im, sizeof(im), &version), 1);
	ck_assert_uint_eq(version, HVRUN_ABI_VERSION);

	/* Another note name, or type, is an ordinary ELF. */
	memcpy(im.name, "hvruN", 6);
	ck_assert_int_eq(loader_sniff((uint8_t *)&im, sizeof(im)), IMAGE_ELF);
	make_image(&im, HVRUN_ABI_VERSION, 0x100000);
	im.nh.n_type = 2;
	ck_assert_int_eq(loader_sniff((uint8_t *)&im, sizeof(im)), IMAGE_ELF);
}
END_TEST

START_TEST(hostile_notes_are_not_pv)
{
	struct pv_image im;
	uint32_t version;

	make_image(&im, HVRUN_ABI_VERSION, 0x100000);
	im.nh.n_namesz = 0xfffffff0;	/* runs past the note */
	ck_assert_int_eq(pv_find_note((uint8_t *)&im, sizeof(im), &version), 0);
	make_image(&im, HVRUN_ABI_VERSION, 0x100000);
	im.ph[1].p_offset = UINT64_MAX - 4;	/* note outside the file */
	ck_assert_int_eq(pv_find_note((uint8_t *)&im, sizeof(im), &version), 0);
	make_image(&im, HVRUN_ABI_VERSION, 0x100000);
	im.ph[1].p_filesz = 1 << 30;
	ck_assert_int_eq(pv_find_note((uint8_t *)&im, sizeof(im), &version), 0);
	make_image(&im, HVRUN_ABI_VERSION, 0x100000);
	im.nh.n_descsz = 8;		/* version must be 4 bytes */
	ck_assert_int_eq(pv_find_note((uint8_t *)&im, sizeof(im), &version), 0);
	/* Every truncation: never PV unless the note is whole, never a crash. */
	make_image(&im, HVRUN_ABI_VERSION, 0x100000);
	for (size_t len = 0; len < offsetof(struct pv_image, code); len++)
		ck_assert_int_eq(pv_find_note((uint8_t *)&im, len, &version), 0);
}
END_TEST

START_TEST(load_builds_the_entry_state)
{
	struct pv_image im;
	struct boot_state bs;
	char err[LOADER_ERRLEN];
	uint8_t entry[16], want[16] = { 0xb8, 1, 0, 0, 0, 0xa3 };
	uint64_t pte, doorbell = HVRUN_HC_DOORBELL, idt[2];

	make_image(&im, HVRUN_ABI_VERSION, 0x100000);
	ck_assert_int_eq(load(&im, &bs, err), 0);
	ck_assert_int_eq(bs.mode, MODE_PV);
	ck_assert_uint_eq(bs.rip, 0x100000 + offsetof(struct pv_image, code));
	ck_assert_uint_eq(bs.rdi, PV_FDT);
	ck_assert_uint_eq(bs.rsp, RAM);
	ck_assert_uint_eq(bs.cr3, BOOT_PML4);
	ck_assert_uint_eq(bs.idt_base, PV_IDT);
	ck_assert_uint_eq(bs.tss_base, PV_TSS);

	/* Hypercall page entry 1: mov $1,%eax; movabs %eax,doorbell; ret. */
	memcpy(want + 6, &doorbell, 8);
	want[14] = 0xc3;
	ck_assert_int_eq(mem_read(&m, entry, PV_HC_PAGE + HVRUN_HC_STRIDE, 15), 0);
	ck_assert_mem_eq(entry, want, 15);

	/* Page 0 unmapped, page 1 user-accessible, 2 MiB pages user too. */
	ck_assert_int_eq(mem_read(&m, &pte, PV_PT0, 8), 0);
	ck_assert_uint_eq(pte, 0);
	ck_assert_int_eq(mem_read(&m, &pte, PV_PT0 + 8, 8), 0);
	ck_assert_uint_eq(pte, 0x1000 | 7);
	ck_assert_int_eq(mem_read(&m, &pte, BOOT_PD, 8), 0);
	ck_assert_uint_eq(pte, PV_PT0 | 7);
	ck_assert_int_eq(mem_read(&m, &pte, BOOT_PD + 8, 8), 0);
	ck_assert_uint_eq(pte, (2ULL << 20) | 0x87);

	/* #PF's gate: present, DPL 0, kernel code, into the stub page. */
	ck_assert_int_eq(mem_read(&m, idt, PV_IDT + 14 * 16, 16), 0);
	ck_assert_uint_eq((idt[0] >> 16) & 0xffff, PV_SEL_KCODE);
	ck_assert_uint_eq((idt[0] >> 40) & 0xff, 0x8e);
	ck_assert_uint_eq((idt[0] & 0xffff) | ((idt[0] >> 32) & 0xffff0000),
			  PV_STUBS + 14 * 16);
}
END_TEST

START_TEST(load_refuses_other_versions_and_low_segments)
{
	struct pv_image im;
	struct boot_state bs;
	char err[LOADER_ERRLEN];

	make_image(&im, HVRUN_ABI_VERSION + 1, 0x100000);
	ck_assert_int_eq(load(&im, &bs, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "ABI version 3"));
	make_image(&im, 0, 0x100000);
	ck_assert_int_eq(load(&im, &bs, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "ABI version 0"));
	make_image(&im, HVRUN_ABI_VERSION_MIN, 0x100000);	/* v1 still runs */
	ck_assert_int_eq(load(&im, &bs, err), 0);

	make_image(&im, HVRUN_ABI_VERSION, 0x80000);	/* below 1 MiB */
	ck_assert_int_eq(load(&im, &bs, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "below"));

	make_image(&im, HVRUN_ABI_VERSION, RAM - 0x1000);	/* past RAM */
	ck_assert_int_eq(load(&im, &bs, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "outside guest RAM"));
}
END_TEST

static int64_t call(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		    uint64_t a3)
{
	struct hc_call c = { .vm = &vm, .nr = nr, .arg = { a0, a1, a2, a3 } };

	return hc_dispatch(&c);
}

START_TEST(unknown_calls_are_enosys)
{
	ck_assert_int_eq(call(HVRUN_HC_COUNT, 0, 0, 0, 0), -ENOSYS);
	ck_assert_int_eq(call(UINT64_MAX, 0, 0, 0, 0), -ENOSYS);
	ck_assert_int_eq(call(1ULL << 32, 0, 0, 0, 0), -ENOSYS);
	ck_assert_int_eq(call(HVRUN_HC_ABI_VERSION, 0, 0, 0, 0), HVRUN_ABI_VERSION);
}
END_TEST

START_TEST(clock_and_exit)
{
	int64_t a = call(HVRUN_HC_CLOCK, HVRUN_CLOCK_MONOTONIC, 0, 0, 0);
	int64_t b = call(HVRUN_HC_CLOCK, HVRUN_CLOCK_MONOTONIC, 0, 0, 0);

	ck_assert_int_gt(a, 0);
	ck_assert_int_ge(b, a);
	/* Realtime is after 2020. */
	ck_assert_int_gt(call(HVRUN_HC_CLOCK, HVRUN_CLOCK_REALTIME, 0, 0, 0),
			 1577836800LL * 1000000000LL);
	ck_assert_int_eq(call(HVRUN_HC_CLOCK, 2, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(call(HVRUN_HC_CLOCK, UINT64_MAX, 0, 0, 0), -EINVAL);

	call(HVRUN_HC_EXIT, 7, 0, 0, 0);
	ck_assert_int_eq(stub_stopped_with, 7);
	call(HVRUN_HC_EXIT, 124, 0, 0, 0);	/* hvrun's own: becomes 123 */
	ck_assert_int_eq(stub_stopped_with, 123);
	call(HVRUN_HC_EXIT, UINT64_MAX, 0, 0, 0);
	ck_assert_int_eq(stub_stopped_with, 123);
}
END_TEST

START_TEST(memory_arguments_are_checked)
{
	static const uint64_t calls[] = { HVRUN_HC_RANDOM,
		HVRUN_HC_CONSOLE_WRITE, HVRUN_HC_CONSOLE_READ };
	uint8_t *ram = mem_ptr(&vm.mem, 0, RAM);

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		uint64_t nr = calls[i];

		ck_assert_int_eq(call(nr, UINT64_MAX - 10, 512, 0, 0), -EFAULT);
		ck_assert_int_eq(call(nr, 4096, UINT64_MAX, 0, 0), -EFAULT);
		ck_assert_int_eq(call(nr, 4096, UINT64_MAX - 4095, 0, 0), -EFAULT);
		ck_assert_int_eq(call(nr, RAM - 8, 9, 0, 0), -EFAULT);
		ck_assert_int_eq(call(nr, RAM, 1, 0, 0), -EFAULT);
		ck_assert_int_eq(call(nr, 0xfeb00000, 4, 0, 0), -EFAULT);
	}
	/* Nothing was written by the refused calls. */
	for (uint64_t i = 0; i < RAM; i++)
		if (ram[i])
			ck_abort_msg("guest byte 0x%llx written", (unsigned long long)i);

	ck_assert_int_eq(call(HVRUN_HC_RANDOM, 0x2000, 0, 0, 0), 0);
	ck_assert_int_eq(call(HVRUN_HC_RANDOM, RAM - 64, 64, 0, 0), 64);
	ck_assert(memcmp(ram + RAM - 64, ram, 64) != 0);	/* 2^-512 to fail */
	ck_assert_int_eq(call(HVRUN_HC_CONSOLE_WRITE, 0x1000, 16, 0, 0), 16);
	ck_assert_int_eq(call(HVRUN_HC_CONSOLE_READ, 0x1000, 16, 0, 0), 0);
}
END_TEST

START_TEST(vcpu_start_checks_its_arguments)
{
	ck_assert_int_eq(call(HVRUN_HC_VCPU_START, 0, 0x100000, 0, 0), -EINVAL);
	ck_assert_int_eq(call(HVRUN_HC_VCPU_START, 2, 0x100000, 0, 0), -EINVAL);
	ck_assert_int_eq(call(HVRUN_HC_VCPU_START, UINT64_MAX, 0x100000, 0, 0), -EINVAL);
	ck_assert_int_eq(call(HVRUN_HC_VCPU_START, 1ULL << 32, 0x100000, 0, 0), -EINVAL);
	/* vm.vcpus is NULL here: id 1 exists in nr_vcpus but has no vCPU. */
	ck_assert_int_eq(call(HVRUN_HC_VCPU_START, 1, 0x100000, 0, 0), -EINVAL);
}
END_TEST

START_TEST(symbols_name_the_crash_site)
{
	struct pv_image im;
	uint64_t off = 0;

	make_image(&im, HVRUN_ABI_VERSION, 0x100000);
	/* No section headers at all: no symbols, and no crash. */
	ck_assert_ptr_null(symtab_load((uint8_t *)&im, sizeof(im)));
	ck_assert_ptr_null(symtab_lookup(NULL, 0x100000, &off));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pv");
	TCase *ld = tcase_create("loader"), *hc = tcase_create("hypercalls");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(ld, setup, teardown);
	tcase_add_test(ld, note_makes_a_pv_image);
	tcase_add_test(ld, hostile_notes_are_not_pv);
	tcase_add_test(ld, load_builds_the_entry_state);
	tcase_add_test(ld, load_refuses_other_versions_and_low_segments);
	tcase_add_test(ld, symbols_name_the_crash_site);
	suite_add_tcase(s, ld);
	tcase_add_checked_fixture(hc, setup, teardown);
	tcase_add_test(hc, unknown_calls_are_enosys);
	tcase_add_test(hc, clock_and_exit);
	tcase_add_test(hc, memory_arguments_are_checked);
	tcase_add_test(hc, vcpu_start_checks_its_arguments);
	suite_add_tcase(s, hc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
