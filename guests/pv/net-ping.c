/*
 * net-ping.c - the other end of net-echo: two VMs on one --net socket=.
 *
 * Sends frames of 60, 1500, 9000 and 65536 bytes (byte j of frame i is
 * (i * 31 + j) & 0xff) on net 0, waits up to 5 s for each to come back
 * and checks it byte for byte, then sends "quit" and waits for its echo.
 * Prints "ping: 5 frames echoed\n" and exits 0; a frame that does not come
 * back, or comes back different: a message and exit 1; a failing call: 2.
 */
#include "hv.h"

#define WAIT_NS	(5 * HV_NSEC_PER_SEC)

static uint8_t out[HVRUN_NET_MTU_FRAME], in[HVRUN_NET_MTU_FRAME];

/* Send len bytes of out and wait for exactly them to come back. */
static int round_trip(size_t len)
{
	long r, n;

	r = hv_net_send(0, out, len);
	if (r != (long)len) {
		printf("send: error %ld\n", r);
		return 2;
	}
	r = hv_poll(hv_now() + WAIT_NS, HVRUN_POLL_NET(0));
	if (r <= 0) {
		printf("ping: no echo of a %lu-byte frame\n", (unsigned long)len);
		return 1;
	}
	n = hv_net_recv(0, in, sizeof(in));
	if (n != (long)len || memcmp(in, out, len) != 0) {
		printf("ping: sent %lu bytes, got back %ld different ones\n",
		       (unsigned long)len, n);
		return 1;
	}
	return 0;
}

int main(const void *fdt)
{
	static const size_t sizes[] = { 60, 1500, 9000, HVRUN_NET_MTU_FRAME };
	int err;

	for (size_t i = 0; i < HV_ARRAY_SIZE(sizes); i++) {
		for (size_t j = 0; j < sizes[i]; j++)
			out[j] = (uint8_t)(i * 31 + j);
		err = round_trip(sizes[i]);
		if (err)
			return err;
	}
	memcpy(out, "quit", 4);
	err = round_trip(4);
	if (err)
		return err;
	printf("ping: %lu frames echoed\n", (unsigned long)HV_ARRAY_SIZE(sizes) + 1);
	return 0;
}
