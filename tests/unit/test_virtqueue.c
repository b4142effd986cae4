/* virtio: split-ring parsing, the virtio-blk request handler, the
 * virtio-mmio transport and its devices (virtio-console on stub console
 * functions), without KVM. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_net.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "backend/backend.h"
#include "backend/block.h"
#include "backend/host_io.h"
#include "backend/console.h"
#include "backend/net.h"
#include "virtio/blk.h"
#include "virtio/virtio_mmio.h"
#include "virtio/virtqueue.h"
#include "vm.h"
#include "stubs.h"

#define RAM	(1ULL << 20)
#define QSIZE	8
#define DESC	0x1000ULL
#define AVAIL	0x2000ULL
#define USED	0x3000ULL
#define BUF	0x10000ULL
#define DISK	(64 * 1024)

/* ---- Stubs: vm.c (KVM) is not linked. ------------------------------------ */


/* The console backend: what the virtio console wrote, and its input. */
static pthread_mutex_t con_lock = PTHREAD_MUTEX_INITIALIZER;
static char con_out[256];
static size_t con_len;
static console_input_fn con_input;
static void *con_opaque;
static atomic_int con_ready;

static size_t con_room = sizeof(con_out);	/* what it takes before it is full */
static console_room_fn con_room_fn;
static void *con_room_opaque;

size_t console_write(struct console *cons, const void *buf, size_t len)
{
	(void)cons;
	pthread_mutex_lock(&con_lock);
	if (len > con_room - con_len)
		len = con_room - con_len;
	memcpy(con_out + con_len, buf, len);
	con_len += len;
	pthread_mutex_unlock(&con_lock);
	return len;
}

bool console_has_room(struct console *cons, size_t need)
{
	bool room;

	(void)cons;
	pthread_mutex_lock(&con_lock);
	room = con_room - con_len >= need;
	pthread_mutex_unlock(&con_lock);
	return room;
}

int console_on_room(struct console *cons, console_room_fn fn, void *opaque)
{
	(void)cons;
	con_room_fn = fn;
	con_room_opaque = opaque;
	return 0;
}

void console_set_input(struct console *cons, console_input_fn fn, void *opaque)
{
	(void)cons;
	con_input = fn;
	con_opaque = opaque;
}

void console_input_ready(struct console *cons)
{
	(void)cons;
	atomic_fetch_add(&con_ready, 1);
}

/* ---- Rings in guest memory. ---------------------------------------------- */

static struct mem m;
static struct virtq q;
static struct virtq_chain c;
static char err[VIRTQ_ERRLEN];

static void ring_setup(void)
{
	ck_assert_int_eq(mem_init(&m, RAM), 0);
	virtq_reset(&q);
	q.size = QSIZE;
	q.desc = DESC;
	q.avail = AVAIL;
	q.used = USED;
	q.ready = true;
}

static void ring_teardown(void)
{
	mem_free(&m);
}

/* Queue n's rings sit QOFF(n) above queue 0's. */
#define QOFF(n)	((uint64_t)(n) * 0x4000)

static void set_desc_on(struct mem *mm, unsigned qn, uint16_t i, uint64_t addr,
			uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc d = { addr, len, flags, next };

	ck_assert_int_eq(mem_write(mm, DESC + QOFF(qn) + 16ULL * i, &d, sizeof(d)), 0);
}

static void set_desc(struct mem *mm, uint16_t i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	set_desc_on(mm, 0, i, addr, len, flags, next);
}

/* Make head available: the driver's side of section 2.6.13. */
static void offer_on(struct mem *mm, unsigned qn, uint16_t head)
{
	uint16_t *avail = mem_ptr(mm, AVAIL + QOFF(qn), 6 + 2 * QSIZE);

	avail[2 + avail[1] % QSIZE] = head;
	__atomic_store_n(&avail[1], avail[1] + 1, __ATOMIC_RELEASE);
}

static void offer(struct mem *mm, uint16_t head)
{
	offer_on(mm, 0, head);
}

static uint16_t used_idx(struct mem *mm, unsigned qn)
{
	return __atomic_load_n((uint16_t *)mem_ptr(mm, USED + QOFF(qn) + 2, 2),
			       __ATOMIC_ACQUIRE);
}

START_TEST(good_chain_parses_to_segments)
{
	set_desc(&m, 0, BUF, 16, VRING_DESC_F_NEXT, 5);
	set_desc(&m, 5, BUF + 0x1000, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	set_desc(&m, 2, BUF + 0x2000, 1, VRING_DESC_F_WRITE, 0);
	offer(&m, 0);
	ck_assert_int_eq(virtq_pop(&m, &q, &c, err), 1);
	ck_assert_uint_eq(c.head, 0);
	ck_assert_int_eq(c.nr_out, 1);
	ck_assert_int_eq(c.nr_in, 2);
	ck_assert_ptr_eq(c.out[0].ptr, mem_ptr(&m, BUF, 16));
	ck_assert_uint_eq(c.out[0].len, 16);
	ck_assert_ptr_eq(c.in[0].ptr, mem_ptr(&m, BUF + 0x1000, 512));
	ck_assert_ptr_eq(c.in[1].ptr, mem_ptr(&m, BUF + 0x2000, 1));
	ck_assert_uint_eq(c.out_len, 16);
	ck_assert_uint_eq(c.in_len, 513);
	/* Taken once: the ring is empty now. */
	ck_assert_int_eq(virtq_pop(&m, &q, &c, err), 0);
}
END_TEST

START_TEST(empty_ring_gives_nothing)
{
	ck_assert_int_eq(virtq_pop(&m, &q, &c, err), 0);
	q.ready = false;
	offer(&m, 0);
	ck_assert_int_eq(virtq_pop(&m, &q, &c, err), 0);
}
END_TEST

static void assert_bad_chain(void)
{
	offer(&m, 0);
	ck_assert_int_eq(virtq_pop(&m, &q, &c, err), -EINVAL);
	ck_assert_uint_eq(c.head, 0);
	ck_assert(!q.broken);
	ck_assert(err[0]);
}

START_TEST(next_index_out_of_range)
{
	set_desc(&m, 0, BUF, 16, VRING_DESC_F_NEXT, QSIZE);
	assert_bad_chain();
}
END_TEST

START_TEST(loop_is_refused)
{
	set_desc(&m, 0, BUF, 16, VRING_DESC_F_NEXT, 1);
	set_desc(&m, 1, BUF, 16, VRING_DESC_F_NEXT, 0);
	assert_bad_chain();
}
END_TEST

START_TEST(chain_longer_than_queue)
{
	/* Eight distinct descriptors, then back to the start: nine links. */
	for (uint16_t i = 0; i < QSIZE; i++)
		set_desc(&m, i, BUF, 1, VRING_DESC_F_NEXT, (i + 1) % QSIZE);
	assert_bad_chain();
	/* Exactly queue-size long is fine. */
	set_desc(&m, QSIZE - 1, BUF, 1, 0, 0);
	offer(&m, 0);
	ck_assert_int_eq(virtq_pop(&m, &q, &c, err), 1);
	ck_assert_int_eq(c.nr_out, QSIZE);
}
END_TEST

START_TEST(length_past_ram)
{
	set_desc(&m, 0, RAM - 8, 16, 0, 0);
	assert_bad_chain();
}
END_TEST

START_TEST(address_wraps_at_2_64)
{
	set_desc(&m, 0, UINT64_MAX - 4, 16, 0, 0);
	assert_bad_chain();
}
END_TEST

START_TEST(readable_after_writable)
{
	set_desc(&m, 0, BUF, 16, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	set_desc(&m, 1, BUF, 16, 0, 0);
	assert_bad_chain();
	ck_assert_int_eq(c.nr_in, 1);	/* kept: blk_fail finds a status byte */
}
END_TEST

START_TEST(indirect_is_not_offered)
{
	set_desc(&m, 0, BUF, 16, VRING_DESC_F_INDIRECT, 0);
	assert_bad_chain();
}
END_TEST

START_TEST(total_over_4_gib)
{
	struct mem big;
	struct virtq bq = q;

	/* Segments must be in RAM: three of 2 GiB - 1 in a 2 GiB guest. */
	ck_assert_int_eq(mem_init(&big, 2ULL << 30), 0);
	for (uint16_t i = 0; i < 3; i++)
		set_desc(&big, i, 0, 0x7fffffff, i < 2 ? VRING_DESC_F_NEXT : 0,
			 i + 1);
	offer(&big, 0);
	ck_assert_int_eq(virtq_pop(&big, &bq, &c, err), -EINVAL);
	mem_free(&big);
}
END_TEST

START_TEST(head_out_of_range_breaks_the_ring)
{
	offer(&m, QSIZE);
	ck_assert_int_eq(virtq_pop(&m, &q, &c, err), -EIO);
	ck_assert(q.broken);
	/* Broken stays broken: nothing more is read. */
	offer(&m, 0);
	ck_assert_int_eq(virtq_pop(&m, &q, &c, err), 0);
}
END_TEST

START_TEST(avail_index_running_ahead)
{
	uint16_t *avail = mem_ptr(&m, AVAIL, 4);

	avail[1] = QSIZE + 1;
	ck_assert_int_eq(virtq_pop(&m, &q, &c, err), -EIO);
	ck_assert(q.broken);
}
END_TEST

START_TEST(queue_checks)
{
	struct virtq t = q;

	ck_assert_int_eq(virtq_check(&m, &t, QSIZE, err), 0);
	t.size = 0;
	ck_assert_int_eq(virtq_check(&m, &t, QSIZE, err), -1);
	t.size = 3;
	ck_assert_int_eq(virtq_check(&m, &t, QSIZE, err), -1);
	t.size = 2 * QSIZE;
	ck_assert_int_eq(virtq_check(&m, &t, QSIZE, err), -1);
	t = q;
	t.used = RAM - 8;
	ck_assert_int_eq(virtq_check(&m, &t, QSIZE, err), -1);
	t = q;
	t.desc = UINT64_MAX - 15;
	ck_assert_int_eq(virtq_check(&m, &t, QSIZE, err), -1);
	t = q;
	t.desc = DESC + 8;
	ck_assert_int_eq(virtq_check(&m, &t, QSIZE, err), -1);
	/* A ring the driver set up wrong is never walked. */
	t = q;
	t.size = 3;
	offer(&m, 0);
	ck_assert_int_eq(virtq_pop(&m, &t, &c, err), -EIO);
}
END_TEST

START_TEST(push_writes_used_entry_and_index)
{
	uint8_t *used = mem_ptr(&m, USED, 6 + 8 * QSIZE);
	uint32_t elem[2];
	uint16_t idx;

	for (int i = 0; i < QSIZE + 1; i++)
		ck_assert_int_eq(virtq_push(&m, &q, (uint16_t)i, 100u + (uint32_t)i), 0);
	memcpy(&idx, used + 2, 2);
	ck_assert_uint_eq(idx, QSIZE + 1);
	/* The ninth entry wrapped to slot 0. */
	memcpy(elem, used + 4, 8);
	ck_assert_uint_eq(elem[0], QSIZE);
	ck_assert_uint_eq(elem[1], 100 + QSIZE);
	memcpy(elem, used + 4 + 8, 8);
	ck_assert_uint_eq(elem[0], 1);
	ck_assert_uint_eq(elem[1], 101);
}
END_TEST

START_TEST(no_interrupt_flag_is_honoured)
{
	uint16_t *avail = mem_ptr(&m, AVAIL, 4);

	ck_assert(virtq_want_irq(&m, &q));
	avail[0] = VRING_AVAIL_F_NO_INTERRUPT;
	ck_assert(!virtq_want_irq(&m, &q));
}
END_TEST

/* ---- virtio-blk requests on a temporary file. ---------------------------- */

static char path[64];
static uint8_t image[DISK];
static struct block_dev *disk;

static void disk_setup(void)
{
	int fd;

	strcpy(path, "/tmp/hvrun-vblk-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i * 7 + i / 512);
	ck_assert_int_eq(write(fd, image, sizeof(image)), (ssize_t)sizeof(image));
	close(fd);
	ck_assert_int_eq(block_open(path, &disk), 0);
}

static void disk_teardown(void)
{
	block_close(disk);
	unlink(path);
}

static void read_back(uint8_t *buf)
{
	int fd = open(path, O_RDONLY);

	ck_assert_int_eq(pread(fd, buf, DISK, 0), DISK);
	close(fd);
}

static struct virtio_blk_outhdr hdr;
static uint8_t data[4096], status_byte, id[VIRTIO_BLK_ID_BYTES];

/* header [+ out data] | [in data] + status, as Linux lays them out. */
static void request(uint32_t type, uint64_t sector, uint32_t out_data,
		    uint32_t in_data)
{
	memset(&c, 0, sizeof(c));
	hdr = (struct virtio_blk_outhdr){ .type = type, .sector = sector };
	c.out[c.nr_out++] = (struct virtq_seg){ (uint8_t *)&hdr, sizeof(hdr) };
	c.out_len = sizeof(hdr);
	if (out_data) {
		c.out[c.nr_out++] = (struct virtq_seg){ data, out_data };
		c.out_len += out_data;
	}
	if (in_data) {
		c.in[c.nr_in++] = (struct virtq_seg){ data, in_data };
		c.in_len += in_data;
	}
	c.in[c.nr_in++] = (struct virtq_seg){ &status_byte, 1 };
	c.in_len += 1;
	status_byte = 0xee;
}

START_TEST(blk_read_returns_file_bytes)
{
	uint32_t used;

	request(VIRTIO_BLK_T_IN, 2, 0, 1024);
	ck_assert_uint_eq(blk_request(disk, &c, "hvrun-disk0", &used), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(status_byte, VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(used, 1025);
	ck_assert_mem_eq(data, image + 1024, 1024);
}
END_TEST

START_TEST(blk_write_lands_in_file)
{
	uint8_t now[DISK];
	uint32_t used;

	memset(data, 0x5a, 512);
	request(VIRTIO_BLK_T_OUT, 3, 512, 0);
	ck_assert_uint_eq(blk_request(disk, &c, "x", &used), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(status_byte, VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(used, 1);
	memset(image + 3 * 512, 0x5a, 512);
	read_back(now);
	ck_assert_mem_eq(now, image, DISK);
}
END_TEST

START_TEST(blk_read_only_refuses_writes)
{
	struct block_dev *ro;
	char spec[80];
	uint8_t now[DISK];
	uint32_t used;

	snprintf(spec, sizeof(spec), "%s,ro", path);
	/* The read-write disk's lock forbids a reader beside it. */
	ck_assert_int_eq(block_open(spec, &ro), -1);
	block_close(disk);
	disk = NULL;
	ck_assert_int_eq(block_open(spec, &ro), 0);
	memset(data, 0x5a, 512);
	request(VIRTIO_BLK_T_OUT, 0, 512, 0);
	ck_assert_uint_eq(blk_request(ro, &c, "x", &used), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(status_byte, VIRTIO_BLK_S_IOERR);
	request(VIRTIO_BLK_T_DISCARD, 0, 16, 0);
	ck_assert_uint_ne(blk_request(ro, &c, "x", &used), VIRTIO_BLK_S_OK);
	block_close(ro);
	read_back(now);
	ck_assert_mem_eq(now, image, DISK);
}
END_TEST

START_TEST(blk_range_past_the_end)
{
	uint32_t used;

	/* Last sector: fine. One more: refused, also when it would wrap. */
	request(VIRTIO_BLK_T_IN, DISK / 512 - 1, 0, 512);
	ck_assert_uint_eq(blk_request(disk, &c, "x", &used), VIRTIO_BLK_S_OK);
	request(VIRTIO_BLK_T_IN, DISK / 512 - 1, 0, 1024);
	ck_assert_uint_eq(blk_request(disk, &c, "x", &used), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(status_byte, VIRTIO_BLK_S_IOERR);
	request(VIRTIO_BLK_T_OUT, DISK / 512, 512, 0);
	ck_assert_uint_eq(blk_request(disk, &c, "x", &used), VIRTIO_BLK_S_IOERR);
	request(VIRTIO_BLK_T_IN, UINT64_MAX / 256, 0, 512);
	ck_assert_uint_eq(blk_request(disk, &c, "x", &used), VIRTIO_BLK_S_IOERR);
	/* Not whole sectors. */
	request(VIRTIO_BLK_T_IN, 0, 0, 100);
	ck_assert_uint_eq(blk_request(disk, &c, "x", &used), VIRTIO_BLK_S_IOERR);
}
END_TEST

START_TEST(blk_flush_get_id_unknown)
{
	uint32_t used;

	request(VIRTIO_BLK_T_FLUSH, 0, 0, 0);
	ck_assert_uint_eq(blk_request(disk, &c, "x", &used), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(status_byte, VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(used, 1);

	request(VIRTIO_BLK_T_GET_ID, 0, 0, 0);
	c.in[1] = c.in[0];
	c.in[0] = (struct virtq_seg){ id, sizeof(id) };
	c.nr_in = 2;
	c.in_len += sizeof(id);
	memset(id, 0xff, sizeof(id));
	ck_assert_uint_eq(blk_request(disk, &c, "hvrun-disk0", &used), VIRTIO_BLK_S_OK);
	ck_assert_str_eq((char *)id, "hvrun-disk0");
	ck_assert_uint_eq(id[19], 0);
	ck_assert_uint_eq(used, 21);

	request(99, 0, 0, 0);
	ck_assert_uint_eq(blk_request(disk, &c, "x", &used), VIRTIO_BLK_S_UNSUPP);
	ck_assert_uint_eq(status_byte, VIRTIO_BLK_S_UNSUPP);
}
END_TEST

START_TEST(blk_status_is_the_last_writable_byte)
{
	uint8_t buf[513];
	uint32_t used;

	/* Data and status in one segment. */
	memset(&c, 0, sizeof(c));
	hdr = (struct virtio_blk_outhdr){ .type = VIRTIO_BLK_T_IN, .sector = 1 };
	c.out[c.nr_out++] = (struct virtq_seg){ (uint8_t *)&hdr, sizeof(hdr) };
	c.out_len = sizeof(hdr);
	c.in[c.nr_in++] = (struct virtq_seg){ buf, sizeof(buf) };
	c.in_len = sizeof(buf);
	buf[512] = 0xee;
	ck_assert_uint_eq(blk_request(disk, &c, "x", &used), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(buf[512], VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(buf, image + 512, 512);
	/* A header split across segments still reads. */
	request(VIRTIO_BLK_T_IN, 4, 0, 512);
	c.out[0].len = 5;
	c.out[1] = (struct virtq_seg){ (uint8_t *)&hdr + 5, sizeof(hdr) - 5 };
	c.nr_out = 2;
	ck_assert_uint_eq(blk_request(disk, &c, "x", &used), VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(data, image + 4 * 512, 512);
	/* Short header, no writable bytes: IOERR, nothing written. */
	request(VIRTIO_BLK_T_IN, 0, 0, 0);
	c.out[0].len = c.out_len = 8;
	ck_assert_uint_eq(blk_request(disk, &c, "x", &used), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(status_byte, VIRTIO_BLK_S_IOERR);
	c.nr_in = 0;
	c.in_len = 0;
	status_byte = 0xee;
	ck_assert_uint_eq(blk_request(disk, &c, "x", &used), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(used, 0);
	ck_assert_uint_eq(status_byte, 0xee);
}
END_TEST

START_TEST(blk_discard_punches_or_says_unsupported)
{
	struct virtio_blk_discard_write_zeroes r = { .sector = 8, .num_sectors = 8 };
	uint8_t now[DISK];
	uint32_t used;
	uint8_t st;

	request(VIRTIO_BLK_T_DISCARD, 0, sizeof(r), 0);
	memcpy(data, &r, sizeof(r));
	st = blk_request(disk, &c, "x", &used);
	read_back(now);
	if (!block_can_discard(disk)) {
		ck_assert_uint_eq(st, VIRTIO_BLK_S_UNSUPP);
		ck_assert_mem_eq(now, image, DISK);
		return;
	}
	ck_assert_uint_eq(st, VIRTIO_BLK_S_OK);
	memset(image + 8 * 512, 0, 8 * 512);
	ck_assert_mem_eq(now, image, DISK);
	/* Past the end, and the unmap flag (write-zeroes only). */
	r.sector = DISK / 512 - 4;
	memcpy(data, &r, sizeof(r));
	ck_assert_uint_eq(blk_request(disk, &c, "x", &used), VIRTIO_BLK_S_IOERR);
	r = (struct virtio_blk_discard_write_zeroes){ 0, 8, 1 };
	memcpy(data, &r, sizeof(r));
	ck_assert_uint_eq(blk_request(disk, &c, "x", &used), VIRTIO_BLK_S_UNSUPP);
}
END_TEST

START_TEST(blk_fail_sets_ioerr)
{
	uint32_t used;

	request(VIRTIO_BLK_T_IN, 0, 0, 512);
	ck_assert_uint_eq(blk_fail(&c, &used), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(status_byte, VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(used, 1);
}
END_TEST

/* ---- The transport, driven as a driver would, kicks via backend_call. --- */

static struct vm vm;
static struct host_io hio;	/* vm.io: the disks and nets opened here */
static struct vm_config cfg;
static pthread_t loop;
static struct virtio_mmio *vd;
static char sock_path[80];
static int peer = -1;		/* the test's end of the --net cable */

static void *loop_main(void *arg)
{
	backend_run(arg);
	return NULL;
}

/* A VM with no devices yet, and no console: the stubs above stand in. */
static void vm_base_setup(void)
{
	memset(&vm, 0, sizeof(vm));
	memset(&hio, 0, sizeof(hio));
	vm.io = &hio;
	memset(&cfg, 0, sizeof(cfg));
	vm.cfg = &cfg;
	vm.vm_fd = vm.kvm_fd = -1;	/* no ioeventfd, no irqfd: fallbacks */
	vm.irq.mode = IRQCHIP_KERNEL;
	atomic_init(&vm.stopping, false);
	ck_assert_int_eq(mem_init(&vm.mem, RAM), 0);
	bus_init(&vm.mmio, "mmio");
	vm.backend = backend_new(&vm);
	ck_assert_ptr_nonnull(vm.backend);
}

/* The devices cfg and vm ask for, served by a loop thread. */
static void vm_start(void)
{
	ck_assert_int_eq(virtio_init(&vm), 0);
	vd = virtio_device(&vm, 0);
	ck_assert_int_eq(pthread_create(&loop, NULL, loop_main, vm.backend), 0);
	stub_irq_pulses = 0;
}

static void vm_stop_loop(void)
{
	backend_stop(vm.backend);
	pthread_join(loop, NULL);
	virtio_exit(&vm);
}

static void vm_base_free(void)
{
	backend_free(vm.backend);
	bus_free(&vm.mmio);
	mem_free(&vm.mem);
}

static void vm_setup(void)
{
	struct sockaddr_un sa = { 0 };
	char spec[96];

	disk_setup();
	vm_base_setup();
	hio.disks[0] = disk;
	hio.nr_disks = 1;
	snprintf(sock_path, sizeof(sock_path), "%s.sock", path);
	peer = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(peer, 0);
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, sock_path);
	ck_assert_int_eq(bind(peer, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(spec, sizeof(spec), "socket=%s", sock_path);
	ck_assert_int_eq(net_open(&vm, 0, spec, &hio.nets[0]), 0);
	hio.nr_nets = 1;
	vm_start();
}

static void vm_teardown(void)
{
	vm_stop_loop();
	/* Its events are on the backend's loop: closed before the loop. */
	net_close(hio.nets[0]);
	close(peer);
	unlink(sock_path);
	vm_base_free();
	disk_teardown();
}

/* The test's side of the stub, under the stub's lock: the device reads
 * and writes it from the loop or a "vCPU" thread. */
static size_t con_len_now(void)
{
	size_t n;

	pthread_mutex_lock(&con_lock);
	n = con_len;
	pthread_mutex_unlock(&con_lock);
	return n;
}

static void con_set_room(size_t n)
{
	pthread_mutex_lock(&con_lock);
	con_room = n;
	pthread_mutex_unlock(&con_lock);
}

/* --virtio-console alone: the entropy device is 0, the console 1. */
static void vcon_setup(void)
{
	vm_base_setup();
	cfg.console = CONSOLE_NONE;	/* no terminal size, whatever runs us */
	ck_assert_int_eq(config_dev_add(&cfg, "virtio-console", NULL), 0);
	con_len = 0;
	con_room = sizeof(con_out);
	con_input = NULL;
	atomic_store(&con_ready, 0);
	vm_start();
}

static void vcon_teardown(void)
{
	vm_stop_loop();
	vm_base_free();
}

static uint32_t rd(unsigned dev, uint64_t reg)
{
	uint32_t v;

	ck_assert(bus_access(&vm.mmio, VIRTIO_MMIO_BASE + dev * VIRTIO_MMIO_STRIDE + reg,
			     (uint8_t *)&v, 4, false));
	return v;
}

static void wr(unsigned dev, uint64_t reg, uint32_t v)
{
	ck_assert(bus_access(&vm.mmio, VIRTIO_MMIO_BASE + dev * VIRTIO_MMIO_STRIDE + reg,
			     (uint8_t *)&v, 4, true));
}

static void queue_init(unsigned dev, unsigned qn, uint32_t size)
{
	wr(dev, VIRTIO_MMIO_QUEUE_SEL, qn);
	ck_assert_uint_eq(rd(dev, VIRTIO_MMIO_QUEUE_READY), 0);
	wr(dev, VIRTIO_MMIO_QUEUE_NUM, size);
	wr(dev, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(DESC + QOFF(qn)));
	wr(dev, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	wr(dev, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)(AVAIL + QOFF(qn)));
	wr(dev, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	wr(dev, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)(USED + QOFF(qn)));
	wr(dev, VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	wr(dev, VIRTIO_MMIO_QUEUE_READY, 1);
}

/* Section 3.1.1 and 4.2.3, as Linux's virtio_mmio does them. */
static void driver_init_queues(unsigned dev, uint32_t size, unsigned nr_queues)
{
	wr(dev, VIRTIO_MMIO_STATUS, 0);
	wr(dev, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(dev, VIRTIO_MMIO_DRIVER_FEATURES, 1);	/* VERSION_1 */
	wr(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(dev, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	wr(dev, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	   VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	ck_assert(rd(dev, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	for (unsigned qn = 0; qn < nr_queues; qn++)
		queue_init(dev, qn, size);
	wr(dev, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	   VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK |
	   VIRTIO_CONFIG_S_DRIVER_OK);
}

static void driver_init(unsigned dev, uint32_t size)
{
	driver_init_queues(dev, size, 1);
}

START_TEST(transport_identifies_devices)
{
	uint64_t cap = 0;

	ck_assert_int_eq(vm.platform.nr, 3);	/* disk, net, entropy */
	ck_assert_str_eq(vm.platform.dev[0].hid, "LNRO0005");
	ck_assert_uint_eq(vm.platform.dev[1].base, VIRTIO_MMIO_BASE + VIRTIO_MMIO_STRIDE);
	ck_assert_uint_eq(vm.platform.dev[1].gsi, VIRTIO_MMIO_GSI_BASE + 1);
	ck_assert_uint_eq(rd(0, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	ck_assert_uint_eq(rd(0, VIRTIO_MMIO_VERSION), 2);
	ck_assert_uint_eq(rd(0, VIRTIO_MMIO_DEVICE_ID), 2);
	ck_assert_uint_eq(rd(1, VIRTIO_MMIO_DEVICE_ID), 1);
	ck_assert_uint_eq(rd(2, VIRTIO_MMIO_DEVICE_ID), 4);
	wr(0, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	ck_assert_uint_eq(rd(0, VIRTIO_MMIO_DEVICE_FEATURES), 1);	/* VERSION_1 */
	wr(0, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert(rd(0, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_BLK_F_FLUSH));
	ck_assert_uint_eq(rd(0, VIRTIO_MMIO_QUEUE_NUM_MAX), 256);
	wr(0, VIRTIO_MMIO_QUEUE_SEL, 1);
	ck_assert_uint_eq(rd(0, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);	/* one queue */
	ck_assert(bus_access(&vm.mmio, VIRTIO_MMIO_BASE + 0x100, (uint8_t *)&cap, 8, false));
	ck_assert_uint_eq(cap, DISK / 512);
}
END_TEST

/* KVM gets the QueueNotify ioeventfd only once a driver finds the
 * device: a VM that has one is ~10 ms slower to destroy on some hosts. */
START_TEST(transport_assigns_the_kick_on_acknowledge)
{
	struct virtio_mmio *d = virtio_device(&vm, 0);

	ck_assert(!d->kick_assigned);
	wr(0, VIRTIO_MMIO_STATUS, 0);
	ck_assert(!d->kick_assigned);
	wr(0, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	ck_assert(d->kick_assigned);
	ck_assert(!virtio_device(&vm, 1)->kick_assigned);	/* per device */
}
END_TEST

START_TEST(transport_refuses_features_without_version_1)
{
	wr(0, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(0, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(0, VIRTIO_MMIO_DRIVER_FEATURES, 1u << VIRTIO_BLK_F_FLUSH);
	wr(0, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	   VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	ck_assert(!(rd(0, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK));
}
END_TEST

START_TEST(transport_serves_a_read_and_interrupts)
{
	struct virtio_blk_outhdr h = { .type = VIRTIO_BLK_T_IN, .sector = 1 };
	uint8_t *used = mem_ptr(&vm.mem, USED, 6 + 8 * QSIZE);
	uint16_t idx;

	driver_init(0, QSIZE);
	ck_assert_int_eq(mem_write(&vm.mem, BUF, &h, sizeof(h)), 0);
	set_desc(&vm.mem, 0, BUF, sizeof(h), VRING_DESC_F_NEXT, 1);
	set_desc(&vm.mem, 1, BUF + 0x1000, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	set_desc(&vm.mem, 2, BUF + 0x2000, 1, VRING_DESC_F_WRITE, 0);
	offer(&vm.mem, 0);
	wr(0, VIRTIO_MMIO_QUEUE_NOTIFY, 0);	/* backend_call: served on return */
	memcpy(&idx, used + 2, 2);
	ck_assert_uint_eq(idx, 1);
	ck_assert_mem_eq(mem_ptr(&vm.mem, BUF + 0x1000, 512), image + 512, 512);
	ck_assert_uint_eq(*(uint8_t *)mem_ptr(&vm.mem, BUF + 0x2000, 1), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(rd(0, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	ck_assert_int_eq(stub_irq_pulses, 1);
	wr(0, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	ck_assert_uint_eq(rd(0, VIRTIO_MMIO_INTERRUPT_STATUS), 0);

	/* A hostile chain: failed with IOERR, the device carries on. */
	set_desc(&vm.mem, 3, BUF + 0x2000, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, QSIZE);
	offer(&vm.mem, 3);
	wr(0, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	memcpy(&idx, used + 2, 2);
	ck_assert_uint_eq(idx, 2);
	ck_assert_uint_eq(*(uint8_t *)mem_ptr(&vm.mem, BUF + 0x2000, 1), VIRTIO_BLK_S_IOERR);
	ck_assert(!(rd(0, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET));

	/* Reset: everything back to zero. */
	wr(0, VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(rd(0, VIRTIO_MMIO_STATUS), 0);
	ck_assert_uint_eq(rd(0, VIRTIO_MMIO_QUEUE_READY), 0);
}
END_TEST

START_TEST(transport_bad_queue_needs_reset)
{
	driver_init(2, 3);	/* the entropy device: size not a power of two */
	ck_assert_uint_eq(rd(2, VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(rd(2, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* The ring is never walked: a kick does nothing. */
	offer(&vm.mem, 0);
	wr(2, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	/* Reset clears it; a good queue then works. */
	driver_init(2, QSIZE);
	ck_assert(!(rd(2, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET));
	ck_assert_uint_eq(rd(2, VIRTIO_MMIO_QUEUE_READY), 1);
}
END_TEST

START_TEST(rng_fills_writable_buffers)
{
	uint8_t *buf = mem_ptr(&vm.mem, BUF, 64), zero[64] = { 0 };
	uint32_t elem[2];

	driver_init(2, QSIZE);
	set_desc(&vm.mem, 0, BUF, 64, VRING_DESC_F_WRITE, 0);
	offer(&vm.mem, 0);
	wr(2, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	memcpy(elem, mem_ptr(&vm.mem, USED + 4, 8), 8);
	ck_assert_uint_eq(elem[0], 0);
	ck_assert_uint_eq(elem[1], 64);
	ck_assert_mem_ne(buf, zero, 64);
	/* A readable buffer is the wrong direction: nothing written. */
	set_desc(&vm.mem, 1, BUF + 0x1000, 64, 0, 0);
	offer(&vm.mem, 1);
	wr(2, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	memcpy(elem, mem_ptr(&vm.mem, USED + 12, 8), 8);
	ck_assert_uint_eq(elem[0], 1);
	ck_assert_uint_eq(elem[1], 0);
	ck_assert_mem_eq(mem_ptr(&vm.mem, BUF + 0x1000, 64), zero, 64);
}
END_TEST

START_TEST(net_carries_frames_both_ways)
{
	struct virtio_net_hdr_v1 vhdr = { 0 }, got_hdr;
	uint8_t frame[60], got[128], mac[8] = { 0 };
	uint8_t *rx = mem_ptr(&vm.mem, BUF + 0x1000, 1526);
	struct sockaddr_un from;
	socklen_t from_len = sizeof(from);
	uint32_t elem[2];

	ck_assert(bus_access(&vm.mmio, VIRTIO_MMIO_BASE + VIRTIO_MMIO_STRIDE + 0x100,
			     mac, 8, false));
	ck_assert_mem_eq(mac, ((uint8_t[8]){ 2, 0x68, 0x76, 0, 1, 0, 1, 0 }), 8);
	driver_init_queues(1, QSIZE, 2);
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;

	/* Transmit: the header is dropped, the frame reaches the cable. */
	mem_write(&vm.mem, BUF, &vhdr, sizeof(vhdr));
	mem_write(&vm.mem, BUF + sizeof(vhdr), frame, sizeof(frame));
	set_desc_on(&vm.mem, 1, 0, BUF, sizeof(vhdr) + sizeof(frame), 0, 0);
	offer_on(&vm.mem, 1, 0);
	wr(1, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	ck_assert_uint_eq(used_idx(&vm.mem, 1), 1);
	ck_assert_int_eq(recvfrom(peer, got, sizeof(got), MSG_DONTWAIT,
				  (struct sockaddr *)&from, &from_len), sizeof(frame));
	ck_assert_mem_eq(got, frame, sizeof(frame));

	/* Receive with no buffer: the frame waits in the socket. */
	ck_assert_int_eq(sendto(peer, frame, sizeof(frame), 0,
				(struct sockaddr *)&from, from_len), sizeof(frame));
	usleep(50 * 1000);
	ck_assert_uint_eq(used_idx(&vm.mem, 0), 0);
	/* A buffer and a kick: it lands behind a zero header. */
	set_desc_on(&vm.mem, 0, 0, BUF + 0x1000, 1526, VRING_DESC_F_WRITE, 0);
	offer_on(&vm.mem, 0, 0);
	wr(1, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(used_idx(&vm.mem, 0), 1);
	memcpy(elem, mem_ptr(&vm.mem, USED + 4, 8), 8);
	ck_assert_uint_eq(elem[1], sizeof(vhdr) + sizeof(frame));
	memcpy(&got_hdr, rx, sizeof(got_hdr));
	ck_assert_uint_eq(got_hdr.num_buffers, 1);
	ck_assert_uint_eq(got_hdr.flags, 0);
	ck_assert_mem_eq(rx + sizeof(vhdr), frame, sizeof(frame));

	/* Buffer first, then a frame: the loop's read event delivers it. */
	set_desc_on(&vm.mem, 0, 1, BUF + 0x1000, 1526, VRING_DESC_F_WRITE, 0);
	offer_on(&vm.mem, 0, 1);
	frame[0] = 0xaa;
	ck_assert_int_eq(sendto(peer, frame, sizeof(frame), 0,
				(struct sockaddr *)&from, from_len), sizeof(frame));
	for (int i = 0; i < 200 && used_idx(&vm.mem, 0) != 2; i++)
		usleep(10 * 1000);
	ck_assert_uint_eq(used_idx(&vm.mem, 0), 2);
	ck_assert_uint_eq(rx[sizeof(vhdr)], 0xaa);
}
END_TEST

START_TEST(too_many_devices)
{
	struct vm v;
	struct host_io h = { .nr_disks = 0 };

	memset(&v, 0, sizeof(v));
	v.cfg = &cfg;
	v.io = &h;
	v.irq.mode = IRQCHIP_SPLIT;
	h.nr_disks = 8;
	ck_assert_int_eq(virtio_init(&v), -1);
	/* Seven and the entropy device fit; the console is one too many. */
	ck_assert_int_eq(config_dev_add(&cfg, "virtio-console", NULL), 0);
	h.nr_disks = 7;
	ck_assert_int_eq(virtio_init(&v), -1);
	ck_assert_int_eq(virtio_count(&v), 0);
	h.nr_disks = 1;
	v.irq.mode = IRQCHIP_OFF;
	ck_assert_int_eq(virtio_init(&v), -1);	/* needs the irqchip */
	h.nr_disks = 0;
	ck_assert_int_eq(virtio_init(&v), -1);	/* the console does too */
	ck_assert_int_eq(virtio_count(&v), 0);
}
END_TEST

#define VCON 1		/* the console's device index in vcon_setup */

static uint32_t used_len(unsigned qn, uint16_t i)
{
	uint32_t elem[2];

	memcpy(elem, mem_ptr(&vm.mem, USED + QOFF(qn) + 4 + 8ULL * (i % QSIZE), 8), 8);
	return elem[1];
}

START_TEST(vcon_identifies_and_takes_input)
{
	ck_assert_int_eq(vm.platform.nr, 2);
	ck_assert_uint_eq(rd(VCON, VIRTIO_MMIO_DEVICE_ID), 3);
	ck_assert_uint_eq(rd(0, VIRTIO_MMIO_DEVICE_ID), 4);
	/* No terminal: no F_SIZE, and never multiport. */
	wr(VCON, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert_uint_eq(rd(VCON, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	wr(VCON, VIRTIO_MMIO_QUEUE_SEL, 1);
	ck_assert_uint_eq(rd(VCON, VIRTIO_MMIO_QUEUE_NUM_MAX), 64);
	ck_assert_ptr_nonnull(con_input);
	/* Before the driver is ready nothing is taken. */
	ck_assert_uint_eq(con_input(con_opaque, (const uint8_t *)"x", 1), 0);
}
END_TEST

/* "hello world\n" in a chain of two buffers, offered and kicked. */
static void offer_hello_world(void)
{
	driver_init_queues(VCON, QSIZE, 2);
	mem_write(&vm.mem, BUF, "hello ", 6);
	mem_write(&vm.mem, BUF + 0x100, "world\n", 6);
	set_desc_on(&vm.mem, 1, 0, BUF, 6, VRING_DESC_F_NEXT, 1);
	set_desc_on(&vm.mem, 1, 1, BUF + 0x100, 6, 0, 0);
	offer_on(&vm.mem, 1, 0);
	wr(VCON, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
}

START_TEST(vcon_tx_reaches_the_console)
{
	offer_hello_world();
	ck_assert_uint_eq(used_idx(&vm.mem, 1), 1);
	ck_assert_uint_eq(con_len_now(), 12);
	ck_assert_mem_eq(con_out, "hello world\n", 12);
	ck_assert_uint_eq(rd(VCON, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);

	/* Hostile: a link out of range, a writable buffer. Completed, not
	 * written, and the device carries on. */
	set_desc_on(&vm.mem, 1, 2, BUF, 6, VRING_DESC_F_NEXT, QSIZE);
	offer_on(&vm.mem, 1, 2);
	set_desc_on(&vm.mem, 1, 3, BUF, 6, VRING_DESC_F_WRITE, 0);
	offer_on(&vm.mem, 1, 3);
	wr(VCON, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	ck_assert_uint_eq(used_idx(&vm.mem, 1), 3);
	ck_assert_uint_eq(con_len_now(), 12);
	ck_assert(!(rd(VCON, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET));
	offer_on(&vm.mem, 1, 1);
	wr(VCON, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	ck_assert_uint_eq(con_len_now(), 18);
	ck_assert_mem_eq(con_out + 12, "world\n", 6);
}
END_TEST

/* A console with no room: the chain stays in the ring, and resumes where
 * it stopped, without repeating a byte, once the console has room. */
START_TEST(vcon_tx_waits_for_room)
{
	con_set_room(4);
	offer_hello_world();
	ck_assert_uint_eq(used_idx(&vm.mem, 1), 0);
	ck_assert_uint_eq(con_len_now(), 4);
	/* Room for four more: still not complete. */
	con_set_room(8);
	ck_assert_ptr_nonnull(con_room_fn);
	con_room_fn(con_room_opaque);
	ck_assert_uint_eq(used_idx(&vm.mem, 1), 0);
	ck_assert_uint_eq(con_len_now(), 8);
	con_set_room(sizeof(con_out));
	con_room_fn(con_room_opaque);
	ck_assert_uint_eq(used_idx(&vm.mem, 1), 1);
	ck_assert_uint_eq(con_len_now(), 12);
	ck_assert_mem_eq(con_out, "hello world\n", 12);
}
END_TEST

START_TEST(vcon_rx_waits_for_buffers)
{
	const uint8_t *in = (const uint8_t *)"abc";

	driver_init_queues(VCON, QSIZE, 2);
	/* No receive buffer: nothing taken, the device asks to be told. */
	ck_assert_uint_eq(con_input(con_opaque, in, 3), 0);
	ck_assert_uint_eq(used_idx(&vm.mem, 0), 0);
	ck_assert_int_eq(atomic_load(&con_ready), 0);
	/* Two buffers, two and sixteen bytes, and a kick: input resumes. */
	set_desc_on(&vm.mem, 0, 0, BUF, 2, VRING_DESC_F_WRITE, 0);
	set_desc_on(&vm.mem, 0, 1, BUF + 0x100, 16, VRING_DESC_F_WRITE, 0);
	offer_on(&vm.mem, 0, 0);
	offer_on(&vm.mem, 0, 1);
	wr(VCON, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_int_eq(atomic_load(&con_ready), 1);
	stub_irq_pulses = 0;
	ck_assert_uint_eq(con_input(con_opaque, in, 3), 3);
	ck_assert_uint_eq(used_idx(&vm.mem, 0), 2);
	ck_assert_uint_eq(used_len(0, 0), 2);
	ck_assert_uint_eq(used_len(0, 1), 1);
	ck_assert_mem_eq(mem_ptr(&vm.mem, BUF, 2), "ab", 2);
	ck_assert_mem_eq(mem_ptr(&vm.mem, BUF + 0x100, 1), "c", 1);
	ck_assert_int_eq(stub_irq_pulses, 1);
	/* The ring is empty again: the next byte waits. */
	ck_assert_uint_eq(con_input(con_opaque, in, 1), 0);
	wr(VCON, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_int_eq(atomic_load(&con_ready), 2);
	/* Told once per wait: a kick with nothing waiting says nothing. */
	wr(VCON, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	ck_assert_int_eq(atomic_load(&con_ready), 2);
}
END_TEST

START_TEST(vcon_rx_survives_bad_chains)
{
	driver_init_queues(VCON, QSIZE, 2);
	/* A link out of range, a readable buffer, then a good one. */
	set_desc_on(&vm.mem, 0, 0, BUF, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, QSIZE);
	set_desc_on(&vm.mem, 0, 1, BUF + 0x100, 16, 0, 0);
	set_desc_on(&vm.mem, 0, 2, BUF + 0x200, 16, VRING_DESC_F_WRITE, 0);
	offer_on(&vm.mem, 0, 0);
	offer_on(&vm.mem, 0, 1);
	offer_on(&vm.mem, 0, 2);
	memset(mem_ptr(&vm.mem, BUF, 0x300), 0, 0x300);
	ck_assert_uint_eq(con_input(con_opaque, (const uint8_t *)"zz", 2), 2);
	ck_assert_uint_eq(used_idx(&vm.mem, 0), 3);
	ck_assert_uint_eq(used_len(0, 0), 0);
	ck_assert_uint_eq(used_len(0, 1), 0);
	ck_assert_uint_eq(used_len(0, 2), 2);
	ck_assert_uint_eq(*(uint8_t *)mem_ptr(&vm.mem, BUF, 1), 0);
	ck_assert_uint_eq(*(uint8_t *)mem_ptr(&vm.mem, BUF + 0x100, 1), 0);
	ck_assert_mem_eq(mem_ptr(&vm.mem, BUF + 0x200, 2), "zz", 2);
	ck_assert(!(rd(VCON, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET));
	/* The avail index runs ahead: the device needs a reset and takes
	 * nothing until the driver resets it. */
	mem_write(&vm.mem, AVAIL + 2, &(uint16_t){ 3 + QSIZE + 1 }, 2);
	ck_assert_uint_eq(con_input(con_opaque, (const uint8_t *)"q", 1), 0);
	ck_assert(rd(VCON, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	ck_assert_uint_eq(con_input(con_opaque, (const uint8_t *)"q", 1), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtqueue");
	TCase *ring = tcase_create("ring");
	TCase *blk = tcase_create("blk");
	TCase *mmio = tcase_create("mmio");
	TCase *vcon = tcase_create("vcon");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(ring, ring_setup, ring_teardown);
	tcase_add_test(ring, good_chain_parses_to_segments);
	tcase_add_test(ring, empty_ring_gives_nothing);
	tcase_add_test(ring, next_index_out_of_range);
	tcase_add_test(ring, loop_is_refused);
	tcase_add_test(ring, chain_longer_than_queue);
	tcase_add_test(ring, length_past_ram);
	tcase_add_test(ring, address_wraps_at_2_64);
	tcase_add_test(ring, readable_after_writable);
	tcase_add_test(ring, indirect_is_not_offered);
	tcase_add_test(ring, total_over_4_gib);
	tcase_add_test(ring, head_out_of_range_breaks_the_ring);
	tcase_add_test(ring, avail_index_running_ahead);
	tcase_add_test(ring, queue_checks);
	tcase_add_test(ring, push_writes_used_entry_and_index);
	tcase_add_test(ring, no_interrupt_flag_is_honoured);
	suite_add_tcase(s, ring);

	tcase_add_checked_fixture(blk, disk_setup, disk_teardown);
	tcase_add_test(blk, blk_read_returns_file_bytes);
	tcase_add_test(blk, blk_write_lands_in_file);
	tcase_add_test(blk, blk_read_only_refuses_writes);
	tcase_add_test(blk, blk_range_past_the_end);
	tcase_add_test(blk, blk_flush_get_id_unknown);
	tcase_add_test(blk, blk_status_is_the_last_writable_byte);
	tcase_add_test(blk, blk_discard_punches_or_says_unsupported);
	tcase_add_test(blk, blk_fail_sets_ioerr);
	suite_add_tcase(s, blk);

	tcase_add_checked_fixture(mmio, vm_setup, vm_teardown);
	tcase_add_test(mmio, transport_identifies_devices);
	tcase_add_test(mmio, transport_refuses_features_without_version_1);
	tcase_add_test(mmio, transport_assigns_the_kick_on_acknowledge);
	tcase_add_test(mmio, transport_serves_a_read_and_interrupts);
	tcase_add_test(mmio, transport_bad_queue_needs_reset);
	tcase_add_test(mmio, rng_fills_writable_buffers);
	tcase_add_test(mmio, net_carries_frames_both_ways);
	tcase_add_test(mmio, too_many_devices);
	suite_add_tcase(s, mmio);

	tcase_add_checked_fixture(vcon, vcon_setup, vcon_teardown);
	tcase_add_test(vcon, vcon_identifies_and_takes_input);
	tcase_add_test(vcon, vcon_tx_reaches_the_console);
	tcase_add_test(vcon, vcon_tx_waits_for_room);
	tcase_add_test(vcon, vcon_rx_waits_for_buffers);
	tcase_add_test(vcon, vcon_rx_survives_bad_chains);
	suite_add_tcase(s, vcon);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
