/*
 * The host's disks and networks, one per --disk and --net in order: vm.c
 * opens them during set-up (host_io_open) and closes them at teardown;
 * the virtio and the PV front-ends both read them through host_disk and
 * host_net. Fixed once vCPUs start: read without a lock.
 */
#ifndef HVRUN_BACKEND_HOST_IO_H
#define HVRUN_BACKEND_HOST_IO_H

#include <stdint.h>

#include "../board.h"

struct vm;
struct block_dev;
struct net_dev;

struct host_io {
	struct block_dev *disks[BOARD_MAX_DISKS];
	int nr_disks;
	struct net_dev *nets[BOARD_MAX_NETS];
	int nr_nets;
};

/* Open every --disk and --net of vm->cfg. Logs one line and returns -1
 * (having closed what it opened) on failure; 0 and *out on success. */
int host_io_open(struct vm *vm, struct host_io **out);
/* Close and free io (NULL: nothing), after the front-ends are gone. */
void host_io_close(struct host_io *io);

/* How many there are (io may be NULL: none). */
int host_nr_disks(const struct host_io *io);
int host_nr_nets(const struct host_io *io);
/* Disk or network i, or NULL when there is no such one: i may come from
 * the guest. */
struct block_dev *host_disk(const struct host_io *io, uint64_t i);
struct net_dev *host_net(const struct host_io *io, uint64_t i);

#endif
