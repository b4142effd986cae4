/*
 * shm-test.c - shared memory between VMs (--shm PATH,size=SIZE, ABI v2).
 *
 * Bootargs "write SEED": fills all of region 0 with the pattern of SEED
 *   (byte i = SEED + i * 7 + i / 4096), prints "shm: wrote N bytes at
 *   0xGPA", then waits up to 60 s for console input (so another VM can
 *   read the region while this one lives) and exits 0.
 * Bootargs "check SEED": checks region 0 byte for byte against the
 *   pattern, prints "shm: N bytes match" and exits 0; the first byte that
 *   differs: a line naming it, exit 1.
 * Bootargs "bench N": copies the first half of region 0 to the second
 *   half N times after one warm-up copy (rep movsb, as a libc memcpy
 *   would) and prints
 *   "shm: copy X MB/s".
 * No region 0 in the device tree: exit 2.
 */
#include "hv.h"

static uint8_t pattern(unsigned seed, size_t i)
{
	return (uint8_t)(seed + i * 7 + i / 4096);
}

int main(const void *fdt)
{
	const char *args = hv_bootargs(), *rest;
	size_t size;
	uint8_t *shm = hv_shm(0, &size);
	unsigned seed;

	if (!shm) {
		printf("shm: no region 0\n");
		return 2;
	}
	rest = args + 6;
	seed = (unsigned)hv_strtoull(rest, NULL);
	if (!strncmp(args, "write ", 6)) {
		for (size_t i = 0; i < size; i++)
			shm[i] = pattern(seed, i);
		printf("shm: wrote %lu bytes at %p\n", (unsigned long)size, shm);
		hv_poll(hv_now() + 60 * HV_NSEC_PER_SEC, HVRUN_POLL_CONSOLE);
		return 0;
	}
	if (!strncmp(args, "check ", 6)) {
		for (size_t i = 0; i < size; i++)
			if (shm[i] != pattern(seed, i)) {
				printf("shm: byte %lu is %u, expected %u\n",
				       (unsigned long)i, shm[i], pattern(seed, i));
				return 1;
			}
		printf("shm: %lu bytes match\n", (unsigned long)size);
		return 0;
	}
	if (!strncmp(args, "bench ", 6)) {
		uint64_t t = 0, half = size / 2;

		/* Round 0 warms up: the first touch of each page is a fault
		 * the host's memcpy floor does not pay either. */
		for (unsigned i = 0; i <= seed; i++) {
			void *d = shm + half;
			const void *src = shm;
			size_t n = half;

			if (i == 1)
				t = hv_now();
			__asm__ volatile("rep movsb"
					 : "+D"(d), "+S"(src), "+c"(n) : : "memory");
		}
		t = hv_now() - t;
		printf("shm: copy %lu MB/s\n",
		       (unsigned long)(seed * half * 1000 / (t ? t : 1)));
		return 0;
	}
	printf("usage: write SEED | check SEED | bench N\n");
	return 2;
}
