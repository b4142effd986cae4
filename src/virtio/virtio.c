/*
 * Which virtio devices a guest gets (the transport is virtio_mmio.c): the
 * device kinds, each registered from its own file, in slot order. Each
 * slot is an MMIO window and an IOAPIC input (board.h), so the order is
 * what the guest sees: disks first (vda, vdb, ... in --disk order), then
 * networks, the entropy device and the console.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../log.h"
#include "../backend/host_io.h"
#include "../vm.h"
#include "virtio_mmio.h"

struct virtio_set {
	struct virtio_mmio *dev[VIRTIO_MMIO_MAX];
	int nr;
};

#define MAX_KINDS 16

/* The registered kinds, kept in slot order. */
static const struct virtio_kind *kinds[MAX_KINDS];
static int nr_kinds;

void virtio_kind_register(const struct virtio_kind *kind)
{
	int i;

	/* Constructors run before main: a full table is a build mistake. */
	if (nr_kinds == MAX_KINDS)
		__builtin_trap();
	for (i = nr_kinds; i > 0 && kinds[i - 1]->slot > kind->slot; i--)
		kinds[i] = kinds[i - 1];
	kinds[i] = kind;
	nr_kinds++;
}

/* --virtio-console takes a slot; so does the entropy device. */
static int nr_console(const struct vm *vm)
{
	return config_dev_count(vm->cfg, "virtio-console") > 0;
}

/* --share, --vhost-user-fs (fs.c). */
static int nr_fs(const struct vm *vm)
{
	return vm->cfg->nr_shares;
}

static int check(const struct vm *vm)
{
	int vcon = nr_console(vm);
	int disks = host_nr_disks(vm->io), nets = host_nr_nets(vm->io);
	/* The entropy device, and the console if asked, take a slot each. */
	int room = VIRTIO_MMIO_MAX - 1 - vcon;

	if (!vm->irq.mode && (disks || nets || vcon || nr_fs(vm))) {
		log_err("--disk, --net, --share and --virtio-console give this guest virtio devices, which need the in-kernel irqchip or a split one (drop --irqchip off)");
		return -1;
	}
	if (disks + nets + nr_fs(vm) > room) {
		log_err("too many devices: %d --disk, %d --net and %d shares, at most %d in all for this guest%s",
			disks, nets, nr_fs(vm), room,
			vcon ? " with --virtio-console" : "");
		return -1;
	}
	return 0;
}

int virtio_init(struct vm *vm)
{
	struct virtio_set *set;

	if (check(vm) < 0)
		return -1;
	set = calloc(1, sizeof(*set));
	if (!set)
		return -1;
	vm->virtio = set;
	for (int k = 0; k < nr_kinds; k++) {
		for (int i = 0; i < kinds[k]->count(vm); i++) {
			if (kinds[k]->create(vm, i, &set->dev[set->nr]) < 0)
				goto fail;
			set->nr++;
		}
	}
	return 0;
fail:
	virtio_exit(vm);
	return -1;
}

void virtio_exit(struct vm *vm)
{
	struct virtio_set *set = vm->virtio;

	if (!set)
		return;
	while (set->nr > 0)
		virtio_mmio_free(set->dev[--set->nr]);
	free(set);
	vm->virtio = NULL;
}

int virtio_count(const struct vm *vm)
{
	return vm->virtio ? vm->virtio->nr : 0;
}

struct virtio_mmio *virtio_device(const struct vm *vm, int i)
{
	return i < virtio_count(vm) ? vm->virtio->dev[i] : NULL;
}

const char *virtio_unsnapshottable(const struct vm *vm)
{
	static char name[32];

	for (int i = 0; i < virtio_count(vm); i++) {
		const struct virtio_mmio *vd = vm->virtio->dev[i];

		if (vd->ops->no_snapshot) {
			snprintf(name, sizeof(name), "virtio-%s", vd->ops->name);
			return name;
		}
	}
	return NULL;
}

/* One section per device, named by its kind ("virtio-blk"), in slot
 * order: the same options give the same slots. */
int virtio_save(struct vm *vm, virtio_put_fn put, void *arg)
{
	uint8_t buf[VIRTIO_MMIO_STATE_MAX];
	char name[16];

	for (int i = 0; i < virtio_count(vm); i++) {
		struct virtio_mmio *vd = vm->virtio->dev[i];
		size_t len = virtio_mmio_save(vd, buf);

		snprintf(name, sizeof(name), "virtio-%s", vd->ops->name);
		if (put(arg, name, buf, len) < 0)
			return -1;
	}
	return 0;
}

int virtio_load(struct vm *vm, virtio_get_fn get, void *arg)
{
	char name[16];

	for (int i = 0; i < virtio_count(vm); i++) {
		struct virtio_mmio *vd = vm->virtio->dev[i];
		const void *data;
		size_t len;

		snprintf(name, sizeof(name), "virtio-%s", vd->ops->name);
		data = get(arg, name, &len);
		if (!data) {
			log_err("the snapshot has no state for %s%d", name, i);
			return -1;
		}
		if (virtio_mmio_load(vd, data, len) < 0)
			return -1;
	}
	return 0;
}
