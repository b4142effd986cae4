/* virtio over MMIO (virtio 1.x, section 4.2): the transport (virtio_mmio.c),
 * the device registry (virtio.c) and the devices' constructors. */
#ifndef HVRUN_VIRTIO_MMIO_H
#define HVRUN_VIRTIO_MMIO_H

/*
 * Device n's registers are at VIRTIO_MMIO_BASE + n * VIRTIO_MMIO_STRIDE
 * (VIRTIO_MMIO_SIZE bytes, inside the 3-4 GiB hole) and it interrupts on
 * IOAPIC input VIRTIO_MMIO_GSI_BASE + n, above the ISA interrupts.
 */
#define VIRTIO_MMIO_HID		"LNRO0005"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../board.h"
#include "virtqueue.h"

struct vm;
struct event;

#define VIRTIO_MAX_QUEUES 2
#define VIRTIO_CONFIG_MAX 0x100	/* the config space, to VIRTIO_MMIO_SIZE */

/* What a device tells the transport. */
struct virtio_dev_ops {
	const char *name;		/* "blk", "rng", "net", for messages */
	uint32_t device_id;		/* section 5: 1 net, 2 block, 3 console,
					 * 4 entropy */
	int nr_queues;
	uint16_t queue_max;
	/* Fill buf with its config space (offset 0x100 on) and return its
	 * size, at most VIRTIO_CONFIG_MAX; the transport serves reads from
	 * it. NULL: none, reads as 0. vCPU thread, lock held. */
	size_t (*config)(void *dev, void *buf);
	/* Serve the queues: backend thread, lock held, driver ready. */
	void (*notify)(void *dev);
	/*
	 * external: another process serves the queues (vhost-user, fs.c).
	 * The transport then gives KVM no kick of its own (the device sets
	 * one per queue), and InterruptStatus always reads the used-buffer
	 * bit, as the back-end's interrupts bypass hvrun. start: the driver
	 * set DRIVER_OK; stop: it resets the device (queues still set).
	 * vCPU thread, lock held.
	 */
	bool external;
	void (*start)(void *dev);
	void (*stop)(void *dev);
	/* Free dev: after the loop stopped. */
	void (*free)(void *dev);
};

/*
 * One virtio-mmio device. Registers are accessed from vCPU threads and
 * the queues served on the backend thread; lock covers both, except the
 * interrupt status, which is atomic so an interrupt handler never waits
 * for a disk.
 */
struct virtio_mmio {
	struct vm *vm;
	const struct virtio_dev_ops *ops;
	void *dev;
	int index;
	uint64_t base;
	unsigned gsi;
	uint64_t features;		/* offered, VIRTIO_F_VERSION_1 included */

	pthread_mutex_t lock;
	uint32_t status;
	uint32_t dev_feat_sel, drv_feat_sel, queue_sel;
	uint64_t driver_features;
	struct virtq vq[VIRTIO_MAX_QUEUES];
	atomic_uint isr;		/* InterruptStatus */
	bool warned;			/* one log line per device */

	int kick_fd;			/* ioeventfd on QueueNotify, or -1 */
	bool kick_assigned;		/* given to KVM (assign_kick) */
	struct event *kick_ev;
	int irq_fd;			/* irqfd on gsi, or -1 */
};

/*
 * Create every virtio device a non-PV guest gets: a block device per
 * --disk, a network device per --net (vm->disks, vm->nets are open), the
 * entropy device, and with --virtio-console a console (after COM1, whose
 * host input it takes); each goes in vm->platform for the firmware tables.
 * Logs one line and returns -1 on failure.
 */
int virtio_init(struct vm *vm);
void virtio_exit(struct vm *vm);
/* The devices virtio_init made (slot order), for tests and messages. */
int virtio_count(const struct vm *vm);
struct virtio_mmio *virtio_device(const struct vm *vm, int i);

/* For devices. */
int virtio_mmio_new(struct vm *vm, const struct virtio_dev_ops *ops,
		    void *dev, uint64_t features, struct virtio_mmio **out);
void virtio_mmio_free(struct virtio_mmio *vd);
/* Is the driver ready and the device not broken? Lock held. */
bool virtio_mmio_serving(const struct virtio_mmio *vd);
/* Serve the queues now if the driver is ready: backend thread. */
void virtio_mmio_process(struct virtio_mmio *vd);
/*
 * Complete every chain available in q, in order: serve(dev, c, bad) gets
 * each one (bad: virtq_pop found it malformed, already logged; the device
 * completes it with its error status) and returns the bytes it wrote into
 * it. A broken ring ends the walk. True when any chain was completed: the
 * caller then calls virtio_mmio_used. Lock held.
 */
typedef uint32_t (*virtio_serve_fn)(void *dev, const struct virtq_chain *c,
				    bool bad);
bool virtio_mmio_serve(struct virtio_mmio *vd, struct virtq *q,
		       struct virtq_chain *c, virtio_serve_fn serve, void *dev);
/* Used buffers in q: interrupt unless the driver asked not to. Lock held. */
void virtio_mmio_used(struct virtio_mmio *vd, const struct virtq *q);
/* Log the device's first problem (one line per device), then be quiet. */
void virtio_mmio_warn(struct virtio_mmio *vd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A ring is unusable: DEVICE_NEEDS_RESET and a config interrupt. */
void virtio_mmio_broken(struct virtio_mmio *vd, const char *why);

/* The devices. */
int virtio_blk_new(struct vm *vm, int disk, struct virtio_mmio **out);
int virtio_rng_new(struct vm *vm, int i, struct virtio_mmio **out);
int virtio_net_new(struct vm *vm, int net, struct virtio_mmio **out);
int virtio_console_new(struct vm *vm, int i, struct virtio_mmio **out);
int virtio_fs_new(struct vm *vm, int i, struct virtio_mmio **out);

#endif
