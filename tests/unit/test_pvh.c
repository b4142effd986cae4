/*
 * PVH boot without KVM: the Xen PHYS32_ENTRY note, the start info, module
 * list, memory map and command line the loader writes, the entry state, and
 * hostile images.
 */
#include <check.h>
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include <hvrun/abi.h>

#include "acpi/acpi.h"
#include "loader/bootmem.h"
#include "loader/loader.h"

#define RAM (64ULL << 20)
#define KERNEL (16ULL << 20)	/* where Linux's vmlinux loads */
#define INITRD_LEN 10000

/* ELF64 header, PT_LOAD of the whole file at KERNEL, PT_NOTE "Xen" 18. */
struct pvh_image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	Elf64_Nhdr nh;
	char name[4];
	uint64_t desc;
	uint8_t code[32];
};

#define ENTRY (KERNEL + offsetof(struct pvh_image, code))

static struct pvh_image im;
static struct mem m;
static struct load_opts opts;
static struct boot_state bs;
static char err[LOADER_ERRLEN];
static uint8_t initrd[INITRD_LEN];

static void make_image(struct pvh_image *p)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->eh.e_ident, ELFMAG, SELFMAG);
	p->eh.e_ident[EI_CLASS] = ELFCLASS64;
	p->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	p->eh.e_ident[EI_VERSION] = EV_CURRENT;
	p->eh.e_type = ET_EXEC;
	p->eh.e_machine = EM_X86_64;
	p->eh.e_version = EV_CURRENT;
	/* A virtual address, as in vmlinux: PVH never enters here. */
	p->eh.e_entry = 0xffffffff81000000ULL;
	p->eh.e_phoff = offsetof(struct pvh_image, ph);
	p->eh.e_ehsize = sizeof(Elf64_Ehdr);
	p->eh.e_phentsize = sizeof(Elf64_Phdr);
	p->eh.e_phnum = 2;
	p->ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
		.p_offset = 0, .p_vaddr = 0xffffffff81000000ULL,
		.p_paddr = KERNEL, .p_filesz = sizeof(*p), .p_memsz = 0x3000,
		.p_align = 0x1000 };
	p->ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_flags = PF_R,
		.p_offset = offsetof(struct pvh_image, nh),
		.p_filesz = sizeof(Elf64_Nhdr) + 4 + 8, .p_align = 4 };
	p->nh = (Elf64_Nhdr){ .n_namesz = 4, .n_descsz = 8,
			      .n_type = PVH_NOTE_PHYS32_ENTRY };
	memcpy(p->name, "Xen", 4);
	p->desc = ENTRY;
	memset(p->code, 0x90, sizeof(p->code));
}

static void setup(void)
{
	ck_assert_int_eq(mem_init(&m, RAM), 0);
	make_image(&im);
	for (size_t i = 0; i < INITRD_LEN; i++)
		initrd[i] = (uint8_t)(i * 13 + 5);
	memset(&opts, 0, sizeof(opts));
	memset(&bs, 0x5A, sizeof(bs));
	memset(err, 0, sizeof(err));
}

static void teardown(void)
{
	mem_free(&m);
}

static int load(size_t len)
{
	return loader_load(&m, (const uint8_t *)&im, len, &opts, &bs, err);
}

static void expect_ok(void)
{
	ck_assert_msg(load(sizeof(im)) == 0, "load failed: %s", err);
}

/* Refused with a one-line reason, and guest memory untouched. */
static void expect_fail(const char *why)
{
	const uint8_t *ram = mem_ptr(&m, 0, RAM);

	ck_assert_int_eq(load(sizeof(im)), -1);
	ck_assert_msg(strstr(err, why), "error '%s' lacks '%s'", err, why);
	ck_assert_ptr_null(strchr(err, '\n'));
	for (uint64_t i = 0; i < RAM; i += 64)
		if (ram[i]) {
			ck_abort_msg("guest memory written at 0x%llx: %s",
				     (unsigned long long)i, err);
			break;
		}
}

static struct hvm_start_info start_info(void)
{
	struct hvm_start_info si;

	ck_assert_int_eq(mem_read(&m, &si, PVH_START_INFO, sizeof(si)), 0);
	return si;
}

static void check_memmap(unsigned int i, uint64_t addr, uint64_t size,
			 uint32_t type)
{
	struct hvm_memmap_table_entry e;

	ck_assert_int_eq(mem_read(&m, &e, PVH_MEMMAP + i * sizeof(e),
				  sizeof(e)), 0);
	ck_assert_uint_eq(e.addr, addr);
	ck_assert_uint_eq(e.size, size);
	ck_assert_uint_eq(e.type, type);
	ck_assert_uint_eq(e.reserved, 0);
}

START_TEST(note_makes_a_pvh_image)
{
	uint64_t entry;
	size_t desc_len;

	ck_assert_int_eq(loader_sniff((uint8_t *)&im, sizeof(im)), IMAGE_PVH);
	ck_assert_str_eq(loader_kind_name(IMAGE_PVH), "PVH");
	ck_assert_int_eq(pvh_find_note((uint8_t *)&im, sizeof(im), &entry,
				       &desc_len), 1);
	ck_assert_uint_eq(entry, ENTRY);
	ck_assert_uint_eq(desc_len, 8);
	/* Another name or type: an ordinary ELF. */
	memcpy(im.name, "Xem", 4);
	ck_assert_int_eq(loader_sniff((uint8_t *)&im, sizeof(im)), IMAGE_ELF);
	make_image(&im);
	im.nh.n_type = 17;
	ck_assert_int_eq(loader_sniff((uint8_t *)&im, sizeof(im)), IMAGE_ELF);
	/* With the hvrun note after it (in code[]), the image is a PV guest. */
	make_image(&im);
	memcpy(im.code, &(Elf64_Nhdr){ .n_namesz = sizeof(HVRUN_NOTE_NAME),
		.n_descsz = 4, .n_type = HVRUN_NOTE_ABI }, sizeof(Elf64_Nhdr));
	memcpy(im.code + sizeof(Elf64_Nhdr), HVRUN_NOTE_NAME,
	       sizeof(HVRUN_NOTE_NAME));
	memcpy(im.code + sizeof(Elf64_Nhdr) + 8, &(uint32_t){ HVRUN_ABI_VERSION }, 4);
	im.ph[1].p_filesz += sizeof(Elf64_Nhdr) + 8 + 4;
	ck_assert_int_eq(loader_sniff((uint8_t *)&im, sizeof(im)), IMAGE_PV);
}
END_TEST

START_TEST(start_info_and_entry_state)
{
	struct hvm_start_info si;
	char cmd[64];
	uint8_t code[sizeof(im.code)];

	opts.cmdline = "console=ttyS0 root=/dev/vda";
	expect_ok();
	ck_assert_int_eq(bs.mode, MODE_PROTECTED);
	ck_assert_uint_eq(bs.rip, ENTRY);
	ck_assert_uint_eq(bs.rbx, PVH_START_INFO);
	ck_assert_uint_eq(bs.gdt_base, BOOT_GDT);

	si = start_info();
	ck_assert_uint_eq(si.magic, 0x336ec578);
	ck_assert_uint_eq(si.version, 1);
	ck_assert_uint_eq(si.flags, 0);
	ck_assert_uint_eq(si.nr_modules, 0);
	ck_assert_uint_eq(si.modlist_paddr, 0);
	ck_assert_uint_eq(si.cmdline_paddr, PVH_CMDLINE);
	ck_assert_uint_eq(si.rsdp_paddr, ACPI_RSDP_ADDR);
	ck_assert_uint_eq(si.memmap_paddr, PVH_MEMMAP);
	ck_assert_uint_eq(si.memmap_entries, 3);
	check_memmap(0, 0, 0x9FC00, 1);
	check_memmap(1, 0x9FC00, 0x100000 - 0x9FC00, 2);
	check_memmap(2, 0x100000, RAM - 0x100000, 1);
	/* The ACPI tables lie in the reserved entry. */
	ck_assert_uint_ge(ACPI_BASE, 0x9FC00);
	ck_assert_uint_le(ACPI_END, 0x100000);

	ck_assert_int_eq(mem_read(&m, cmd, PVH_CMDLINE, sizeof(cmd)), 0);
	ck_assert_str_eq(cmd, "console=ttyS0 root=/dev/vda");
	ck_assert_int_eq(mem_read(&m, code, ENTRY, sizeof(code)), 0);
	ck_assert_int_eq(memcmp(code, im.code, sizeof(code)), 0);
}
END_TEST

START_TEST(no_cmdline_is_empty)
{
	char c = 'x';

	expect_ok();
	ck_assert_int_eq(mem_read(&m, &c, PVH_CMDLINE, 1), 0);
	ck_assert_int_eq(c, '\0');
}
END_TEST

START_TEST(four_byte_note)
{
	/* ELF32-style 4-byte descriptor: the same entry. */
	im.nh.n_descsz = 4;
	im.ph[1].p_filesz = sizeof(Elf64_Nhdr) + 4 + 4;
	expect_ok();
	ck_assert_uint_eq(bs.rip, ENTRY);
}
END_TEST

START_TEST(initrd_is_module_0)
{
	struct hvm_start_info si;
	struct hvm_modlist_entry mod;
	uint64_t want = (RAM - INITRD_LEN) & ~0xFFFULL;
	uint8_t *p;

	opts.initrd = initrd;
	opts.initrd_len = INITRD_LEN;
	expect_ok();
	si = start_info();
	ck_assert_uint_eq(si.nr_modules, 1);
	ck_assert_uint_eq(si.modlist_paddr, PVH_MODLIST);
	ck_assert_int_eq(mem_read(&m, &mod, PVH_MODLIST, sizeof(mod)), 0);
	ck_assert_uint_eq(mod.paddr, want);
	ck_assert_uint_eq(mod.size, INITRD_LEN);
	ck_assert_uint_eq(mod.cmdline_paddr, 0);
	ck_assert_uint_eq(mod.reserved, 0);
	p = mem_ptr(&m, want, INITRD_LEN);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(memcmp(p, initrd, INITRD_LEN), 0);
}
END_TEST

START_TEST(memmap_above_4g)
{
	struct hvm_start_info si;

	mem_free(&m);
	ck_assert_int_eq(mem_init(&m, 4ULL << 30), 0);
	expect_ok();
	si = start_info();
	ck_assert_uint_eq(si.memmap_entries, 4);
	check_memmap(2, 0x100000, m.region[0].size - 0x100000, 1);
	check_memmap(3, 0x100000000ULL, m.region[1].size, 1);
}
END_TEST

START_TEST(initrd_too_large)
{
	static uint8_t big[1];

	opts.initrd = big;
	opts.initrd_len = RAM + 1;	/* only its length is read */
	expect_fail("larger than the guest RAM");
	/* Fits in RAM, but not above the kernel. */
	opts.initrd_len = RAM - KERNEL - 0x1000;
	expect_fail("does not fit between");
}
END_TEST

START_TEST(cmdline_too_long)
{
	char *s = malloc(BZ_CMDLINE_MAX + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, 'a', BZ_CMDLINE_MAX);
	s[BZ_CMDLINE_MAX] = '\0';
	opts.cmdline = s;
	expect_fail("command line is 65536 bytes");
	s[BZ_CMDLINE_MAX - 1] = '\0';	/* the longest that fits */
	expect_ok();
	free(s);
}
END_TEST

START_TEST(entry_outside_the_image)
{
	im.desc = KERNEL + 0x2000;	/* in memsz, beyond the file bytes */
	expect_fail("PVH entry point 0x1002000 is not in a loaded segment");
	im.desc = 0x7000;
	expect_fail("not in a loaded segment");
	im.desc = 0x100000000ULL;
	expect_fail("PVH entry point 0x100000000 is above 4 GiB");
}
END_TEST

START_TEST(bad_note_sizes)
{
	im.nh.n_descsz = 2;
	im.ph[1].p_filesz = sizeof(Elf64_Nhdr) + 4 + 4;
	expect_fail("PVH entry note is 2 bytes, expected 4 or 8");
	make_image(&im);
	im.nh.n_descsz = 12;
	im.ph[1].p_filesz = sizeof(im) - offsetof(struct pvh_image, nh);
	expect_fail("PVH entry note is 12 bytes");
}
END_TEST

/* Notes that do not fit are no notes: never PVH, never a crash. */
START_TEST(hostile_notes)
{
	uint64_t entry;
	size_t desc_len;

	im.nh.n_namesz = 0xfffffff0;
	ck_assert_int_eq(pvh_find_note((uint8_t *)&im, sizeof(im), &entry,
				       &desc_len), 0);
	make_image(&im);
	im.nh.n_descsz = 0xfffffff0;
	ck_assert_int_eq(pvh_find_note((uint8_t *)&im, sizeof(im), &entry,
				       &desc_len), 0);
	make_image(&im);
	im.ph[1].p_offset = UINT64_MAX - 4;	/* note outside the file */
	ck_assert_int_eq(pvh_find_note((uint8_t *)&im, sizeof(im), &entry,
				       &desc_len), 0);
	make_image(&im);
	im.ph[1].p_filesz = 1 << 30;
	ck_assert_int_eq(pvh_find_note((uint8_t *)&im, sizeof(im), &entry,
				       &desc_len), 0);
	make_image(&im);
	for (size_t len = 0; len < offsetof(struct pvh_image, code); len++)
		ck_assert_int_eq(pvh_find_note((uint8_t *)&im, len, &entry,
					       &desc_len), 0);
	/* Cut short after the note: the segment runs past the end. */
	ck_assert_int_eq(load(offsetof(struct pvh_image, code)), -1);
	ck_assert_ptr_nonnull(strstr(err, "past the end"));
}
END_TEST

START_TEST(segment_below_1mib)
{
	im.ph[0].p_paddr = 0x10000;
	im.desc = 0x10000 + offsetof(struct pvh_image, code);
	expect_fail("lies below 0x100000");
	make_image(&im);
	im.ph[0].p_paddr = RAM - 0x1000;
	im.desc = im.ph[0].p_paddr + offsetof(struct pvh_image, code);
	expect_fail("outside guest RAM");
	make_image(&im);
	im.ph[0].p_paddr = UINT64_MAX - 0x1000;
	im.desc = 0x1000;
	expect_fail("not in a loaded segment");
}
END_TEST

START_TEST(options_for_pvh)
{
	opts.has_load = 1;
	expect_fail("--load and --entry apply to raw images only, this is a PVH");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pvh");
	TCase *tc = tcase_create("pvh");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, note_makes_a_pvh_image);
	tcase_add_test(tc, start_info_and_entry_state);
	tcase_add_test(tc, no_cmdline_is_empty);
	tcase_add_test(tc, four_byte_note);
	tcase_add_test(tc, initrd_is_module_0);
	tcase_add_test(tc, memmap_above_4g);
	tcase_add_test(tc, initrd_too_large);
	tcase_add_test(tc, cmdline_too_long);
	tcase_add_test(tc, entry_outside_the_image);
	tcase_add_test(tc, bad_note_sizes);
	tcase_add_test(tc, hostile_notes);
	tcase_add_test(tc, segment_below_1mib);
	tcase_add_test(tc, options_for_pvh);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
