/*
 * chan-test.c - two VMs on one --chan: the channel contract of abi.h.
 *
 * Bootargs "first" (start it first: it binds PATH):
 *   chan_send before any peer is -ENOTCONN ("first: no peer yet: ENOTCONN");
 *   waits up to 30 s for the peer (HVRUN_POLL_CHAN_UP); receives the
 *   second's messages of 0, 1 and 65536 bytes whole and in order (a
 *   1-byte buffer for the 65536-byte one is -EMSGSIZE and the message
 *   stays queued); answers "ack"; waits up to 30 s for the peer to leave
 *   (HVRUN_POLL_CHAN_DOWN); then chan_send and chan_recv are -ENOTCONN.
 *   Prints "first: ok" and exits 0.
 * Bootargs "second": chan_send of 65537 bytes is -EMSGSIZE; sends the
 *   three messages, waits up to 30 s for "ack", prints "second: ok",
 *   exits 0.
 * Any check that fails: a line saying which, exit 1.
 */
#include "hv.h"

#define WAIT_NS	(30 * HV_NSEC_PER_SEC)

static uint8_t big[HVRUN_CHAN_MSG_MAX + 1], in[HVRUN_CHAN_MSG_MAX + 16];
static const size_t sizes[] = { 0, 1, HVRUN_CHAN_MSG_MAX };

static int expect(const char *what, long got, long want)
{
	if (got == want)
		return 0;
	printf("%s: got %ld, expected %ld\n", what, got, want);
	return 1;
}

static uint8_t pattern(size_t msg, size_t j)
{
	return (uint8_t)(msg * 77 + j * 13 + 1);
}

/* Wait for the bits in mask on a bounded clock. */
static int wait_for(uint64_t mask, const char *what)
{
	if (hv_poll(hv_now() + WAIT_NS, mask) & mask)
		return 0;
	printf("no %s within 30 s\n", what);
	return 1;
}

static int first(void)
{
	if (expect("send before the peer", hv_chan_send(0, "x", 1),
		   -HVRUN_ENOTCONN) ||
	    expect("recv before the peer", hv_chan_recv(0, in, sizeof(in)),
		   -HVRUN_ENOTCONN))
		return 1;
	printf("first: no peer yet: ENOTCONN\n");
	if (wait_for(HVRUN_POLL_CHAN_UP(0), "peer"))
		return 1;
	for (size_t i = 0; i < HV_ARRAY_SIZE(sizes); i++) {
		long n;

		if (wait_for(HVRUN_POLL_CHAN(0), "message"))
			return 1;
		if (sizes[i] > 1 &&
		    expect("recv into a short buffer", hv_chan_recv(0, in, 1),
			   -HVRUN_EMSGSIZE))
			return 1;
		n = hv_chan_recv(0, in, sizeof(in));
		if (expect("message length", n, (long)sizes[i]))
			return 1;
		for (size_t j = 0; j < sizes[i]; j++)
			if (in[j] != pattern(i, j)) {
				printf("message %lu: byte %lu differs\n",
				       (unsigned long)i, (unsigned long)j);
				return 1;
			}
	}
	if (expect("send ack", hv_chan_send(0, "ack", 3), 3))
		return 1;
	if (wait_for(HVRUN_POLL_CHAN_DOWN(0), "departure"))
		return 1;
	if (expect("send after the peer left", hv_chan_send(0, "x", 1),
		   -HVRUN_ENOTCONN) ||
	    expect("recv after the peer left", hv_chan_recv(0, in, sizeof(in)),
		   -HVRUN_ENOTCONN))
		return 1;
	printf("first: ok\n");
	return 0;
}

static int second(void)
{
	long n;

	if (expect("send 65537 bytes", hv_chan_send(0, big, sizeof(big)),
		   -HVRUN_EMSGSIZE))
		return 1;
	for (size_t i = 0; i < HV_ARRAY_SIZE(sizes); i++) {
		for (size_t j = 0; j < sizes[i]; j++)
			big[j] = pattern(i, j);
		while ((n = hv_chan_send(0, big, sizes[i])) == -HVRUN_EAGAIN)
			if (wait_for(HVRUN_POLL_CHAN_SEND(0), "room to send"))
				return 1;
		if (expect("send", n, (long)sizes[i]))
			return 1;
	}
	if (wait_for(HVRUN_POLL_CHAN(0), "ack"))
		return 1;
	n = hv_chan_recv(0, in, sizeof(in));
	if (expect("ack length", n, 3) || memcmp(in, "ack", 3))
		return 1;
	printf("second: ok\n");
	return 0;
}

int main(const void *fdt)
{
	const char *role = hv_bootargs();

	if (hv_fdt_path_offset(fdt, "/hvrun/chan@0") < 0) {
		printf("no /hvrun/chan@0 in the device tree\n");
		return 1;
	}
	if (!strcmp(role, "first"))
		return first();
	if (!strcmp(role, "second"))
		return second();
	printf("usage: first | second\n");
	return 2;
}
