/*
 * virtio-fs (virtio 1.2, section 5.11): a host directory in the guest
 * (`mount -t virtiofs TAG /mnt`), served by a vhost-user back-end,
 * virtiofsd, that hvrun starts (--share) or finds listening
 * (--vhost-user-fs). hvrun only sets the queues up (vhost_user.c): the
 * back-end maps guest RAM from its memfd, a driver's QueueNotify write
 * signals the queue's kick eventfd inside KVM (an ioeventfd matching the
 * queue index) and the back-end's call eventfd is the device's irqfd.
 *
 * When the back-end goes away the device reports DEVICE_NEEDS_RESET and
 * hvrun answers every request itself with EIO, so the guest's file calls
 * fail instead of hanging, and the VM keeps running.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/event.h>
#include <linux/kvm.h>
#include <linux/virtio_config.h>
#include <linux/virtio_fs.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>

#include "../backend/backend.h"
#include "../log.h"
#include "../vhost/vhost_user.h"
#include "../vhost/virtiofsd.h"
#include "../vm.h"
#include "virtio_mmio.h"

#define NR_QUEUES	2	/* hiprio and one request queue */
#define QUEUE_MAX	128	/* QEMU's vhost-user-fs default */
#define TIMEOUT_MS	10000	/* for each reply of the back-end */

/* FUSE's headers (linux/fuse.h): what an error reply needs. */
struct fuse_in_hdr {
	uint32_t len, opcode;
	uint64_t unique;
} __attribute__((packed));

struct fuse_out_hdr {
	uint32_t len;
	int32_t error;
	uint64_t unique;
} __attribute__((packed));

struct fs {
	struct virtio_mmio *vd;
	const struct config_share *cfg;
	struct vhost_user vu;
	struct virtiofsd daemon;	/* --share: the one hvrun started */
	struct event *watch;		/* the back-end's end, on the loop */
	int kick[NR_QUEUES];		/* ioeventfds, QueueNotify == index */
	bool kick_assigned;
	struct event *kick_ev[NR_QUEUES];	/* once the back-end is gone */
	bool started;			/* the back-end has the queues */
	bool gone;			/* hvrun answers with EIO */
	struct virtq_chain chain;
};

static size_t fs_config(void *dev, void *buf)
{
	struct fs *f = dev;
	struct virtio_fs_config *c = buf;

	memcpy(c->tag, f->cfg->tag, strnlen(f->cfg->tag, sizeof(c->tag)));
	c->num_request_queues = NR_QUEUES - 1;
	return sizeof(*c);
}

/* The back-end is gone: answer a request with EIO (hiprio: FORGETs,
 * which want no answer). */
static uint32_t fail_request(void *dev, const struct virtq_chain *c, bool bad)
{
	struct fuse_in_hdr in;
	struct fuse_out_hdr out = { .len = sizeof(out), .error = -EIO };

	(void)dev;
	if (bad || virtq_read(c, 0, &in, sizeof(in)) != sizeof(in) ||
	    c->in_len < sizeof(out))
		return 0;
	out.unique = in.unique;
	return (uint32_t)virtq_write(c, 0, &out, sizeof(out));
}

/* Lock held, back-end gone, driver ready. */
static void serve_failing(struct fs *f)
{
	struct virtio_mmio *vd = f->vd;

	if (!(vd->status & VIRTIO_CONFIG_S_DRIVER_OK))
		return;
	for (int i = 0; i < NR_QUEUES; i++) {
		struct virtq *q = &vd->vq[i];

		if (q->ready && !q->broken &&
		    virtio_mmio_serve(vd, q, &f->chain, fail_request, f))
			virtio_mmio_used(vd, q);
	}
}

static void on_kick_gone(evutil_socket_t fd, short what, void *arg)
{
	struct fs *f = arg;
	uint64_t n;

	(void)what;
	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return;
	pthread_mutex_lock(&f->vd->lock);
	serve_failing(f);
	pthread_mutex_unlock(&f->vd->lock);
}

/*
 * Take the queues over from a back-end that left (lock held): continue
 * from the used index it reached. Requests it had taken but not answered
 * are answered in ring order, which is how virtiofsd (one thread per
 * queue) takes them.
 */
static void take_over(struct fs *f, const char *why)
{
	struct virtio_mmio *vd = f->vd;

	if (f->gone)
		return;
	f->gone = true;
	for (int i = 0; i < NR_QUEUES; i++) {
		struct virtq *q = &vd->vq[i];
		const uint16_t *idx = mem_ptr(&vd->vm->mem, q->used + 2, 2);

		if (f->started && q->ready && idx)
			q->last_avail = q->used_idx = *(volatile const uint16_t *)idx;
		if (f->kick_ev[i])
			event_add(f->kick_ev[i], NULL);
	}
	f->started = false;
	virtio_mmio_broken(vd, why);
	serve_failing(f);
}

/*
 * The back-end's end of the socket became readable between requests: it
 * closed, sent what hvrun never asked for, or a request failed and shut
 * the connection down (vhu_fail). Loop thread: only it touches the events.
 */
static void on_backend(evutil_socket_t fd, short what, void *arg)
{
	struct fs *f = arg;
	char why[VHU_ERRLEN + CONFIG_TAG_MAX + 96];
	ssize_t n;
	char c;

	(void)what;
	pthread_mutex_lock(&f->vd->lock);
	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n > 0)
		vhu_fail(&f->vu, "it sent an unrequested message");
	else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		vhu_fail(&f->vu, "it closed the connection");
	if (f->vu.dead) {
		snprintf(why, sizeof(why),
			 "share '%s': vhost-user back-end lost: %s; file requests now fail with EIO",
			 f->cfg->tag, f->vu.err);
		event_del(f->watch);
		vhu_close(&f->vu);
		take_over(f, why);
	}
	pthread_mutex_unlock(&f->vd->lock);
}

/* One ioeventfd per queue on QueueNotify, matching the queue index. */
static int assign_kicks(struct fs *f)
{
	struct virtio_mmio *vd = f->vd;

	if (f->kick_assigned)
		return 0;
	for (int i = 0; i < NR_QUEUES; i++) {
		struct kvm_ioeventfd ioe = {
			.addr = vd->base + VIRTIO_MMIO_QUEUE_NOTIFY,
			.len = 4,
			.datamatch = (uint64_t)i,
			.fd = f->kick[i],
			.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
		};

		if (ioctl(vd->vm->vm_fd, KVM_IOEVENTFD, &ioe) < 0) {
			vhu_fail(&f->vu, "KVM_IOEVENTFD: %s", strerror(errno));
			return -1;
		}
	}
	f->kick_assigned = true;
	return 0;
}

/* Guest RAM, as the back-end maps it: one region per RAM region, all
 * in the one memfd. */
static int send_mem_table(struct fs *f)
{
	const struct mem *m = &f->vd->vm->mem;
	struct vhu_mem_table t = { .nregions = (uint32_t)m->nr_regions };
	int fds[MEM_MAX_REGIONS];

	for (int i = 0; i < m->nr_regions; i++) {
		const struct mem_region *r = &m->region[i];

		t.region[i] = (struct vhu_region){
			.gpa = r->gpa,
			.size = r->size,
			.uaddr = (uint64_t)(uintptr_t)r->host,
			.mmap_offset = (uint64_t)(r->host - (uint8_t *)m->mapping),
		};
		fds[i] = m->fd;
	}
	return vhu_request(&f->vu, VHU_SET_MEM_TABLE, &t,
			   (uint32_t)(8 + t.nregions * sizeof(t.region[0])),
			   fds, m->nr_regions, NULL, 0);
}

/* Host addresses of a ring virtq_check accepted. */
static void ring_addr(const struct mem *m, const struct virtq *q, int i,
		      struct vhu_vring_addr *a)
{
	*a = (struct vhu_vring_addr){
		.index = (uint32_t)i,
		.desc = (uintptr_t)mem_ptr(m, q->desc, 16ULL * q->size),
		.avail = (uintptr_t)mem_ptr(m, q->avail, 6 + 2ULL * q->size),
		.used = (uintptr_t)mem_ptr(m, q->used, 6 + 8ULL * q->size),
	};
}

static int start_queue(struct fs *f, int i)
{
	struct vhost_user *v = &f->vu;
	struct virtq *q = &f->vd->vq[i];
	struct vhu_vring_addr a;

	ring_addr(&f->vd->vm->mem, q, i, &a);
	if (!a.desc || !a.avail || !a.used) {
		vhu_fail(v, "queue %d outside guest RAM", i);
		return -1;
	}
	if (vhu_set_state(v, VHU_SET_VRING_NUM, (uint32_t)i, q->size) < 0 ||
	    vhu_set_state(v, VHU_SET_VRING_BASE, (uint32_t)i, 0) < 0 ||
	    vhu_request(v, VHU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0, NULL, 0) < 0 ||
	    vhu_set_vring_fd(v, VHU_SET_VRING_CALL, (uint32_t)i, f->vd->irq_fd) < 0 ||
	    vhu_set_vring_fd(v, VHU_SET_VRING_KICK, (uint32_t)i, f->kick[i]) < 0)
		return -1;
	if (!(v->features & (1ULL << VHU_F_PROTOCOL_FEATURES)))
		return 0;	/* the kick enabled it */
	return vhu_set_state(v, VHU_SET_VRING_ENABLE, (uint32_t)i, 1);
}

/* DRIVER_OK: hand the queues to the back-end. vCPU thread, lock held; a
 * failure shuts the connection down and on_backend takes over. */
static void fs_start(void *dev)
{
	struct fs *f = dev;
	struct vhost_user *v = &f->vu;
	uint64_t features = f->vd->driver_features |
			    (v->features & (1ULL << VHU_F_PROTOCOL_FEATURES));

	if (f->gone) {
		serve_failing(f);
		return;
	}
	if (f->vd->irq_fd < 0) {
		vhu_fail(v, "vhost-user needs KVM_IRQFD");
		return;
	}
	if (assign_kicks(f) < 0 ||
	    vhu_set_u64(v, VHU_SET_FEATURES, features) < 0 ||
	    send_mem_table(f) < 0)
		return;
	/* From here on the used index is the back-end's to advance. */
	f->started = true;
	for (int i = 0; i < NR_QUEUES; i++)
		if (f->vd->vq[i].ready && start_queue(f, i) < 0)
			return;
}

/* The driver resets the device: stop the back-end's queues (it answers
 * GET_VRING_BASE once a queue stopped). vCPU thread, lock held. */
static void fs_stop(void *dev)
{
	struct fs *f = dev;
	uint32_t base;

	if (!f->started)
		return;
	f->started = false;
	for (int i = 0; i < NR_QUEUES; i++)
		if (f->vd->vq[i].ready &&
		    vhu_get_vring_base(&f->vu, (uint32_t)i, &base) < 0)
			return;
}

/* No ioeventfd: QueueNotify came through the transport. Pass it on. */
static void fs_notify(void *dev)
{
	struct fs *f = dev;

	for (int i = 0; i < NR_QUEUES; i++)
		if (write(f->kick[i], &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
			virtio_mmio_warn(f->vd, "cannot kick: %s", strerror(errno));
}

static void fs_free(void *dev)
{
	struct fs *f = dev;

	if (f->watch)
		event_free(f->watch);
	for (int i = 0; i < NR_QUEUES; i++) {
		if (f->kick_ev[i])
			event_free(f->kick_ev[i]);
		if (f->kick[i] >= 0)
			close(f->kick[i]);
	}
	/* virtiofsd first: it ends quietly on SIGTERM, not on a hang-up. */
	virtiofsd_stop(&f->daemon);
	vhu_close(&f->vu);
	free(f);
}

static const struct virtio_dev_ops fs_ops = {
	.name = "fs",
	.device_id = VIRTIO_ID_FS,
	.nr_queues = NR_QUEUES,
	.queue_max = QUEUE_MAX,
	.config = fs_config,
	.notify = fs_notify,
	.free = fs_free,
	.external = true,
	.start = fs_start,
	.stop = fs_stop,
	/* The back-end's state (open files, FUSE requests) is not hvrun's. */
	.no_snapshot = true,
};

/* The back-end's socket: started here (--share) or the user's. */
static int connect_backend(struct fs *f, struct vm *vm)
{
	const struct config_share *s = f->cfg;
	const char *binary;
	int fd;

	if (s->dir) {
		binary = virtiofsd_find(vm->cfg->virtiofsd);
		fd = binary ? virtiofsd_start(&f->daemon, binary, s->dir, s->ro) : -1;
	} else {
		fd = virtiofsd_connect(s->socket);
	}
	if (fd < 0)
		return -1;
	if (vhu_open(&f->vu, fd, TIMEOUT_MS) < 0) {
		log_err("share '%s': vhost-user back-end %s: %s%s", s->tag,
			s->dir ? "virtiofsd" : s->socket, f->vu.err,
			virtiofsd_exited(&f->daemon));
		return -1;
	}
	if (!(f->vu.features & (1ULL << VIRTIO_F_VERSION_1))) {
		log_err("share '%s': the back-end does not offer virtio 1", s->tag);
		return -1;
	}
	return 0;
}

static int setup_events(struct fs *f, struct vm *vm)
{
	struct event_base *base = backend_base(vm->backend);

	for (int i = 0; i < NR_QUEUES; i++) {
		f->kick[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (f->kick[i] < 0)
			return -1;
		f->kick_ev[i] = event_new(base, f->kick[i], EV_READ | EV_PERSIST,
					  on_kick_gone, f);
		if (!f->kick_ev[i])
			return -1;
	}
	f->watch = event_new(base, f->vu.fd, EV_READ | EV_PERSIST, on_backend, f);
	if (!f->watch || event_add(f->watch, NULL) < 0)
		return -1;
	return 0;
}

static int fs_new(struct vm *vm, int i, struct virtio_mmio **out)
{
	struct fs *f = calloc(1, sizeof(*f));

	if (!f) {
		log_err("virtio-fs: out of memory");
		return -1;
	}
	f->cfg = &vm->cfg->shares[i];
	f->vu.fd = -1;
	f->daemon.pid = -1;
	f->kick[0] = f->kick[1] = -1;
	if (connect_backend(f, vm) < 0)
		goto fail;
	if (setup_events(f, vm) < 0) {
		log_err("virtio-fs: cannot watch the back-end: %s", strerror(errno));
		goto fail;
	}
	/* The guest sees what both hvrun's rings and the back-end do. */
	if (virtio_mmio_new(vm, &fs_ops, f, 0, &f->vd) < 0)
		goto fail;
	*out = f->vd;
	return 0;
fail:
	fs_free(f);
	return -1;
}

/* --share and --vhost-user-fs, after every other kind: their slots stay. */
static int fs_count(const struct vm *vm)
{
	return vm->cfg->nr_shares;
}

static const struct virtio_kind virtio_fs = {
	.name = "fs", .slot = 50, .count = fs_count, .create = fs_new,
};
VIRTIO_DEVICE_REGISTER(virtio_fs)
