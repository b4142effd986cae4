/*
 * Name an instruction KVM may fail to emulate (insn_hint.h): the legacy
 * and REX prefixes, then the few opcodes of the instructions in the
 * table. Not a decoder of anything else.
 */
#include <stdbool.h>

#include "insn_hint.h"

enum {
	H_CX16, H_CX8, H_XSAVE, H_POPCNT, H_RDRAND, H_RDSEED, H_RDPID,
	H_FSGSBASE, H_CLFLUSHOPT, H_CLWB, H_INVPCID, H_SMAP, H_FWAIT,
	H_INT3, H_IRET32,
};

#define CPUID_HINT(f, linux) \
	"hide it with --cpu-features -" f "; a Linux guest on pagetable-based KVM (which reads CPUID at CPL 0 itself) also needs " linux " on its command line"

static const struct insn_hint hints[] = {
	[H_CX16] = { "cmpxchg16b", "cx16", CPUID_HINT("cx16", "clearcpuid=cx16") },
	[H_CX8] = { "cmpxchg8b", "cx8", CPUID_HINT("cx8", "clearcpuid=cx8") },
	[H_XSAVE] = { "an XSAVE-family instruction", "xsave",
		      CPUID_HINT("xsave", "noxsave") },
	[H_POPCNT] = { "popcnt", "popcnt", CPUID_HINT("popcnt", "clearcpuid=popcnt") },
	[H_RDRAND] = { "rdrand", "rdrand", CPUID_HINT("rdrand", "clearcpuid=rdrand") },
	[H_RDSEED] = { "rdseed", "rdseed", CPUID_HINT("rdseed", "clearcpuid=rdseed") },
	[H_RDPID] = { "rdpid", "rdpid", CPUID_HINT("rdpid", "clearcpuid=rdpid") },
	[H_FSGSBASE] = { "an FSGSBASE instruction", "fsgsbase",
			 CPUID_HINT("fsgsbase", "clearcpuid=fsgsbase") },
	[H_CLFLUSHOPT] = { "clflushopt", "clflushopt",
			   CPUID_HINT("clflushopt", "clearcpuid=clflushopt") },
	[H_CLWB] = { "clwb", "clwb", CPUID_HINT("clwb", "clearcpuid=clwb") },
	[H_INVPCID] = { "invpcid", "invpcid",
			CPUID_HINT("invpcid", "clearcpuid=pcid,invpcid") },
	[H_SMAP] = { "stac/clac", "smap", CPUID_HINT("smap", "clearcpuid=smap") },
	[H_FWAIT] = { "fwait", NULL,
		      "no CPUID bit hides it: the guest must not run it at CPL 0 there (guests/linux/0003-skip-fwait-in-fpu-drop.patch)" },
	[H_INT3] = { "int3", NULL,
		     "no CPUID bit hides it: the guest must not run it at CPL 0 there (guests/linux/0001-skip-int3-selftest.patch)" },
	[H_IRET32] = { "a 32-bit iret", NULL,
		       "no CPUID bit hides it: the guest must return with iretq, or run where CPL 0 is not emulated" },
};

static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0xf0: case 0xf2: case 0xf3: case 0x2e: case 0x36: case 0x3e:
	case 0x26: case 0x64: case 0x65: case 0x66: case 0x67:
		return true;
	}
	return false;
}

/* 0F C7 /r: cmpxchg8b/16b, the XSAVE-family restores and saves, rdrand,
 * rdseed, rdpid. */
static int group9(uint8_t modrm, bool rexw, bool f3)
{
	unsigned mod = modrm >> 6, reg = (modrm >> 3) & 7;

	if (mod != 3) {
		if (reg == 1)
			return rexw ? H_CX16 : H_CX8;
		return reg >= 3 && reg <= 5 ? H_XSAVE : -1;
	}
	if (reg == 6)
		return H_RDRAND;
	if (reg == 7)
		return f3 ? H_RDPID : H_RDSEED;
	return -1;
}

/* 0F AE /r: xsave, xrstor, xsaveopt, clwb, clflushopt; FSGSBASE. */
static int group15(uint8_t modrm, bool p66, bool f3)
{
	unsigned mod = modrm >> 6, reg = (modrm >> 3) & 7;

	if (mod == 3)
		return f3 && reg <= 3 ? H_FSGSBASE : -1;
	if (reg == 4 || reg == 5)
		return H_XSAVE;
	if (reg == 6)
		return p66 ? H_CLWB : H_XSAVE;
	if (reg == 7 && p66)
		return H_CLFLUSHOPT;
	return -1;
}

static int two_byte(const uint8_t *b, size_t n, bool rexw, bool p66, bool f3)
{
	if (n < 2)
		return -1;
	switch (b[0]) {
	case 0xb8:
		return f3 ? H_POPCNT : -1;
	case 0xc7:
		return group9(b[1], rexw, f3);
	case 0xae:
		return group15(b[1], p66, f3);
	case 0x01:
		if (b[1] == 0xd0 || b[1] == 0xd1)
			return H_XSAVE;		/* xgetbv, xsetbv */
		return b[1] == 0xca || b[1] == 0xcb ? H_SMAP : -1;
	case 0x38:
		return b[1] == 0x82 && p66 ? H_INVPCID : -1;
	}
	return -1;
}

/* iret with a 32-bit operand size: the default outside 16-bit code. */
static bool iret32(unsigned bits, bool p66, bool rexw)
{
	return bits == 16 ? p66 : !p66 && !rexw;
}

const struct insn_hint *insn_hint_find(const uint8_t *b, size_t len,
				       unsigned bits)
{
	bool p66 = false, f3 = false, rexw = false;
	size_t i = 0;
	int h = -1;

	for (; i < len && i < 15 && is_legacy_prefix(b[i]); i++) {
		p66 |= b[i] == 0x66;
		f3 |= b[i] == 0xf3;
	}
	if (bits == 64 && i < len && (b[i] & 0xf0) == 0x40)
		rexw = b[i++] & 8;
	if (i >= len)
		return NULL;
	switch (b[i]) {
	case 0x9b:
		h = H_FWAIT;
		break;
	case 0xcc:
		h = H_INT3;
		break;
	case 0xcf:
		h = iret32(bits, p66, rexw) ? H_IRET32 : -1;
		break;
	case 0x0f:
		h = two_byte(b + i + 1, len - i - 1, rexw, p66, f3);
		break;
	}
	return h < 0 ? NULL : &hints[h];
}
