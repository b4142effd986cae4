/* Network devices: tap interfaces and Unix datagram "cables" (net.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <linux/if_tun.h>
#include <event2/event.h>

#include "../log.h"
#include "../sandbox.h"
#include "../vm.h"
#include "../wake.h"
#include "backend.h"
#include "net.h"
#include "sockfile.h"

struct net_dev {
	struct vm *vm;
	int fd;
	bool is_socket;
	bool connected;			/* socket: we plugged into PATH */
	struct event *rx_ev;		/* one-shot: wakes pollers */
	void (*rx_fn)(void *arg);	/* else the backend's I/O wake-up */
	void *rx_arg;
	uint8_t mac[6];

	/* socket=PATH that we bound: the file to remove, if still ours. */
	struct sock_file bound;		/* socket=PATH that this hvrun bound */

	/* socket=PATH that we bound: where replies go (last sender). */
	struct sockaddr_un peer;
	socklen_t peer_len;		/* 0: nobody has talked to us yet */
};

static int open_tap(const char *ifname)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd;

	if (strlen(ifname) >= sizeof(ifr.ifr_name)) {
		log_err("--net tap=%s: interface name too long", ifname);
		return -1;
	}
	strcpy(ifr.ifr_name, ifname);
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		log_err("--net tap=%s: /dev/net/tun: %s", ifname, strerror(errno));
		return -1;
	}
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		log_err("--net tap=%s: %s", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* PATH is an existing socket: plug into it from a nameless address.
 * -ECONNREFUSED quietly when nothing listens there any more. */
static int connect_socket(struct net_dev *n, int fd, const struct sockaddr_un *sa)
{
	/* Linux autobind: a bare family gets a unique abstract name, which
	 * the peer needs to reply to us. */
	struct sockaddr_un self = { .sun_family = AF_UNIX };

	if (bind(fd, (struct sockaddr *)&self, sizeof(sa_family_t)) < 0 ||
	    connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		if (errno == ECONNREFUSED)
			return -ECONNREFUSED;
		log_err("--net socket=%s: %s", sa->sun_path, strerror(errno));
		return -1;
	}
	n->connected = true;
	return 0;
}

/* PATH does not exist: create it and wait for a peer. */
static int bind_socket(struct net_dev *n, int fd, const struct sockaddr_un *sa)
{
	int err;

	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		log_err("--net socket=%s: %s", sa->sun_path, strerror(errno));
		return -1;
	}
	err = sock_file_claim(&n->bound, sa->sun_path);
	if (err < 0) {
		log_err("--net socket=%s: %s", sa->sun_path, strerror(-err));
		return -1;
	}
	sandbox_allow_reply(fd);		/* replies go to the sender */
	return 0;
}

static int new_socket(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		log_err("--net socket=%s: %s", path, strerror(errno));
	return fd;
}

/*
 * A socket file nobody listens on is left by an hvrun that was killed:
 * take it over, as a stale lock is. Only a socket, and only when connect
 * says ECONNREFUSED (a live peer accepts even a datagram connect).
 */
static int take_over(struct net_dev *n, int *fd, const struct sockaddr_un *sa)
{
	close(*fd);
	*fd = new_socket(sa->sun_path);
	if (*fd < 0)
		return -1;
	if (unlink(sa->sun_path) < 0 && errno != ENOENT) {
		log_err("--net socket=%s: stale socket, cannot remove it: %s",
			sa->sun_path, strerror(errno));
		return -1;
	}
	log_info(1, "--net socket=%s: nobody listened there: taking it over",
		 sa->sun_path);
	return bind_socket(n, *fd, sa);
}

static int open_socket(struct net_dev *n, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("--net socket=%s: path too long for a socket", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = new_socket(path);
	if (fd < 0)
		return -1;
	if (lstat(path, &st) == 0) {
		if (S_ISSOCK(st.st_mode)) {
			ret = connect_socket(n, fd, &sa);
			if (ret == -ECONNREFUSED)
				ret = take_over(n, &fd, &sa);
		} else {
			log_err("--net socket=%s: exists and is not a socket", path);
			ret = -1;
		}
	} else if (errno == ENOENT) {
		ret = bind_socket(n, fd, &sa);
	} else {
		log_err("--net socket=%s: %s", path, strerror(errno));
		ret = -1;
	}
	if (ret < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	n->is_socket = true;
	return fd;
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct net_dev *n = arg;

	if (n->rx_fn)
		n->rx_fn(n->rx_arg);
	else
		wake_signal(backend_io_wake(n->vm->backend));
}

void net_set_rx_handler(struct net_dev *n, void (*fn)(void *arg), void *arg)
{
	n->rx_fn = fn;
	n->rx_arg = arg;
}

int net_open(struct vm *vm, int index, const char *spec, struct net_dev **out)
{
	struct net_dev *n;

	n = calloc(1, sizeof(*n));
	if (!n) {
		log_err("--net %s: out of memory", spec);
		return -1;
	}
	n->vm = vm;
	if (!strncmp(spec, "tap=", 4) && spec[4]) {
		n->fd = open_tap(spec + 4);
	} else if (!strncmp(spec, "socket=", 7) && spec[7]) {
		n->fd = open_socket(n, spec + 7);
	} else {
		log_err("--net %s: expected tap=IFNAME or socket=PATH", spec);
		n->fd = -1;
	}
	if (n->fd < 0)
		goto fail;
	/* A one-shot event: on_readable fires once per net_recv (net.h). */
	n->rx_ev = event_new(backend_base(vm->backend), n->fd, EV_READ,
			     on_readable, n);
	if (!n->rx_ev || event_add(n->rx_ev, NULL) < 0) {
		log_err("--net %s: cannot watch the device", spec);
		goto fail;
	}
	memcpy(n->mac, (uint8_t[6]){ 0x02, 0x68, 0x76, 0x00,
				     n->connected ? 1 : 0, (uint8_t)index }, 6);
	log_info(1, "net%d: %s", index, spec);
	*out = n;
	return 0;
fail:
	net_close(n);
	return -1;
}

void net_close(struct net_dev *n)
{
	if (!n)
		return;
	if (n->rx_ev)
		event_free(n->rx_ev);
	if (n->fd >= 0)
		close(n->fd);
	sock_file_release(&n->bound);
	free(n);
}

void net_mac(const struct net_dev *n, uint8_t mac[6])
{
	memcpy(mac, n->mac, 6);
}

int64_t net_send(struct net_dev *n, const void *buf, size_t len)
{
	ssize_t r;

	if (!n->is_socket) {
		r = write(n->fd, buf, len);
	} else if (n->connected) {
		r = send(n->fd, buf, len, MSG_NOSIGNAL);
	} else if (n->peer_len) {
		r = sendto(n->fd, buf, len, MSG_NOSIGNAL,
			   (struct sockaddr *)&n->peer, n->peer_len);
	} else {
		return (int64_t)len;	/* nobody at the other end yet */
	}
	if (r >= 0)
		return (int64_t)len;
	/* The peer went away: the cable is unplugged, not broken. */
	if (n->is_socket && (errno == ECONNREFUSED || errno == ENOENT ||
			     errno == ENOTCONN))
		return (int64_t)len;
	if (errno == EWOULDBLOCK)
		return -EAGAIN;
	return -errno;
}

static ssize_t recv_frame(struct net_dev *n, void *buf, size_t len)
{
	struct sockaddr_un from;
	socklen_t from_len = sizeof(from);
	ssize_t r;

	if (!n->is_socket)
		return read(n->fd, buf, len);
	if (n->connected)
		return recv(n->fd, buf, len, 0);
	r = recvfrom(n->fd, buf, len, 0, (struct sockaddr *)&from, &from_len);
	/* Reply to the latest sender; an unbound one cannot be answered. */
	if (r >= 0 && from_len > sizeof(sa_family_t) && from_len <= sizeof(from)) {
		n->peer = from;
		n->peer_len = from_len;
	}
	return r;
}

int64_t net_recv(struct net_dev *n, void *buf, size_t len)
{
	ssize_t r;

	do {
		r = recv_frame(n, buf, len);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		r = errno == EWOULDBLOCK ? -EAGAIN : -errno;
	/* Wake pollers on the next frame (or now, if more are queued). */
	event_add(n->rx_ev, NULL);
	return r;
}

bool net_rx_ready(struct net_dev *n)
{
	struct pollfd p = { .fd = n->fd, .events = POLLIN };

	return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}
