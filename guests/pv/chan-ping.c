/*
 * chan-ping.c - round trips over a channel (--chan, channel 0).
 *
 * Bootargs "pong": waits up to 30 s for the peer, then echoes every
 * message back until the peer leaves (at most 30 s without one), prints "pong: echoed N" and exits 0.
 * Bootargs "ping N SIZE": waits up to 30 s for the peer, then sends N
 * messages of SIZE bytes one at a time, each waiting for its echo (and
 * checking it), and prints "ping: N round trips of SIZE bytes, X ns each,
 * worst Y ms" (the mean and the slowest, on the monotonic clock). Every
 * wait re-checks each second, so a lost wake-up shows as a worst near
 * 1000 ms. Exits 0; a lost or wrong echo: 1.
 */
#include "hv.h"

#define WAIT_NS	(30 * HV_NSEC_PER_SEC)
#define SLICE_NS	HV_NSEC_PER_SEC	/* each wait re-checks at least this often */

static uint8_t out[HVRUN_CHAN_MSG_MAX], in[HVRUN_CHAN_MSG_MAX];

static int pong(void)
{
	unsigned long echoed = 0;
	long n;

	if (!(hv_poll(hv_now() + WAIT_NS, HVRUN_POLL_CHAN_UP(0)) & HVRUN_POLL_CHAN_UP(0))) {
		printf("pong: no peer within 30 s\n");
		return 1;
	}
	for (uint64_t idle = hv_now() + WAIT_NS; hv_now() < idle;) {
		hv_poll(hv_now() + SLICE_NS, HVRUN_POLL_CHAN(0) | HVRUN_POLL_CHAN_DOWN(0));
		n = hv_chan_recv(0, in, sizeof(in));
		if (n == -HVRUN_EAGAIN)
			continue;
		idle = hv_now() + WAIT_NS;
		if (n < 0)
			break;
		while (hv_chan_send(0, in, (size_t)n) == -HVRUN_EAGAIN)
			hv_poll(hv_now() + WAIT_NS, HVRUN_POLL_CHAN_SEND(0));
		echoed++;
	}
	printf("pong: echoed %lu\n", echoed);
	return 0;
}

static int ping(unsigned long rounds, size_t size)
{
	uint64_t start, t, worst = 0;

	if (size > sizeof(out))
		size = sizeof(out);
	for (size_t j = 0; j < size; j++)
		out[j] = (uint8_t)(j * 3);
	if (!(hv_poll(hv_now() + WAIT_NS, HVRUN_POLL_CHAN_UP(0)) & HVRUN_POLL_CHAN_UP(0))) {
		printf("ping: no peer within 30 s\n");
		return 1;
	}
	start = hv_now();
	for (unsigned long i = 0; i < rounds; i++) {
		long n;

		t = hv_now();
		if (hv_chan_send(0, out, size) != (long)size)
			return 1;
		/* Sleep in poll: spinning on recv would take a CPU from the peer. */
		for (uint64_t end = hv_now() + WAIT_NS;
		     (n = hv_chan_recv(0, in, sizeof(in))) == -HVRUN_EAGAIN;)
			if (hv_now() > end) {
				printf("ping: no echo within 30 s\n");
				return 1;
			} else {
				hv_poll(hv_now() + SLICE_NS, HVRUN_POLL_CHAN(0));
			}
		if (n != (long)size || memcmp(in, out, size)) {
			printf("ping: bad echo (%ld bytes)\n", n);
			return 1;
		}
		worst = HV_MAX(worst, hv_now() - t);
	}
	printf("ping: %lu round trips of %lu bytes, %lu ns each, worst %lu ms\n",
	       rounds, (unsigned long)size,
	       (unsigned long)((hv_now() - start) / (rounds ? rounds : 1)),
	       (unsigned long)(worst / 1000000));
	return 0;
}

int main(const void *fdt)
{
	const char *args = hv_bootargs(), *rest;
	unsigned long rounds;

	if (!strcmp(args, "pong"))
		return pong();
	if (!strncmp(args, "ping ", 5)) {
		rounds = (unsigned long)hv_strtoull(args + 5, &rest);
		return ping(rounds, (size_t)hv_strtoull(rest + (*rest == ' '), NULL));
	}
	printf("usage: pong | ping N SIZE\n");
	return 2;
}
