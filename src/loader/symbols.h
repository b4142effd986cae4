/* Function symbols of an ELF image, for naming the RIP in crash reports. */
#ifndef HVRUN_SYMBOLS_H
#define HVRUN_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct symtab;

/* The image's function symbols, or NULL when it has none (or no memory). */
struct symtab *symtab_load(const uint8_t *img, size_t len);
void symtab_free(struct symtab *st);

/* Name of the function containing addr and addr's offset in it, or NULL. */
const char *symtab_lookup(const struct symtab *st, uint64_t addr, uint64_t *off);

#endif
