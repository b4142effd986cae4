/*
 * net-echo.c - send every packet on net 0 straight back.
 *
 * Prints "net-echo ready\n", then waits with hv_poll() for packets on net
 * 0 and sends each back unchanged. After echoing a packet that is exactly
 * the 4 bytes "quit" it prints "echoed <k> packets\n" (k counting the
 * "quit" packet too) and exits 0. 10 s without a packet: "net-echo: no
 * packet for 10 s\n" and exit 1; a failing call: a message and exit 2.
 */
#include "hv.h"

#define SILENCE_NS	(10 * HV_NSEC_PER_SEC)

static uint8_t pkt[HVRUN_NET_MTU_FRAME];

int main(const void *fdt)
{
	unsigned long echoed = 0;
	long n, r;

	printf("net-echo ready\n");
	for (;;) {
		r = hv_poll(hv_now() + SILENCE_NS, HVRUN_POLL_NET(0));
		if (r < 0) {
			printf("poll: error %ld\n", r);
			return 2;
		}
		if (r == 0) {
			printf("net-echo: no packet for 10 s\n");
			return 1;
		}
		/* Drain: poll said ready, recv says how many. */
		while ((n = hv_net_recv(0, pkt, sizeof(pkt))) >= 0) {
			r = hv_net_send(0, pkt, (size_t)n);
			if (r != n) {
				printf("send: error %ld\n", r);
				return 2;
			}
			echoed++;
			if (n == 4 && memcmp(pkt, "quit", 4) == 0) {
				printf("echoed %lu packets\n", echoed);
				return 0;
			}
		}
		if (n != -HVRUN_EAGAIN) {
			printf("recv: error %ld\n", n);
			return 2;
		}
	}
}
