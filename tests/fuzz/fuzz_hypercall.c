/*
 * libFuzzer harness: the PV hypercall dispatcher with hostile registers
 * against a real guest-memory map. The VM is built by hand as in
 * tests/unit/test_hypercall.c: 16 MiB of guest RAM, two vCPU slots, the
 * PV console ring (no host console), and a real backend loop on its own
 * thread serving two disk images in a temp directory (0 read-write 64 KiB,
 * 1 read-only 8 KiB) and a socket=PATH cable whose two ends are net
 * devices 0 and 1, so block and net calls go through backend_call; and
 * likewise a --chan PATH whose two ends are channels 0 and 1. Frames and
 * messages a call leaves behind carry over to later inputs.
 *
 * Disk 0 has a block ring of RING_ENTRIES slots at RING_GPA (attached
 * afresh per input when nothing is in flight), which inputs fill and
 * rewrite as a hostile guest would while the loop thread serves what was
 * kicked.
 *
 * Each input is a sequence of up to 8 calls. Per call: one byte picks the
 * number (0..20 mostly, 0xe0..0xef a ring rewrite, any 64-bit value
 * sometimes), then one mode byte per argument picks how the argument is
 * drawn (raw 64 bits, a small number, an address in RAM, an address at a
 * region edge, a sector-sized length). poll, chan_call and block_kick
 * always get deadline 0 (they would block otherwise); exit and fault reach the
 * recording stubs below, and the VM is un-stopped per input.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/block.h"
#include "backend/host_io.h"
#include "backend/net.h"
#include "hypercall/hypercall.h"
#include "hypercall/ipc.h"
#include "vcpu/vcpu.h"
#include "vm.h"
#include "wake.h"
#include "stubs.h"

#define RAM		(16ULL << 20)
#define DISK0_SIZE	(64 * 1024)
#define DISK1_SIZE	(8 * 1024)
#define MAX_CALLS	8
#define SHM_SIZE	(64 * 1024)
#define RING_GPA	0x100000
#define RING_ENTRIES	8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- Stubs: vm.c and the vCPU code need KVM, which is not linked. ---- */

static void wake_pollers(struct vm *vm)
{
	wake_signal(backend_io_wake(vm->backend));
}

/* ---- The VM, set up on the first input and kept. ---- */

static struct vm vm;
static struct host_io hio;	/* vm.io: the disks and nets opened here */
static struct vm_config cfg;
static struct vcpu vcpus[2];
static pthread_t loop_thread;
static char dir[80], chan_path[128];
static uint8_t shm[SHM_SIZE];

static void *loop_main(void *arg)
{
	backend_run(arg);
	return NULL;
}

static void make_disk(const char *path, size_t size)
{
	static uint8_t buf[DISK0_SIZE];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	for (size_t i = 0; i < size; i++)
		buf[i] = (uint8_t)(i * 7 + i / 512);
	if (fd < 0 || write(fd, buf, size) != (ssize_t)size)
		abort();
	close(fd);
}

static void setup(void)
{
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	char disk0[128], disk1[128], sock[128], spec[160];

	cfg.console = CONSOLE_STDIO;
	vm.cfg = &cfg;
	vm.io = &hio;
	stub_on_stop = wake_pollers;
	vm.nr_vcpus = 2;
	vm.vcpus = vcpus;
	for (int i = 0; i < 2; i++) {
		vcpus[i].vm = &vm;
		vcpus[i].id = i;
	}
	atomic_init(&vm.stopping, false);
	atomic_init(&vm.status, -1);
	if (mem_init(&vm.mem, RAM) < 0)
		abort();

	snprintf(dir, sizeof(dir), "%s/hvrun-fuzz-XXXXXX", tmp);
	if (!mkdtemp(dir))
		abort();
	snprintf(disk0, sizeof(disk0), "%s/disk0", dir);
	snprintf(disk1, sizeof(disk1), "%s/disk1", dir);
	snprintf(sock, sizeof(sock), "%s/cable", dir);
	make_disk(disk0, DISK0_SIZE);
	make_disk(disk1, DISK1_SIZE);

	vm.backend = backend_new(&vm);
	if (!vm.backend || pv_init(&vm, NULL, &(struct boot_state){ 0 }) < 0)
		abort();
	snprintf(spec, sizeof(spec), "%s,ro", disk1);
	if (block_open(disk0, &hio.disks[0]) < 0 ||
	    block_open(spec, &hio.disks[1]) < 0)
		abort();
	hio.nr_disks = 2;
	snprintf(spec, sizeof(spec), "socket=%s", sock);
	if (net_open(&vm, 0, spec, &hio.nets[0]) < 0 ||		/* binds */
	    net_open(&vm, 1, spec, &hio.nets[1]) < 0)		/* connects */
		abort();
	hio.nr_nets = 2;
	snprintf(chan_path, sizeof(chan_path), "%s/chan", dir);
	cfg.chans[0] = cfg.chans[1] = chan_path;	/* binds, connects */
	cfg.nr_chans = 2;
	if (pv_ipc_new(&vm, HVRUN_ABI_VERSION) < 0 || pv_ipc_open_chans(&vm) < 0)
		abort();
	/* Images and sockets stay open; the names can go now. */
	unlink(disk0);
	unlink(disk1);
	unlink(sock);
	unlink(chan_path);
	rmdir(dir);
	/* A shared region (--shm) right where hvrun puts the first one. */
	if (mem_add_shared(&vm.mem, HVRUN_SHM_BASE, SHM_SIZE, shm) < 0)
		abort();
	if (pthread_create(&loop_thread, NULL, loop_main, vm.backend))
		abort();
}

/* ---- Input decoding. ---- */

struct input {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct input *in, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n && in->left; i++, in->left--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

static uint64_t arg(struct input *in)
{
	uint8_t mode = (uint8_t)take(in, 1);

	switch (mode % 6) {
	case 0:
		return take(in, 8);
	case 1:
		return take(in, 1);
	case 2:			/* an address in RAM, or in the shared region */
		if (mode & 0x80)
			return HVRUN_SHM_BASE + take(in, 3) % (SHM_SIZE + 64);
		return take(in, 4) % RAM;
	case 3:			/* near an edge: 0, the end of RAM, 2^64 */
		switch ((mode >> 3) % 3) {
		case 0:
			return take(in, 2);
		case 1:
			return RAM - (take(in, 2) & 0x1fff) + (mode >> 5);
		default:
			return UINT64_MAX - take(in, 2);
		}
	case 4:			/* a length in whole sectors */
		return (take(in, 1) % 160) * HVRUN_SECTOR_SIZE;
	default:		/* a small length, or a negative-looking one */
		return (mode & 0x80) ? -(uint64_t)take(in, 1) : take(in, 2);
	}
}

static int64_t call3(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct hc_call c = { .vm = &vm, .nr = nr, .arg = { a0, a1, a2 } };

	return hc_dispatch(&c);
}

/*
 * Selector 0xe0..0xef: the guest queues a request with drawn fields in
 * disk 0's ring as a guest would (the slot at sq_tail, then sq_tail + 1;
 * bit 0: any flags), then, as a hostile one, moves sq_tail by up to two
 * past a full ring (bit 1) and cq_head anywhere near cq_tail (bit 2), and
 * kicks unless bit 3 is set (the tag byte's top half: wait for that many
 * completions, deadline 0).
 */
static void ring_rewrite(struct input *in, uint8_t sel)
{
	uint8_t *ring = mem_ptr(&vm.mem, RING_GPA, HVRUN_BLK_RING_SIZE(RING_ENTRIES));
	struct hvrun_blk_ring *h = (struct hvrun_blk_ring *)ring;
	struct hvrun_blk_req r = { 0 };
	uint8_t tag = (uint8_t)take(in, 1);

	r.tag = tag;
	r.op = (uint16_t)(tag % 4);
	r.flags = sel & 1 ? (uint16_t)take(in, 2) : 0;
	r.sector = arg(in);
	r.gpa = arg(in);
	r.len = (uint32_t)arg(in);
	memcpy(ring + HVRUN_BLK_RING_SQ + (h->sq_tail % RING_ENTRIES) * sizeof(r),
	       &r, sizeof(r));
	h->sq_tail++;
	if (sel & 2)
		h->sq_tail += (uint32_t)(take(in, 1) % (RING_ENTRIES + 3));
	if (sel & 4)
		h->cq_head = h->cq_tail - (uint32_t)(take(in, 1) % (RING_ENTRIES + 3)) + 1;
	if (!(sel & 8))
		(void)call3(HVRUN_HC_BLOCK_KICK, 0, tag >> 4, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	if (!vm.backend)
		setup();
	atomic_store(&vm.stopping, false);
	/* An odd-sized input plays a version 1 image. */
	vm.ipc->abi = size & 1 ? HVRUN_ABI_VERSION_MIN : HVRUN_ABI_VERSION;
	for (int i = 0; i < 2; i++)
		atomic_store(&vcpus[i].claimed, i == 0);

	/* A fresh ring per input (its indices zeroed), unless requests of
	 * an earlier one are still in flight (-EBUSY: then that one). */
	(void)call3(HVRUN_HC_BLOCK_RING, 0, 0, 0);
	(void)call3(HVRUN_HC_BLOCK_RING, 0, RING_GPA, RING_ENTRIES);
	for (int n = 0; n < MAX_CALLS && in.left; n++) {
		uint8_t sel = (uint8_t)take(&in, 1);
		struct hc_call c = { .vm = &vm };

		if (sel >= 0xe0 && sel < 0xf0) {
			ring_rewrite(&in, sel);
			continue;
		}
		if (sel < 0xf0)
			c.nr = sel % 21;
		else
			c.nr = take(&in, 8);
		for (int a = 0; a < 6; a++)
			c.arg[a] = arg(&in);
		/* A deadline would block the vCPU: poll only looks. */
		if (c.nr == HVRUN_HC_POLL)
			c.arg[0] = 0;
		if (c.nr == HVRUN_HC_CHAN_CALL)
			c.arg[5] = 0;
		if (c.nr == HVRUN_HC_BLOCK_KICK)
			c.arg[2] = 0;
		/* fault needs a calling vCPU; both ways are tried. */
		if (sel & 0x80)
			c.vcpu = &vcpus[0];
		(void)hc_dispatch(&c);
	}
	return 0;
}
