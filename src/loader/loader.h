/* Image sniffing and loading. Loaders write guest memory only through mem.c. */
#ifndef HVRUN_LOADER_H
#define HVRUN_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../board.h"
#include "../mem.h"
#include "../boot.h"

enum image_kind {
	IMAGE_RAW,
	IMAGE_ELF,		/* loaded by its program headers */
	IMAGE_MULTIBOOT,	/* ELF or a.out-kludge with a multiboot v1 header */
	IMAGE_BZIMAGE,		/* Linux x86 boot protocol, 64-bit entry */
	IMAGE_PV,		/* ELF64 with the "hvrun" ABI note: PV guest */
	IMAGE_PVH,		/* ELF with Xen's PHYS32_ENTRY note: PVH boot */
	IMAGE_UNKNOWN,		/* none of these, and no boot signature */
};

#define LOADER_ERRLEN 256

/* The instruction in each hypercall page entry. */
enum hc_insn { HC_INSN_MMIO, HC_INSN_VMCALL, HC_INSN_VMMCALL };

/*
 * Linux x86 boot protocol (Documentation/arch/x86/boot.rst): offsets of the
 * setup header fields in the image, which are also their offsets in the
 * zero page (struct boot_params), and the zero page's own fields.
 */
#define BZ_SETUP_SECTS		0x1F1	/* u8: 0 means 4 */
#define BZ_BOOT_FLAG		0x1FE	/* u16: 0xAA55 */
#define BZ_JUMP_LEN		0x201	/* u8: the header ends at 0x202 + this */
#define BZ_HEADER		0x202	/* "HdrS" */
#define BZ_VERSION		0x206	/* u16 */
#define BZ_TYPE_OF_LOADER	0x210	/* u8 */
#define BZ_LOADFLAGS		0x211	/* u8 */
#define BZ_RAMDISK_IMAGE	0x218	/* u32 */
#define BZ_RAMDISK_SIZE		0x21C	/* u32 */
#define BZ_CMD_LINE_PTR		0x228	/* u32 */
#define BZ_INITRD_ADDR_MAX	0x22C	/* u32: highest byte an initrd may use */
#define BZ_KERNEL_ALIGNMENT	0x230	/* u32 */
#define BZ_RELOCATABLE		0x234	/* u8 */
#define BZ_XLOADFLAGS		0x236	/* u16 */
#define BZ_CMDLINE_SIZE		0x238	/* u32: longest command line, no NUL */
#define BZ_PREF_ADDRESS		0x258	/* u64 */
#define BZ_INIT_SIZE		0x260	/* u32 */
#define BZ_HDR_MIN_END		0x264	/* the fields above, protocol 2.12 */
#define BZ_HDR_MAX_END		0x290	/* the zero page's next field */

#define BZ_ACPI_RSDP_ADDR	0x070	/* u64, boot protocol 2.14+ */
#define BZ_EXT_RAMDISK_IMAGE	0x0C0	/* u32: bits 63-32 of ramdisk_image */
#define BZ_EXT_RAMDISK_SIZE	0x0C4
#define BZ_EXT_CMD_LINE_PTR	0x0C8
#define BZ_E820_ENTRIES		0x1E8	/* u8 */
#define BZ_E820_TABLE		0x2D0	/* 20-byte entries: addr, size, type */
#define BZ_E820_MAX		128
#define BZ_E820_RAM		1
#define BZ_E820_RESERVED	2

#define BZ_MAGIC		0x53726448U	/* "HdrS" */
#define BZ_MIN_VERSION		0x0206
#define BZ_LOADED_HIGH		(1U << 0)	/* loadflags */
#define BZ_XLF_KERNEL_64	(1U << 0)	/* xloadflags: startup_64 at +0x200 */
#define BZ_LOADER_UNDEFINED	0xFF		/* type_of_loader */
#define BZ_ENTRY64_OFF		0x200
#define BZ_SECTOR		512
#define BZ_DEFAULT_LOAD		BOOT_IMAGE_MIN	/* and the lowest load address */

/*
 * Where the bzImage loader puts the zero page and the command line. The
 * zero page reuses the multiboot info page (never both); the command line
 * (up to BZ_CMDLINE_MAX bytes with its NUL) goes above the reserved pages,
 * where kvmtool and Firecracker put it: Linux keeps the first MiB to itself.
 */
#define BZ_ZERO_PAGE		BOOT_INFO
#define BZ_CMDLINE		BOOT_CMDLINE
#define BZ_CMDLINE_MAX		BOOT_CMDLINE_MAX

/*
 * PVH boot ABI (Xen's public/arch-x86/hvm/start_info.h, as Linux's
 * arch/x86/platform/pvh/ reads it): an ELF note names a 32-bit entry, and
 * EBX points at a struct hvm_start_info. hvrun puts the start info, the
 * module list and the memory map in the BOOT_INFO page and the command
 * line where bzImage's goes; images load from 1 MiB up.
 */
#define PVH_NOTE_NAME		"Xen"
#define PVH_NOTE_PHYS32_ENTRY	18	/* XEN_ELFNOTE_PHYS32_ENTRY */
#define PVH_START_MAGIC		0x336ec578U
#define PVH_START_VERSION	1	/* with the memory map */
#define PVH_START_INFO		BOOT_INFO
#define PVH_MODLIST		(PVH_START_INFO + 0x40)
#define PVH_MEMMAP		(PVH_START_INFO + 0x80)
#define PVH_CMDLINE		BZ_CMDLINE
#define PVH_IMAGE_MIN		BOOT_IMAGE_MIN

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;		/* version 1 */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;			/* e820 types */
	uint32_t reserved;
};

struct load_opts {
	int has_load, has_entry;
	uint64_t load_addr, entry_addr;
	const char *cmdline;		/* multiboot/PV/Linux command line; may be NULL */
	const uint8_t *initrd;		/* --initrd contents, or NULL */
	size_t initrd_len;
	const char *initrd_name;	/* multiboot: module 0's string */
	const char *image_name;		/* multiboot: the command line's first
					 * word, as GRUB and QEMU give it */
	enum hc_insn hc_insn;		/* PV: the hypercall page's trap */
};

/*
 * What the bytes say the image is: IMAGE_RAW only for a boot sector (the
 * signature 0x55 0xAA at offset 510), IMAGE_UNKNOWN for anything else
 * unrecognised.
 */
enum image_kind loader_sniff(const uint8_t *img, size_t len);
/* What loader_load will load it as: loader_sniff, except that --load or
 * --entry make an unrecognised image raw (the user says it is). */
enum image_kind loader_kind(const uint8_t *img, size_t len,
			    const struct load_opts *opts);
const char *loader_kind_name(enum image_kind kind);
/* What a guest of this kind gets (IMAGE_UNKNOWN: the devices). */
const struct image_profile *loader_profile(enum image_kind kind);

/* The load options a format takes; loader_load refuses the others. */
#define LOAD_TAKES_ADDR		(1U << 0)	/* --load, --entry */
#define LOAD_TAKES_CMDLINE	(1U << 1)
#define LOAD_TAKES_INITRD	(1U << 2)

/*
 * An image format. Its file, src/loader/NAME.c, defines
 * `const struct loader_format loader_NAME`; NAME in LOADER_FORMATS
 * (Makefile.am) puts it in the generated table loader_formats[], whose
 * reference keeps the file in the link. loader_sniff asks every format's
 * probe and the lowest order that says yes decides.
 */
struct loader_format {
	enum image_kind kind;
	const char *name;		/* for messages: "Linux bzImage" */
	int order;
	bool (*probe)(const uint8_t *img, size_t len);
	int (*load)(struct mem *m, const uint8_t *img, size_t len,
		    const struct load_opts *opts, struct boot_state *bs,
		    char *err);
	unsigned takes;			/* LOAD_TAKES_* */
	struct image_profile profile;	/* what a guest of this kind gets */
};

/* Every format, NULL-terminated (generated from LOADER_FORMATS). */
extern const struct loader_format *const loader_formats[];

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
/*
 * Everything below PV_IMAGE_MIN that a PV guest gets (GDT, TSS, identity
 * map, IDT and stubs, hypercall page), and its entry state at entry; the
 * image itself is the caller's. load_pv's second half, and the machine
 * the gdb stub's capability probe runs its few bytes on.
 */
int pv_machine_write(struct mem *m, enum hc_insn insn, uint64_t entry,
		     struct boot_state *bs, char *err);
/* 1 and the ABI version when img carries the hvrun note, 0 if not. */
int pv_find_note(const uint8_t *img, size_t len, uint32_t *version);
int load_multiboot(struct mem *m, const uint8_t *img, size_t len,
		   const struct load_opts *opts, struct boot_state *bs,
		   char *err);
/* 1 and the PVH note's entry descriptor (4 or 8 bytes expected) if img
 * has one; *desc_len is the descriptor's real size. */
int pvh_find_note(const uint8_t *img, size_t len, uint64_t *entry,
		  size_t *desc_len);
int load_pvh(struct mem *m, const uint8_t *img, size_t len,
	     const struct load_opts *opts, struct boot_state *bs, char *err);
int load_bzimage(struct mem *m, const uint8_t *img, size_t len,
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
/* Does img start as an ELF file? Has it the PC boot sector signature
 * (0x55 0xAA at offset 510, which a bzImage keeps too)? */
bool loader_is_elf(const uint8_t *img, size_t len);
bool loader_boot_signature(const uint8_t *img, size_t len);

/*
 * Check that guest range [addr, addr + size), described by what (e.g.
 * "ELF segment 2 (paddr 0x1000, memsz 0x2000)"), does not wrap, ends at or
 * below limit, lies in guest RAM and stays above the IVT and BIOS data
 * area (LOW_MEM_FLOOR).
 */
int loader_check_range(const struct mem *m, uint64_t addr, uint64_t size,
		       uint64_t limit, const char *what, char *err);

/*
 * What an image and its module will occupy, read and checked before
 * anything is written, so hvrun's boot pages can go elsewhere.
 */
struct boot_range {
	uint64_t addr, size;
};

struct load_plan {
	struct boot_range *used;
	unsigned int n, cap;
};

int plan_add(struct load_plan *p, uint64_t addr, uint64_t size, char *err);
void plan_free(struct load_plan *p);
/* The end of the highest range, 0 for an empty plan. */
uint64_t plan_end(const struct load_plan *p);

/*
 * The lowest page-aligned base from BOOT_LOW_BASE up for the boot block:
 * BOOT_BLOCK_SIZE bytes of RAM below 4 GiB, clear of every range in p and
 * of the BIOS area below 1 MiB. Returns 0, or -1 with a reason in err.
 */
int boot_block_place(const struct mem *m, const struct load_plan *p,
		     uint64_t *base, char *err);

/* Offset of the first multiboot v1 magic in the first 8 KiB, whatever its
 * checksum, or -1. */
long multiboot_find_magic(const uint8_t *img, size_t len);

/* ELFCLASS32 or ELFCLASS64 as libelf reads img, or ELFCLASSNONE. */
int elf_image_class(const uint8_t *img, size_t len);

/*
 * Validate every PT_LOAD of an ELF image, then copy them to guest memory at
 * their p_paddr and zero their bss. Shared by load_elf, load_multiboot and
 * load_pv. A segment below floor is refused (PV images load from 1 MiB).
 * On success *elfclass is ELFCLASS32 (EM_386) or ELFCLASS64 (EM_X86_64)
 * and *entry is e_entry, checked to be in guest RAM; a loader whose image
 * is entered elsewhere (PVH) passes entry NULL and e_entry is ignored.
 */
int elf_load_segments(struct mem *m, const uint8_t *img, size_t len,
		      uint64_t floor, int *elfclass, uint64_t *entry, char *err);

/* Validate every PT_LOAD as elf_load_segments does and add each to plan;
 * writes nothing. */
int elf_plan_segments(const struct mem *m, const uint8_t *img, size_t len,
		      struct load_plan *plan, char *err);

/*
 * The first note of the given name and type in img's PT_NOTE segments,
 * read with libelf (which refuses notes that run past their segment or
 * segments past the file). Returns 1 with the image's class in *elfclass,
 * up to *desc_len bytes of the descriptor in desc and its real size in
 * *desc_len; 0 if there is none.
 */
int elf_find_note(const uint8_t *img, size_t len, const char *name,
		  uint32_t type, int *elfclass, void *desc, size_t *desc_len);

/*
 * The end of img's highest PT_LOAD in guest memory, and whether gpa lies
 * in one's file bytes. Segments are not checked here: the caller loads with
 * elf_load_segments, which refuses bad ones, before it writes anything.
 */
int elf_segments_span(const uint8_t *img, size_t len, uint64_t gpa,
		      uint64_t *end, int *contains, char *err);

#endif
