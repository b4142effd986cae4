/*
 * The front-end of the vhost-user protocol (QEMU's docs/interop/
 * vhost-user.rst): hvrun hands a virtio device's queues to a back-end
 * process (virtiofsd) over a unix socket. The back-end maps guest RAM
 * from the memfd hvrun sends, waits on each queue's kick eventfd and
 * signals its call eventfd: the data path never passes through hvrun.
 *
 * The back-end is another program: every reply is hostile input, checked
 * (version, reply flag, request, exact size) before anything is read
 * from it. A bad reply or a silent back-end ends the connection.
 */
#ifndef HVRUN_VHOST_USER_H
#define HVRUN_VHOST_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Requests (front-end to back-end). */
enum {
	VHU_GET_FEATURES = 1,
	VHU_SET_FEATURES = 2,
	VHU_SET_OWNER = 3,
	VHU_SET_MEM_TABLE = 5,
	VHU_SET_VRING_NUM = 8,
	VHU_SET_VRING_ADDR = 9,
	VHU_SET_VRING_BASE = 10,
	VHU_GET_VRING_BASE = 11,
	VHU_SET_VRING_KICK = 12,
	VHU_SET_VRING_CALL = 13,
	VHU_GET_PROTOCOL_FEATURES = 15,
	VHU_SET_PROTOCOL_FEATURES = 16,
	VHU_SET_VRING_ENABLE = 18,
};

#define VHU_VERSION		0x1
#define VHU_FLAG_VERSION_MASK	0x3
#define VHU_FLAG_REPLY		(1u << 2)
#define VHU_FLAG_NEED_REPLY	(1u << 3)

#define VHU_F_PROTOCOL_FEATURES	30	/* a device feature bit */
#define VHU_PROTOCOL_F_REPLY_ACK 3

#define VHU_MAX_REGIONS		8	/* fds in one SET_MEM_TABLE */
#define VHU_VRING_NOFD		(1ULL << 8)

struct vhu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;			/* of the payload that follows */
} __attribute__((packed));

struct vhu_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uaddr;			/* where hvrun maps it */
	uint64_t mmap_offset;		/* in the fd sent with it */
};

struct vhu_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vhu_region region[VHU_MAX_REGIONS];
};

struct vhu_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vhu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;			/* hvrun's addresses, as uaddr */
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

/* The largest payload either side sends: the memory table. */
#define VHU_PAYLOAD_MAX		sizeof(struct vhu_mem_table)

/*
 * Pure message checks (unit-tested without a back-end). vhu_check_reply:
 * is h the reply to request req carrying exactly want bytes? 0, or -EPROTO
 * with the reason in err (VHU_ERRLEN bytes).
 */
#define VHU_ERRLEN 96
void vhu_encode(struct vhu_hdr *h, uint32_t req, uint32_t size,
		bool need_reply);
int vhu_check_reply(const struct vhu_hdr *h, uint32_t req, uint32_t want,
		    char *err);
/* Requests that return a payload of their own (no REPLY_ACK for them). */
bool vhu_has_reply(uint32_t req);

/* One connection to a back-end. */
struct vhost_user {
	int fd;				/* -1 once closed */
	uint64_t features;		/* what the back-end offers */
	uint64_t protocol_features;	/* agreed */
	int timeout_ms;			/* for each reply */
	bool dead;			/* failed: shut down, not closed */
	char err[VHU_ERRLEN];		/* the last failure */
};

/*
 * Take over the connected socket fd: GET_FEATURES, SET_OWNER, the protocol
 * features (REPLY_ACK when offered). 0, or -1 with the reason in v->err
 * (fd closed).
 */
int vhu_open(struct vhost_user *v, int fd, int timeout_ms);
void vhu_close(struct vhost_user *v);

/*
 * One request: payload (size bytes) and nfds descriptors out; with reply,
 * the reply's payload, exactly reply_size bytes; without one, the
 * back-end's REPLY_ACK when agreed. 0, or -1 with the reason in v->err:
 * the connection is then shut down (vhu_fail), as the stream can no
 * longer be trusted; only a refusal (REPLY_ACK nonzero) leaves it up.
 * The descriptor stays open until vhu_close, so that the thread watching
 * it (a libevent loop) sees the end and is the one to close it.
 */
int vhu_request(struct vhost_user *v, uint32_t req, const void *payload,
		uint32_t size, const int *fds, int nfds, void *reply,
		uint32_t reply_size);

/* Give up on the connection: reason in v->err, shut down (once). */
void vhu_fail(struct vhost_user *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Shorthands. */
int vhu_set_u64(struct vhost_user *v, uint32_t req, uint64_t val);
int vhu_set_state(struct vhost_user *v, uint32_t req, uint32_t index,
		  uint32_t num);
int vhu_set_vring_fd(struct vhost_user *v, uint32_t req, uint32_t index,
		     int fd);
int vhu_get_vring_base(struct vhost_user *v, uint32_t index, uint32_t *base);

#endif
