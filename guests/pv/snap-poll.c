/*
 * snap-poll.c - a snapshot taken while another vCPU waits in a call.
 *
 * Needs -c 2. vCPU 0 starts vCPU 1, prints "waiting\n" and waits for
 * console input with poll (no deadline); vCPU 1 sleeps 300 ms (a poll
 * with a deadline), calls hv_snapshot() and then idles. vCPU 0 prints
 * "got: <first line of input>\n" and exits 0; "poll returned 0\n" and
 * exit 1 if its poll ever ends with nothing ready (a restored run must
 * make the interrupted poll again, not return from it).
 * Without --snapshot the snapshot call fails and the guest just reads.
 */
#include "hv.h"

static uint8_t ap_stack[16384] __attribute__((aligned(16)));

static void ap_main(long arg)
{
	(void)arg;
	hv_poll(hv_now() + 300 * 1000000ULL, 0);
	hv_snapshot();
	for (;;)
		hv_poll(UINT64_MAX, 0);
}

int main(const void *fdt)
{
	char line[64];
	long n, r;

	(void)fdt;
	r = hv_cpu_start(1, ap_main, ap_stack + sizeof(ap_stack), 0);
	if (r < 0) {
		printf("starting vCPU 1: error %ld\n", r);
		return 2;
	}
	printf("waiting\n");
	if (hv_poll(UINT64_MAX, HVRUN_POLL_CONSOLE) == 0) {
		printf("poll returned 0\n");
		return 1;
	}
	n = hv_console_read(line, sizeof(line) - 1);
	line[n > 0 ? n : 0] = 0;
	for (long i = 0; i < n; i++)
		if (line[i] == '\n')
			line[i] = 0;
	printf("got: %s\n", line);
	return 0;
}
