/*
 * Paravirtual guests (include/hvrun/abi.h): an ELF64 image carrying the
 * "hvrun" ABI note. hvrun loads it from 1 MiB up and builds, below 1 MiB,
 * everything a CPL 3 guest needs from a CPU: GDT and TSS, a user-accessible
 * identity map with page 0 left unmapped, an IDT whose stubs report
 * exceptions with the fault hypercall, and the hypercall page.
 */
#include <elf.h>
#include <string.h>

#include <hvrun/abi.h>

#include "bootmem.h"
#include "loader.h"

#define PTE_USER (1ULL << 2)
/* HVRUN_HC_DOORBELL as the 8 little-endian bytes of a moffs64 operand. */
#define DOORBELL_BYTES \
	(uint8_t)(HVRUN_HC_DOORBELL), (uint8_t)(HVRUN_HC_DOORBELL >> 8), \
	(uint8_t)(HVRUN_HC_DOORBELL >> 16), (uint8_t)(HVRUN_HC_DOORBELL >> 24), \
	(uint8_t)(HVRUN_HC_DOORBELL >> 32), (uint8_t)(HVRUN_HC_DOORBELL >> 40), \
	(uint8_t)(HVRUN_HC_DOORBELL >> 48), (uint8_t)(HVRUN_HC_DOORBELL >> 56)

/* Long-mode descriptors: kernel code/data (DPL 0), user code/data (DPL 3). */
static const uint64_t pv_gdt[] = {
	0,
	0x00af9a000000ffffULL,	/* PV_SEL_KCODE */
	0x00cf92000000ffffULL,	/* PV_SEL_KDATA */
	0x00affa000000ffffULL,	/* PV_SEL_UCODE */
	0x00cff2000000ffffULL,	/* PV_SEL_UDATA */
	/* PV_SEL_TSS: filled in by gdt_write (16 bytes) */
};

int pv_find_note(const uint8_t *img, size_t len, uint32_t *version)
{
	int elfclass;
	size_t desc_len = sizeof(*version);

	return elf_find_note(img, len, HVRUN_NOTE_NAME, HVRUN_NOTE_ABI,
			     &elfclass, version, &desc_len) &&
	       elfclass == ELFCLASS64 && desc_len == sizeof(*version);
}

static int gdt_tss_write(struct mem *m, char *err)
{
	uint64_t gdt[sizeof(pv_gdt) / 8 + 2];
	uint8_t tss[104] = { 0 };
	uint64_t base = PV_TSS, limit = sizeof(tss) - 1;

	memcpy(gdt, pv_gdt, sizeof(pv_gdt));
	/* 64-bit available TSS descriptor, two slots. */
	gdt[PV_SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			      (0x89ULL << 40) | ((base >> 24 & 0xff) << 56);
	gdt[PV_SEL_TSS / 8 + 1] = base >> 32;
	/* RSP0: where a CPL 3 → 0 exception switches stacks. */
	memcpy(tss + 4, &(uint64_t){ PV_STACK_TOP }, 8);
	/* I/O bitmap base beyond the limit: no bitmap; IOPL 3 rules. */
	memcpy(tss + 102, &(uint16_t){ sizeof(tss) }, 2);
	if (mem_write(m, PV_GDT, gdt, sizeof(gdt)) < 0 ||
	    mem_write(m, PV_TSS, tss, sizeof(tss)) < 0)
		return loader_fail(err, "cannot write the PV GDT and TSS");
	return 0;
}

/* The identity map of bootmem.c, opened to CPL 3, with page 0 unmapped so
 * that a null pointer faults. */
static int pagetables_write(struct mem *m, char *err)
{
	const uint64_t urw = PTE_PRESENT | PTE_WRITABLE | PTE_USER;
	uint64_t pt[512], e;

	if (boot_pagetables_write(m, BOOT_LOW_BASE, err) < 0)
		return -1;
	for (uint64_t gpa = BOOT_PML4; gpa < BOOT_PD + 4 * BOOT_PAGE_SIZE;
	     gpa += 8) {
		if (mem_read(m, &e, gpa, 8) < 0)
			return loader_fail(err, "cannot read the page tables");
		if (e & PTE_PRESENT)
			e |= PTE_USER;
		if (mem_write(m, gpa, &e, 8) < 0)
			return loader_fail(err, "cannot write the page tables");
	}
	for (int i = 0; i < 512; i++)
		pt[i] = i ? ((uint64_t)i << 12) | urw : 0;
	e = PV_PT0 | urw;
	if (mem_write(m, PV_PT0, pt, sizeof(pt)) < 0 ||
	    mem_write(m, BOOT_PD, &e, 8) < 0)
		return loader_fail(err, "cannot write the page tables");
	return 0;
}

/*
 * Stub for vector v (16 bytes each): [push $0;] push $v; jmp common.
 * common: fault(vector, error, rip, cr2) through the doorbell; it does not
 * return, but spin if it ever did. Runs at CPL 0 on the TSS stack.
 */
static const uint8_t stub_common[] = {
	0x48, 0x8b, 0x3c, 0x24,			/* mov (%rsp),%rdi: vector */
	0x48, 0x8b, 0x74, 0x24, 0x08,		/* mov 8(%rsp),%rsi: error */
	0x48, 0x8b, 0x54, 0x24, 0x10,		/* mov 16(%rsp),%rdx: rip */
	0x41, 0x0f, 0x20, 0xd2,			/* mov %cr2,%r10 */
	0xb8, HVRUN_HC_FAULT, 0, 0, 0,		/* mov $HVRUN_HC_FAULT,%eax */
	0xa3, DOORBELL_BYTES,			/* movabs %eax,HVRUN_HC_DOORBELL */
	0xeb, 0xfe,				/* jmp . */
};

_Static_assert(PV_STUBS + PV_NR_STUBS * PV_STUB_SIZE + sizeof(stub_common) <=
	       PV_STUBS_END, "PV_STUBS_END misses the common stub");

static int idt_stubs_write(struct mem *m, char *err)
{
	uint8_t stubs[PV_NR_STUBS * PV_STUB_SIZE + sizeof(stub_common)];
	uint64_t idt[PV_NR_STUBS * 2];
	const uint64_t common = PV_NR_STUBS * PV_STUB_SIZE;

	memset(stubs, 0xcc, sizeof(stubs));
	memcpy(stubs + common, stub_common, sizeof(stub_common));
	for (int v = 0; v < PV_NR_STUBS; v++) {
		uint8_t *s = stubs + v * PV_STUB_SIZE;
		uint64_t addr = PV_STUBS + (uint64_t)v * PV_STUB_SIZE;
		int32_t rel;
		int n = 0;

		if (!pv_vector_has_error_code((unsigned)v)) {
			s[n++] = 0x6a;	/* push $0 */
			s[n++] = 0;
		}
		s[n++] = 0x6a;		/* push $v */
		s[n++] = (uint8_t)v;
		rel = (int32_t)(common - ((uint64_t)v * PV_STUB_SIZE + n + 5));
		s[n++] = 0xe9;		/* jmp rel32 */
		memcpy(s + n, &rel, 4);
		/* 64-bit interrupt gate, DPL 0, present, kernel code. */
		idt[2 * v] = (addr & 0xffff) | ((uint64_t)PV_SEL_KCODE << 16) |
			     (0x8eULL << 40) | ((addr >> 16 & 0xffff) << 48);
		idt[2 * v + 1] = addr >> 32;
	}
	if (mem_write(m, PV_STUBS, stubs, sizeof(stubs)) < 0 ||
	    mem_write(m, PV_IDT, idt, sizeof(idt)) < 0)
		return loader_fail(err, "cannot write the PV IDT");
	return 0;
}

/* Entry n: mov $n,%eax; <trap>; ret. */
int pv_hc_page_write(struct mem *m, enum hc_insn insn, char *err)
{
	uint8_t page[BOOT_PAGE_SIZE];

	memset(page, 0xcc, sizeof(page));
	for (uint32_t n = 0; n < HVRUN_HC_MAX; n++) {
		uint8_t *e = page + n * HVRUN_HC_STRIDE;
		int i = 5;

		e[0] = 0xb8;
		memcpy(e + 1, &n, 4);
		switch (insn) {
		case HC_INSN_MMIO: {
			static const uint8_t store[] = { 0xa3, DOORBELL_BYTES };

			memcpy(e + i, store, sizeof(store));
			i += sizeof(store);
			break;
		}
		case HC_INSN_VMCALL:
			e[i++] = 0x0f; e[i++] = 0x01; e[i++] = 0xc1;
			break;
		case HC_INSN_VMMCALL:
			e[i++] = 0x0f; e[i++] = 0x01; e[i++] = 0xd9;
			break;
		}
		e[i] = 0xc3;
	}
	if (mem_write(m, PV_HC_PAGE, page, sizeof(page)) < 0)
		return loader_fail(err, "cannot write the hypercall page");
	return 0;
}

int load_pv(struct mem *m, const uint8_t *img, size_t len,
	    const struct load_opts *opts, struct boot_state *bs, char *err)
{
	uint32_t version = 0;
	uint64_t entry;
	int elfclass;

	if (!pv_find_note(img, len, &version))
		return loader_fail(err, "no hvrun ABI note");
	if (version < HVRUN_ABI_VERSION_MIN || version > HVRUN_ABI_VERSION)
		return loader_fail(err, "PV image asks for ABI version %u; this hvrun "
				   "speaks versions %u to %u", version,
				   HVRUN_ABI_VERSION_MIN, HVRUN_ABI_VERSION);
	if (m->nr_regions != 1)
		return loader_fail(err, "PV guests support at most 3G of memory for now");
	if (elf_load_segments(m, img, len, PV_IMAGE_MIN, &elfclass, &entry, err) < 0)
		return -1;
	if (elfclass != ELFCLASS64)
		return loader_fail(err, "PV images must be ELF64 x86-64");
	return pv_machine_write(m, opts->hc_insn, entry, bs, err);
}

int pv_machine_write(struct mem *m, enum hc_insn insn, uint64_t entry,
		     struct boot_state *bs, char *err)
{
	if (gdt_tss_write(m, err) < 0 || pagetables_write(m, err) < 0 ||
	    idt_stubs_write(m, err) < 0 || pv_hc_page_write(m, insn, err) < 0)
		return -1;
	*bs = (struct boot_state){
		.mode = MODE_PV,
		.rip = entry,
		.rsp = mem_top(m) & ~0xfULL,
		.rdi = PV_FDT,
		.gdt_base = PV_GDT,
		.cr3 = BOOT_PML4,
		.idt_base = PV_IDT,
		.tss_base = PV_TSS,
	};
	return 0;
}

/* An ELF with the hvrun ABI note: first, before PVH and multiboot. */
static bool probe_pv(const uint8_t *img, size_t len)
{
	uint32_t version;

	return loader_is_elf(img, len) && pv_find_note(img, len, &version);
}

const struct loader_format loader_pv = {
	.kind = IMAGE_PV, .name = "PV", .order = 10,
	.probe = probe_pv, .load = load_pv,
	.takes = LOAD_TAKES_CMDLINE,
	.profile = { .pv = true, .symbols = true },
};
