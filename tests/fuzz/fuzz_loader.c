/*
 * libFuzzer harness: the image sniffer and every loader (raw, ELF,
 * multiboot, PV, PVH), the note finders and the symbol table, on one input
 * taken as an image file. Guest RAM (4 MiB) is mapped once and cleared
 * before each input, so every load sees the layout a fresh VM would.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"
#include "loader/symbols.h"
#include "mem.h"

#define RAM (4ULL << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mem m;
static uint8_t *guest;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct load_opts opts = { 0 };
	struct boot_state bs;
	struct symtab *st;
	char err[LOADER_ERRLEN];
	uint32_t version;
	uint64_t off, pvh_entry;
	size_t pvh_desc_len;
	enum image_kind kind;

	if (!guest) {
		if (mem_init(&m, RAM) < 0)
			abort();
		guest = mem_ptr(&m, 0, RAM);
		if (!guest)
			abort();
	}
	memset(guest, 0, RAM);

	kind = loader_sniff(data, size);
	(void)loader_kind_name(kind);
	(void)pv_find_note(data, size, &version);
	(void)pvh_find_note(data, size, &pvh_entry, &pvh_desc_len);
	(void)multiboot_find_header(data, size);

	/* The input's length picks the options, leaving its bytes alone. */
	opts.cmdline = (size & 1) ? "console=ttyS0 fuzz" : NULL;
	opts.hc_insn = (enum hc_insn)(size % 3);
	if (size & 2) {
		opts.has_load = 1;
		opts.load_addr = RAW_DEFAULT_LOAD;
	}
	if (size & 4) {
		opts.has_entry = 1;
		opts.entry_addr = 0x100000;
	}
	if ((size & 24) == 24) {	/* the input is its own initrd too */
		opts.initrd = data;
		opts.initrd_len = size;
	}
	memset(&bs, 0, sizeof(bs));
	err[0] = '\0';
	if (loader_load(&m, data, size, &opts, &bs, err) < 0 &&
	    !memchr(err, '\0', sizeof(err)))
		abort();	/* the reason must be a string */

	st = symtab_load(data, size);
	if (st) {
		(void)symtab_lookup(st, bs.rip, &off);
		(void)symtab_lookup(st, 0, &off);
		(void)symtab_lookup(st, UINT64_MAX, &off);
		(void)symtab_lookup(st, 0x100000, &off);
		symtab_free(st);
	}
	return 0;
}
