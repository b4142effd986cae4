/* Channels: one Unix SOCK_SEQPACKET connection per --chan (chan.h). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <event2/event.h>

#include <hvrun/abi.h>

#include "../log.h"
#include "../vm.h"
#include "../wake.h"
#include "backend.h"
#include "chan.h"
#include "sockfile.h"

#define HDR_MSG		0	/* the only packet type: a guest message */
#define SNDBUF		(1 << 20)	/* many full messages in flight */
#define SEND_FLAGS	(MSG_DONTWAIT | MSG_NOSIGNAL)

struct chan {
	struct vm *vm;
	const char *path;
	pthread_mutex_t lock;		/* conn_fd swaps vs chan_ready */
	int listen_fd;			/* -1 when we connected */
	int conn_fd;			/* -1: no peer */
	struct event *accept_ev;	/* persistent, on listen_fd */
	struct event *rx_ev;		/* edge-triggered: arrivals, the end */
	struct event *tx_ev;		/* one-shot, after an EAGAIN */

	/* PATH we bound: removed at the end if it is still ours. */
	struct sock_file bound;		/* PATH, when this hvrun bound it */
};

static void on_rx(evutil_socket_t fd, short what, void *arg)
{
	struct chan *ch = arg;

	wake_signal(backend_io_wake(ch->vm->backend));
}

/* Watch conn_fd: pollers wake on its first packet (or its end). */
static int watch_conn(struct chan *ch)
{
	struct event_base *base = backend_base(ch->vm->backend);

	/*
	 * Edge-triggered and persistent: it fires once per arrival (and at
	 * the peer's end) whether or not older packets wait, so it needs no
	 * re-arming. A one-shot event re-armed by chan_recv, as net.c does,
	 * loses wake-ups: when the request and the event are active in the
	 * same loop pass and the request runs first, libevent's removal of
	 * the fired one-shot event undoes the re-arm.
	 */
	ch->rx_ev = event_new(base, ch->conn_fd,
			      EV_READ | EV_CLOSED | EV_ET | EV_PERSIST, on_rx, ch);
	ch->tx_ev = event_new(base, ch->conn_fd, EV_WRITE, on_rx, ch);
	if (!ch->rx_ev || !ch->tx_ev || event_add(ch->rx_ev, NULL) < 0)
		return -1;
	return 0;
}

static void unwatch_conn(struct chan *ch)
{
	if (ch->rx_ev)
		event_free(ch->rx_ev);
	if (ch->tx_ev)
		event_free(ch->tx_ev);
	ch->rx_ev = ch->tx_ev = NULL;
}

/* The peer is gone (or never fully arrived): forget the connection. */
static void drop_conn(struct chan *ch)
{
	int fd = ch->conn_fd;

	if (fd < 0)
		return;
	unwatch_conn(ch);
	pthread_mutex_lock(&ch->lock);
	ch->conn_fd = -1;
	pthread_mutex_unlock(&ch->lock);
	close(fd);
	log_info(1, "--chan %s: the peer left", ch->path);
	wake_signal(backend_io_wake(ch->vm->backend));
}

static void set_conn(struct chan *ch, int fd)
{
	pthread_mutex_lock(&ch->lock);
	ch->conn_fd = fd;
	pthread_mutex_unlock(&ch->lock);
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct chan *ch = arg;
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* One peer at a time: a second caller sees its end at once. */
	if (ch->conn_fd >= 0) {
		log_info(1, "--chan %s: refused a second peer", ch->path);
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &(int){ SNDBUF }, sizeof(int));
	set_conn(ch, fd);
	if (watch_conn(ch) < 0) {
		log_err("--chan %s: cannot watch the peer", ch->path);
		drop_conn(ch);
		return;
	}
	log_info(1, "--chan %s: a peer connected", ch->path);
	wake_signal(backend_io_wake(ch->vm->backend));
}

static int new_socket(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		log_err("--chan %s: %s", path, strerror(errno));
	return fd;
}

/* PATH does not exist (any more): bind and listen there. */
static int listen_at(struct chan *ch, const struct sockaddr_un *sa)
{
	int fd = new_socket(ch->path), err;

	if (fd < 0)
		return -1;
	ch->listen_fd = fd;
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ||
	    listen(fd, 4) < 0) {
		log_err("--chan %s: %s", ch->path, strerror(errno));
		return -1;
	}
	err = sock_file_claim(&ch->bound, sa->sun_path);
	if (err < 0) {
		log_err("--chan %s: %s", ch->path, strerror(-err));
		return -1;
	}
	ch->accept_ev = event_new(backend_base(ch->vm->backend), fd,
				  EV_READ | EV_PERSIST, on_accept, ch);
	if (!ch->accept_ev || event_add(ch->accept_ev, NULL) < 0) {
		log_err("--chan %s: cannot watch the socket", ch->path);
		return -1;
	}
	return 0;
}

/* PATH is a socket: connect, or take a stale one over. */
static int connect_to(struct chan *ch, const struct sockaddr_un *sa)
{
	int fd = new_socket(ch->path);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &(int){ SNDBUF }, sizeof(int));
		set_conn(ch, fd);
		if (watch_conn(ch) < 0) {
			log_err("--chan %s: cannot watch the peer", ch->path);
			return -1;
		}
		return 0;
	}
	close(fd);
	if (errno != ECONNREFUSED) {
		log_err("--chan %s: %s", ch->path, strerror(errno));
		return -1;
	}
	if (unlink(sa->sun_path) < 0 && errno != ENOENT) {
		log_err("--chan %s: stale socket, cannot remove it: %s",
			ch->path, strerror(errno));
		return -1;
	}
	log_info(1, "--chan %s: nobody listened there: taking it over", ch->path);
	return listen_at(ch, sa);
}

static int open_path(struct chan *ch)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(ch->path) >= sizeof(sa.sun_path)) {
		log_err("--chan %s: path too long for a socket", ch->path);
		return -1;
	}
	strcpy(sa.sun_path, ch->path);
	if (lstat(ch->path, &st) == 0) {
		if (S_ISSOCK(st.st_mode))
			return connect_to(ch, &sa);
		log_err("--chan %s: exists and is not a socket", ch->path);
		return -1;
	}
	if (errno != ENOENT) {
		log_err("--chan %s: %s", ch->path, strerror(errno));
		return -1;
	}
	return listen_at(ch, &sa);
}

int chan_open(struct vm *vm, int index, const char *path, struct chan **out)
{
	struct chan *ch = calloc(1, sizeof(*ch));

	if (!ch) {
		log_err("--chan %s: out of memory", path);
		return -1;
	}
	ch->vm = vm;
	ch->path = path;
	ch->listen_fd = ch->conn_fd = -1;
	pthread_mutex_init(&ch->lock, NULL);
	if (open_path(ch) < 0) {
		chan_close(ch);
		return -1;
	}
	log_info(1, "chan%d: %s (%s)", index, path,
		 ch->listen_fd >= 0 ? "waiting for a peer" : "connected");
	*out = ch;
	return 0;
}

void chan_close(struct chan *ch)
{
	if (!ch)
		return;
	unwatch_conn(ch);
	if (ch->conn_fd >= 0)
		close(ch->conn_fd);
	if (ch->accept_ev)
		event_free(ch->accept_ev);
	if (ch->listen_fd >= 0)
		close(ch->listen_fd);
	sock_file_release(&ch->bound);
	pthread_mutex_destroy(&ch->lock);
	free(ch);
}

/* A send or receive error that means the peer is gone. */
static bool peer_gone(int err)
{
	return err == EPIPE || err == ECONNRESET || err == ENOTCONN;
}

/* One sendmsg of the header and the message: r as sendmsg returns it. */
static ssize_t send_packet(int fd, const void *buf, size_t len)
{
	uint8_t hdr = HDR_MSG;
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = 1 },
		{ .iov_base = (void *)buf, .iov_len = len },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t r;

	do {
		r = sendmsg(fd, &mh, SEND_FLAGS);
	} while (r < 0 && errno == EINTR);
	return r;
}

int64_t chan_send(struct chan *ch, const void *buf, size_t len)
{
	ssize_t r;

	if (ch->conn_fd < 0)
		return -ENOTCONN;
	r = send_packet(ch->conn_fd, buf, len);
	if (r == (ssize_t)len + 1)
		return (int64_t)len;
	if (r >= 0)		/* a packet socket sends all or nothing */
		return -EIO;
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		/* Wake pollers when there is room again. (Should a fired
		 * event undo this re-arm, as above, its callback still woke
		 * the guest, whose next send re-arms it.) */
		event_add(ch->tx_ev, NULL);
		return -EAGAIN;
	}
	if (peer_gone(errno)) {
		drop_conn(ch);
		return -ENOTCONN;
	}
	return -errno;
}

int64_t chan_send_fast(struct chan *ch, const void *buf, size_t len)
{
	int64_t ret = CHAN_TRY_LOOP;

	pthread_mutex_lock(&ch->lock);
	if (ch->conn_fd < 0)
		ret = -ENOTCONN;
	else if (send_packet(ch->conn_fd, buf, len) == (ssize_t)len + 1)
		ret = (int64_t)len;
	pthread_mutex_unlock(&ch->lock);
	return ret;
}

/* The next packet's length (header included) and header byte; 0 at the
 * peer's end. */
static ssize_t peek(int fd, uint8_t *hdr)
{
	ssize_t r;

	do {
		r = recv(fd, hdr, 1, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	} while (r < 0 && errno == EINTR);
	return r;
}

static int64_t recv_packet(int fd, void *buf, size_t len)
{
	uint8_t hdr;
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = 1 },
		{ .iov_base = buf, .iov_len = len },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t r;

	do {
		r = recvmsg(fd, &mh, MSG_DONTWAIT);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	/* Peeked to fit, under the lock, so only a peer breaking the
	 * format gets here. */
	if (r == 0 || (mh.msg_flags & MSG_TRUNC) || hdr != HDR_MSG)
		return -EPROTO;
	return r - 1;
}

/*
 * Peek and receive under the lock, so that two receivers (the loop and a
 * vCPU) never split a peek from its packet: the message's length,
 * -EAGAIN, -EMSGSIZE, -ENOTCONN (no peer), or -EPIPE (the peer's end),
 * -EPROTO (a packet breaking the format, taken) and other -errno, which
 * the loop turns into a departure.
 */
static int64_t recv_locked(struct chan *ch, void *buf, size_t len,
			   bool fast)
{
	int64_t ret;
	uint8_t hdr;
	ssize_t n;

	pthread_mutex_lock(&ch->lock);
	if (ch->conn_fd < 0) {
		ret = -ENOTCONN;
		goto out;
	}
	n = peek(ch->conn_fd, &hdr);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		ret = -EAGAIN;
	else if (n == 0 || (n < 0 && peer_gone(errno)))
		ret = -EPIPE;
	else if (n < 0)
		ret = -errno;
	else if ((size_t)n - 1 > len)
		ret = -EMSGSIZE;	/* stays queued */
	else if (fast && hdr != HDR_MSG)
		ret = CHAN_TRY_LOOP;	/* the loop takes it and says so */
	else
		ret = recv_packet(ch->conn_fd, buf, len);
out:
	pthread_mutex_unlock(&ch->lock);
	return ret;
}

int64_t chan_recv(struct chan *ch, void *buf, size_t len)
{
	int64_t r = recv_locked(ch, buf, len, false);

	if (r == -EPROTO)
		log_err("--chan %s: the peer broke the message format: dropped it",
			ch->path);
	if (r == -EPIPE || r == -EPROTO) {
		drop_conn(ch);
		return -ENOTCONN;
	}
	return r;
}

int64_t chan_recv_fast(struct chan *ch, void *buf, size_t len)
{
	int64_t r = recv_locked(ch, buf, len, true);

	/* Departures and errors change the connection: the loop's. */
	if (r >= 0 || r == -EAGAIN || r == -EMSGSIZE || r == -ENOTCONN)
		return r;
	return CHAN_TRY_LOOP;
}

unsigned int chan_ready(struct chan *ch)
{
	struct pollfd p = { .events = POLLIN | POLLOUT };
	unsigned int ready = 0;

	pthread_mutex_lock(&ch->lock);
	p.fd = ch->conn_fd;
	if (p.fd >= 0 && poll(&p, 1, 0) < 0)
		p.revents = POLLHUP;
	pthread_mutex_unlock(&ch->lock);
	if (p.fd < 0)
		return CHAN_READY_DOWN;
	if (p.revents & POLLIN)
		ready |= CHAN_READY_RX;
	if (p.revents & (POLLHUP | POLLERR))
		return ready | CHAN_READY_DOWN;
	ready |= CHAN_READY_UP;
	if (p.revents & POLLOUT)
		ready |= CHAN_READY_TX;
	return ready;
}
