/*
 * virtio-rng (virtio 1.x, section 5.4): the entropy device, filled from
 * getrandom(2). Every non-PV guest with an irqchip gets one:
 * it costs a page of address space and nothing until a driver asks.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <linux/virtio_ids.h>

#include "../log.h"
#include "../vm.h"
#include "virtio_mmio.h"

#define QUEUE_MAX	64
#define MAX_PER_REQUEST	(64 * 1024)	/* the guest asks again for more */

struct rng {
	struct virtio_mmio *vd;
	struct virtq_chain chain;
};

/* Fill the writable segments: bytes written. */
static uint32_t fill(const struct virtq_chain *c)
{
	uint32_t done = 0;

	for (int i = 0; i < c->nr_in && done < MAX_PER_REQUEST; i++) {
		size_t want = c->in[i].len;
		ssize_t n;

		if (want > MAX_PER_REQUEST - done)
			want = MAX_PER_REQUEST - done;
		n = getrandom(c->in[i].ptr, want, GRND_NONBLOCK);
		if (n < 0)
			break;
		done += (uint32_t)n;
		if ((size_t)n < want)
			break;
	}
	return done;
}

static uint32_t rng_serve(void *dev, const struct virtq_chain *c, bool bad)
{
	struct rng *r = dev;

	if (bad)
		return 0;
	if (c->nr_out) {
		virtio_mmio_warn(r->vd, "request %u has readable buffers", c->head);
		return 0;
	}
	return fill(c);
}

static void rng_notify(void *dev)
{
	struct rng *r = dev;
	struct virtq *q = &r->vd->vq[0];

	if (virtio_mmio_serve(r->vd, q, &r->chain, rng_serve, r))
		virtio_mmio_used(r->vd, q);
}

static const struct virtio_dev_ops rng_ops = {
	.name = "rng",
	.device_id = VIRTIO_ID_RNG,
	.nr_queues = 1,
	.queue_max = QUEUE_MAX,
	.notify = rng_notify,
	.free = free,
};

static int rng_new(struct vm *vm, int i, struct virtio_mmio **out)
{
	struct rng *r = calloc(1, sizeof(*r));

	(void)i;	/* one entropy device */
	if (!r) {
		log_err("virtio-rng: out of memory");
		return -1;
	}
	if (virtio_mmio_new(vm, &rng_ops, r, 0, &r->vd) < 0) {
		free(r);
		return -1;
	}
	*out = r->vd;
	return 0;
}

/* Entropy costs nothing until a driver asks; it needs interrupts. */
static int rng_count(const struct vm *vm)
{
	return vm->irq.mode != IRQCHIP_OFF;
}

static const struct virtio_kind virtio_rng = {
	.name = "rng", .slot = 30, .count = rng_count, .create = rng_new,
};
VIRTIO_DEVICE_REGISTER(virtio_rng)
