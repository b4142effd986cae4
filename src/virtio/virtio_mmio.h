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
#include <stddef.h>
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
	/* Snapshots: the transport saves the registers and queues, which
	 * is all a device's state when it keeps no request of the guest's
	 * between calls; one that does (a back-end in another process)
	 * says no_snapshot, and --snapshot refuses the VM naming it. */
	bool no_snapshot;
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
 * Create every virtio device a non-PV guest gets, each registered kind in
 * slot order: a block device per --disk, a network device per --net
 * (vm->io is open), the entropy device, and with --virtio-console a
 * console (after COM1, whose host input it takes); each goes in
 * vm->platform for the firmware tables. Logs one line and returns -1 on
 * failure.
 */
int virtio_init(struct vm *vm);
void virtio_exit(struct vm *vm);
/* The devices virtio_init made (slot order), for tests and messages. */
int virtio_count(const struct vm *vm);
struct virtio_mmio *virtio_device(const struct vm *vm, int i);

/*
 * Snapshots (src/snapshot/): the first device that cannot be snapshotted
 * (its name), or NULL; put each device's state (transport and queues);
 * load each from get, before any vCPU runs. 0 or -1 (logged). The
 * callbacks are the devices' (src/devices/device.h).
 */
typedef int (*virtio_put_fn)(void *arg, const char *name, const void *data,
			     size_t len);
typedef const void *(*virtio_get_fn)(void *arg, const char *name,
				     size_t *len);
const char *virtio_unsnapshottable(const struct vm *vm);
int virtio_save(struct vm *vm, virtio_put_fn put, void *arg);
int virtio_load(struct vm *vm, virtio_get_fn get, void *arg);

/* For devices. */
int virtio_mmio_new(struct vm *vm, const struct virtio_dev_ops *ops,
		    void *dev, uint64_t features, struct virtio_mmio **out);
void virtio_mmio_free(struct virtio_mmio *vd);
/* Snapshots: the transport's registers and queues into buf (at most
 * VIRTIO_MMIO_STATE_MAX bytes), its length; load them back before any
 * vCPU runs: 0, or -1 (logged). */
#define VIRTIO_MMIO_STATE_MAX 512
size_t virtio_mmio_save(struct virtio_mmio *vd, void *buf);
int virtio_mmio_load(struct virtio_mmio *vd, const void *buf, size_t len);

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

/*
 * A kind of virtio device, registered from its own file with
 * VIRTIO_DEVICE_REGISTER: how many of it this VM gets, and how to make
 * the i-th. virtio_init creates the kinds in `slot` order, which is the
 * order the guest sees. Device files are linked as objects, not from
 * libvirtio.a (VIRTIO_DEVICES in Makefile.am): nothing references their
 * constructors, so an archive would drop them (tests/registry.sh checks).
 */
struct virtio_kind {
	const char *name;
	int slot;
	int (*count)(const struct vm *vm);
	int (*create)(struct vm *vm, int i, struct virtio_mmio **out);
};

void virtio_kind_register(const struct virtio_kind *kind);

#define VIRTIO_DEVICE_REGISTER(kind)					\
	static void __attribute__((constructor)) register_##kind(void)	\
	{								\
		virtio_kind_register(&(kind));				\
	}

#endif
