/*
 * gdbtest.c - the guest tests/guest/gdb.sh debugs.
 *
 * Starts vCPU 1 if there is one (it spins), calls target(1), which stores its
 * argument in `watched`, then prints "value=<gdb_value>\n" (42 unless a
 * debugger changed it). With the boot argument "spin" it then waits until
 * a debugger clears `spin` and prints "spun\n"; with "int3" it executes
 * an int3 of its own in own_int3(), which hvrun's PV stubs report as a
 * crash (status 126), gdb or not. `gdb_words` is there for gdb to read.
 * Exit status 0.
 */
#include "hv.h"

#define AP_STACK	4096

volatile uint64_t gdb_words[4] = { 0x1111, 0x2222, 0x3333, 0x4444 };
volatile long gdb_value = 42;
volatile long watched;
volatile int spin = 1;

static uint8_t ap_stack[AP_STACK] __attribute__((aligned(16)));

static void ap_main(long id)
{
	for (;;)
		hv_cpu_relax();
}

__attribute__((noinline)) long target(long x)
{
	watched = x;
	return x + gdb_value;
}

/* Not static, not inlined: its own frame in gdb's backtrace. */
__attribute__((noinline)) void own_int3(void)
{
	__asm__ volatile("int3");
	printf("after int3\n");
}

int main(const void *fdt)
{
	/* Fails with -c 1; few instructions to single-step through. */
	hv_cpu_start(1, ap_main, ap_stack + AP_STACK, 1);
	target(1 + (long)(gdb_words[0] - 0x1111));
	printf("value=%ld\n", gdb_value);
	if (!strcmp(hv_bootargs(), "spin")) {
		while (spin)
			hv_cpu_relax();
		printf("spun\n");
	}
	if (!strcmp(hv_bootargs(), "int3"))
		own_int3();
	return 0;
}
