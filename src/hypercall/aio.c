/*
 * block_ring, block_kick: asynchronous block I/O through a ring in guest
 * memory (include/hvrun/abi.h, BLOCK RINGS).
 *
 * block_kick, on the vCPU, copies each new request out of the ring, checks
 * it (blkring.c) and queues it here; the backend loop serves the queue one
 * piece at a time (on_serve: the loop's other events, the timeout and a
 * stop get their turn at least every SERVE_NS), writes each completion
 * into the ring and signals the backend's I/O wake-up, where a vCPU in
 * poll(HVRUN_POLL_BLOCK) sleeps.
 *
 * The guest owns the ring's memory and may change it at any moment: hvrun
 * keeps its own sq_head, cq_tail and request copies (here, in the PV
 * state), reads the guest's two indices once per use, and goes through
 * mem_ptr for the ring and every piece's buffer each time it touches them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>

#include "../backend/backend.h"
#include "../backend/block.h"
#include "../backend/host_io.h"
#include "../vm.h"
#include "../wake.h"
#include "blkring.h"
#include "hypercall.h"
#include "internal.h"

/* A taken request, hvrun's copy. */
struct aio_req {
	uint64_t tag;
	uint64_t offset;		/* bytes into the disk */
	uint64_t gpa;
	uint32_t len, done;
	uint16_t op;
};

/* One block device's ring. lock guards everything below it. */
struct aio_ring {
	struct vm *vm;
	int dev;
	struct event *serve_ev;		/* on the backend loop: on_serve */
	pthread_mutex_t lock;
	uint64_t gpa;
	uint32_t entries;		/* 0: no ring attached */
	uint32_t sq_head, cq_tail;	/* hvrun's; written to the ring */
	uint32_t q_head, q_count;	/* the requests in flight, in order */
	uint32_t want;			/* a kick waits for this many */
	struct aio_req q[HVRUN_BLK_RING_MAX];
};

struct pv_aio {
	struct aio_ring ring[HVRUN_BLOCK_MAX];
};

/* The ring's memory, checked again at each use; NULL if it is gone. */
static uint8_t *ring_mem(struct aio_ring *r)
{
	return mem_ptr(&r->vm->mem, r->gpa, HVRUN_BLK_RING_SIZE(r->entries));
}

static uint32_t load_idx(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_idx(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/*
 * Write one completion (lock held): the slot, then cq_tail. true when a
 * waiter may care: the guest had taken every earlier completion (poll
 * sleeps only then), a kick waits for this many, or nothing is left in
 * flight. A guest that has not taken the earlier ones sees this one in
 * its next poll without a wake-up; its cq_head store came before that
 * poll's exit, and we read it after our cq_tail moved, under the lock
 * that pv_aio_ready takes.
 */
static bool post(struct aio_ring *r, uint64_t tag, int64_t result)
{
	struct hvrun_blk_cpl c = { .tag = tag, .result = result };
	struct hvrun_blk_ring *h = (struct hvrun_blk_ring *)ring_mem(r);
	uint32_t slot = r->cq_tail++ & (r->entries - 1), waiting;

	if (!h)		/* guest RAM does not move; never trust that */
		return true;
	memcpy((uint8_t *)h + HVRUN_BLK_RING_CQ(r->entries) + slot * sizeof(c),
	       &c, sizeof(c));
	store_idx(&h->cq_tail, r->cq_tail);
	waiting = r->cq_tail - load_idx(&h->cq_head);
	return waiting == 1 || waiting > r->entries ||
	       (r->want && waiting >= r->want) || r->q_count <= 1;
}

static int64_t serve_piece(struct aio_ring *r, const struct aio_req *q,
			   uint32_t n)
{
	struct block_dev *d = host_disk(r->vm->io, r->dev);
	void *buf;

	if (q->op == HVRUN_BLK_OP_FLUSH)
		return block_flush(d);
	buf = mem_ptr(&r->vm->mem, q->gpa + q->done, n);
	if (!buf)
		return -EFAULT;
	return block_io(d, q->op == HVRUN_BLK_OP_WRITE, q->offset + q->done,
			buf, n);
}

/*
 * One piece of the oldest request (on the loop): false when the queue is
 * empty after it. Its completion may wake poll or a waiting kick.
 */
static bool serve_one(struct aio_ring *r)
{
	struct aio_req q;
	uint32_t n;
	int64_t ret;
	bool more, wake = false;

	pthread_mutex_lock(&r->lock);
	if (!r->q_count) {
		pthread_mutex_unlock(&r->lock);
		return false;
	}
	q = r->q[r->q_head];
	pthread_mutex_unlock(&r->lock);

	n = q.len - q.done < PV_BLOCK_PIECE ? q.len - q.done : PV_BLOCK_PIECE;
	ret = serve_piece(r, &q, n);

	pthread_mutex_lock(&r->lock);
	if (ret < 0 || q.done + n == q.len) {
		wake = post(r, q.tag,
			    ret < 0 ? ret : q.op == HVRUN_BLK_OP_FLUSH ? 0 : q.len);
		r->q_head = (r->q_head + 1) & (r->entries - 1);
		r->q_count--;
	} else {
		r->q[r->q_head].done += n;
	}
	more = r->q_count > 0;
	pthread_mutex_unlock(&r->lock);
	if (wake)
		wake_signal(backend_io_wake(r->vm->backend));	/* poll, kick */
	return more;
}

/*
 * On the backend loop: pieces for up to SERVE_NS, then back to the loop
 * (re-armed with a zero timeout, which comes after the loop's next look at
 * its timers, signals and file descriptors; event_active would run it
 * again before anything else). A stop ends the requests in flight
 * between two pieces.
 */
#define SERVE_NS	500000

static void on_serve(evutil_socket_t fd, short what, void *arg)
{
	struct aio_ring *r = arg;
	uint64_t until = wake_now_ns() + SERVE_NS;
	bool more;

	do {
		if (atomic_load(&r->vm->stopping))
			return;
		more = serve_one(r);
	} while (more && wake_now_ns() < until);
	if (more)
		event_add(r->serve_ev, &(struct timeval){ 0, 0 });
}

static struct aio_ring *ring_of(struct hc_call *c, uint64_t dev)
{
	if (dev >= (uint64_t)host_nr_disks(c->vm->io) || dev >= HVRUN_BLOCK_MAX ||
	    !c->vm->pv || !c->vm->pv->aio)
		return NULL;
	return &c->vm->pv->aio->ring[dev];
}

static int64_t detach(struct aio_ring *r)
{
	if (!r->entries)
		return 0;
	if (r->q_count)
		return -EBUSY;
	r->entries = 0;
	r->gpa = 0;
	return 0;
}

static int64_t attach(struct aio_ring *r, uint64_t gpa, uint64_t entries)
{
	struct hvrun_blk_ring *h;

	if (blkring_check_setup(gpa, entries) < 0)
		return -EINVAL;
	if (r->entries)
		return -EBUSY;
	h = mem_ptr(&r->vm->mem, gpa, HVRUN_BLK_RING_SIZE(entries));
	if (!h)
		return -EFAULT;
	if (!r->serve_ev) {
		r->serve_ev = evtimer_new(backend_base(r->vm->backend),
					  on_serve, r);
		if (!r->serve_ev)
			return -ENOMEM;
	}
	r->gpa = gpa;
	r->entries = (uint32_t)entries;
	r->sq_head = r->cq_tail = r->q_head = r->q_count = 0;
	store_idx(&h->sq_tail, 0);
	store_idx(&h->sq_head, 0);
	store_idx(&h->cq_tail, 0);
	store_idx(&h->cq_head, 0);
	return 0;
}

/* (dev, gpa, entries) → 0. */
int64_t hc_block_ring(struct hc_call *c)
{
	struct aio_ring *r = ring_of(c, c->arg[0]);
	int64_t ret;

	if (!r)
		return -ENODEV;
	pthread_mutex_lock(&r->lock);
	ret = c->arg[2] ? attach(r, c->arg[1], c->arg[2]) : detach(r);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

/* Take request slot sq_head (lock held): queue it, or complete it with
 * its error. true when it was queued. */
static bool take_one(struct aio_ring *r, const uint8_t *p)
{
	struct blkring_target t = {
		.disk_size = block_size(host_disk(r->vm->io, r->dev)),
		.read_only = block_read_only(host_disk(r->vm->io, r->dev)),
		.ring_gpa = r->gpa,
		.ring_size = HVRUN_BLK_RING_SIZE(r->entries),
	};
	struct hvrun_blk_req req;
	struct aio_req *q;
	uint64_t offset;
	int err;

	/* One copy: what the guest changes later is not seen. */
	memcpy(&req, p + HVRUN_BLK_RING_SQ +
	       (r->sq_head++ & (r->entries - 1)) * sizeof(req), sizeof(req));
	err = blkring_check_req(&req, &t, &offset);
	if (!err && req.op != HVRUN_BLK_OP_FLUSH &&
	    !mem_ptr(&r->vm->mem, req.gpa, req.len))
		err = -EFAULT;
	if (err) {
		(void)post(r, req.tag, err);	/* the kick wakes below */
		return false;
	}
	q = &r->q[(r->q_head + r->q_count++) & (r->entries - 1)];
	*q = (struct aio_req){ .tag = req.tag, .offset = offset,
			       .gpa = req.gpa, .len = req.len, .op = req.op };
	return true;
}

/*
 * After a kick: sleep on the backend's I/O wake-up, as poll does, until
 * want completions wait, nothing is in flight, the deadline or the stop.
 */
static void wait_completions(struct aio_ring *r, uint32_t want,
			     uint64_t deadline)
{
	struct wake *w = backend_io_wake(r->vm->backend);
	struct hvrun_blk_ring *h;
	uint64_t gen;
	bool enough;

	for (;;) {
		gen = wake_gen(w);
		pthread_mutex_lock(&r->lock);
		h = r->entries ? (struct hvrun_blk_ring *)ring_mem(r) : NULL;
		enough = !h || !r->q_count ||
			 r->cq_tail - load_idx(&h->cq_head) >= want;
		r->want = enough ? 0 : want;
		pthread_mutex_unlock(&r->lock);
		if (enough || atomic_load(&r->vm->stopping))
			return;
		if (deadline != UINT64_MAX && wake_now_ns() >= deadline)
			return;
		wake_wait(w, gen, deadline);
	}
}

/* (dev, min_complete, deadline_ns) → requests taken. */
int64_t hc_block_kick(struct hc_call *c)
{
	struct aio_ring *r = ring_of(c, c->arg[0]);
	uint64_t want = c->arg[1];
	struct blkring_idx x;
	struct hvrun_blk_ring *h;
	int64_t n, queued = 0, failed = 0;

	if (!r)
		return -ENODEV;
	pthread_mutex_lock(&r->lock);
	h = r->entries ? (struct hvrun_blk_ring *)ring_mem(r) : NULL;
	if (!h) {
		pthread_mutex_unlock(&r->lock);
		return -ENODEV;
	}
	x = (struct blkring_idx){
		.entries = r->entries, .sq_head = r->sq_head,
		.cq_tail = r->cq_tail, .inflight = r->q_count,
		.sq_tail = load_idx(&h->sq_tail), .cq_head = load_idx(&h->cq_head),
	};
	n = blkring_takeable(&x);
	for (int64_t i = 0; i < n; i++) {
		if (take_one(r, (const uint8_t *)h))
			queued++;
		else
			failed++;
	}
	if (n > 0)
		store_idx(&h->sq_head, r->sq_head);
	if (want > r->entries)
		want = r->entries;
	pthread_mutex_unlock(&r->lock);
	if (queued)
		event_active(r->serve_ev, EV_READ, 0);
	if (failed)
		wake_signal(backend_io_wake(c->vm->backend));
	if (n >= 0 && want)
		wait_completions(r, (uint32_t)want, c->arg[2]);
	return n;
}

uint64_t pv_aio_ready(struct vm *vm, uint64_t mask)
{
	uint64_t ready = 0;

	for (int i = 0; vm->pv && vm->pv->aio && i < host_nr_disks(vm->io) &&
			i < HVRUN_BLOCK_MAX; i++) {
		struct aio_ring *r = &vm->pv->aio->ring[i];
		struct hvrun_blk_ring *h;

		if (!(mask & HVRUN_POLL_BLOCK(i)))
			continue;
		pthread_mutex_lock(&r->lock);
		h = r->entries ? (struct hvrun_blk_ring *)ring_mem(r) : NULL;
		if (h && load_idx(&h->cq_head) != r->cq_tail)
			ready |= HVRUN_POLL_BLOCK(i);
		pthread_mutex_unlock(&r->lock);
	}
	return ready;
}

int pv_aio_attached(struct vm *vm)
{
	int n = 0;

	for (int i = 0; vm->pv && vm->pv->aio && i < HVRUN_BLOCK_MAX; i++) {
		struct aio_ring *r = &vm->pv->aio->ring[i];

		pthread_mutex_lock(&r->lock);
		n += r->entries != 0;
		pthread_mutex_unlock(&r->lock);
	}
	return n;
}

int pv_aio_new(struct pv_state *pc)
{
	pc->aio = calloc(1, sizeof(*pc->aio));
	if (!pc->aio)
		return -1;
	for (int i = 0; i < HVRUN_BLOCK_MAX; i++) {
		pc->aio->ring[i].vm = pc->vm;
		pc->aio->ring[i].dev = i;
		pthread_mutex_init(&pc->aio->ring[i].lock, NULL);
	}
	return 0;
}

void pv_aio_free(struct pv_state *pc)
{
	if (!pc->aio)
		return;
	for (int i = 0; i < HVRUN_BLOCK_MAX; i++) {
		if (pc->aio->ring[i].serve_ev)
			event_free(pc->aio->ring[i].serve_ev);
		pthread_mutex_destroy(&pc->aio->ring[i].lock);
	}
	free(pc->aio);
	pc->aio = NULL;
}
