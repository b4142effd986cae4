/*
 * virtio-net (virtio 1.x, section 5.1) on a --net tap or socket cable:
 * receive queue 0, transmit queue 1, a MAC and link status, no offloads.
 * Each buffer carries the 12-byte virtio_net_hdr_v1, zeros on receive and
 * dropped on transmit. A frame the guest has no buffer for stays in the
 * host socket until it adds some (its receive-queue kick serves it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>

#include "../backend/net.h"
#include "../backend/host_io.h"
#include "../log.h"
#include "../vm.h"
#include "virtio_mmio.h"

#define QUEUE_MAX	256
#define RXQ		0
#define TXQ		1
#define HDR_LEN		sizeof(struct virtio_net_hdr_v1)
#define FRAME_MAX	65536	/* a datagram or tap frame, and then some */

struct vnet {
	struct virtio_mmio *vd;
	struct net_dev *net;
	struct virtq_chain chain;
	uint8_t frame[HDR_LEN + FRAME_MAX];
};

/* Send one frame the guest queued; none waits for the host. */
static uint32_t transmit_one(void *dev, const struct virtq_chain *c, bool bad)
{
	struct vnet *v = dev;
	uint64_t len = c->out_len;

	if (bad)
		return 0;
	if (c->nr_in || len < HDR_LEN || len > sizeof(v->frame))
		virtio_mmio_warn(v->vd, "tx: bad frame of %llu bytes",
				 (unsigned long long)len);
	else if (virtq_read(c, 0, v->frame, len) == len &&
		 net_send(v->net, v->frame + HDR_LEN, len - HDR_LEN) < 0)
		log_info(1, "virtio-net%d: tx: frame dropped", v->vd->index);
	return 0;
}

static bool transmit(struct vnet *v)
{
	return virtio_mmio_serve(v->vd, &v->vd->vq[TXQ], &v->chain,
				 transmit_one, v);
}

/* Move waiting frames into the guest's buffers while both last. */
static bool receive(struct vnet *v)
{
	struct virtio_mmio *vd = v->vd;
	struct virtq *q = &vd->vq[RXQ];
	struct virtio_net_hdr_v1 hdr = { .num_buffers = 1 };
	char err[VIRTQ_ERRLEN];
	bool done = false;
	int64_t n;
	int r;

	while ((r = virtq_pop(&vd->vm->mem, q, &v->chain, err)) != 0) {
		if (r == -EIO) {
			virtio_mmio_broken(vd, err);
			break;
		}
		if (r < 0 || v->chain.nr_out) {
			virtio_mmio_warn(vd, "rx: %s", r < 0 ? err : "readable buffer");
			n = 0;
		} else {
			n = net_recv(v->net, v->frame, FRAME_MAX);
			if (n == -EAGAIN) {
				virtq_unpop(q);	/* net_recv re-armed the event */
				break;
			}
			if (n < 0) {
				/* The buffer waits; the next readable event retries. */
				virtio_mmio_warn(vd, "rx: %s", strerror((int)-n));
				virtq_unpop(q);
				break;
			}
			if (HDR_LEN + (uint64_t)n > v->chain.in_len) {
				/* Dropped; the buffer waits for the next frame. */
				virtio_mmio_warn(vd, "rx: frame of %lld bytes does not fit %llu",
						 (long long)n,
						 (unsigned long long)v->chain.in_len);
				virtq_unpop(q);
				continue;
			}
			virtq_write(&v->chain, 0, &hdr, HDR_LEN);
			virtq_write(&v->chain, HDR_LEN, v->frame, (uint64_t)n);
			n += HDR_LEN;
		}
		if (virtq_push(&vd->vm->mem, q, v->chain.head, (uint32_t)n) < 0) {
			virtio_mmio_broken(vd, "rx used ring outside guest RAM");
			break;
		}
		done = true;
	}
	return done;
}

static void vnet_notify(void *dev)
{
	struct vnet *v = dev;

	if (transmit(v))
		virtio_mmio_used(v->vd, &v->vd->vq[TXQ]);
	if (receive(v))
		virtio_mmio_used(v->vd, &v->vd->vq[RXQ]);
}

_Static_assert(sizeof(struct virtio_net_config) <= VIRTIO_CONFIG_MAX,
	       "virtio-net config space");

static size_t vnet_config(void *dev, void *buf)
{
	struct vnet *v = dev;
	struct virtio_net_config *cfg = buf;

	net_mac(v->net, cfg->mac);
	cfg->status = VIRTIO_NET_S_LINK_UP;
	return sizeof(*cfg);
}

static void vnet_free(void *dev)
{
	struct vnet *v = dev;

	net_set_rx_handler(v->net, NULL, NULL);
	free(v);
}

/* A frame arrived (backend thread). */
static void on_frame(void *arg)
{
	virtio_mmio_process(arg);
}

static const struct virtio_dev_ops vnet_ops = {
	.name = "net",
	.device_id = VIRTIO_ID_NET,
	.nr_queues = 2,
	.queue_max = QUEUE_MAX,
	.config = vnet_config,
	.notify = vnet_notify,
	.free = vnet_free,
};

static int vnet_new(struct vm *vm, int net, struct virtio_mmio **out)
{
	struct vnet *v = calloc(1, sizeof(*v));

	if (!v) {
		log_err("virtio-net: out of memory");
		return -1;
	}
	v->net = host_net(vm->io, net);
	if (virtio_mmio_new(vm, &vnet_ops, v, (1ULL << VIRTIO_NET_F_MAC) |
			    (1ULL << VIRTIO_NET_F_STATUS), &v->vd) < 0) {
		free(v);
		return -1;
	}
	net_set_rx_handler(v->net, on_frame, v->vd);
	*out = v->vd;
	return 0;
}

/* One per --net, after the disks. */
static int vnet_count(const struct vm *vm)
{
	return host_nr_nets(vm->io);
}

static const struct virtio_kind virtio_net = {
	.name = "net", .slot = 20, .count = vnet_count, .create = vnet_new,
};
VIRTIO_DEVICE_REGISTER(virtio_net)
