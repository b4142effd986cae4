/*
 * Instructions some KVMs cannot emulate (pagetable-based KVM emulates all
 * of a guest's CPL 0 code; any KVM emulates some instructions, for MMIO
 * or real mode), recognised from their bytes so that a crash report on
 * "emulation failed" can name the instruction and what avoids it.
 */
#ifndef HVRUN_INSN_HINT_H
#define HVRUN_INSN_HINT_H

#include <stddef.h>
#include <stdint.h>

struct insn_hint {
	const char *name;		/* "cmpxchg16b" */
	const char *feature;		/* --cpu-features name, or NULL */
	const char *hint;		/* what avoids it, one clause */
};

/*
 * The instruction at the start of bytes[0, len), when it is one of those;
 * else NULL. bits: the code's default operand size, 16, 32 or 64 (REX
 * prefixes exist only in 64). Reads no byte past len.
 */
const struct insn_hint *insn_hint_find(const uint8_t *bytes, size_t len,
				       unsigned bits);

#endif
