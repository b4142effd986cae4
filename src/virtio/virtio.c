/*
 * Which virtio devices a guest gets (the transport is virtio_mmio.c): one
 * table of device kinds in slot order. Each slot is an MMIO window and an
 * IOAPIC input (board.h), so the order is what the guest sees: disks
 * first (vda, vdb, ... in --disk order), then networks, the entropy
 * device and the console.
 */
#include <stdlib.h>

#include "../log.h"
#include "../vm.h"
#include "virtio_mmio.h"

struct virtio_set {
	struct virtio_mmio *dev[VIRTIO_MMIO_MAX];
	int nr;
};

static int nr_blk(const struct vm *vm)
{
	return vm->nr_disks;
}

static int nr_net(const struct vm *vm)
{
	return vm->nr_nets;
}

/* Entropy costs nothing until a driver asks; it needs interrupts. */
static int nr_rng(const struct vm *vm)
{
	return vm->irqchip != IRQCHIP_OFF;
}

/* --virtio-console: after COM1, whose host input it takes. */
static int nr_console(const struct vm *vm)
{
	return vm->cfg->virtio_console;
}

/* --share, --vhost-user-fs: after the others, so their slots stay. */
static int nr_fs(const struct vm *vm)
{
	return vm->cfg->nr_shares;
}

static const struct virtio_kind {
	int (*count)(const struct vm *vm);
	int (*create)(struct vm *vm, int i, struct virtio_mmio **out);
} kinds[] = {
	{ nr_blk, virtio_blk_new },
	{ nr_net, virtio_net_new },
	{ nr_rng, virtio_rng_new },
	{ nr_console, virtio_console_new },
	{ nr_fs, virtio_fs_new },
};

#define NR_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static int check(const struct vm *vm)
{
	int vcon = nr_console(vm);
	/* The entropy device, and the console if asked, take a slot each. */
	int room = VIRTIO_MMIO_MAX - 1 - vcon;

	if (!vm->irqchip && (vm->nr_disks || vm->nr_nets || vcon || nr_fs(vm))) {
		log_err("--disk, --net, --share and --virtio-console give this guest virtio devices, which need the in-kernel irqchip or a split one (drop --irqchip off)");
		return -1;
	}
	if (vm->nr_disks + vm->nr_nets + nr_fs(vm) > room) {
		log_err("too many devices: %d --disk, %d --net and %d shares, at most %d in all for this guest%s",
			vm->nr_disks, vm->nr_nets, nr_fs(vm), room,
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
	for (size_t k = 0; k < NR_KINDS; k++) {
		for (int i = 0; i < kinds[k].count(vm); i++) {
			if (kinds[k].create(vm, i, &set->dev[set->nr]) < 0)
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
