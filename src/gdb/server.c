/*
 * The GDB stub's server: the one client connection on the backend loop,
 * packet dispatch, replies, and the stub's life cycle.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "../backend/backend.h"
#include "../log.h"
#include "../sandbox.h"
#include "../vcpu/vcpu.h"
#include "gdbstub.h"
#include "gdb_internal.h"

static void process_input(struct gdbstub *g);

static void send_raw(struct gdbstub *g, const void *p, size_t len)
{
	if (g->bev)
		bufferevent_write(g->bev, p, len);
}

void gdb_send_packet(struct gdbstub *g, const void *payload, size_t len)
{
	g->frame_len = gdb_frame(g->frame, sizeof(g->frame), payload, len);
	if (!g->frame_len) {
		g->frame_len = gdb_frame(g->frame, sizeof(g->frame), "E01", 3);
		log_warn("gdb: reply too long, sent an error");
	}
	send_raw(g, g->frame, g->frame_len);
}

void gdb_send_str(struct gdbstub *g, const char *s)
{
	gdb_send_packet(g, s, strlen(s));
}

static void send_stop_reply(struct gdbstub *g)
{
	char buf[96];

	snprintf(buf, sizeof(buf), "T%02xthread:%02x;%s", g->stop_sig,
		 g->stop_vcpu + 1, g->stop_extra);
	gdb_send_str(g, buf);
}

static void cmd_query(struct gdbstub *g, const char *p)
{
	char buf[128];
	long tid;

	if (!strncmp(p, "qSupported", 10)) {
		snprintf(buf, sizeof(buf),
			 "PacketSize=%x;qXfer:features:read+;vContSupported+;swbreak+;hwbreak+",
			 GDB_MAX_PACKET);
		gdb_send_str(g, buf);
	} else if (!strncmp(p, "qXfer:", 6)) {
		gdb_cmd_xfer(g, p + 6);
	} else if (!strcmp(p, "qfThreadInfo")) {
		char *o = g->reply;

		*o++ = 'm';
		for (int i = 0; i < g->vm->nr_vcpus; i++)
			o += sprintf(o, "%s%x", i ? "," : "", i + 1);
		gdb_send_str(g, g->reply);
	} else if (!strcmp(p, "qsThreadInfo")) {
		gdb_send_str(g, "l");
	} else if (!strcmp(p, "qC")) {
		snprintf(buf, sizeof(buf), "QC%x", g->cur + 1);
		gdb_send_str(g, buf);
	} else if (!strncmp(p, "qThreadExtraInfo,", 17)) {
		if (gdb_parse_thread(p + 17, &tid, &p) < 0 || *p || tid <= 0 ||
		    tid > g->vm->nr_vcpus) {
			gdb_send_str(g, "E01");
			return;
		}
		snprintf(buf, sizeof(buf), "vCPU %ld", tid - 1);
		gdb_hex_encode(g->reply, buf, strlen(buf));
		gdb_send_str(g, g->reply);
	} else if (!strncmp(p, "qAttached", 9)) {
		gdb_send_str(g, "1");
	} else {
		gdb_send_str(g, "");
	}
}

static void detach(struct gdbstub *g)
{
	gdb_remove_all_breakpoints(g);
	g->attached = false;
	g->reply_pending = false;
	if (g->state == STOPPED)
		gdb_resume(g, -1, true);
}

static void cmd_vpacket(struct gdbstub *g, const char *p)
{
	if (!strcmp(p, "vCont?")) {
		gdb_send_str(g, "vCont;c;C;s;S;t");
	} else if (!strncmp(p, "vCont;", 6)) {
		gdb_cmd_vcont(g, p + 5);
	} else if (!strncmp(p, "vKill", 5)) {
		gdb_send_str(g, "OK");
		vm_stop(g->vm, GDB_KILL_STATUS, STOP_GDB_KILL, "gdb killed the guest");
	} else {
		gdb_send_str(g, "");
	}
}

/* One verified packet, with every vCPU parked. */
static void handle_packet(struct gdbstub *g, char *p, size_t len)
{
	log_info(2, "gdb: <- %.*s", (int)(len > 80 ? 80 : len), p);
	switch (p[0]) {
	case '?':
		send_stop_reply(g);
		break;
	case 'g':
		gdb_cmd_read_regs(g);
		break;
	case 'G':
		gdb_cmd_write_regs(g, p + 1);
		break;
	case 'p':
		gdb_cmd_read_reg(g, p + 1);
		break;
	case 'P':
		gdb_cmd_write_reg(g, p + 1);
		break;
	case 'm':
		gdb_cmd_read_mem(g, p + 1);
		break;
	case 'M':
		gdb_cmd_write_mem(g, p + 1, len - 1, false);
		break;
	case 'X':
		gdb_cmd_write_mem(g, p + 1, len - 1, true);
		break;
	case 'Z':
	case 'z':
		gdb_cmd_break(g, p + 1, p[0] == 'Z');
		break;
	case 'c':
	case 'C':
		/* "c ADDR" resumes elsewhere: not supported, ignore ADDR. */
		gdb_do_resume(g, -1);
		break;
	case 's':
	case 'S':
		gdb_do_resume(g, g->cur);
		break;
	case 'H':
		gdb_cmd_set_thread(g, p + 1);
		break;
	case 'T':
		gdb_cmd_thread_alive(g, p + 1);
		break;
	case 'q':
		cmd_query(g, p);
		break;
	case 'v':
		cmd_vpacket(g, p);
		break;
	case 'D':
		gdb_send_str(g, "OK");
		detach(g);
		break;
	case 'k':
		vm_stop(g->vm, GDB_KILL_STATUS, STOP_GDB_KILL, "gdb killed the guest");
		break;
	default:
		gdb_send_str(g, "");
	}
}

/*
 * Write what the bufferevent still holds, directly: freeing it would
 * discard it, and no loop may run to flush it. The socket buffer has room
 * for the few replies queued.
 */
static void send_queued(struct gdbstub *g)
{
	struct evbuffer *out = bufferevent_get_output(g->bev);
	int fd = bufferevent_getfd(g->bev);
	struct evbuffer_iovec vec[4];
	int n;

	/* evbuffer_copyout refuses a bufferevent's frozen buffer; peek works. */
	n = evbuffer_peek(out, -1, NULL, vec, 4);
	if (n > 4)
		n = 4;
	for (int i = 0; i < n; i++) {
		ssize_t r = send(fd, vec[i].iov_base, vec[i].iov_len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (r < 0) {
			log_info(1, "gdb: cannot send the last reply: %s",
				 strerror(errno));
			break;
		}
		/* A part-sent packet ends the stream: never send one with a hole. */
		if ((size_t)r < vec[i].iov_len)
			break;
	}
}

/* `flush`: the client is still there, and gets the replies queued so far. */
static void drop_client(struct gdbstub *g, const char *why, bool flush)
{
	log_info(1, "gdb: client %s", why);
	if (flush)
		send_queued(g);
	bufferevent_free(g->bev);
	g->bev = NULL;
	g->has_deferred = false;
	detach(g);
}

static void on_stopped(evutil_socket_t fd, short what, void *arg)
{
	struct gdbstub *g = arg;

	if (g->state != STOPPED)
		return;
	g->cur = g->stop_vcpu;
	/* The client left while the guest was stopping: let it run on. */
	if (!g->attached && !g->waiting) {
		gdb_resume(g, -1, true);
		return;
	}
	if (g->reply_pending) {
		g->reply_pending = false;
		send_stop_reply(g);
	}
	if (g->has_deferred) {
		g->has_deferred = false;
		handle_packet(g, g->deferred, g->deferred_len);
	}
	if (g->bev)
		process_input(g);
}

/* Returns false when the caller must stop reading (deferred or gone). */
static bool handle_event(struct gdbstub *g, enum gdb_rx_event ev)
{
	switch (ev) {
	case GDB_RX_PACKET:
		send_raw(g, "+", 1);
		if (g->state != STOPPED) {
			memcpy(g->deferred, g->rx.buf, g->rx.len + 1);
			g->deferred_len = g->rx.len;
			g->has_deferred = true;
			return false;
		}
		handle_packet(g, g->rx.buf, g->rx.len);
		return !atomic_load(&g->vm->stopping);
	case GDB_RX_BADSUM:
		send_raw(g, "-", 1);
		break;
	case GDB_RX_NAK:
		send_raw(g, g->frame, g->frame_len);
		break;
	case GDB_RX_INTERRUPT:
		pthread_mutex_lock(&g->lock);
		if (g->state == RUNNING) {
			g->reply_pending = true;
			gdb_request_stop(g, g->cur, GDB_SIGINT, "");
		}
		pthread_mutex_unlock(&g->lock);
		break;
	case GDB_RX_OVERFLOW:
		log_warn("gdb: oversized packet, dropping the client");
		drop_client(g, "dropped", true);
		return false;
	default:
		break;
	}
	return true;
}

/*
 * A client that sends requests and never reads its replies must not grow
 * hvrun: past GDB_OUT_MAX queued bytes the stub stops taking packets
 * (on_write takes them again once the client has read half), and past
 * GDB_IN_MAX bytes not taken yet it stops reading the socket. (Not with
 * libevent's read watermark: LeakSanitizer saw a bufferevent freed while
 * that held reading back never released, with libevent 2.1.12.)
 */
#define GDB_OUT_MAX	(256 * 1024)
#define GDB_IN_MAX	(64 * 1024)

static bool output_full(struct gdbstub *g)
{
	return g->bev &&
	       evbuffer_get_length(bufferevent_get_output(g->bev)) > GDB_OUT_MAX;
}

static void process_input(struct gdbstub *g)
{
	struct evbuffer *in;
	size_t n, i;
	unsigned char *p;
	bool more = true;

	while (more && g->bev && !g->has_deferred && !output_full(g)) {
		in = bufferevent_get_input(g->bev);
		n = evbuffer_get_contiguous_space(in);
		if (!n)
			break;
		p = evbuffer_pullup(in, (ssize_t)n);
		for (i = 0; more && i < n; i++)
			more = handle_event(g, gdb_rx_byte(&g->rx, p[i])) &&
			       !output_full(g);
		if (g->bev)
			evbuffer_drain(bufferevent_get_input(g->bev), i);
	}
	if (!g->bev)
		return;
	if (evbuffer_get_length(bufferevent_get_input(g->bev)) > GDB_IN_MAX)
		bufferevent_disable(g->bev, EV_READ);
	else
		bufferevent_enable(g->bev, EV_READ);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	process_input(arg);
}

/* The output fell to the low watermark: take the packets held back. */
static void on_write(struct bufferevent *bev, void *arg)
{
	process_input(arg);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		drop_client(arg, "disconnected", false);
}

/* Can this KVM debug guests? Probed on a vCPU that is not running. */
static void probe_debug(struct gdbstub *g)
{
	struct kvm_guest_debug dbg = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP,
	};
	int fd = g->vm->vcpus[0].fd;
	char why[128];

	g->can_debug = ioctl(fd, KVM_SET_GUEST_DEBUG, &dbg) == 0;
	if (!g->can_debug) {
		log_warn("gdb: this KVM cannot debug guests (KVM_SET_GUEST_DEBUG: %s): no breakpoints or stepping",
			 strerror(errno));
		return;
	}
	memset(&dbg, 0, sizeof(dbg));
	ioctl(fd, KVM_SET_GUEST_DEBUG, &dbg);
	/* A KVM whose debug traps go to the guest (pagetable-based KVM
	 * delivers a CPL 3 #BP/#DB to its IDT) looks like one that works
	 * until the first breakpoint: probe.c runs the traps to find out. */
	if (g->vm->cfg->gdb_step_bp) {
		g->emulate = true;
		log_info(1, "gdb: breakpoints and watchpoints are emulated by single-stepping (--gdb-step-breakpoints)");
	} else if (gdb_probe_traps(g->vm, &g->dr_cpl0, why, sizeof(why)) < 0) {
		g->emulate = true;
		log_warn("gdb: on this KVM %s: breakpoints and watchpoints are emulated by single-stepping (slower; no read watchpoints%s)",
			 why, g->dr_cpl0 ? "; hbreak on kernel code uses a debug register" : "");
	}
#ifdef KVM_CAP_SET_GUEST_DEBUG2
	g->blockirq = (ioctl(g->vm->kvm_fd, KVM_CHECK_EXTENSION,
			     KVM_CAP_SET_GUEST_DEBUG2) &
		       KVM_GUESTDBG_BLOCKIRQ) != 0;
#endif
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
		      struct sockaddr *sa, int socklen, void *arg)
{
	struct gdbstub *g = arg;
	int one = 1;

	if (g->bev) {
		log_info(1, "gdb: refusing a second client");
		evutil_closesocket(fd);
		return;
	}
	if (sa->sa_family == AF_INET)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	evutil_make_socket_nonblocking(fd);
	g->bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
					BEV_OPT_CLOSE_ON_FREE);
	if (!g->bev) {
		evutil_closesocket(fd);
		return;
	}
	bufferevent_setcb(g->bev, on_read, on_write, on_event, g);
	bufferevent_setwatermark(g->bev, EV_WRITE, GDB_OUT_MAX / 2, 0);
	bufferevent_enable(g->bev, EV_READ | EV_WRITE);
	gdb_rx_init(&g->rx);
	g->frame_len = 0;
	g->attached = true;
	g->waiting = false;
	g->reply_pending = false;
	log_info(1, "gdb: client connected");
	/* gdb expects a stopped target: it asks '?' first. */
	pthread_mutex_lock(&g->lock);
	gdb_request_stop(g, g->cur, GDB_SIGTRAP, "");
	pthread_mutex_unlock(&g->lock);
}

/*
 * unix:PATH: a socket file only its owner may use (0600, made under a
 * umask of 077 so no one else can connect between bind and chmod).
 * Refuses a PATH that exists, as bind does.
 */
static struct evconnlistener *listen_unix(struct gdbstub *g, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct evconnlistener *l;
	mode_t old;
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	old = umask(077);
	err = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (err < 0) {
		err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	l = NULL;
	if (chmod(path, 0600) == 0 && listen(fd, 1) == 0)
		l = evconnlistener_new(backend_base(g->vm->backend), on_accept,
				       g, LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (!l) {
		err = errno;
		unlink(path);
		close(fd);
		errno = err;
		return NULL;
	}
	g->unix_path = path;
	sandbox_allow_unlink(path);	/* gdbstub_free removes it */
	return l;
}

static struct evconnlistener *listen_on(struct gdbstub *g)
{
	const struct vm_config *cfg = g->vm->cfg;
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(cfg->gdb_port),
	};

	if (cfg->gdb_unix)
		return listen_unix(g, cfg->gdb_unix);
	if (inet_pton(AF_INET, cfg->gdb_host, &sin.sin_addr) != 1)
		return NULL;
	return evconnlistener_new_bind(backend_base(g->vm->backend), on_accept,
				       g, LEV_OPT_CLOSE_ON_FREE |
				       LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
				       1, (struct sockaddr *)&sin, sizeof(sin));
}

/* For messages: "127.0.0.1:1234" or "unix:PATH". */
static const char *endpoint(const struct vm_config *cfg, char *buf, size_t len)
{
	if (cfg->gdb_unix)
		snprintf(buf, len, "unix:%s", cfg->gdb_unix);
	else
		snprintf(buf, len, "%s:%u", cfg->gdb_host, cfg->gdb_port);
	return buf;
}

struct gdbstub *gdbstub_new(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct gdbstub *g = calloc(1, sizeof(*g));
	char where[128];

	if (!g)
		return NULL;
	g->vm = vm;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->go = calloc((size_t)vm->nr_vcpus, sizeof(*g->go));
	g->parked = calloc((size_t)vm->nr_vcpus, sizeof(*g->parked));
	g->stepping = calloc((size_t)vm->nr_vcpus, sizeof(*g->stepping));
	g->step_armed = calloc((size_t)vm->nr_vcpus, sizeof(*g->step_armed));
	g->step_locked = calloc((size_t)vm->nr_vcpus, sizeof(*g->step_locked));
	pthread_mutex_init(&g->step_lock, NULL);
	if (!g->go || !g->parked || !g->stepping || !g->step_armed ||
	    !g->step_locked)
		goto fail;
	/* --gdb-wait: vCPU 0 parks before its first instruction. */
	g->state = cfg->gdb_wait ? STOPPING : RUNNING;
	g->waiting = cfg->gdb_wait;
	g->stop_sig = GDB_SIGTRAP;
	for (int i = 0; i < vm->nr_vcpus; i++)
		atomic_init(&g->go[i], !cfg->gdb_wait);
	g->stopped_ev = event_new(backend_base(vm->backend), -1, 0, on_stopped, g);
	if (!g->stopped_ev)
		goto fail;
	g->listener = listen_on(g);
	if (!g->listener) {
		log_err("cannot listen for gdb on %s: %s",
			endpoint(cfg, where, sizeof(where)), strerror(errno));
		goto fail;
	}
	/* After the endpoint is ours: a refused one stays a one-line error. */
	probe_debug(g);
	if (cfg->gdb_wait)
		log_warn("waiting for gdb on %s",
			 endpoint(cfg, where, sizeof(where)));
	else
		log_info(1, "gdb: listening on %s",
			 endpoint(cfg, where, sizeof(where)));
	return g;
fail:
	gdbstub_free(g);
	return NULL;
}

/*
 * gdb acknowledges the exit packet with a '+' before it closes: closing
 * first makes that write fail (EPIPE at once on a unix socket), and gdb
 * reports a communication error instead of the exit. Half-close and let
 * it finish, for a second at most.
 */
static void linger_for_ack(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[64];

	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 10; i++) {
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			return;
		if (p.revents && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			return;
	}
}

/*
 * The loop has stopped: write what is still queued (a detach's "OK") and,
 * if gdb waits on a continue, tell it the guest exited.
 */
static void flush_client(struct gdbstub *g)
{
	char buf[8];

	if (!g->reply_pending) {
		send_queued(g);
		return;
	}
	snprintf(buf, sizeof(buf), "W%02x", atomic_load(&g->vm->status) & 0xff);
	gdb_send_str(g, buf);
	send_queued(g);
	linger_for_ack(bufferevent_getfd(g->bev));
}

void gdbstub_free(struct gdbstub *g)
{

	if (!g)
		return;
	if (g->bev)
		flush_client(g);
	if (g->bev)
		bufferevent_free(g->bev);
	if (g->listener)
		evconnlistener_free(g->listener);
	if (g->unix_path)
		unlink(g->unix_path);
	if (g->stopped_ev)
		event_free(g->stopped_ev);
	free(g->go);
	free(g->parked);
	free(g->stepping);
	free(g->step_armed);
	free(g->step_locked);
	pthread_mutex_destroy(&g->step_lock);
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->cond);
	free(g);
}
