/*
 * virtio-console (virtio 1.x, section 5.3) for --virtio-console: one port,
 * no multiport control queue, receive queue 0 (host to guest) and
 * transmit queue 1 (guest to host). Linux makes it /dev/hvc0. Output goes
 * to the host console beside COM1's, at the pace its reader takes it: a
 * chain the console has no room for stays in the ring until it has.
 * Host input comes here instead of to COM1, at the pace the guest posts
 * receive buffers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>

#include "../backend/console.h"
#include "../log.h"
#include "../vm.h"
#include "virtio_mmio.h"

#define QUEUE_MAX	64
#define RXQ		0
#define TXQ		1

struct vcon {
	struct virtio_mmio *vd;
	struct virtio_console_config cfg;	/* cols, rows: with F_SIZE */
	bool input_wanted;	/* input waits for receive buffers */
	struct virtq_chain chain;
	/* The transmit chain the console took only part of: taken again
	 * (same head and length) from tx_done on. */
	struct virtq_chain tx;
	uint16_t tx_head;
	uint64_t tx_len, tx_done;
};

/* Give the console what it takes of chain c from byte off: bytes taken. */
static uint64_t write_chain(struct console *con, const struct virtq_chain *c,
			    uint64_t off)
{
	uint64_t done = 0;

	for (int i = 0; i < c->nr_out; i++) {
		const struct virtq_seg *seg = &c->out[i];
		size_t n;

		if (off >= seg->len) {
			off -= seg->len;
			continue;
		}
		n = console_write(con, (const uint8_t *)seg->ptr + off,
				  seg->len - off);
		done += n;
		if (n < seg->len - off)
			break;
		off = 0;
	}
	return done;
}

/* Hand chain v->tx to the console, resuming where a partly taken one
 * stopped: true when all of it is taken. */
static bool send_chain(struct vcon *v, struct console *con)
{
	bool resumed = v->tx.head == v->tx_head && v->tx.out_len == v->tx_len;
	uint64_t off = resumed ? v->tx_done : 0;

	off += write_chain(con, &v->tx, off);
	v->tx_head = v->tx.head;
	v->tx_len = v->tx.out_len;
	v->tx_done = off < v->tx.out_len ? off : 0;
	return off == v->tx.out_len;
}

/*
 * Copy output chains to the host console while it has room. A chain it
 * takes only part of goes back to the ring, to be resumed when the
 * console says it has room (vcon_room). True when any chain completed.
 */
static bool transmit(struct vcon *v)
{
	struct virtio_mmio *vd = v->vd;
	struct virtq *q = &vd->vq[TXQ];
	struct console *con = vd->vm->console;
	char err[VIRTQ_ERRLEN];
	bool done = false;
	int r;

	while (console_has_room(con, 1) &&
	       (r = virtq_pop(&vd->vm->mem, q, &v->tx, err)) != 0) {
		if (r == -EIO) {
			virtio_mmio_broken(vd, err);
			break;
		}
		if (r < 0)
			virtio_mmio_warn(vd, "queue %d: %s", TXQ, err);
		else if (v->tx.nr_in)
			virtio_mmio_warn(vd, "tx: request %u has writable buffers",
					 v->tx.head);
		else if (!send_chain(v, con)) {
			virtq_unpop(q);
			break;
		}
		if (virtq_push(&vd->vm->mem, q, v->tx.head, 0) < 0) {
			virtio_mmio_broken(vd, "used ring outside guest RAM");
			break;
		}
		done = true;
	}
	return done;
}

/* Fill receive buffers from buf while both last: bytes taken. Lock held. */
static size_t receive(struct vcon *v, const uint8_t *buf, size_t len)
{
	struct virtio_mmio *vd = v->vd;
	struct virtq *q = &vd->vq[RXQ];
	char err[VIRTQ_ERRLEN];
	bool done = false;
	size_t taken = 0;
	uint64_t n;
	int r;

	while (taken < len &&
	       (r = virtq_pop(&vd->vm->mem, q, &v->chain, err)) != 0) {
		if (r == -EIO) {
			virtio_mmio_broken(vd, err);
			break;
		}
		n = 0;
		if (r < 0 || v->chain.nr_out)
			virtio_mmio_warn(vd, "rx: %s", r < 0 ? err : "readable buffer");
		else
			n = virtq_write(&v->chain, 0, buf + taken, len - taken);
		if (virtq_push(&vd->vm->mem, q, v->chain.head, (uint32_t)n) < 0) {
			virtio_mmio_broken(vd, "rx used ring outside guest RAM");
			break;
		}
		taken += n;
		done = true;
	}
	if (done)
		virtio_mmio_used(vd, q);
	return taken;
}

/* Host input (backend thread): what the guest has buffers for. */
static size_t vcon_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct vcon *v = opaque;
	struct virtio_mmio *vd = v->vd;
	size_t taken = 0;

	pthread_mutex_lock(&vd->lock);
	if (virtio_mmio_serving(vd))
		taken = receive(v, buf, len);
	if (taken < len)
		v->input_wanted = true;
	pthread_mutex_unlock(&vd->lock);
	return taken;
}

static void vcon_notify(void *dev)
{
	struct vcon *v = dev;

	if (transmit(v))
		virtio_mmio_used(v->vd, &v->vd->vq[TXQ]);
	/* Perhaps new receive buffers: the console offers its input again. */
	if (v->input_wanted) {
		v->input_wanted = false;
		console_input_ready(v->vd->vm->console);
	}
}

/* The console has room again: go on transmitting (backend thread). */
static void vcon_room(void *opaque)
{
	virtio_mmio_process(((struct vcon *)opaque)->vd);
}

_Static_assert(sizeof(struct virtio_console_config) <= VIRTIO_CONFIG_MAX,
	       "virtio-console config space");

static size_t vcon_config(void *dev, void *buf)
{
	struct vcon *v = dev;

	memcpy(buf, &v->cfg, sizeof(v->cfg));
	return sizeof(v->cfg);
}

static void vcon_free(void *dev)
{
	free(dev);
}

static const struct virtio_dev_ops vcon_ops = {
	.name = "console",
	.device_id = VIRTIO_ID_CONSOLE,
	.nr_queues = 2,
	.queue_max = QUEUE_MAX,
	.config = vcon_config,
	.notify = vcon_notify,
	.free = vcon_free,
	/* Snapshots: a chain the console took only part of is still in the
	 * ring (unpopped); a restored run's fresh vcon sends it whole to its
	 * own console. */
};

/* The host terminal's size, when hvrun's console is one: F_SIZE. */
static uint64_t terminal_size(const struct vm *vm, struct virtio_console_config *cfg)
{
	struct winsize ws;

	if (!vm->cfg || vm->cfg->console != CONSOLE_STDIO ||
	    !isatty(STDIN_FILENO) || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 ||
	    !ws.ws_col || !ws.ws_row)
		return 0;
	cfg->cols = ws.ws_col;
	cfg->rows = ws.ws_row;
	return 1ULL << VIRTIO_CONSOLE_F_SIZE;
}

static int vcon_new(struct vm *vm, int i, struct virtio_mmio **out)
{
	struct vcon *v = calloc(1, sizeof(*v));
	uint64_t features;

	(void)i;	/* one console */
	if (!v) {
		log_err("virtio-console: out of memory");
		return -1;
	}
	features = terminal_size(vm, &v->cfg);
	if (virtio_mmio_new(vm, &vcon_ops, v, features, &v->vd) < 0) {
		free(v);
		return -1;
	}
	/* Host input comes here from now on, not to COM1. */
	console_set_input(vm->console, vcon_input, v);
	*out = v->vd;
	return console_on_room(vm->console, vcon_room, v);
}

static const struct config_option vcon_option = {
	.name = "virtio-console",
	.help = "      --virtio-console   non-PV guests: a virtio console (Linux hvc0) that\n"
		"                         takes the host input from COM1\n",
	.pv_hint = "a PV guest has the console hypercalls",
};
CONFIG_OPTION_REGISTER(vcon_option)

/* --virtio-console: after COM1, whose host input it takes. */
static int vcon_count(const struct vm *vm)
{
	return config_dev_count(vm->cfg, "virtio-console") > 0;
}

static const struct virtio_kind virtio_console = {
	.name = "console", .slot = 40, .count = vcon_count, .create = vcon_new,
};
VIRTIO_DEVICE_REGISTER(virtio_console)
