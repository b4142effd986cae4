/*
 * Network devices (virtio-net and PV net): Ethernet frames to a tap interface or a
 * Unix datagram socket, one frame per datagram.
 *
 * --net tap=IFNAME: attach to tap interface IFNAME (created if the caller
 * may, e.g. with CAP_NET_ADMIN; an existing persistent tap owned by the
 * user needs no privilege). Frames carry no packet-information header.
 *
 * --net socket=PATH: a point-to-point cable between two processes,
 * needing no privilege.
 *   - PATH does not exist: hvrun binds its socket at PATH and waits. It
 *     sends to whoever sent the last datagram it received; until then
 *     frames are dropped, as on a cable with nothing at the other end.
 *     PATH is removed when hvrun ends.
 *   - PATH is a socket: hvrun binds an autobind (abstract, nameless to
 *     the file system) address and connects to PATH; it only receives
 *     from that peer. A socket file nobody listens on (left by a killed
 *     process) is refused, never removed: delete it yourself.
 *   - PATH is anything else: refused.
 * So the first VM (or a test script binding PATH) creates the cable and
 * the second plugs into it. A peer that goes away is not reconnected;
 * frames sent to it are dropped.
 *
 * MAC: locally administered 02:68:76:00:E:N ("hv"), N the device index,
 * E 1 on the connecting end of a socket cable and 0 otherwise, so the two
 * ends of a cable differ.
 *
 * Readiness: net_rx_ready asks the kernel, from any thread. To wake
 * pollers, each device keeps a one-shot read event on the backend loop
 * that calls the handler given to net_set_rx_handler (virtio-net) or,
 * without one, signals the backend's I/O wake-up (backend_io_wake);
 * net_recv re-arms it, so a frame the guest has no buffer for yet does
 * not spin the loop.
 */
#ifndef HVRUN_BACKEND_NET_H
#define HVRUN_BACKEND_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct net_dev;

/* Open device index from its --net spec. vm->backend must exist. Logs one
 * line and returns -1 on failure; 0 and *out on success. */
int net_open(struct vm *vm, int index, const char *spec, struct net_dev **out);
/* Close. Its read event lives on the backend's base: call this after the
 * loop stopped and before backend_free. */
void net_close(struct net_dev *n);

void net_mac(const struct net_dev *n, uint8_t mac[6]);

/* Backend thread only. Send one frame: len, -EAGAIN when the host queue
 * is full, or -errno. A frame with nobody to receive it is dropped (len). */
int64_t net_send(struct net_dev *n, const void *buf, size_t len);
/* Backend thread only. Receive one frame into buf, truncated to len: its
 * length (at most len), or -EAGAIN when none waits. */
int64_t net_recv(struct net_dev *n, void *buf, size_t len);

/* Call fn(arg) on the backend thread when a frame is readable, instead
 * of waking PV pollers. Before the loop runs. */
void net_set_rx_handler(struct net_dev *n, void (*fn)(void *arg), void *arg);

/* Is a frame waiting? Any thread; never blocks. */
bool net_rx_ready(struct net_dev *n);

#endif
