/* Function symbols from an ELF image's .symtab (libelf), sorted by address. */
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "symbols.h"

struct sym {
	uint64_t addr, size;
	char *name;
};

struct symtab {
	struct sym *syms;
	size_t nr;
};

static int by_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int add_symbols(struct symtab *st, Elf *e, Elf_Scn *scn,
		       const GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	GElf_Sym s;

	if (!d)
		return 0;
	st->syms = calloc(n ? n : 1, sizeof(*st->syms));
	if (!st->syms)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *name;

		if (!gelf_getsym(d, (int)i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC)
			continue;
		name = elf_strptr(e, sh->sh_link, s.st_name);
		if (!name || !*name)
			continue;
		st->syms[st->nr] = (struct sym){ s.st_value, s.st_size, strdup(name) };
		if (!st->syms[st->nr].name)
			return -1;
		st->nr++;
	}
	return 0;
}

struct symtab *symtab_load(const uint8_t *img, size_t len)
{
	struct symtab *st = NULL;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	e = elf_memory((char *)(uintptr_t)img, len);
	if (!e)
		return NULL;
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		st = calloc(1, sizeof(*st));
		if (!st || add_symbols(st, e, scn, &sh) < 0) {
			symtab_free(st);
			st = NULL;
		}
		break;
	}
	elf_end(e);
	if (st && st->nr == 0) {
		symtab_free(st);
		return NULL;
	}
	if (st)
		qsort(st->syms, st->nr, sizeof(st->syms[0]), by_addr);
	return st;
}

void symtab_free(struct symtab *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nr; i++)
		free(st->syms[i].name);
	free(st->syms);
	free(st);
}

const char *symtab_lookup(const struct symtab *st, uint64_t addr, uint64_t *off)
{
	size_t lo = 0, hi;
	const struct sym *s;

	if (!st)
		return NULL;
	hi = st->nr;
	while (lo < hi) {	/* first symbol above addr */
		size_t mid = lo + (hi - lo) / 2;

		if (st->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	s = &st->syms[lo - 1];
	if (s->size && addr - s->addr >= s->size)
		return NULL;
	*off = addr - s->addr;
	return s->name;
}
