/* vhost_user.c: the front-end's messages, against a scripted back-end on
 * a socketpair (a child process): what hvrun sends, and every reply a
 * hostile back-end could give. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vhost/vhost_user.h"

#define FEATURES ((1ULL << 32) | (1ULL << VHU_F_PROTOCOL_FEATURES))

/* How the fake back-end answers request `bad_req` (others: correctly). */
enum misbehave { GOOD, WRONG_REQUEST, NO_REPLY_FLAG, TOO_LONG, SILENT, HANG_UP, NACK };

static int peer_fd;
static pid_t peer;

static void reply(int fd, uint32_t req, const void *p, uint32_t size,
		  enum misbehave how)
{
	uint8_t buf[sizeof(struct vhu_hdr) + 64] = { 0 };
	struct vhu_hdr *h = (struct vhu_hdr *)buf;

	h->request = how == WRONG_REQUEST ? req + 1 : req;
	h->flags = VHU_VERSION | (how == NO_REPLY_FLAG ? 0 : VHU_FLAG_REPLY);
	h->size = how == TOO_LONG ? 0x7fffffff : size;
	memcpy(buf + sizeof(*h), p, size);
	if (write(fd, buf, sizeof(*h) + size) < 0)
		_exit(2);
}

/* Serve until EOF; write each request's number to the log pipe. */
static void backend(int fd, uint32_t bad_req, enum misbehave how, int log)
{
	struct vhu_hdr h;
	uint8_t payload[VHU_PAYLOAD_MAX];

	while (read(fd, &h, sizeof(h)) == sizeof(h)) {
		uint64_t val = 0;
		enum misbehave m = h.request == bad_req ? how : GOOD;

		if (h.size > sizeof(payload) ||
		    (h.size && read(fd, payload, h.size) != (ssize_t)h.size))
			_exit(3);
		if (write(log, &h, sizeof(h)) < 0)
			_exit(2);
		if (m == HANG_UP)
			_exit(0);
		if (m == SILENT)
			continue;
		if (h.request == VHU_GET_FEATURES)
			val = FEATURES;
		else if (h.request == VHU_GET_PROTOCOL_FEATURES)
			val = (1ULL << VHU_PROTOCOL_F_REPLY_ACK) | (1ULL << 9);
		else if (!(h.flags & VHU_FLAG_NEED_REPLY))
			continue;
		else if (m == NACK)
			val = 1;
		reply(fd, h.request, &val, sizeof(val), m);
	}
	_exit(0);
}

static int log_rd;

static int start(uint32_t bad_req, enum misbehave how)
{
	int sv[2], lp[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(pipe(lp), 0);
	peer = fork();
	ck_assert_int_ge(peer, 0);
	if (peer == 0) {
		close(sv[0]);
		close(lp[0]);
		backend(sv[1], bad_req, how, lp[1]);
	}
	close(sv[1]);
	close(lp[1]);
	log_rd = lp[0];
	peer_fd = sv[0];
	return sv[0];
}

static void finish(struct vhost_user *v)
{
	int st;

	/* The back-end ends at the hang-up; its log stays readable. */
	vhu_close(v);
	waitpid(peer, &st, 0);
}

/* The requests the back-end saw, in order, up to n. */
static int seen(struct vhu_hdr *out, int n)
{
	int i = 0;

	while (i < n && read(log_rd, &out[i], sizeof(out[i])) == sizeof(out[i]))
		i++;
	return i;
}

START_TEST(handshake_agrees_reply_ack_only)
{
	struct vhost_user v;
	struct vhu_hdr h[8];

	ck_assert_int_eq(vhu_open(&v, start(0, GOOD), 2000), 0);
	ck_assert_uint_eq(v.features, FEATURES);
	/* CONFIG (bit 9) was offered, hvrun does not use it. */
	ck_assert_uint_eq(v.protocol_features, 1ULL << VHU_PROTOCOL_F_REPLY_ACK);
	ck_assert_int_eq(vhu_set_state(&v, VHU_SET_VRING_NUM, 1, 128), 0);
	finish(&v);
	ck_assert_int_eq(seen(h, 8), 5);
	ck_assert_uint_eq(h[0].request, VHU_GET_FEATURES);
	ck_assert_uint_eq(h[1].request, VHU_SET_OWNER);
	ck_assert_uint_eq(h[2].request, VHU_GET_PROTOCOL_FEATURES);
	ck_assert_uint_eq(h[3].request, VHU_SET_PROTOCOL_FEATURES);
	/* Before REPLY_ACK was agreed no ack is asked; after, always. */
	ck_assert_uint_eq(h[1].flags, VHU_VERSION);
	ck_assert_uint_eq(h[4].request, VHU_SET_VRING_NUM);
	ck_assert_uint_eq(h[4].flags, VHU_VERSION | VHU_FLAG_NEED_REPLY);
	ck_assert_uint_eq(h[4].size, sizeof(struct vhu_vring_state));
}
END_TEST

/* A reply that is not the answer to the request ends the connection. */
static void expect_refused(uint32_t req, enum misbehave how, const char *msg)
{
	struct vhost_user v;
	int r = vhu_open(&v, start(req, how), 500);

	if (r == 0)
		r = vhu_set_state(&v, req, 0, 1);
	ck_assert_int_eq(r, -1);
	ck_assert_msg(strstr(v.err, msg), "'%s' lacks '%s'", v.err, msg);
	if (how != NACK) {
		ck_assert(v.fd < 0 || v.dead);
		ck_assert_int_eq(vhu_set_state(&v, VHU_SET_VRING_BASE, 0, 0), -1);
	}
	finish(&v);
}

START_TEST(hostile_replies_are_refused)
{
	expect_refused(VHU_GET_FEATURES, WRONG_REQUEST, "reply to request 2, expected 1");
	expect_refused(VHU_GET_FEATURES, NO_REPLY_FLAG, "reply with flags 0x1");
	expect_refused(VHU_GET_FEATURES, TOO_LONG, "of 2147483647 bytes, expected 8");
	expect_refused(VHU_GET_PROTOCOL_FEATURES, SILENT, "no answer from the back-end");
	expect_refused(VHU_SET_OWNER, HANG_UP, "closed the connection");
	expect_refused(VHU_SET_VRING_NUM, TOO_LONG, "expected 8");
	expect_refused(VHU_SET_VRING_NUM, NACK, "refused");
}
END_TEST

START_TEST(descriptors_travel_with_the_message)
{
	struct vhost_user v;
	struct vhu_hdr h[8];

	ck_assert_int_eq(vhu_open(&v, start(0, GOOD), 2000), 0);
	ck_assert_int_eq(vhu_set_vring_fd(&v, VHU_SET_VRING_KICK, 1, 0), 0);
	ck_assert_int_eq(vhu_set_vring_fd(&v, VHU_SET_VRING_CALL, 0, -1), 0);
	finish(&v);
	ck_assert_int_eq(seen(h, 8), 6);
	ck_assert_uint_eq(h[4].request, VHU_SET_VRING_KICK);
	ck_assert_uint_eq(h[5].size, 8);
}
END_TEST

START_TEST(check_reply_is_exact)
{
	struct vhu_hdr h;
	char err[VHU_ERRLEN];

	vhu_encode(&h, VHU_GET_VRING_BASE, 8, false);
	ck_assert_uint_eq(h.flags, VHU_VERSION);
	h.flags |= VHU_FLAG_REPLY;
	ck_assert_int_eq(vhu_check_reply(&h, VHU_GET_VRING_BASE, 8, err), 0);
	ck_assert_int_eq(vhu_check_reply(&h, VHU_GET_VRING_BASE, 16, err), -EPROTO);
	h.flags = VHU_FLAG_REPLY | 2;	/* another protocol version */
	ck_assert_int_eq(vhu_check_reply(&h, VHU_GET_VRING_BASE, 8, err), -EPROTO);
	ck_assert(vhu_has_reply(VHU_GET_VRING_BASE));
	ck_assert(!vhu_has_reply(VHU_SET_MEM_TABLE));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vhost_user");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	signal(SIGPIPE, SIG_IGN);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, handshake_agrees_reply_ack_only);
	tcase_add_test(tc, hostile_replies_are_refused);
	tcase_add_test(tc, descriptors_travel_with_the_message);
	tcase_add_test(tc, check_reply_is_exact);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
