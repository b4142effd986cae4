/* Image sniffing and loading. Loaders write guest memory only through mem.c. */
#ifndef HVRUN_LOADER_H
#define HVRUN_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include "../mem.h"
#include "../vcpu/boot.h"

enum image_kind {
	IMAGE_RAW,
	IMAGE_ELF,		/* loaded by its program headers */
	IMAGE_MULTIBOOT,	/* ELF or a.out-kludge with a multiboot v1 header */
	IMAGE_BZIMAGE,		/* Linux boot protocol: recognised, refused */
	IMAGE_PV,		/* ELF64 with the "hvrun" ABI note: PV guest */
};

/*
 * Guest-physical pages hvrun keeps for itself when it builds boot state for
 * an ELF image (GDT, page tables, multiboot info). Images must not load here.
 * Raw images run in real mode and need none of them.
 */
#define RESERVED_START 0x1000ULL
#define RESERVED_END   0x9000ULL
#define BOOT_GDT       0x1000ULL	/* GDT, 1 page */
#define BOOT_PML4      0x2000ULL	/* identity map: PML4, PDPT, 4 PDs */
#define BOOT_PDPT      0x3000ULL
#define BOOT_PD        0x4000ULL	/* 4 pages: 4 GiB in 2 MiB pages */
#define BOOT_INFO      0x8000ULL	/* multiboot info, mmap, cmdline: 1 page */

#define RAW_DEFAULT_LOAD 0x7C00ULL

#define LOADER_ERRLEN 256

/* The instruction in each hypercall page entry. */
enum hc_insn { HC_INSN_MMIO, HC_INSN_VMCALL, HC_INSN_VMMCALL };

/*
 * A PV guest's low memory, all hvrun's (images load from PV_IMAGE_MIN):
 * GDT and TSS, identity map (as BOOT_*, user-accessible, page 0 unmapped),
 * IDT, exception stubs, hypercall page, exception stack, FDT.
 */
#define PV_IMAGE_MIN   0x100000ULL
#define PV_GDT         BOOT_GDT
#define PV_TSS         (BOOT_GDT + 0x800)
#define PV_IDT         0x8000ULL
#define PV_STUBS       0x9000ULL
#define PV_HC_PAGE     0xA000ULL
#define PV_PT0         0xB000ULL	/* 4 KiB pages for 0-2 MiB */
#define PV_STACK_TOP   0xE000ULL	/* exception stack, 0xC000-0xE000 */
#define PV_FDT         0x10000ULL
#define PV_FDT_SIZE    0x10000ULL

/* PV GDT selectors. */
#define PV_SEL_KCODE   0x08
#define PV_SEL_KDATA   0x10
#define PV_SEL_UCODE   0x1b		/* 0x18 | RPL 3 */
#define PV_SEL_UDATA   0x23		/* 0x20 | RPL 3 */
#define PV_SEL_TSS     0x28

struct load_opts {
	int has_load, has_entry;
	uint64_t load_addr, entry_addr;
	const char *cmdline;		/* multiboot command line; may be NULL */
	enum hc_insn hc_insn;		/* PV: the hypercall page's trap */
};

/* What the first bytes say the image is. */
enum image_kind loader_sniff(const uint8_t *img, size_t len);
const char *loader_kind_name(enum image_kind kind);

/*
 * Load img into guest memory and describe the boot vCPU's entry state.
 * Returns 0, or -1 with a one-line reason in err (no "hvrun:" prefix).
 */
int loader_load(struct mem *m, const uint8_t *img, size_t len,
		const struct load_opts *opts, struct boot_state *bs,
		char err[LOADER_ERRLEN]);

/* Per-format loaders, called by loader_load after sniffing. */
int load_raw(struct mem *m, const uint8_t *img, size_t len,
	     const struct load_opts *opts, struct boot_state *bs, char *err);
int load_elf(struct mem *m, const uint8_t *img, size_t len,
	     const struct load_opts *opts, struct boot_state *bs, char *err);
int load_pv(struct mem *m, const uint8_t *img, size_t len,
	    const struct load_opts *opts, struct boot_state *bs, char *err);
/* (Re)write the PV hypercall page with trap instruction insn. */
int pv_hc_page_write(struct mem *m, enum hc_insn insn, char *err);
/* 1 and the ABI version when img carries the hvrun note, 0 if not. */
int pv_find_note(const uint8_t *img, size_t len, uint32_t *version);
int load_multiboot(struct mem *m, const uint8_t *img, size_t len,
		   const struct load_opts *opts, struct boot_state *bs,
		   char *err);

/* Offset of a valid multiboot v1 header in the first 8 KiB, or -1. */
long multiboot_find_header(const uint8_t *img, size_t len);

/*
 * Internal to src/loader/: helpers the format loaders share.
 */

/* Format a one-line reason into err (LOADER_ERRLEN bytes); returns -1. */
int loader_fail(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Check that guest range [addr, addr + size), described by what (e.g.
 * "ELF segment 2 (paddr 0x1000, memsz 0x2000)"), does not wrap, ends at or
 * below limit, lies in guest RAM and stays clear of the reserved pages.
 */
int loader_check_range(const struct mem *m, uint64_t addr, uint64_t size,
		       uint64_t limit, const char *what, char *err);

/* Offset of the first multiboot v1 magic in the first 8 KiB, whatever its
 * checksum, or -1. */
long multiboot_find_magic(const uint8_t *img, size_t len);

/* ELFCLASS32 or ELFCLASS64 as libelf reads img, or ELFCLASSNONE. */
int elf_image_class(const uint8_t *img, size_t len);

/*
 * Validate every PT_LOAD of an ELF image, then copy them to guest memory at
 * their p_paddr and zero their bss. Shared by load_elf, load_multiboot and
 * load_pv. A segment below floor is refused (PV images load from 1 MiB).
 * On success *elfclass is ELFCLASS32 (EM_386) or ELFCLASS64 (EM_X86_64).
 */
int elf_load_segments(struct mem *m, const uint8_t *img, size_t len,
		      uint64_t floor, int *elfclass, uint64_t *entry, char *err);

#endif
