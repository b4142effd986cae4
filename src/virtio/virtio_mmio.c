/*
 * virtio over MMIO, version 2 (virtio 1.x, section 4.2.2): the transport
 * registers, notifications (an ioeventfd read on the backend loop) and
 * interrupts (an irqfd pulsing the device's IOAPIC input).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <event2/event.h>
#include <linux/kvm.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "../backend/backend.h"
#include "../log.h"
#include "../vm.h"
#include "virtio_mmio.h"

#define MAGIC		0x74726976	/* "virt" */
#define VENDOR_ID	0x6e727668	/* "hvrn" */
#define CONFIG_SPACE	0x100

void virtio_mmio_warn(struct virtio_mmio *vd, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (vd->warned)
		return;
	vd->warned = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("virtio-%s%d at 0x%llx: %s (further errors not logged)",
		vd->ops->name, vd->index, (unsigned long long)vd->base, msg);
}

/* Pulse the IOAPIC input after setting the reason in InterruptStatus. */
static void raise_irq(struct virtio_mmio *vd, unsigned reason)
{
	uint64_t one = 1;

	atomic_fetch_or(&vd->isr, reason);
	if (vd->irq_fd >= 0) {
		if (write(vd->irq_fd, &one, sizeof(one)) < 0)
			virtio_mmio_warn(vd, "irqfd: %s", strerror(errno));
		return;
	}
	vm_irq_line(vd->vm, vd->gsi, 1);
	vm_irq_line(vd->vm, vd->gsi, 0);
}

void virtio_mmio_used(struct virtio_mmio *vd, const struct virtq *q)
{
	if (virtq_want_irq(&vd->vm->mem, q))
		raise_irq(vd, VIRTIO_MMIO_INT_VRING);
}

void virtio_mmio_broken(struct virtio_mmio *vd, const char *why)
{
	virtio_mmio_warn(vd, "%s; device needs reset", why);
	if (vd->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	vd->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	if (vd->status & VIRTIO_CONFIG_S_DRIVER_OK)
		raise_irq(vd, VIRTIO_MMIO_INT_CONFIG);
}

/* Only after a feature negotiation the device accepted (section 3.1.1). */
bool virtio_mmio_serve(struct virtio_mmio *vd, struct virtq *q,
		       struct virtq_chain *c, virtio_serve_fn serve, void *dev)
{
	char err[VIRTQ_ERRLEN];
	bool done = false;
	int r;

	while ((r = virtq_pop(&vd->vm->mem, q, c, err)) != 0) {
		if (r == -EIO) {
			virtio_mmio_broken(vd, err);
			break;
		}
		if (r < 0)
			virtio_mmio_warn(vd, "queue %d: %s", (int)(q - vd->vq), err);
		if (virtq_push(&vd->vm->mem, q, c->head, serve(dev, c, r < 0)) < 0) {
			virtio_mmio_broken(vd, "used ring outside guest RAM");
			break;
		}
		done = true;
	}
	return done;
}

bool virtio_mmio_serving(const struct virtio_mmio *vd)
{
	return (vd->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       (vd->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	       !(vd->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

void virtio_mmio_process(struct virtio_mmio *vd)
{
	pthread_mutex_lock(&vd->lock);
	if (virtio_mmio_serving(vd))
		vd->ops->notify(vd->dev);
	pthread_mutex_unlock(&vd->lock);
}

static int64_t process_call(void *arg)
{
	virtio_mmio_process(arg);
	return 0;
}

/* The ioeventfd fired: the driver wrote QueueNotify. */
static void on_kick(evutil_socket_t fd, short what, void *arg)
{
	uint64_t n;

	(void)what;
	if (read(fd, &n, sizeof(n)) == sizeof(n))
		virtio_mmio_process(arg);
}

static void reset(struct virtio_mmio *vd)
{
	vd->status = 0;
	vd->dev_feat_sel = vd->drv_feat_sel = vd->queue_sel = 0;
	vd->driver_features = 0;
	for (int i = 0; i < VIRTIO_MAX_QUEUES; i++)
		virtq_reset(&vd->vq[i]);
	atomic_store(&vd->isr, 0);
}

/* An external back-end's interrupts do not set the bit: always say so. */
static uint32_t isr(struct virtio_mmio *vd)
{
	return atomic_load(&vd->isr) |
	       (vd->ops->external ? VIRTIO_MMIO_INT_VRING : 0);
}

static struct virtq *selected(struct virtio_mmio *vd)
{
	if (vd->queue_sel >= (uint32_t)vd->ops->nr_queues)
		return NULL;
	return &vd->vq[vd->queue_sel];
}

static uint32_t reg_read(struct virtio_mmio *vd, uint64_t off)
{
	struct virtq *q = selected(vd);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return vd->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VENDOR_ID;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return vd->dev_feat_sel > 1 ? 0 :
		       (uint32_t)(vd->features >> (32 * vd->dev_feat_sel));
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? vd->ops->queue_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return isr(vd);
	case VIRTIO_MMIO_STATUS:
		return vd->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0;	/* no device changes its config yet */
	}
	return 0;
}

/* Under the lock, when the driver first acknowledges the device. */
static void assign_kick(struct virtio_mmio *vd)
{
	struct kvm_ioeventfd ioe = {
		.addr = vd->base + VIRTIO_MMIO_QUEUE_NOTIFY,
		.len = 4,
		.fd = vd->kick_fd,
	};

	if (vd->kick_fd < 0 || vd->kick_assigned)
		return;
	vd->kick_assigned = true;	/* tried: a failure stays on mmio_io */
	if (ioctl(vd->vm->vm_fd, KVM_IOEVENTFD, &ioe) < 0)
		log_info(1, "virtio-%s%d: queue notifications through the vCPU thread: %s",
			 vd->ops->name, vd->index, strerror(errno));
}

static void set_status(struct virtio_mmio *vd, uint32_t val)
{
	uint32_t added = val & ~vd->status;

	if (!val) {
		if (vd->ops->stop)
			vd->ops->stop(vd->dev);
		reset(vd);
		return;
	}
	/* Accept features only with VERSION_1 and nothing we did not offer. */
	if ((added & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    ((vd->driver_features & ~vd->features) ||
	     !(vd->driver_features & (1ULL << VIRTIO_F_VERSION_1)))) {
		virtio_mmio_warn(vd, "driver features 0x%llx refused",
				 (unsigned long long)vd->driver_features);
		val &= ~(uint32_t)VIRTIO_CONFIG_S_FEATURES_OK;
	}
	vd->status = val | (vd->status & VIRTIO_CONFIG_S_NEEDS_RESET);
	if (added & VIRTIO_CONFIG_S_ACKNOWLEDGE)
		assign_kick(vd);
	if ((added & VIRTIO_CONFIG_S_DRIVER_OK) && vd->ops->start &&
	    (vd->status & VIRTIO_CONFIG_S_FEATURES_OK))
		vd->ops->start(vd->dev);
	/* Buffers the driver queued before it was ready: serve them now. */
	if ((added & VIRTIO_CONFIG_S_DRIVER_OK) && vd->kick_fd >= 0 &&
	    write(vd->kick_fd, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
		virtio_mmio_warn(vd, "cannot kick: %s", strerror(errno));
}

static void set_ready(struct virtio_mmio *vd, struct virtq *q, uint32_t val)
{
	char err[VIRTQ_ERRLEN];

	if (!val) {
		q->ready = false;
		return;
	}
	if (q->ready)
		return;
	if (virtq_check(&vd->vm->mem, q, vd->ops->queue_max, err) < 0) {
		virtio_mmio_broken(vd, err);
		return;
	}
	q->last_avail = q->used_idx = 0;
	q->broken = false;
	q->ready = true;
}

static void set_addr(uint64_t *addr, bool high, uint32_t val)
{
	if (high)
		*addr = (*addr & 0xffffffffULL) | ((uint64_t)val << 32);
	else
		*addr = (*addr & ~0xffffffffULL) | val;
}

/* Queue registers: only while the queue is not live (section 4.2.2.2). */
static void queue_write(struct virtio_mmio *vd, struct virtq *q, uint64_t off,
			uint32_t val)
{
	if (off == VIRTIO_MMIO_QUEUE_READY) {
		set_ready(vd, q, val);
		return;
	}
	if (q->ready)
		return;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		q->size = val > 0xffff ? 0 : (uint16_t)val;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_addr(&q->desc, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, val);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_addr(&q->avail, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, val);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		set_addr(&q->used, off == VIRTIO_MMIO_QUEUE_USED_HIGH, val);
		break;
	}
}

/* Returns true when the driver kicked a queue and we have no ioeventfd. */
static bool reg_write(struct virtio_mmio *vd, uint64_t off, uint32_t val)
{
	struct virtq *q = selected(vd);

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		vd->dev_feat_sel = val;
		return false;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (vd->drv_feat_sel <= 1)
			set_addr(&vd->driver_features, vd->drv_feat_sel, val);
		return false;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		vd->drv_feat_sel = val;
		return false;
	case VIRTIO_MMIO_QUEUE_SEL:
		vd->queue_sel = val;
		return false;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		return true;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		atomic_fetch_and(&vd->isr, ~val);
		return false;
	case VIRTIO_MMIO_STATUS:
		set_status(vd, val);
		return false;
	}
	if (q)
		queue_write(vd, q, off, val);
	return false;
}

/* The device fills its config space; reads past its end are 0. */
static void config_read(struct virtio_mmio *vd, uint64_t off, uint8_t *data,
			uint32_t len)
{
	uint64_t buf[VIRTIO_CONFIG_MAX / 8] = { 0 };
	size_t size = 0;

	if (!vd->ops->config)
		return;
	pthread_mutex_lock(&vd->lock);
	size = vd->ops->config(vd->dev, buf);
	pthread_mutex_unlock(&vd->lock);
	if (size > sizeof(buf))
		size = sizeof(buf);
	if (off >= size)
		return;
	if (len > size - off)
		len = (uint32_t)(size - off);
	memcpy(data, (uint8_t *)buf + off, len);
}

static void mmio_io(void *opaque, uint64_t addr, uint8_t *data, uint32_t len,
		    bool is_write)
{
	struct virtio_mmio *vd = opaque;
	uint64_t off = addr - vd->base;
	bool kick = false;
	uint32_t val;

	if (!is_write)
		memset(data, 0, len);
	if (off >= CONFIG_SPACE) {
		/* No device has writable config fields. */
		if (!is_write)
			config_read(vd, off - CONFIG_SPACE, data, len);
		return;
	}
	/* Registers are 32 bits wide and aligned (section 4.2.2.2). */
	if (len != 4 || (off & 3)) {
		virtio_mmio_warn(vd, "%u-byte access at register 0x%llx", len,
				 (unsigned long long)off);
		return;
	}
	if (off == VIRTIO_MMIO_INTERRUPT_STATUS && !is_write) {
		val = isr(vd);
		memcpy(data, &val, 4);
		return;
	}
	pthread_mutex_lock(&vd->lock);
	if (is_write) {
		memcpy(&val, data, 4);
		kick = reg_write(vd, off, val);
	} else {
		val = reg_read(vd, off);
		memcpy(data, &val, 4);
	}
	pthread_mutex_unlock(&vd->lock);
	/* No ioeventfd: the backend serves the queue while we wait. */
	if (kick)
		backend_call(vd->vm->backend, process_call, vd);
}

/*
 * Kicks reach the loop without stopping the vCPU; else through mmio_io.
 * The loop watches the eventfd from the start, but KVM is given it
 * (assign_kick) only once a driver finds the device: an ioeventfd costs
 * the VM's destruction ~10 ms on some hosts, which a guest that never
 * uses virtio should not pay.
 */
static void setup_kick(struct virtio_mmio *vd)
{
	vd->kick_fd = -1;
	if (vd->ops->external)
		return;		/* the device's own, one per queue */
	vd->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vd->kick_fd < 0)
		goto fallback;
	vd->kick_ev = event_new(backend_base(vd->vm->backend), vd->kick_fd,
				EV_READ | EV_PERSIST, on_kick, vd);
	if (vd->kick_ev && event_add(vd->kick_ev, NULL) == 0)
		return;
	if (vd->kick_ev)
		event_free(vd->kick_ev);
	vd->kick_ev = NULL;
fallback:
	log_info(1, "virtio-%s%d: queue notifications through the vCPU thread: %s",
		 vd->ops->name, vd->index, strerror(errno));
	if (vd->kick_fd >= 0)
		close(vd->kick_fd);
	vd->kick_fd = -1;
}


static void setup_irq(struct virtio_mmio *vd)
{
	struct kvm_irqfd irqfd = { .gsi = vd->gsi };

	vd->irq_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vd->irq_fd < 0)
		goto fallback;
	irqfd.fd = (uint32_t)vd->irq_fd;
	if (ioctl(vd->vm->vm_fd, KVM_IRQFD, &irqfd) == 0)
		return;
fallback:
	log_info(1, "virtio-%s%d: interrupts through KVM_IRQ_LINE: %s",
		 vd->ops->name, vd->index, strerror(errno));
	if (vd->irq_fd >= 0)
		close(vd->irq_fd);
	vd->irq_fd = -1;
}

int virtio_mmio_new(struct vm *vm, const struct virtio_dev_ops *ops,
		    void *dev, uint64_t features, struct virtio_mmio **out)
{
	struct virtio_mmio *vd;
	struct vm_platform_dev *p;
	int n = vm->platform.nr;

	if (n >= VIRTIO_MMIO_MAX) {
		log_err("too many devices: at most %d virtio devices (--disk, --net, --virtio-console and the entropy device)",
			VIRTIO_MMIO_MAX);
		return -1;
	}
	vd = calloc(1, sizeof(*vd));
	if (!vd) {
		log_err("virtio-%s: out of memory", ops->name);
		return -1;
	}
	vd->vm = vm;
	vd->ops = ops;
	vd->dev = dev;
	vd->index = n;
	vd->base = VIRTIO_MMIO_BASE + (uint64_t)n * VIRTIO_MMIO_STRIDE;
	vd->gsi = VIRTIO_MMIO_GSI_BASE + (unsigned)n;
	vd->features = features | (1ULL << VIRTIO_F_VERSION_1);
	pthread_mutex_init(&vd->lock, NULL);
	atomic_init(&vd->isr, 0);
	reset(vd);
	setup_kick(vd);
	setup_irq(vd);
	if (bus_register(&vm->mmio, vd->base, VIRTIO_MMIO_SIZE, mmio_io, vd,
			 "virtio-mmio") < 0) {
		log_err("virtio-%s: cannot claim 0x%llx", ops->name,
			(unsigned long long)vd->base);
		vd->dev = NULL;		/* the caller still owns it */
		virtio_mmio_free(vd);
		return -1;
	}
	p = &vm->platform.dev[vm->platform.nr++];
	p->hid = VIRTIO_MMIO_HID;
	p->base = vd->base;
	p->len = VIRTIO_MMIO_SIZE;
	p->gsi = vd->gsi;
	log_info(1, "virtio-%s%d: 0x%llx, gsi %u", ops->name, n,
		 (unsigned long long)vd->base, vd->gsi);
	*out = vd;
	return 0;
}

void virtio_mmio_free(struct virtio_mmio *vd)
{
	if (!vd)
		return;
	if (vd->kick_ev)
		event_free(vd->kick_ev);
	if (vd->kick_fd >= 0)
		close(vd->kick_fd);
	if (vd->irq_fd >= 0)
		close(vd->irq_fd);
	if (vd->dev && vd->ops->free)
		vd->ops->free(vd->dev);
	pthread_mutex_destroy(&vd->lock);
	free(vd);
}

/* What the driver set and the device's place in each queue. */
struct saved_queue {
	uint64_t desc, avail, used;
	uint16_t size, last_avail, used_idx;
	uint8_t ready, broken;
};

struct saved {
	uint32_t device_id, nr_queues;
	uint32_t status, dev_feat_sel, drv_feat_sel, queue_sel, isr, pad;
	uint64_t driver_features;
	struct saved_queue q[VIRTIO_MAX_QUEUES];
};
_Static_assert(sizeof(struct saved) <= VIRTIO_MMIO_STATE_MAX, "state fits");

size_t virtio_mmio_save(struct virtio_mmio *vd, void *buf)
{
	struct saved s;

	memset(&s, 0, sizeof(s));
	pthread_mutex_lock(&vd->lock);
	s.device_id = vd->ops->device_id;
	s.nr_queues = (uint32_t)vd->ops->nr_queues;
	s.status = vd->status;
	s.dev_feat_sel = vd->dev_feat_sel;
	s.drv_feat_sel = vd->drv_feat_sel;
	s.queue_sel = vd->queue_sel;
	s.isr = atomic_load(&vd->isr);
	s.driver_features = vd->driver_features;
	for (int i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		const struct virtq *q = &vd->vq[i];

		s.q[i] = (struct saved_queue){
			.desc = q->desc, .avail = q->avail, .used = q->used,
			.size = q->size, .last_avail = q->last_avail,
			.used_idx = q->used_idx, .ready = q->ready,
			.broken = q->broken,
		};
	}
	pthread_mutex_unlock(&vd->lock);
	memcpy(buf, &s, sizeof(s));
	return sizeof(s);
}

/* A ready queue must pass the checks set_ready made when the driver
 * enabled it, against this run's memory. */
static int load_queue(struct virtio_mmio *vd, struct virtq *q,
		      const struct saved_queue *s)
{
	char err[VIRTQ_ERRLEN];

	virtq_reset(q);
	q->desc = s->desc;
	q->avail = s->avail;
	q->used = s->used;
	q->size = s->size;
	q->broken = s->broken != 0;
	if (!s->ready || q->broken)
		return 0;
	if (virtq_check(&vd->vm->mem, q, vd->ops->queue_max, err) < 0) {
		log_err("virtio-%s%d: the snapshot's queue is invalid: %s",
			vd->ops->name, vd->index, err);
		return -1;
	}
	q->last_avail = s->last_avail;
	q->used_idx = s->used_idx;
	q->ready = true;
	return 0;
}

int virtio_mmio_load(struct virtio_mmio *vd, const void *buf, size_t len)
{
	struct saved s;

	if (len != sizeof(s))
		goto bad;
	memcpy(&s, buf, sizeof(s));
	if (s.device_id != vd->ops->device_id ||
	    s.nr_queues != (uint32_t)vd->ops->nr_queues ||
	    (s.driver_features & ~vd->features))
		goto bad;
	pthread_mutex_lock(&vd->lock);
	vd->status = s.status;
	vd->dev_feat_sel = s.dev_feat_sel;
	vd->drv_feat_sel = s.drv_feat_sel;
	vd->queue_sel = s.queue_sel;
	vd->driver_features = s.driver_features;
	atomic_store(&vd->isr, s.isr & 3);
	for (int i = 0; i < VIRTIO_MAX_QUEUES; i++)
		if (load_queue(vd, &vd->vq[i], &s.q[i]) < 0) {
			pthread_mutex_unlock(&vd->lock);
			return -1;
		}
	if (vd->status & VIRTIO_CONFIG_S_ACKNOWLEDGE)
		assign_kick(vd);
	/* Buffers queued before the snapshot: serve them once running. */
	if (virtio_mmio_serving(vd) && vd->kick_fd >= 0 &&
	    write(vd->kick_fd, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
		virtio_mmio_warn(vd, "cannot kick: %s", strerror(errno));
	pthread_mutex_unlock(&vd->lock);
	return 0;
bad:
	log_err("virtio-%s%d: the snapshot's state is not this device's",
		vd->ops->name, vd->index);
	return -1;
}
