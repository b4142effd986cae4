/*
 * ELF executables, loaded by their PT_LOAD program headers at p_paddr.
 * libelf reads the headers; every value it returns is still the image's and
 * is checked before use. All segments are validated before the first byte
 * is copied, so a refused image leaves guest memory as it was.
 */
#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>

#include "loader.h"
#include "bootmem.h"


struct elf_file {
	Elf *elf;
	GElf_Ehdr ehdr;
	int elfclass;
	size_t phnum;
};

static const char *machine_name(unsigned int machine)
{
	switch (machine) {
	case EM_386:
		return "i386";
	case EM_X86_64:
		return "x86-64";
	case EM_ARM:
		return "ARM";
	case EM_AARCH64:
		return "AArch64";
	case EM_RISCV:
		return "RISC-V";
	case EM_PPC64:
		return "PowerPC64";
	}
	return "unknown";
}

/*
 * elf_memory() wants a char *, but libelf reads a little-endian image where
 * it lies without writing to it (vm.c maps images read-only; the unit tests
 * load from a read-only mapping). Big-endian images, which libelf would
 * convert, are refused by elf_check() before a program header is read.
 */
static Elf *elf_open_memory(const uint8_t *img, size_t len, char *err)
{
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		loader_fail(err, "libelf is unusable: %s", elf_errmsg(-1));
		return NULL;
	}
	e = elf_memory((char *)(uintptr_t)img, len);
	if (!e) {
		loader_fail(err, "cannot read ELF image: %s", elf_errmsg(-1));
		return NULL;
	}
	if (elf_kind(e) != ELF_K_ELF) {
		loader_fail(err, "ELF header is cut short or invalid (%zu bytes)", len);
		elf_end(e);
		return NULL;
	}
	return e;
}

int elf_image_class(const uint8_t *img, size_t len)
{
	char err[LOADER_ERRLEN];
	Elf *e = elf_open_memory(img, len, err);
	int elfclass;

	if (!e)
		return ELFCLASSNONE;
	elfclass = gelf_getclass(e);
	elf_end(e);
	return elfclass;
}

static const char *type_name(unsigned int type)
{
	switch (type) {
	case ET_NONE:
		return "ET_NONE";
	case ET_REL:
		return "ET_REL, relocatable";
	case ET_DYN:
		return "ET_DYN, shared object or PIE";
	case ET_CORE:
		return "ET_CORE, core dump";
	}
	return "unknown";
}

/* The class/machine pairs hvrun can run, and an executable's shape. */
static int elf_check(struct elf_file *f, size_t len, char *err)
{
	const GElf_Ehdr *eh = &f->ehdr;
	size_t phentsize;

	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return loader_fail(err, "ELF data encoding %u is not little-endian",
				   eh->e_ident[EI_DATA]);
	if (!(f->elfclass == ELFCLASS32 && eh->e_machine == EM_386) &&
	    !(f->elfclass == ELFCLASS64 && eh->e_machine == EM_X86_64))
		return loader_fail(err, "ELF%s for machine %u (%s) is not supported: "
				   "hvrun loads ELF32 i386 or ELF64 x86-64",
				   f->elfclass == ELFCLASS32 ? "32" :
				   f->elfclass == ELFCLASS64 ? "64" : " of unknown class",
				   eh->e_machine, machine_name(eh->e_machine));
	if (eh->e_type != ET_EXEC)
		return loader_fail(err, "ELF type %u (%s) is not ET_EXEC: hvrun "
				   "loads executables only", eh->e_type,
				   type_name(eh->e_type));

	if (eh->e_phnum == 0)
		return loader_fail(err, "ELF has no loadable segment (no program "
				   "headers at all)");
	if (eh->e_phnum == PN_XNUM)
		return loader_fail(err, "ELF uses extended program header numbering "
				   "(e_phnum 0x%x), which hvrun does not load",
				   PN_XNUM);

	/* libelf assumes its own entry size; a different one is a lie. */
	phentsize = f->elfclass == ELFCLASS32 ? sizeof(Elf32_Phdr) :
						sizeof(Elf64_Phdr);
	if (eh->e_phentsize != phentsize)
		return loader_fail(err, "ELF program header size %u, expected %zu",
				   eh->e_phentsize, phentsize);

	/* libelf quietly drops headers past the end of the file: refuse. */
	if (eh->e_phoff > len ||
	    (uint64_t)eh->e_phnum * phentsize > len - eh->e_phoff)
		return loader_fail(err, "ELF program header table (offset 0x%llx, "
				   "%u entries) runs past the end of the %zu-byte "
				   "image", (unsigned long long)eh->e_phoff,
				   eh->e_phnum, len);
	if (elf_getphdrnum(f->elf, &f->phnum) < 0)
		return loader_fail(err, "cannot count ELF program headers: %s",
				   elf_errmsg(-1));
	if (f->phnum != eh->e_phnum)
		return loader_fail(err, "libelf sees %zu ELF program headers, the "
				   "header says %u", f->phnum, eh->e_phnum);
	return 0;
}

static int elf_file_open(struct elf_file *f, const uint8_t *img, size_t len,
			 char *err)
{
	memset(f, 0, sizeof(*f));
	f->elf = elf_open_memory(img, len, err);
	if (!f->elf)
		return -1;
	if (!gelf_getehdr(f->elf, &f->ehdr))
		return loader_fail(err, "cannot read ELF header: %s", elf_errmsg(-1));
	f->elfclass = gelf_getclass(f->elf);
	return elf_check(f, len, err);
}

/* Everything about one PT_LOAD that could hurt: file range, then guest range. */
static int segment_check(const struct mem *m, const struct elf_file *f,
			 size_t i, const GElf_Phdr *ph, size_t len, char *err)
{
	char what[96];
	uint64_t limit = f->elfclass == ELFCLASS32 ? BOARD_4GIB : UINT64_MAX;

	snprintf(what, sizeof(what), "ELF segment %zu (paddr 0x%llx, memsz 0x%llx)",
		 i, (unsigned long long)ph->p_paddr,
		 (unsigned long long)ph->p_memsz);
	if (ph->p_filesz > ph->p_memsz)
		return loader_fail(err, "%s has filesz 0x%llx larger than memsz",
				   what, (unsigned long long)ph->p_filesz);
	if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
		return loader_fail(err, "%s: file bytes 0x%llx+0x%llx run past the "
				   "end of the %zu-byte image", what,
				   (unsigned long long)ph->p_offset,
				   (unsigned long long)ph->p_filesz, len);
	return loader_check_range(m, ph->p_paddr, ph->p_memsz, limit, what, err);
}

static int phdr_get(const struct elf_file *f, size_t i, GElf_Phdr *ph,
		    char *err)
{
	if (!gelf_getphdr(f->elf, (int)i, ph))
		return loader_fail(err, "cannot read ELF program header %zu: %s",
				   i, elf_errmsg(-1));
	return 0;
}

static int segments_check(const struct mem *m, const struct elf_file *f,
			  size_t len, uint64_t floor, char *err)
{
	size_t loadable = 0;
	GElf_Phdr ph;

	for (size_t i = 0; i < f->phnum; i++) {
		if (phdr_get(f, i, &ph, err) < 0)
			return -1;
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (segment_check(m, f, i, &ph, len, err) < 0)
			return -1;
		if (ph.p_paddr < floor)
			return loader_fail(err, "ELF segment %zu (paddr 0x%llx) lies below "
					   "0x%llx, in memory hvrun keeps for itself", i,
					   (unsigned long long)ph.p_paddr,
					   (unsigned long long)floor);
		loadable++;
	}
	if (loadable == 0)
		return loader_fail(err, "ELF has no loadable segment (PT_LOAD with "
				   "memsz > 0)");
	return 0;
}

/* Copy one checked segment and zero its bss. */
static int segment_load(struct mem *m, const uint8_t *img, const GElf_Phdr *ph,
			size_t i, char *err)
{
	uint64_t bss = ph->p_memsz - ph->p_filesz;
	uint8_t *tail;

	if (mem_write(m, ph->p_paddr, img + ph->p_offset, ph->p_filesz) < 0)
		return loader_fail(err, "cannot write ELF segment %zu", i);
	tail = mem_ptr(m, ph->p_paddr + ph->p_filesz, bss);
	if (!tail)
		return loader_fail(err, "cannot zero ELF segment %zu's bss", i);
	memset(tail, 0, bss);
	return 0;
}

static int entry_check(const struct mem *m, const struct elf_file *f, char *err)
{
	uint64_t entry = f->ehdr.e_entry;

	if (!mem_ptr(m, entry, 1))
		return loader_fail(err, "ELF entry point 0x%llx is outside guest RAM",
				   (unsigned long long)entry);
	/* Long mode starts on hvrun's identity map, which ends at 4 GiB. */
	if (f->elfclass == ELFCLASS64 && entry >= BOARD_4GIB)
		return loader_fail(err, "ELF entry point 0x%llx is above 4 GiB, "
				   "beyond the boot identity map",
				   (unsigned long long)entry);
	return 0;
}

int elf_load_segments(struct mem *m, const uint8_t *img, size_t len,
		      uint64_t floor, int *elfclass, uint64_t *entry, char *err)
{
	struct elf_file f;
	GElf_Phdr ph;
	int ret = -1;

	if (elf_file_open(&f, img, len, err) < 0)
		goto out;
	if (segments_check(m, &f, len, floor, err) < 0 ||
	    (entry && entry_check(m, &f, err) < 0))
		goto out;
	for (size_t i = 0; i < f.phnum; i++) {
		if (phdr_get(&f, i, &ph, err) < 0)
			goto out;
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (segment_load(m, img, &ph, i, err) < 0)
			goto out;
	}
	*elfclass = f.elfclass;
	if (entry)
		*entry = f.ehdr.e_entry;
	ret = 0;
out:
	if (f.elf)
		elf_end(f.elf);
	return ret;
}

int elf_plan_segments(const struct mem *m, const uint8_t *img, size_t len,
		      struct load_plan *plan, char *err)
{
	struct elf_file f;
	GElf_Phdr ph;
	int ret = -1;

	if (elf_file_open(&f, img, len, err) < 0 ||
	    segments_check(m, &f, len, 0, err) < 0)
		goto out;
	for (size_t i = 0; i < f.phnum; i++) {
		if (phdr_get(&f, i, &ph, err) < 0)
			goto out;
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (plan_add(plan, ph.p_paddr, ph.p_memsz, err) < 0)
			goto out;
	}
	ret = 0;
out:
	if (f.elf)
		elf_end(f.elf);
	return ret;
}

/* The boot block goes where no segment does; nothing is written before
 * every segment and the block's place are known to be good. */
int load_elf(struct mem *m, const uint8_t *img, size_t len,
	     const struct load_opts *opts, struct boot_state *bs, char *err)
{
	struct load_plan plan = { 0 };
	uint64_t entry, base;
	int elfclass, ret = -1;

	if (elf_plan_segments(m, img, len, &plan, err) < 0 ||
	    boot_block_place(m, &plan, &base, err) < 0 ||
	    elf_load_segments(m, img, len, 0, &elfclass, &entry, err) < 0 ||
	    boot_gdt_write(m, base, err) < 0)
		goto out;
	if (elfclass == ELFCLASS64 && boot_pagetables_write(m, base, err) < 0)
		goto out;

	*bs = (struct boot_state){
		.mode = elfclass == ELFCLASS64 ? MODE_LONG : MODE_PROTECTED,
		.rip = entry,
		.gdt_base = base + BOOT_GDT_OFF,
		.cr3 = elfclass == ELFCLASS64 ? base + BOOT_PML4_OFF : 0,
	};
	ret = 0;
out:
	plan_free(&plan);
	return ret;
}

/* The first note name/type in one PT_NOTE segment's bytes. */
static int note_in_segment(Elf *e, const GElf_Phdr *ph, const char *name,
			   uint32_t type, void *desc, size_t *desc_len)
{
	/* libelf checks the chunk against the image's size. */
	Elf_Data *d = elf_getdata_rawchunk(e, (int64_t)ph->p_offset,
					   ph->p_filesz, ELF_T_NHDR);
	size_t off = 0, next, name_off, desc_off, namesz = strlen(name) + 1;
	GElf_Nhdr nh;

	if (!d)
		return 0;
	/* gelf_getnote stops at a note whose sizes run past the chunk. */
	while ((next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		off = next;
		if (nh.n_type != type || nh.n_namesz != namesz ||
		    memcmp((const char *)d->d_buf + name_off, name, namesz))
			continue;
		memcpy(desc, (const char *)d->d_buf + desc_off,
		       nh.n_descsz < *desc_len ? nh.n_descsz : *desc_len);
		*desc_len = nh.n_descsz;
		return 1;
	}
	return 0;
}

int elf_find_note(const uint8_t *img, size_t len, const char *name,
		  uint32_t type, int *elfclass, void *desc, size_t *desc_len)
{
	Elf *e;
	size_t phnum;
	GElf_Phdr ph;
	int found = 0;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return 0;
	e = elf_memory((char *)(uintptr_t)img, len);
	if (!e)
		return 0;
	if (elf_kind(e) != ELF_K_ELF || elf_getphdrnum(e, &phnum) != 0)
		goto out;
	for (size_t i = 0; i < phnum && !found; i++) {
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		found = note_in_segment(e, &ph, name, type, desc, desc_len);
	}
	if (found)
		*elfclass = gelf_getclass(e);
out:
	elf_end(e);
	return found;
}

int elf_segments_span(const uint8_t *img, size_t len, uint64_t gpa,
		      uint64_t *end, int *contains, char *err)
{
	struct elf_file f;
	GElf_Phdr ph;
	int ret = -1;

	*end = 0;
	*contains = 0;
	if (elf_file_open(&f, img, len, err) < 0)
		goto out;
	for (size_t i = 0; i < f.phnum; i++) {
		if (phdr_get(&f, i, &ph, err) < 0)
			goto out;
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		/* May wrap in a hostile image: elf_load_segments refuses
		 * that image before anything is written. */
		if (ph.p_paddr + ph.p_memsz > *end)
			*end = ph.p_paddr + ph.p_memsz;
		if (gpa >= ph.p_paddr && gpa - ph.p_paddr < ph.p_filesz)
			*contains = 1;
	}
	ret = 0;
out:
	if (f.elf)
		elf_end(f.elf);
	return ret;
}

/*
 * An ELF with the multiboot magic but no valid header was meant to be
 * multiboot: booting it as plain ELF would start it without its magic and
 * info, so say what is wrong with the header instead.
 */
static int check_broken_multiboot(const uint8_t *img, size_t len, char *err)
{
	long off = multiboot_find_magic(img, len);
	uint32_t hdr[3];

	if (off < 0)
		return 0;
	memcpy(hdr, img + off, sizeof(hdr));
	return loader_fail(err, "multiboot header at offset 0x%lx has a bad checksum "
			   "(magic + flags + checksum = 0x%x, must be 0)",
			   off, (unsigned int)(hdr[0] + hdr[1] + hdr[2]));
}


/* Any ELF the formats before it (PV, PVH, multiboot) did not claim. */
static bool probe_elf(const uint8_t *img, size_t len)
{
	return loader_is_elf(img, len);
}

static int load_plain_elf(struct mem *m, const uint8_t *img, size_t len,
			  const struct load_opts *opts, struct boot_state *bs,
			  char *err)
{
	if (check_broken_multiboot(img, len, err) < 0)
		return -1;
	return load_elf(m, img, len, opts, bs, err);
}

const struct loader_format loader_elf = {
	.kind = IMAGE_ELF, .name = "ELF", .order = 40,
	.probe = probe_elf, .load = load_plain_elf,
	.profile = { .devices = true },
};
