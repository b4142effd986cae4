/*
 * hvrun paravirtual ABI, version 2: the whole contract between hvrun and a
 * PV guest. Shared, unchanged, by hvrun (src/hypercall/) and the guest SDK
 * (guests/sdk/). Freestanding: no libc types beyond <stdint.h>.
 *
 * IMAGE. An ELF64 x86-64 executable (ET_EXEC) carrying a note of name
 * "hvrun" and type HVRUN_NOTE_ABI whose 4-byte descriptor is the ABI
 * version it was built for. It loads at its own physical addresses, from
 * 1 MiB up; everything below 1 MiB belongs to hvrun (page tables,
 * GDT/TSS/IDT, exception stubs, the hypercall page, the FDT).
 *
 * ENTRY. 64-bit long mode, paging on with an identity map of guest RAM
 * built by hvrun (user-accessible, writable, executable), CPL 3, IOPL 3,
 * interrupts off. RDI = guest physical address of a flattened device tree
 * describing the guest (node and property names below); RSP = the top of
 * the low RAM region, 16-byte aligned. Guest RAM is identity mapped, so a
 * guest virtual address is its guest physical address ("gpa" below).
 *
 * CALLING CONVENTION (as KVM's and Xen's hypercalls): call number in RAX;
 * arguments in RDI, RSI, RDX, R10, R8, R9; result in RAX, a negative Linux
 * errno value on failure. No other register is changed.
 *
 * HYPERCALL PAGE. Guests never hard-code the trapping instruction: they
 * `call` entry n of the hypercall page, at page + n * HVRUN_HC_STRIDE.
 * Each entry loads n into EAX, traps to hvrun and returns. The trap is
 * `vmcall`/`vmmcall` where the host KVM forwards those to user space, and
 * otherwise a 4-byte store of EAX to the doorbell HVRUN_HC_DOORBELL, a
 * guest-physical address with no memory behind it, so that KVM reports an
 * MMIO exit. (A port doorbell would need IOPL 3, which not every KVM
 * honours at CPL 3: pagetable-based KVM runs guest user code on the host's
 * IOPL 0.) The FDT says where the page is and which trap it uses.
 *
 * POINTERS. Every (gpa, len) pair must lie entirely within one guest RAM
 * region or one shared-memory region; otherwise the call returns
 * -HVRUN_EFAULT and touches nothing. len 0 is allowed and does nothing
 * (except in chan_send and chan_recv, where it is an empty message).
 *
 * VERSIONS. Version 2 adds channels, shared memory and block rings
 * (calls 14-18, the chan and shm nodes). An image whose note says version
 * 1 runs as before: abi_version returns 1, calls from 14 on are -ENOSYS,
 * and --chan / --shm are refused for it at start-up.
 *
 * CHANNELS (--chan PATH, the Nth is channel N). A reliable, ordered
 * message channel to the one other hvrun that names the same PATH: no
 * message is lost, reordered, split or merged. Messages of 0 to
 * HVRUN_CHAN_MSG_MAX bytes. A channel is "up" while a peer is connected:
 * the second hvrun to start connects to the first at once; when the peer
 * ends, the messages it sent can still be received, then the channel is
 * "down". The first hvrun (the one that created PATH) accepts a new peer
 * after the old one left; the second never reconnects. chan_call is a
 * round trip in one exit: a client's call, or a server's reply that
 * waits for the next request.
 *
 * SHARED MEMORY (--shm PATH,size=SIZE, the Nth is region N). The file's
 * bytes, mapped writable at the gpa the FDT gives (HVRUN_SHM_BASE up,
 * 2 MiB aligned, outside RAM) and in the identity map. Every hvrun naming
 * PATH sees the same bytes; ordering between VMs is the guest's business
 * (x86 stores are seen in order; use a channel message to say "done").
 */
#ifndef HVRUN_ABI_H
#define HVRUN_ABI_H

#include <stdint.h>

#define HVRUN_ABI_VERSION	2
#define HVRUN_ABI_VERSION_MIN	1	/* oldest image version still run */

/* ELF note identifying a PV image: name "hvrun", this type, 4-byte
 * descriptor holding HVRUN_ABI_VERSION. */
#define HVRUN_NOTE_NAME		"hvrun"
#define HVRUN_NOTE_ABI		1

/* The MMIO doorbell (in the PC hole below 4 GiB) and the page layout. */
#define HVRUN_HC_DOORBELL	0xfeb00000ULL
#define HVRUN_HC_STRIDE		32
#define HVRUN_HC_MAX		128	/* entries in the 4 KiB page */

/* Block devices use 512-byte sectors. */
#define HVRUN_SECTOR_SIZE	512

/* Call numbers. Arguments in order; result. */
enum hvrun_hypercall {
	/* () → HVRUN_ABI_VERSION. */
	HVRUN_HC_ABI_VERSION	= 0,
	/* (status) → does not return. 0..123 becomes hvrun's exit status;
	 * larger values become 123. */
	HVRUN_HC_EXIT		= 1,
	/* (gpa, len) → len. Writes guest bytes to the console. hvrun holds
	 * a bounded amount of output: while the host's reader is slower than
	 * the guest, the call waits (the vCPU, nothing else) until all of it
	 * is taken. It returns fewer than len only when the run is ending
	 * (--timeout, a signal), which the guest does not get to see. */
	HVRUN_HC_CONSOLE_WRITE	= 2,
	/* (gpa, len) → bytes read, 0 when no input is waiting. Never blocks;
	 * use poll(HVRUN_POLL_CONSOLE) to wait. */
	HVRUN_HC_CONSOLE_READ	= 3,
	/* (clock) → nanoseconds. clock 0: monotonic, 1: realtime (since the
	 * Unix epoch). -EINVAL for other clocks. */
	HVRUN_HC_CLOCK		= 4,
	/* (deadline_ns, mask) → ready mask. Blocks the vCPU until one of the
	 * sources in mask is ready or the monotonic clock reaches
	 * deadline_ns (0: do not block, UINT64_MAX: no deadline). Returns the
	 * subset of mask that is ready (0 on deadline). */
	HVRUN_HC_POLL		= 5,
	/* (gpa, len) → len. Fills guest memory with random bytes. */
	HVRUN_HC_RANDOM		= 6,
	/* (dev, sector, gpa, len) → len. len must be a multiple of
	 * HVRUN_SECTOR_SIZE; a request past the end of the disk is -EINVAL,
	 * an unknown dev -ENODEV. Any len that fits in guest RAM is one
	 * call; hvrun moves it in pieces, and a run that ends (--timeout, a
	 * signal) ends the request between two of them. */
	HVRUN_HC_BLOCK_READ	= 7,
	/* (dev, sector, gpa, len) → len. -EROFS on a read-only disk. */
	HVRUN_HC_BLOCK_WRITE	= 8,
	/* (dev) → 0 once every completed write is durable (fdatasync). */
	HVRUN_HC_BLOCK_FLUSH	= 9,
	/* (dev, gpa, len) → len. Sends one packet (an Ethernet frame of at
	 * most HVRUN_NET_MTU_FRAME bytes, -EMSGSIZE beyond). */
	HVRUN_HC_NET_SEND	= 10,
	/* (dev, gpa, len) → packet length, or -EAGAIN when none is waiting.
	 * A packet longer than len is truncated to len. */
	HVRUN_HC_NET_RECV	= 11,
	/* (id, rip, rsp, arg) → 0. Starts vCPU id (1..cpus-1) at rip in the
	 * entry state above with RSP = rsp and RDI = arg. -EINVAL for an
	 * unknown id, -EBUSY if it already runs. */
	HVRUN_HC_VCPU_START	= 12,
	/* (vector, error, rip, cr2) → does not return. Issued by hvrun's own
	 * exception stubs: the guest took an exception it cannot handle;
	 * hvrun reports it and exits with status 126. */
	HVRUN_HC_FAULT		= 13,
	/* (chan, gpa, len) → len. Queues one message of len bytes (0 is a
	 * message too) for the peer. -EMSGSIZE beyond HVRUN_CHAN_MSG_MAX;
	 * -EAGAIN when the channel cannot take it now (wait with
	 * poll(HVRUN_POLL_CHAN_SEND(chan))); -ENOTCONN when no peer is
	 * connected (not yet, or not any more); -ENODEV for an unknown
	 * chan. Version 2. */
	HVRUN_HC_CHAN_SEND	= 14,
	/* (chan, gpa, len) → the length of the next message, copied to gpa.
	 * -EAGAIN when none waits and the peer is connected; -ENOTCONN when
	 * none waits and no peer is (poll(HVRUN_POLL_CHAN_UP) to wait for
	 * one); -EMSGSIZE when the next message is longer than len: it stays
	 * queued (len 0 takes only an empty message). -ENODEV for an
	 * unknown chan. Version 2. */
	HVRUN_HC_CHAN_RECV	= 15,
	/* (dev, gpa, entries) → 0. Attaches a block ring (BLOCK RINGS
	 * below) of entries slots (a power of two, 1..HVRUN_BLK_RING_MAX)
	 * at gpa (HVRUN_BLK_RING_ALIGN-aligned, HVRUN_BLK_RING_SIZE(entries)
	 * bytes of guest memory) to block dev, and sets its four indices to
	 * 0. entries 0 detaches it. -EINVAL for a bad gpa or entries,
	 * -EFAULT when the ring is not in guest memory, -EBUSY when dev
	 * already has a ring or (detaching) requests are in flight, -ENODEV
	 * for an unknown dev. Version 2. */
	HVRUN_HC_BLOCK_RING	= 16,
	/* (dev, min_complete, deadline_ns) → the number of requests taken.
	 * Takes the requests the guest queued in dev's ring, as many as
	 * have room for their completion; hvrun serves them while the guest
	 * runs. With min_complete 0 it returns at once; otherwise the vCPU
	 * then waits (submit and wait in one exit) until min_complete
	 * completions wait in the ring, no request is in flight, or the
	 * monotonic clock reaches deadline_ns (UINT64_MAX: no deadline).
	 * -EINVAL (nothing taken) when the ring's indices are inconsistent,
	 * -ENODEV when dev has no ring. Version 2. */
	HVRUN_HC_BLOCK_KICK	= 17,
	/* (chan, out_gpa, out_len, in_gpa, in_len, deadline_ns) → the
	 * length of the message received. A round trip in one exit, as a
	 * microkernel's call and reply-and-wait: sends [out_gpa, out_len)
	 * as chan_send, then waits until a message is there, the peer
	 * leaves, or the monotonic clock reaches deadline_ns (UINT64_MAX:
	 * never), and receives it into [in_gpa, in_len) as chan_recv. Both
	 * buffers are checked before anything is sent. A send that fails
	 * returns its error and receives nothing; after the send: -ETIMEDOUT
	 * at the deadline, -ENOTCONN when the peer left and nothing waits,
	 * -EMSGSIZE (the message stays queued). Version 2. */
	HVRUN_HC_CHAN_CALL	= 18,
	/* () → 1 in every run restored from the snapshot this call took
	 * (like fork: see docs/SNAPSHOT.md). With --snapshot, hvrun stops
	 * every vCPU, writes the snapshot and ends the run with status 0, so
	 * the snapshotting run does not resume; -EPERM when hvrun was started
	 * without --snapshot (the guest just continues). Version 2. */
	HVRUN_HC_SNAPSHOT	= 19,
	HVRUN_HC_COUNT
};

/* poll() sources. */
#define HVRUN_POLL_CONSOLE	(1ULL << 0)	/* console input waiting */
#define HVRUN_POLL_NET(dev)	(1ULL << (8 + (dev)))	/* packet on net dev */
#define HVRUN_NET_MAX		8
#define HVRUN_BLOCK_MAX		8
/*
 * Channel sources (version 2), level-triggered like the others:
 * CHAN(n)      a message waits on channel n (chan_recv will not -EAGAIN)
 * CHAN_SEND(n) the peer is connected and a message of HVRUN_CHAN_MSG_MAX
 *              bytes fits now
 * CHAN_UP(n)   a peer is connected (its arrival)
 * CHAN_DOWN(n) no peer is connected (its departure, or not yet there)
 */
#define HVRUN_POLL_CHAN(n)	(1ULL << (16 + (n)))
#define HVRUN_POLL_CHAN_SEND(n)	(1ULL << (24 + (n)))
#define HVRUN_POLL_CHAN_UP(n)	(1ULL << (32 + (n)))
#define HVRUN_POLL_CHAN_DOWN(n)	(1ULL << (40 + (n)))
#define HVRUN_CHAN_MAX		8
/* BLOCK(dev) (version 2): a completion waits in block dev's ring. */
#define HVRUN_POLL_BLOCK(dev)	(1ULL << (48 + (dev)))
#define HVRUN_CHAN_MSG_MAX	65536	/* bytes in one message */
#define HVRUN_SHM_MAX		8
/* Shared regions lie in [HVRUN_SHM_BASE, HVRUN_SHM_END): in the PC hole
 * below 4 GiB, beneath every device window and the doorbell, never RAM. */
#define HVRUN_SHM_BASE		0xc0000000ULL
#define HVRUN_SHM_END		0xd0000000ULL
#define HVRUN_SHM_ALIGN		0x200000ULL

/*
 * BLOCK RINGS (version 2): asynchronous block I/O. The guest keeps many
 * requests in flight with one exit per batch and computes while hvrun
 * serves them. A ring lives in guest memory, attached to one block device
 * with block_ring:
 *
 *   gpa + 0                    struct hvrun_blk_ring (the indices)
 *   gpa + HVRUN_BLK_RING_SQ    struct hvrun_blk_req sq[entries]
 *   gpa + HVRUN_BLK_RING_CQ(entries)  struct hvrun_blk_cpl cq[entries]
 *
 * Indices are free-running 32-bit counters; slot i is i % entries. The
 * guest writes sq_tail and cq_head, hvrun writes sq_head and cq_tail
 * (each side only reads the other's). To submit: fill sq[sq_tail %
 * entries], then advance sq_tail (a store after the slot's stores), up to
 * entries ahead of sq_head; then block_kick (which may also wait for
 * completions, saving the poll's exit). hvrun copies each request it
 * takes out of the ring at once (the slot is free again when sq_head has
 * passed it), checks it as block_read/block_write check their arguments,
 * and serves the requests in order, each in pieces as the synchronous
 * calls do. It takes a request only when its completion will have room
 * (completions waiting + requests in flight < entries): kick again after
 * consuming completions to have the rest taken. Each request ends with
 * one completion at cq[cq_tail % entries] (written before cq_tail moves)
 * and poll(HVRUN_POLL_BLOCK(dev)) is ready while cq_head != cq_tail.
 *
 * A request that fails its checks is still taken and completes at once
 * (ahead of earlier requests still in flight: match completions by tag)
 * with its error: -EINVAL (unknown op, flags not 0, len not whole sectors, past
 * the end of the disk, a buffer overlapping the ring, a flush with
 * sector/gpa/len not 0), -EFAULT (buffer not in guest memory), -EROFS.
 * Indices that make no sense (sq_tail more than entries ahead of sq_head,
 * or behind it; cq_head more than entries behind cq_tail, or ahead of it)
 * make block_kick fail with -EINVAL and take nothing; the ring keeps
 * working once they are right. hvrun never trusts what the ring holds
 * beyond one read: it re-reads the indices and re-checks the ring's
 * memory at every use.
 *
 * A flush completes once every write completed before it is durable.
 * When the run ends (exit, --timeout, a signal) requests in flight end
 * between two pieces: no piece is half-written, but a request may be.
 */
struct hvrun_blk_ring {
	uint32_t sq_tail;	/* guest: next slot it will fill */
	uint32_t sq_head;	/* hvrun: next slot it will take */
	uint32_t cq_tail;	/* hvrun: next completion it will write */
	uint32_t cq_head;	/* guest: next completion it will consume */
	uint32_t reserved[12];	/* to 64 bytes; hvrun leaves them alone */
};

struct hvrun_blk_req {
	uint64_t tag;		/* anything: copied into the completion */
	uint64_t sector;	/* first sector (HVRUN_SECTOR_SIZE bytes) */
	uint64_t gpa;		/* buffer */
	uint32_t len;		/* bytes, whole sectors; 0 does nothing */
	uint16_t op;		/* HVRUN_BLK_OP_* */
	uint16_t flags;		/* 0 */
};

struct hvrun_blk_cpl {
	uint64_t tag;		/* the request's */
	int64_t result;		/* len, 0 for a flush, or -errno */
};

#define HVRUN_BLK_OP_READ	0
#define HVRUN_BLK_OP_WRITE	1
#define HVRUN_BLK_OP_FLUSH	2

#define HVRUN_BLK_RING_MAX	1024	/* entries */
#define HVRUN_BLK_RING_ALIGN	64	/* bytes, the ring's gpa */
#define HVRUN_BLK_RING_SQ	64	/* offset of sq[] */
#define HVRUN_BLK_RING_CQ(entries) \
	(HVRUN_BLK_RING_SQ + (uint64_t)(entries) * sizeof(struct hvrun_blk_req))
#define HVRUN_BLK_RING_SIZE(entries) \
	(HVRUN_BLK_RING_CQ(entries) + \
	 (uint64_t)(entries) * sizeof(struct hvrun_blk_cpl))

#define HVRUN_CLOCK_MONOTONIC	0
#define HVRUN_CLOCK_REALTIME	1

#define HVRUN_NET_MTU_FRAME	65536

/* Error values (negated in RAX); the Linux x86-64 numbers. */
#define HVRUN_EPERM	1
#define HVRUN_EIO	5
#define HVRUN_EAGAIN	11
#define HVRUN_EFAULT	14
#define HVRUN_EBUSY	16
#define HVRUN_ENODEV	19
#define HVRUN_EINVAL	22
#define HVRUN_ENOSPC	28
#define HVRUN_EROFS	30
#define HVRUN_ENOSYS	38
#define HVRUN_EMSGSIZE	90
#define HVRUN_ENOTCONN	107
#define HVRUN_ETIMEDOUT	110

/*
 * The flattened device tree passed in RDI (#address-cells = #size-cells = 2):
 *
 * /chosen/bootargs               string: the words after "--" on hvrun's
 *                                command line, joined by spaces
 * /memory@0/reg                  <base size> pairs of guest RAM
 * /hvrun/abi-version             u32: HVRUN_ABI_VERSION
 * /hvrun/hypercall-page          u64: gpa of the hypercall page
 * /hvrun/hypercall-method        string: "mmio" or "vmcall"
 * /hvrun/cpus                    u32: number of vCPUs
 * /hvrun/block@N/size            u64: bytes (device N, 0-based)
 * /hvrun/block@N/read-only       empty property, present when read-only
 * /hvrun/net@N/mac               6 bytes
 * /hvrun/chan@N                  empty node: channel N exists (v2)
 * /hvrun/shm@N/reg               <gpa size>: shared region N (v2)
 */
#define HVRUN_FDT_HVRUN		"/hvrun"
#define HVRUN_FDT_ABI_VERSION	"abi-version"
#define HVRUN_FDT_HC_PAGE	"hypercall-page"
#define HVRUN_FDT_HC_METHOD	"hypercall-method"
#define HVRUN_FDT_CPUS		"cpus"
#define HVRUN_FDT_BLOCK		"block"		/* node name prefix: block@N */
#define HVRUN_FDT_NET		"net"		/* net@N */
#define HVRUN_FDT_SIZE		"size"
#define HVRUN_FDT_READ_ONLY	"read-only"
#define HVRUN_FDT_MAC		"mac"
#define HVRUN_FDT_CHAN		"chan"		/* chan@N */
#define HVRUN_FDT_SHM		"shm"		/* shm@N */
#define HVRUN_FDT_REG		"reg"

#endif
