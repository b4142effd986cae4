/*
 * vhost-user front-end: the messages (see vhost_user.h). Every socket call
 * is non-blocking (MSG_DONTWAIT) behind a bounded poll, so a back-end that
 * stops answering costs at most timeout_ms, and the sandbox allows these
 * calls only in that form.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vhost_user.h"

void vhu_encode(struct vhu_hdr *h, uint32_t req, uint32_t size,
		bool need_reply)
{
	h->request = req;
	h->flags = VHU_VERSION | (need_reply ? VHU_FLAG_NEED_REPLY : 0);
	h->size = size;
}

bool vhu_has_reply(uint32_t req)
{
	return req == VHU_GET_FEATURES || req == VHU_GET_PROTOCOL_FEATURES ||
	       req == VHU_GET_VRING_BASE;
}

int vhu_check_reply(const struct vhu_hdr *h, uint32_t req, uint32_t want,
		    char *err)
{
	if ((h->flags & VHU_FLAG_VERSION_MASK) != VHU_VERSION ||
	    !(h->flags & VHU_FLAG_REPLY)) {
		snprintf(err, VHU_ERRLEN, "reply with flags 0x%x", h->flags);
		return -EPROTO;
	}
	if (h->request != req) {
		snprintf(err, VHU_ERRLEN, "reply to request %u, expected %u",
			 h->request, req);
		return -EPROTO;
	}
	if (h->size != want) {
		snprintf(err, VHU_ERRLEN, "reply to request %u of %u bytes, expected %u",
			 req, h->size, want);
		return -EPROTO;
	}
	return 0;
}

/* The first failure names the reason; the stream is then out of step,
 * so it is shut down (the owner's watch on the loop sees the end). */
void vhu_fail(struct vhost_user *v, const char *fmt, ...)
{
	va_list ap;

	if (v->dead)
		return;
	va_start(ap, fmt);
	vsnprintf(v->err, sizeof(v->err), fmt, ap);
	va_end(ap);
	v->dead = true;
	if (v->fd >= 0)
		shutdown(v->fd, SHUT_RDWR);
}

#define fail vhu_fail

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on the socket until deadline: 0, or -ETIMEDOUT. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left;
	int n;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* Send all of buf, the descriptors with its first byte. */
static int send_all(int fd, const uint8_t *buf, size_t len, const int *fds,
		    int nfds, int64_t deadline)
{
	char control[CMSG_SPACE(VHU_MAX_REGIONS * sizeof(int))];
	size_t done = 0;

	while (done < len) {
		struct iovec iov = { (void *)(buf + done), len - done };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (nfds > 0 && done == 0) {
			struct cmsghdr *c;

			memset(control, 0, sizeof(control));
			msg.msg_control = control;
			msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
			c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
			memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
		}
		n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		n = wait_fd(fd, POLLOUT, deadline);
		if (n < 0)
			return (int)n;
	}
	return 0;
}

/* Close descriptors the back-end sent: hvrun expects none. */
static void drop_fds(struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int f;

			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(f));
			close(f);
		}
	}
}

/* Read exactly len bytes. 0, -ECONNRESET at the back-end's end. */
static int recv_all(int fd, uint8_t *buf, size_t len, int64_t deadline)
{
	char control[CMSG_SPACE(VHU_MAX_REGIONS * sizeof(int))];
	size_t done = 0;

	while (done < len) {
		struct iovec iov = { buf + done, len - done };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = control, .msg_controllen = sizeof(control),
		};
		ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);

		if (n > 0) {
			drop_fds(&msg);
			done += (size_t)n;
			continue;
		}
		if (n == 0)
			return -ECONNRESET;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		n = wait_fd(fd, POLLIN, deadline);
		if (n < 0)
			return (int)n;
	}
	return 0;
}

static const char *why(int err)
{
	if (err == -ECONNRESET)
		return "the back-end closed the connection";
	if (err == -ETIMEDOUT)
		return "no answer from the back-end";
	return strerror(-err);
}

/* The reply's header, then (once it is checked) its payload. */
static int read_reply(struct vhost_user *v, uint32_t req, void *out,
		      uint32_t size, int64_t deadline)
{
	char err[VHU_ERRLEN];
	struct vhu_hdr h;
	int r;

	r = recv_all(v->fd, (uint8_t *)&h, sizeof(h), deadline);
	if (r < 0) {
		fail(v, "request %u: %s", req, why(r));
		return -1;
	}
	if (vhu_check_reply(&h, req, size, err) < 0) {
		fail(v, "%s", err);
		return -1;
	}
	r = recv_all(v->fd, out, size, deadline);
	if (r < 0) {
		fail(v, "request %u: %s", req, why(r));
		return -1;
	}
	return 0;
}

int vhu_request(struct vhost_user *v, uint32_t req, const void *payload,
		uint32_t size, const int *fds, int nfds, void *reply,
		uint32_t reply_size)
{
	uint8_t buf[sizeof(struct vhu_hdr) + VHU_PAYLOAD_MAX];
	bool ack = !vhu_has_reply(req) &&
		   (v->protocol_features & (1ULL << VHU_PROTOCOL_F_REPLY_ACK));
	int64_t deadline = now_ms() + v->timeout_ms;
	uint64_t status;
	int r;

	if (v->fd < 0 || v->dead) {
		if (!v->err[0])
			snprintf(v->err, sizeof(v->err), "not connected");
		return -1;
	}
	if (size > VHU_PAYLOAD_MAX || nfds > VHU_MAX_REGIONS) {
		fail(v, "request %u too large", req);
		return -1;
	}
	vhu_encode((struct vhu_hdr *)buf, req, size, ack);
	if (size)
		memcpy(buf + sizeof(struct vhu_hdr), payload, size);
	r = send_all(v->fd, buf, sizeof(struct vhu_hdr) + size, fds, nfds,
		     deadline);
	if (r < 0) {
		fail(v, "request %u: %s", req, why(r == -EPIPE ? -ECONNRESET : r));
		return -1;
	}
	if (vhu_has_reply(req))
		return read_reply(v, req, reply, reply_size, deadline);
	if (!ack)
		return 0;
	if (read_reply(v, req, &status, sizeof(status), deadline) < 0)
		return -1;
	if (status) {
		/* A refusal leaves the stream in step: stay connected. */
		snprintf(v->err, sizeof(v->err), "request %u refused (0x%llx)",
			 req, (unsigned long long)status);
		return -1;
	}
	return 0;
}

int vhu_set_u64(struct vhost_user *v, uint32_t req, uint64_t val)
{
	return vhu_request(v, req, &val, sizeof(val), NULL, 0, NULL, 0);
}

int vhu_set_state(struct vhost_user *v, uint32_t req, uint32_t index,
		  uint32_t num)
{
	struct vhu_vring_state s = { .index = index, .num = num };

	return vhu_request(v, req, &s, sizeof(s), NULL, 0, NULL, 0);
}

int vhu_set_vring_fd(struct vhost_user *v, uint32_t req, uint32_t index,
		     int fd)
{
	uint64_t val = index | (fd < 0 ? VHU_VRING_NOFD : 0);

	return vhu_request(v, req, &val, sizeof(val), &fd, fd < 0 ? 0 : 1,
			   NULL, 0);
}

int vhu_get_vring_base(struct vhost_user *v, uint32_t index, uint32_t *base)
{
	struct vhu_vring_state s = { .index = index }, out;

	if (vhu_request(v, VHU_GET_VRING_BASE, &s, sizeof(s), NULL, 0, &out,
			sizeof(out)) < 0)
		return -1;
	*base = out.num;
	return 0;
}

static int handshake(struct vhost_user *v)
{
	uint64_t proto = 0;

	if (vhu_request(v, VHU_GET_FEATURES, NULL, 0, NULL, 0, &v->features,
			sizeof(v->features)) < 0 ||
	    vhu_request(v, VHU_SET_OWNER, NULL, 0, NULL, 0, NULL, 0) < 0)
		return -1;
	if (!(v->features & (1ULL << VHU_F_PROTOCOL_FEATURES)))
		return 0;
	if (vhu_request(v, VHU_GET_PROTOCOL_FEATURES, NULL, 0, NULL, 0,
			&proto, sizeof(proto)) < 0)
		return -1;
	proto &= 1ULL << VHU_PROTOCOL_F_REPLY_ACK;
	if (vhu_set_u64(v, VHU_SET_PROTOCOL_FEATURES, proto) < 0)
		return -1;
	v->protocol_features = proto;
	return 0;
}

int vhu_open(struct vhost_user *v, int fd, int timeout_ms)
{
	memset(v, 0, sizeof(*v));
	v->fd = fd;
	v->timeout_ms = timeout_ms;
	if (handshake(v) == 0)
		return 0;
	vhu_close(v);
	return -1;
}

void vhu_close(struct vhost_user *v)
{
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
}
