/*
 * chan-ping.c - round trips over a channel (--chan, channel 0), each one
 * exit per side: chan_call sends and waits for the answer.
 *
 * Bootargs "pong": waits up to 30 s for the peer, then echoes every
 * message back (chan_call: the echo and the wait for the next one) until
 * the peer leaves (at most 30 s without one), prints "pong: echoed N" and
 * exits 0.
 * Bootargs "ping N SIZE [fast]": waits up to 30 s for the peer, then sends
 * N messages of SIZE bytes one at a time, each waiting for its echo (and
 * checking it), and prints "ping: N round trips of SIZE bytes, X ns each,
 * worst Y ms" (the mean and the slowest, on the monotonic clock). Each
 * round reads the clock (one more exit), and a wait re-checks after a
 * second, so a lost wake-up shows as a worst near 1000 ms. With "fast"
 * the rounds read no clock (the mean only, worst 0): what bench/ipc
 * times. Exits 0; a lost or wrong echo: 1.
 */
#include <stdbool.h>

#include "hv.h"

#define WAIT_NS	(30 * HV_NSEC_PER_SEC)
#define SLICE_NS	HV_NSEC_PER_SEC	/* each wait re-checks at least this often */
#define REFRESH	256		/* rounds between clock reads, fast or pong */

static uint8_t out[HVRUN_CHAN_MSG_MAX], in[HVRUN_CHAN_MSG_MAX];

static bool peer_up(const char *who)
{
	if (hv_poll(hv_now() + WAIT_NS, HVRUN_POLL_CHAN_UP(0)) & HVRUN_POLL_CHAN_UP(0))
		return true;
	printf("%s: no peer within 30 s\n", who);
	return false;
}

/* A plain wait for the next message, slice by slice, for up to 30 s. */
static long recv_slow(void)
{
	uint64_t end = hv_now() + WAIT_NS;
	long n;

	while ((n = hv_chan_recv(0, in, sizeof(in))) == -HVRUN_EAGAIN &&
	       hv_now() < end)
		hv_poll(hv_now() + SLICE_NS, HVRUN_POLL_CHAN(0) | HVRUN_POLL_CHAN_DOWN(0));
	return n;
}

static int pong(void)
{
	unsigned long echoed = 0;
	uint64_t deadline = 0;
	long len, n;

	if (!peer_up("pong"))
		return 1;
	/* len: the message to echo; negative once the peer is gone or
	 * silent for 30 s. */
	for (len = recv_slow(); len >= 0; len = n) {
		if (echoed % REFRESH == 0)
			deadline = hv_now() + WAIT_NS;
		n = hv_chan_call(0, in, (size_t)len, in, sizeof(in), deadline);
		if (n == -HVRUN_EAGAIN) {	/* no room for the echo yet */
			hv_poll(hv_now() + SLICE_NS, HVRUN_POLL_CHAN_SEND(0));
			n = len;
			continue;
		}
		echoed++;
	}
	printf("pong: echoed %lu\n", echoed);
	return 0;
}

static int ping(unsigned long rounds, size_t size, bool fast)
{
	uint64_t start, t, now, worst = 0, deadline = 0;

	if (size > sizeof(out))
		size = sizeof(out);
	for (size_t j = 0; j < size; j++)
		out[j] = (uint8_t)(j * 3);
	if (!peer_up("ping"))
		return 1;
	start = t = hv_now();
	for (unsigned long i = 0; i < rounds; i++) {
		long n;

		if (!fast)
			deadline = t + SLICE_NS;
		else if (i % REFRESH == 0)
			deadline = hv_now() + WAIT_NS;
		n = hv_chan_call(0, out, size, in, sizeof(in), deadline);
		if (n == -HVRUN_ETIMEDOUT && !fast)
			n = recv_slow();	/* re-check: a lost wake-up? */
		if (n != (long)size || memcmp(in, out, size)) {
			printf("ping: bad or no echo (%ld)\n", n);
			return 1;
		}
		if (!fast) {
			now = hv_now();
			worst = HV_MAX(worst, now - t);
			t = now;
		}
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
		size_t size;

		rounds = (unsigned long)hv_strtoull(args + 5, &rest);
		size = (size_t)hv_strtoull(rest + (*rest == ' '), &rest);
		return ping(rounds, size, !strcmp(rest, " fast"));
	}
	printf("usage: pong | ping N SIZE [fast]\n");
	return 2;
}
