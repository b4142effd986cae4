/*
 * null.c - a guest that crashes on purpose, to check hvrun's crash report.
 *
 * Prints "about to fault\n", then crash_here() reads 0x7ffffffff000: a
 * canonical address far above any guest RAM (hvrun maps RAM only, at most
 * 4 GiB), so certainly unmapped -- unlike page 0, which is RAM. The read
 * takes a page fault that hvrun's exception stubs report: hvrun exits 126
 * and its stderr names the page fault, the RIP and the symbol crash_here.
 * Should the read somehow succeed: "no fault\n" and exit 1.
 */
#include "hv.h"

#define UNMAPPED	0x7ffffffff000UL

/* Not static, not inlined: its own symbol for the crash report. */
long crash_here(void) __attribute__((noinline));
long crash_here(void)
{
	return *(volatile long *)UNMAPPED;
}

int main(const void *fdt)
{
	printf("about to fault\n");
	crash_here();
	printf("no fault\n");
	return 1;
}
