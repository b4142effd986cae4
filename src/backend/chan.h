/*
 * Channels between two hvruns (--chan PATH): one Unix SOCK_SEQPACKET
 * connection, which keeps every message whole and in order and never
 * drops one (a full socket says EAGAIN instead).
 *
 * --chan PATH:
 *   - PATH does not exist: bind and listen there; the peer is whoever
 *     connects. One peer at a time: a second caller is accepted and
 *     closed at once. After the peer leaves, the next caller becomes the
 *     peer. PATH is removed when hvrun ends (if it is still ours).
 *   - PATH is a socket someone listens on: connect; that is the peer for
 *     the whole run, never reconnected.
 *   - PATH is a socket nobody listens on (left by a killed hvrun): taken
 *     over as in the first case, as --net socket= does.
 *   - anything else: refused.
 *
 * Wire format: each guest message is one packet, a 1-byte header (0)
 * then the payload. Every packet has at least one byte, so a read of 0
 * is the peer's end and never an empty message.
 *
 * Threads: accept, departures and teardown run on the backend loop;
 * send and recv too, except their common cases, which a vCPU thread may
 * try first (chan_send_fast, chan_recv_fast: no hand-off to the loop and
 * back). The connection's fd is swapped (accept, the peer's end) under
 * the channel's lock, which the fast paths and the readiness query take;
 * a receive peeks and takes its packet under it. Wake-ups: an edge-triggered read event on the connection (each
 * arrival and the peer's end) and a write event armed by a send that met
 * EAGAIN signal backend_io_wake; so does a peer's arrival.
 */
#ifndef HVRUN_BACKEND_CHAN_H
#define HVRUN_BACKEND_CHAN_H

#include <stddef.h>
#include <stdint.h>

struct vm;
struct chan;

/* Open channel index at path. vm->backend must exist. Logs one line and
 * returns -1 on failure. */
int chan_open(struct vm *vm, int index, const char *path, struct chan **out);
/* After the loop stopped, before backend_free. NULL is fine. */
void chan_close(struct chan *ch);

/* Backend thread only. len (<= HVRUN_CHAN_MSG_MAX), -EAGAIN, -ENOTCONN. */
int64_t chan_send(struct chan *ch, const void *buf, size_t len);
/* Backend thread only. The next message's length, -EAGAIN, -ENOTCONN, or
 * -EMSGSIZE leaving it queued when it is longer than len. */
int64_t chan_recv(struct chan *ch, void *buf, size_t len);

/*
 * Any thread, never blocks: the common case of chan_send or chan_recv,
 * with the same results, or CHAN_TRY_LOOP when the call must run on the
 * loop instead (a full socket, the peer's end, an error: nothing was
 * sent or taken).
 */
#define CHAN_TRY_LOOP	INT64_MIN
int64_t chan_send_fast(struct chan *ch, const void *buf, size_t len);
int64_t chan_recv_fast(struct chan *ch, void *buf, size_t len);

/* Readiness, any thread, never blocks. */
#define CHAN_READY_RX	(1u << 0)	/* a message waits */
#define CHAN_READY_TX	(1u << 1)	/* connected, a full message fits */
#define CHAN_READY_UP	(1u << 2)	/* a peer is connected */
#define CHAN_READY_DOWN	(1u << 3)	/* no peer is connected */
unsigned int chan_ready(struct chan *ch);

#endif
