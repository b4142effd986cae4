/* The host's disks and networks, shared by the virtio and PV front-ends. */
#include <stdlib.h>

#include "../vm.h"
#include "block.h"
#include "host_io.h"
#include "net.h"

int host_io_open(struct vm *vm, struct host_io **out)
{
	const struct vm_config *cfg = vm->cfg;
	struct host_io *io = calloc(1, sizeof(*io));

	if (!io)
		return -1;
	for (; io->nr_disks < cfg->nr_disks; io->nr_disks++)
		if (block_open(cfg->disks[io->nr_disks],
			       &io->disks[io->nr_disks]) < 0)
			goto fail;
	for (; io->nr_nets < cfg->nr_nets; io->nr_nets++)
		if (net_open(vm, io->nr_nets, cfg->nets[io->nr_nets],
			     &io->nets[io->nr_nets]) < 0)
			goto fail;
	*out = io;
	return 0;
fail:
	host_io_close(io);
	return -1;
}

void host_io_close(struct host_io *io)
{
	if (!io)
		return;
	for (int i = 0; i < io->nr_disks; i++)
		block_close(io->disks[i]);
	for (int i = 0; i < io->nr_nets; i++)
		net_close(io->nets[i]);
	free(io);
}

int host_nr_disks(const struct host_io *io)
{
	return io ? io->nr_disks : 0;
}

int host_nr_nets(const struct host_io *io)
{
	return io ? io->nr_nets : 0;
}

struct block_dev *host_disk(const struct host_io *io, uint64_t i)
{
	return i < (uint64_t)host_nr_disks(io) ? io->disks[i] : NULL;
}

struct net_dev *host_net(const struct host_io *io, uint64_t i)
{
	return i < (uint64_t)host_nr_nets(io) ? io->nets[i] : NULL;
}
