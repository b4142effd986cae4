/*
 * bench-hc.c - hypercall round-trip cost.
 *
 * N = the first bootargs word (hvrun guest.elf -- 100000), default
 * 1000000. Times N hv_abi_version() calls, then N hv_clock(0) calls, then
 * max(N/100, 1) one-byte hv_console_write() calls of '.' (followed by one
 * '\n'), each loop timed with the monotonic clock, and prints
 *
 *	abi_version: <ns>.<tenths> ns/call
 *	clock: <ns>.<tenths> ns/call
 *	<the line of dots>
 *	console_write1: <ns>.<tenths> ns/call
 *
 * Exit status 0; 1 if a call fails.
 */
#include "hv.h"

#define DEFAULT_N	1000000ULL

static void report(const char *what, uint64_t ns, uint64_t calls)
{
	uint64_t tenths = ns * 10 / calls;

	printf("%s: %llu.%llu ns/call\n", what,
	       (unsigned long long)(tenths / 10),
	       (unsigned long long)(tenths % 10));
}

int main(const void *fdt)
{
	uint64_t n = hv_strtoull(hv_bootargs(), NULL);
	uint64_t i, t0, dots;

	if (n == 0)
		n = DEFAULT_N;

	t0 = hv_now();
	for (i = 0; i < n; i++)
		if (hv_abi_version() != HVRUN_ABI_VERSION) {
			printf("abi_version: unexpected result\n");
			return 1;
		}
	report("abi_version", hv_now() - t0, n);

	t0 = hv_now();
	for (i = 0; i < n; i++)
		if (hv_clock(HVRUN_CLOCK_MONOTONIC) < 0) {
			printf("clock: failed\n");
			return 1;
		}
	report("clock", hv_now() - t0, n);

	dots = n / 100 ? n / 100 : 1;
	t0 = hv_now();
	for (i = 0; i < dots; i++)
		if (hv_console_write(".", 1) != 1) {
			printf("\nconsole_write: failed\n");
			return 1;
		}
	t0 = hv_now() - t0;
	printf("\n");
	report("console_write1", t0, dots);
	return 0;
}
