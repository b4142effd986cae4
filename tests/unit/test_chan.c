/*
 * Channel hypercalls (chan_send, chan_recv, poll's channel bits) against
 * hostile arguments and a hostile peer. Each test gets a hand-built PV VM
 * (16 MiB of RAM, a real backend loop on its own thread) whose channel 0
 * listens at a fresh path; the test itself plays the peer with a raw
 * SOCK_SEQPACKET socket speaking the wire format of backend/chan.h.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "backend/backend.h"
#include "backend/chan.h"
#include "hypercall/hypercall.h"
#include "hypercall/ipc.h"
#include "vcpu/vcpu.h"
#include "vm.h"
#include "wake.h"
#include "stubs.h"

#define RAM	(16ULL << 20)
#define MS	1000000ULL
#define MAX	HVRUN_CHAN_MSG_MAX

/* The shared stubs (tests/stubs.c): vm_stop wakes pollers through this;
 * the vCPU calls and crash reports must not be reached (teardown). */
static void wake_pollers(struct vm *vm)
{
	wake_signal(backend_io_wake(vm->backend));
}

static struct vm vm;
static struct vm_config cfg;
static pthread_t loop_thread;
static char dir[80], path[128];
static const char *paths[1] = { path };
static uint8_t *guest;
static int peer = -1;

static void *loop_main(void *arg)
{
	backend_run(arg);
	return NULL;
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	memset(&vm, 0, sizeof(vm));
	memset(&cfg, 0, sizeof(cfg));
	vm.cfg = &cfg;
	stub_on_stop = wake_pollers;
	stubs_reset();
	atomic_init(&vm.stopping, false);
	ck_assert_int_eq(mem_init(&vm.mem, RAM), 0);
	guest = mem_ptr(&vm.mem, 0, RAM);
	if (!tmp || !*tmp || strlen(tmp) > 60)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/hvrun-chan-XXXXXX", tmp);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/chan", dir);
	cfg.chans[0] = paths[0];
	cfg.nr_chans = 1;

	vm.backend = backend_new(&vm);
	ck_assert_ptr_nonnull(vm.backend);
	ck_assert_int_eq(pv_ipc_new(&vm, HVRUN_ABI_VERSION), 0);
	ck_assert_int_eq(pv_ipc_open_chans(&vm), 0);
	ck_assert_int_eq(pthread_create(&loop_thread, NULL, loop_main, vm.backend), 0);
	peer = -1;
}

static void teardown(void)
{
	backend_stop(vm.backend);
	pthread_join(loop_thread, NULL);
	if (peer >= 0)
		close(peer);
	pv_ipc_free(&vm);
	backend_free(vm.backend);
	mem_free(&vm.mem);
	ck_assert_int_eq(stub_vcpu_starts, 0);
	ck_assert_int_eq(stub_crashes, 0);
	ck_assert_int_ne(access(path, F_OK), 0);	/* removed at close */
	rmdir(dir);
}

static int64_t hc(hc_fn fn, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct hc_call c = { .vm = &vm, .arg = { a0, a1, a2, 0xdead, 0xbeef, 1 } };

	return fn(&c);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int64_t wait_bits(uint64_t mask)
{
	return hc(hc_poll, now_ns() + 5000 * MS, mask, 0);
}

/* The test connects as the peer; the VM sees it arrive. */
static void connect_peer(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	strcpy(sa.sun_path, path);
	peer = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(peer, 0);
	ck_assert_int_eq(connect(peer, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(wait_bits(HVRUN_POLL_CHAN_UP(0)), HVRUN_POLL_CHAN_UP(0));
}

/* One packet from the peer: header byte hdr, then len bytes of fill. */
static void peer_send(uint8_t hdr, size_t len, uint8_t fill)
{
	static uint8_t pkt[MAX + 2];

	pkt[0] = hdr;
	memset(pkt + 1, fill, len);
	ck_assert_int_eq(send(peer, pkt, len + 1, 0), (ssize_t)len + 1);
}

START_TEST(hostile_arguments)
{
	static const uint64_t chans[] = { 1, 8, 1ULL << 32, UINT64_MAX };

	for (size_t i = 0; i < sizeof(chans) / sizeof(chans[0]); i++) {
		ck_assert_int_eq(hc(hc_chan_send, chans[i], 0, 1), -ENODEV);
		ck_assert_int_eq(hc(hc_chan_recv, chans[i], 0, 1), -ENODEV);
		ck_assert_int_eq(hc(hc_chan_send, chans[i], UINT64_MAX, UINT64_MAX), -ENODEV);
	}
	/* Size before address: a too-long message never reaches mem_ptr. */
	ck_assert_int_eq(hc(hc_chan_send, 0, 0, MAX + 1), -EMSGSIZE);
	ck_assert_int_eq(hc(hc_chan_send, 0, UINT64_MAX, UINT64_MAX), -EMSGSIZE);
	ck_assert_int_eq(hc(hc_chan_send, 0, UINT64_MAX - 10, 64), -EFAULT);
	ck_assert_int_eq(hc(hc_chan_send, 0, RAM - 10, 64), -EFAULT);
	ck_assert_int_eq(hc(hc_chan_recv, 0, RAM - 10, 64), -EFAULT);
	ck_assert_int_eq(hc(hc_chan_recv, 0, 0, UINT64_MAX), -EFAULT);
	ck_assert_int_eq(hc(hc_chan_recv, 0, UINT64_MAX, 2), -EFAULT);
	/* No peer yet. */
	ck_assert_int_eq(hc(hc_chan_send, 0, 0x1000, 8), -ENOTCONN);
	ck_assert_int_eq(hc(hc_chan_recv, 0, 0x1000, 8), -ENOTCONN);
	ck_assert_int_eq(hc(hc_poll, 0, UINT64_MAX, 0), HVRUN_POLL_CHAN_DOWN(0));
}
END_TEST

static int64_t call(uint64_t ch, uint64_t out, uint64_t out_len, uint64_t in,
		    uint64_t in_len, uint64_t deadline)
{
	struct hc_call c = { .vm = &vm,
			     .arg = { ch, out, out_len, in, in_len, deadline } };

	return hc_chan_call(&c);
}

/* chan_call: both buffers checked before anything is sent; after the
 * send, the deadline, the reply, the peer's end. */
START_TEST(chan_call_round_trip)
{
	uint8_t buf[16];

	ck_assert_int_eq(call(1, 0x1000, 8, 0x2000, 8, 0), -ENODEV);
	ck_assert_int_eq(call(UINT64_MAX, 0x1000, 8, 0x2000, 8, 0), -ENODEV);
	ck_assert_int_eq(call(0, 0x1000, MAX + 1, 0x2000, 8, 0), -EMSGSIZE);
	ck_assert_int_eq(call(0, RAM - 4, 8, 0x2000, 8, 0), -EFAULT);
	ck_assert_int_eq(call(0, 0x1000, 8, RAM - 4, 8, 0), -EFAULT);
	ck_assert_int_eq(call(0, 0x1000, 8, 0, UINT64_MAX, 0), -EFAULT);
	ck_assert_int_eq(call(0, 0x1000, 8, 0x2000, 8, 0), -ENOTCONN);
	connect_peer();
	/* A bad reply buffer: nothing was sent. */
	ck_assert_int_eq(call(0, 0x1000, 8, UINT64_MAX - 2, 8, 0), -EFAULT);
	ck_assert_int_eq(recv(peer, buf, sizeof(buf), MSG_DONTWAIT), -1);
	/* Sent, no reply by the deadline. */
	memset(guest + 0x1000, 0x5a, 8);
	ck_assert_int_eq(call(0, 0x1000, 8, 0x2000, 8, now_ns() + 20 * MS), -ETIMEDOUT);
	ck_assert_int_eq(recv(peer, buf, sizeof(buf), 0), 9);
	ck_assert_uint_eq(buf[1], 0x5a);
	/* A reply already waiting, then one too long for the buffer. */
	peer_send(0, 5, 0x33);
	ck_assert_int_eq(call(0, 0x1000, 8, 0x2000, 8, UINT64_MAX), 5);
	ck_assert_uint_eq(guest[0x2000 + 4], 0x33);
	peer_send(0, 12, 0x44);
	ck_assert_int_eq(call(0, 0x1000, 0, 0x2000, 8, UINT64_MAX), -EMSGSIZE);
	ck_assert_int_eq(hc(hc_chan_recv, 0, 0x2000, 16), 12);
	/* The peer leaves while the call waits. */
	ck_assert_int_eq(recv(peer, buf, sizeof(buf), 0), 9);
	ck_assert_int_eq(recv(peer, buf, sizeof(buf), 0), 1);
	shutdown(peer, SHUT_RDWR);
	ck_assert_int_eq(call(0, 0x1000, 0, 0x2000, 8, now_ns() + 5000 * MS), -ENOTCONN);
}
END_TEST

START_TEST(messages_whole_and_in_order)
{
	static uint8_t buf[MAX + 1];
	static const size_t sizes[] = { 0, 1, 1000, MAX };

	connect_peer();
	ck_assert_int_eq(hc(hc_chan_recv, 0, 0x1000, MAX), -EAGAIN);
	for (size_t i = 0; i < 4; i++) {
		memset(guest + 0x100000, (int)(i + 1), sizes[i]);
		ck_assert_int_eq(hc(hc_chan_send, 0, 0x100000, sizes[i]), (int64_t)sizes[i]);
	}
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(recv(peer, buf, sizeof(buf), 0), (ssize_t)sizes[i] + 1);
		ck_assert_uint_eq(buf[0], 0);
		for (size_t j = 0; j < sizes[i]; j++)
			ck_assert_uint_eq(buf[1 + j], i + 1);
	}
	for (size_t i = 0; i < 4; i++)
		peer_send(0, sizes[i], (uint8_t)(0x40 + i));
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(wait_bits(HVRUN_POLL_CHAN(0)), HVRUN_POLL_CHAN(0));
		if (sizes[i] > 0) {
			/* Too short: -EMSGSIZE, and the message stays. */
			ck_assert_int_eq(hc(hc_chan_recv, 0, 0x200000, sizes[i] - 1),
					 -EMSGSIZE);
			ck_assert_int_eq(hc(hc_chan_recv, 0, 0x200000, 0), -EMSGSIZE);
		}
		guest[0x200000 + sizes[i]] = 0xee;
		ck_assert_int_eq(hc(hc_chan_recv, 0, 0x200000, MAX), (int64_t)sizes[i]);
		for (size_t j = 0; j < sizes[i]; j++)
			ck_assert_uint_eq(guest[0x200000 + j], 0x40 + i);
		ck_assert_uint_eq(guest[0x200000 + sizes[i]], 0xee);	/* no more */
	}
	ck_assert_int_eq(hc(hc_chan_recv, 0, 0x1000, MAX), -EAGAIN);
	ck_assert_int_eq(hc(hc_poll, 0, HVRUN_POLL_CHAN(0), 0), 0);
}
END_TEST

START_TEST(departure_and_a_new_peer)
{
	connect_peer();
	peer_send(0, 3, 'x');
	close(peer);
	peer = -1;
	ck_assert_int_eq(wait_bits(HVRUN_POLL_CHAN_DOWN(0)), HVRUN_POLL_CHAN_DOWN(0));
	/* What the peer sent before it left is still delivered, then ENOTCONN. */
	ck_assert_int_eq(hc(hc_chan_recv, 0, 0x1000, 64), 3);
	ck_assert_int_eq(hc(hc_chan_recv, 0, 0x1000, 64), -ENOTCONN);
	ck_assert_int_eq(hc(hc_chan_send, 0, 0x1000, 64), -ENOTCONN);
	ck_assert_int_eq(hc(hc_poll, 0, UINT64_MAX, 0), HVRUN_POLL_CHAN_DOWN(0));
	/* The listening end takes the next peer. */
	connect_peer();
	ck_assert_int_eq(hc(hc_chan_send, 0, 0x1000, 5), 5);
	ck_assert_int_eq(hc(hc_poll, 0, HVRUN_POLL_CHAN_SEND(0) |
			    HVRUN_POLL_CHAN_UP(0) | HVRUN_POLL_CHAN_DOWN(0), 0),
			 HVRUN_POLL_CHAN_SEND(0) | HVRUN_POLL_CHAN_UP(0));
}
END_TEST

START_TEST(second_peer_is_refused)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pollfd p;
	int extra;

	connect_peer();
	strcpy(sa.sun_path, path);
	extra = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(connect(extra, (struct sockaddr *)&sa, sizeof(sa)), 0);
	p = (struct pollfd){ .fd = extra, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	ck_assert(p.revents & POLLHUP);
	close(extra);
	/* The first peer is untouched. */
	ck_assert_int_eq(hc(hc_chan_send, 0, 0x1000, 5), 5);
}
END_TEST

/* A peer that breaks the format (bad header, empty packet impossible to
 * send, oversized packet) loses the connection; the guest sees ENOTCONN. */
START_TEST(hostile_peer_is_dropped)
{
	connect_peer();
	peer_send(7, 4, 'z');
	ck_assert_int_eq(wait_bits(HVRUN_POLL_CHAN(0)), HVRUN_POLL_CHAN(0));
	ck_assert_int_eq(hc(hc_chan_recv, 0, 0x1000, MAX), -ENOTCONN);
	ck_assert_int_eq(hc(hc_poll, 0, HVRUN_POLL_CHAN_DOWN(0), 0), HVRUN_POLL_CHAN_DOWN(0));
	close(peer);
	connect_peer();
	peer_send(0, MAX + 1, 'o');		/* one byte too long */
	ck_assert_int_eq(wait_bits(HVRUN_POLL_CHAN(0)), HVRUN_POLL_CHAN(0));
	ck_assert_int_eq(hc(hc_chan_recv, 0, 0x1000, MAX), -EMSGSIZE);
	ck_assert_int_eq(hc(hc_chan_recv, 0, 0x1000, MAX + 1), MAX + 1);
}
END_TEST

/* No deadline: only the peer's message can end the wait. */
static void *send_later(void *arg)
{
	struct timespec ts = { .tv_nsec = 30 * MS };

	nanosleep(&ts, NULL);
	peer_send(0, 1, 'w');
	return NULL;
}

START_TEST(poll_wakes_on_a_message)
{
	pthread_t t;

	connect_peer();
	for (int round = 0; round < 2; round++) {
		ck_assert_int_eq(pthread_create(&t, NULL, send_later, NULL), 0);
		ck_assert_int_eq(hc(hc_poll, UINT64_MAX, HVRUN_POLL_CHAN(0), 0),
				 HVRUN_POLL_CHAN(0));
		pthread_join(t, NULL);
		ck_assert_int_eq(hc(hc_chan_recv, 0, 0x1000, 8), 1);
	}
}
END_TEST

/* A shared region (--shm) is memory every call may name, exactly. */
START_TEST(shared_region_is_memory_to_calls)
{
	static uint8_t region[8192];
	static uint8_t buf[256];

	ck_assert_int_eq(mem_add_shared(&vm.mem, HVRUN_SHM_BASE, sizeof(region),
					region), 0);
	connect_peer();
	memset(region + 8000, 0x5a, 192);
	ck_assert_int_eq(hc(hc_chan_send, 0, HVRUN_SHM_BASE + 8000, 193), -EFAULT);
	ck_assert_int_eq(hc(hc_chan_send, 0, HVRUN_SHM_BASE - 8, 16), -EFAULT);
	ck_assert_int_eq(hc(hc_chan_send, 0, HVRUN_SHM_BASE + 8000, 192), 192);
	ck_assert_int_eq(recv(peer, buf, sizeof(buf), 0), 193);
	ck_assert_uint_eq(buf[192], 0x5a);
	peer_send(0, 100, 0x33);
	ck_assert_int_eq(wait_bits(HVRUN_POLL_CHAN(0)), HVRUN_POLL_CHAN(0));
	ck_assert_int_eq(hc(hc_chan_recv, 0, HVRUN_SHM_BASE + 8092, 100), 100);
	ck_assert_int_eq(hc(hc_chan_recv, 0, HVRUN_SHM_BASE + 8093, 100), -EFAULT);
	ck_assert_uint_eq(region[8191], 0x33);
}
END_TEST

START_TEST(version_1_image_has_no_channels)
{
	struct hc_call c = { .vm = &vm, .nr = HVRUN_HC_CHAN_SEND };

	vm.ipc->abi = 1;
	ck_assert_int_eq(hc_dispatch(&c), -ENOSYS);
	c.nr = HVRUN_HC_CHAN_RECV;
	ck_assert_int_eq(hc_dispatch(&c), -ENOSYS);
	c.nr = HVRUN_HC_BLOCK_RING;
	ck_assert_int_eq(hc_dispatch(&c), -ENOSYS);
	c.nr = HVRUN_HC_BLOCK_KICK;
	ck_assert_int_eq(hc_dispatch(&c), -ENOSYS);
	c.nr = HVRUN_HC_CHAN_CALL;
	ck_assert_int_eq(hc_dispatch(&c), -ENOSYS);
	c.nr = HVRUN_HC_ABI_VERSION;
	ck_assert_int_eq(hc_dispatch(&c), 1);
	vm.ipc->abi = HVRUN_ABI_VERSION;
	ck_assert_int_eq(hc_dispatch(&c), HVRUN_ABI_VERSION);
	c.nr = HVRUN_HC_COUNT;
	ck_assert_int_eq(hc_dispatch(&c), -ENOSYS);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("chan");
	TCase *tc = tcase_create("chan");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, hostile_arguments);
	tcase_add_test(tc, chan_call_round_trip);
	tcase_add_test(tc, messages_whole_and_in_order);
	tcase_add_test(tc, departure_and_a_new_peer);
	tcase_add_test(tc, second_peer_is_refused);
	tcase_add_test(tc, hostile_peer_is_dropped);
	tcase_add_test(tc, poll_wakes_on_a_message);
	tcase_add_test(tc, version_1_image_has_no_channels);
	tcase_add_test(tc, shared_region_is_memory_to_calls);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
