/* Console backend. Output: vCPU threads copy guest bytes into a fixed ring
 * and the loop drains it to the output descriptor without ever blocking;
 * a full ring paces the guest (its device waits or says it is busy). A
 * writer that finds the ring empty writes it out itself, which is safe
 * because the descriptor never blocks (outfd.h): the common case of a
 * reader that keeps up then costs no wake-up of the loop per byte.
 * Input: the loop reads stdin and hands bytes to the device that asked
 * for them, at the device's pace, so nothing typed or piped in is
 * dropped. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <event2/event.h>

#include "../log.h"
#include "../outfd.h"
#include "../sandbox.h"
#include "../vm.h"
#include "backend.h"
#include "console.h"

#define ESCAPE_CHAR 0x01	/* Ctrl-A, as QEMU: Ctrl-A x quits */
#define MAX_ROOM_FNS 4
/* A flush before one of hvrun's messages, or the last one, gives up on a
 * reader that takes nothing for this long; the last one ends at
 * FLUSH_END_MS whatever the reader does. */
#define FLUSH_STALL_MS 1000
#define FLUSH_END_MS 3000
#define RETRY_MS 10		/* not pollable and would block: try again */

struct room_fn {
	console_room_fn fn;
	void *opaque;
};

struct console {
	struct vm *vm;

	/*
	 * Output. out_lock covers the ring and the state below it; writers
	 * that wait for room wait on out_room. The ring is allocated once:
	 * nothing on the output path allocates (a vCPU thread's malloc freed
	 * by the loop would make glibc trim the vCPU's arena from the loop).
	 */
	pthread_mutex_t out_lock;
	pthread_cond_t out_room;
	struct outfd out;		/* out.fd -1: output discarded */
	bool close_out;			/* out.fd is our --console file */
	bool out_dead;			/* writing failed: discard from now on */
	int out_errno;			/* why, for the warning the loop gives */
	bool warned;
	bool stopping;			/* console_stop: writers wait no more */
	bool room_wanted;		/* someone found the ring full */
	bool stalled;			/* a bounded flush gave up: wait no more */
	bool wrote;			/* last_out is valid */
	uint8_t last_out;		/* the last byte written */
	bool shares_stderr;		/* output and stderr are one file */
	uint8_t *ring;
	size_t head, len;
	struct event *flush_ev;		/* activated by writers */
	struct event *writable_ev;	/* out.fd has room again */
	bool out_pollable;
	struct room_fn room[MAX_ROOM_FNS];
	int nr_room;

	int in_fd;			/* -1: no input */
	bool in_pollable;		/* epoll takes it (not a file, /dev/null) */
	bool in_eof;
	struct event *read_ev;		/* in_fd readable */
	struct event *resume_ev;	/* device has room again */
	console_input_fn input;
	void *input_opaque;
	uint8_t inbuf[512];
	size_t in_off, in_len;

	bool tty;			/* stdin is a terminal we made raw */
	bool escape;			/* last byte was Ctrl-A */
	struct termios saved_tio;

	/* console_set_watch: the pattern, its KMP table and how much of it
	 * the output ends with; under out_lock. */
	char watch[CONSOLE_WATCH_MAX];
	size_t watch_len, watch_fail[CONSOLE_WATCH_MAX], watch_at;
	console_watch_fn watch_fn;
	void *watch_opaque;
};

static bool discarding(const struct console *c)
{
	return c->out.fd < 0 || c->out_dead;
}

/*
 * Write what the ring holds until it is empty or the descriptor would
 * block: bytes written. out_lock held, so nothing here may log (the log
 * hook takes out_lock): a failure is kept in out_errno for the caller.
 */
static size_t write_ring(struct console *c)
{
	size_t total = 0;

	while (c->len && !c->out_dead) {
		size_t seg = CONSOLE_OUT_BUF - c->head;
		ssize_t n = write(c->out.fd, c->ring + c->head,
				  c->len < seg ? c->len : seg);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			/* The reader went away: keep the guest running, mute it. */
			c->out_errno = n < 0 ? errno : EIO;
			c->out_dead = true;
			break;
		}
		c->last_out = c->ring[c->head + (size_t)n - 1];
		c->wrote = true;
		c->head = (c->head + (size_t)n) % CONSOLE_OUT_BUF;
		c->len -= (size_t)n;
		total += (size_t)n;
	}
	if (c->out_dead) {
		total += c->len;
		c->len = 0;
	}
	if (total)
		pthread_cond_broadcast(&c->out_room);
	return total;
}

static void warn_dead(struct console *c)
{
	bool warn;
	int err;

	pthread_mutex_lock(&c->out_lock);
	warn = c->out_dead && c->out_errno && !c->warned;
	c->warned |= warn;
	err = c->out_errno;
	pthread_mutex_unlock(&c->out_lock);
	if (warn)
		log_warn("console output stopped: %s", strerror(err));
}

/* The loop: drain, wait for the descriptor if it is full, and tell the
 * devices that found the ring full that it has room. */
static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct console *c = arg;
	struct timeval retry = { 0, RETRY_MS * 1000 };
	bool pending, notify;

	pthread_mutex_lock(&c->out_lock);
	write_ring(c);
	pending = c->len > 0;
	notify = c->room_wanted && (c->len < CONSOLE_OUT_BUF || c->out_dead);
	if (notify)
		c->room_wanted = false;
	pthread_mutex_unlock(&c->out_lock);
	if (pending)
		event_add(c->writable_ev, c->out_pollable ? NULL : &retry);
	warn_dead(c);
	for (int i = 0; notify && i < c->nr_room; i++)
		c->room[i].fn(c->room[i].opaque);
}

int console_set_watch(struct console *c, const char *pattern,
		      console_watch_fn fn, void *opaque)
{
	size_t len = strlen(pattern), k = 0;

	if (len == 0 || len > CONSOLE_WATCH_MAX)
		return -1;
	memcpy(c->watch, pattern, len);
	c->watch_len = len;
	c->watch_fail[0] = 0;
	for (size_t i = 1; i < len; i++) {
		while (k && pattern[i] != pattern[k])
			k = c->watch_fail[k - 1];
		if (pattern[i] == pattern[k])
			k++;
		c->watch_fail[i] = k;
	}
	c->watch_at = 0;
	c->watch_fn = fn;
	c->watch_opaque = opaque;
	return 0;
}

/* Under out_lock: does output p (len bytes) complete the watched string?
 * Matches across writes: watch_at carries the matched prefix. Once. */
static console_watch_fn watch_output(struct console *c, const uint8_t *p,
				     size_t len)
{
	console_watch_fn fn = c->watch_fn;
	size_t k = c->watch_at;

	if (!fn)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		while (k && (char)p[i] != c->watch[k])
			k = c->watch_fail[k - 1];
		if ((char)p[i] == c->watch[k])
			k++;
		if (k == c->watch_len) {
			c->watch_fn = NULL;
			return fn;
		}
	}
	c->watch_at = k;
	return NULL;
}

size_t console_write(struct console *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t n, tail, first;
	bool was_empty, need_loop;
	console_watch_fn seen;

	if (len)
		report_console_output();
	pthread_mutex_lock(&c->out_lock);
	seen = watch_output(c, p, len);
	if (seen) {
		pthread_mutex_unlock(&c->out_lock);
		seen(c->watch_opaque);
		pthread_mutex_lock(&c->out_lock);
	}
	if (discarding(c)) {
		pthread_mutex_unlock(&c->out_lock);
		return len;
	}
	n = CONSOLE_OUT_BUF - c->len;
	if (n > len)
		n = len;
	tail = (c->head + c->len) % CONSOLE_OUT_BUF;
	first = CONSOLE_OUT_BUF - tail < n ? CONSOLE_OUT_BUF - tail : n;
	memcpy(c->ring + tail, p, first);
	memcpy(c->ring, p + first, n - first);
	was_empty = c->len == 0;
	c->len += n;
	if (n < len)
		c->room_wanted = true;
	/* Write through; the loop only takes over what would block, and
	 * warns if the reader went away. */
	if (was_empty && n)
		write_ring(c);
	need_loop = was_empty && n && (c->len || (c->out_dead && !c->warned));
	pthread_mutex_unlock(&c->out_lock);
	/* A non-empty ring already has a flush activated or armed. */
	if (need_loop)
		event_active(c->flush_ev, EV_WRITE, 0);
	return n;
}

bool console_has_room(struct console *c, size_t need)
{
	bool room;

	pthread_mutex_lock(&c->out_lock);
	room = discarding(c) || CONSOLE_OUT_BUF - c->len >= need;
	if (!room)
		c->room_wanted = true;
	pthread_mutex_unlock(&c->out_lock);
	return room;
}

bool console_wait_room(struct console *c)
{
	bool ok;

	pthread_mutex_lock(&c->out_lock);
	while (!discarding(c) && c->len == CONSOLE_OUT_BUF && !c->stopping &&
	       !atomic_load(&c->vm->stopping))
		pthread_cond_wait(&c->out_room, &c->out_lock);
	ok = !c->stopping && !atomic_load(&c->vm->stopping);
	pthread_mutex_unlock(&c->out_lock);
	return ok;
}

int console_on_room(struct console *c, console_room_fn fn, void *opaque)
{
	if (c->nr_room == MAX_ROOM_FNS)
		return -1;
	c->room[c->nr_room++] = (struct room_fn){ fn, opaque };
	return 0;
}

void console_stop(struct console *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->out_lock);
	c->stopping = true;
	pthread_cond_broadcast(&c->out_room);
	pthread_mutex_unlock(&c->out_lock);
}

/*
 * Write the ring out, from any thread, waiting for the reader while it
 * makes progress within stall_ms and for end_ms in all: true when it is
 * empty. A flush that gives up marks the console stalled: later ones try
 * once and do not wait.
 */
static bool flush_bounded(struct console *c, int stall_ms, int end_ms)
{
	long long now = outfd_now_ms(), end = now + end_ms;
	long long idle_end = now + stall_ms;
	bool empty, progress = false;

	for (;;) {
		pthread_mutex_lock(&c->out_lock);
		if (write_ring(c)) {
			idle_end = outfd_now_ms() + stall_ms;
			progress = true;
		}
		empty = c->len == 0;
		if (c->stalled)
			end = 0;
		pthread_mutex_unlock(&c->out_lock);
		now = outfd_now_ms();
		if (empty || now >= end || now >= idle_end)
			break;
		outfd_wait(&c->out, (int)((end < idle_end ? end : idle_end) - now));
	}
	if (!empty) {
		pthread_mutex_lock(&c->out_lock);
		c->stalled = true;
		pthread_mutex_unlock(&c->out_lock);
	}
	/* Devices waiting for room hear of it on the loop. */
	if (progress)
		event_active(c->flush_ev, EV_WRITE, 0);
	return empty;
}

/*
 * The log hook: before hvrun writes a message, the guest's output so far
 * goes out; when both go to one file and the guest's last line is
 * unfinished, the message needs a fresh line.
 */
static bool before_log(void *arg)
{
	struct console *c = arg;
	bool newline;

	if (c->out.fd < 0)
		return false;
	flush_bounded(c, FLUSH_STALL_MS, FLUSH_STALL_MS);
	pthread_mutex_lock(&c->out_lock);
	newline = c->shares_stderr && c->wrote && c->last_out != '\n';
	if (c->shares_stderr)
		c->last_out = '\n';	/* the message ends its line */
	pthread_mutex_unlock(&c->out_lock);
	return newline;
}

/* Ctrl-A x quits; Ctrl-A Ctrl-A sends one Ctrl-A. Terminal input only. */
static bool filter_escape(struct console *c, uint8_t ch, uint8_t *out)
{
	if (!c->escape) {
		if (ch == ESCAPE_CHAR) {
			c->escape = true;
			return false;
		}
		*out = ch;
		return true;
	}
	c->escape = false;
	if (ch == 'x' || ch == 'X') {
		log_err("terminated by Ctrl-A x");
		vm_stop(c->vm, 0, STOP_QUIT, "Ctrl-A x typed on the console");
		return false;
	}
	*out = ch;	/* Ctrl-A Ctrl-A, or Ctrl-A then anything: pass it on */
	return true;
}

static void offer_input(struct console *c)
{
	while (c->in_off < c->in_len && c->input) {
		size_t took = c->input(c->input_opaque, c->inbuf + c->in_off,
				       c->in_len - c->in_off);

		if (took == 0)
			return;		/* device full: console_input_ready resumes */
		c->in_off += took;
	}
}

static ssize_t read_input(struct console *c)
{
	uint8_t raw[sizeof(c->inbuf)];
	ssize_t n = read(c->in_fd, raw, sizeof(raw));
	size_t len = 0;

	if (n <= 0)
		return n;
	if (!c->tty) {
		memcpy(c->inbuf, raw, (size_t)n);
		return n;
	}
	for (ssize_t i = 0; i < n; i++)
		if (filter_escape(c, raw[i], &c->inbuf[len]))
			len++;
	return (ssize_t)len;
}

/*
 * Hand pending input to the device, and read more once it has taken it
 * all: one read per readiness event for a pollable descriptor (a read
 * must not block the loop), as much as the device takes otherwise.
 */
static void pump_input(struct console *c, bool readable)
{
	ssize_t n;

	offer_input(c);
	while (c->in_off == c->in_len && !c->in_eof &&
	       (readable || !c->in_pollable)) {
		readable = false;
		n = read_input(c);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			c->in_eof = true;
			if (c->read_ev)
				event_del(c->read_ev);
			break;
		}
		c->in_off = 0;
		c->in_len = (size_t)n;
		offer_input(c);
	}
	if (c->read_ev && !c->in_eof) {
		if (c->in_off == c->in_len)
			event_add(c->read_ev, NULL);
		else
			event_del(c->read_ev);	/* paused until the device has room */
	}
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	pump_input(arg, true);
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	pump_input(arg, false);
}

void console_set_input(struct console *c, console_input_fn fn, void *opaque)
{
	c->input = fn;
	c->input_opaque = opaque;
	if (c->in_fd >= 0)
		event_active(c->resume_ev, EV_READ, 0);
}

void console_input_ready(struct console *c)
{
	if (c->in_fd >= 0 && !c->in_eof)
		event_active(c->resume_ev, EV_READ, 0);
}

static void make_raw(struct console *c)
{
	struct termios tio;

	if (!isatty(c->in_fd) || tcgetattr(c->in_fd, &c->saved_tio) < 0)
		return;
	tio = c->saved_tio;
	cfmakeraw(&tio);
	tio.c_oflag |= OPOST;	/* keep "\n" → "\r\n" for the host terminal */
	if (tcsetattr(c->in_fd, TCSAFLUSH, &tio) < 0)
		return;
	c->tty = true;
	sandbox_restore_tty(c->in_fd, &c->saved_tio);	/* even on a trap */
}

/*
 * --console file:PATH opens without blocking: a FIFO with no reader would
 * otherwise hang the start with the stop signals already blocked, so it
 * is refused (start the reader first); one with a reader is paced like a
 * pipe on stdout.
 */
static int open_file(struct console *c, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK |
			    O_NOCTTY | O_CLOEXEC, 0644);

	if (fd < 0 && errno == ENXIO) {
		log_err("console file '%s' is a FIFO with no reader", path);
		return -1;
	}
	if (fd < 0) {
		log_err("cannot open console file '%s': %s", path, strerror(errno));
		return -1;
	}
	c->out = (struct outfd){ fd, fd, -1, false };
	c->close_out = true;
	return 0;
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int open_output(struct console *c, const struct vm_config *cfg)
{
	switch (cfg->console) {
	case CONSOLE_STDIO:
		outfd_init(&c->out, STDOUT_FILENO);
		break;
	case CONSOLE_NONE:
		c->out = (struct outfd){ -1, -1, -1, false };
		return 0;
	case CONSOLE_FILE:
		if (open_file(c, cfg->console_path) < 0)
			return -1;
		break;
	default:
		return -1;
	}
	c->shares_stderr = same_file(c->out.shared_fd, STDERR_FILENO);
	return 0;
}

/* Ask epoll itself: it is what libevent will use. */
static bool fd_pollable(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);
	bool ok;

	if (ep < 0)
		return false;
	ok = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0;
	close(ep);
	return ok;
}

static int open_input(struct console *c, struct event_base *base)
{
	c->in_fd = -1;
	if (c->vm->cfg->console != CONSOLE_STDIO)
		return 0;
	if (fcntl(STDIN_FILENO, F_GETFL) < 0)
		return 0;	/* stdin closed: no input */
	c->in_fd = STDIN_FILENO;
	c->resume_ev = event_new(base, -1, 0, on_resume, c);
	c->read_ev = event_new(base, c->in_fd, EV_READ, on_readable, c);
	if (!c->resume_ev || !c->read_ev)
		return -1;
	/* epoll refuses regular files and /dev/null: those never block, so
	 * they are read when the device asks, with no readiness event. */
	c->in_pollable = fd_pollable(c->in_fd);
	if (!c->in_pollable || event_add(c->read_ev, NULL) < 0) {
		c->in_pollable = false;
		event_free(c->read_ev);
		c->read_ev = NULL;
	}
	make_raw(c);
	return 0;
}

/* Output: the ring, the flush events, the log hook. */
static int init_output(struct console *c, struct event_base *base)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&c->out_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->out_room, &ca);
	pthread_condattr_destroy(&ca);
	c->out = (struct outfd){ -1, -1, -1, false };
	if (open_output(c, c->vm->cfg) < 0)
		return -1;
	c->out_pollable = c->out.fd >= 0 && fd_pollable(c->out.fd);
	c->ring = malloc(CONSOLE_OUT_BUF);
	c->flush_ev = event_new(base, -1, 0, on_flush, c);
	c->writable_ev = event_new(base, c->out_pollable ? c->out.fd : -1,
				   c->out_pollable ? EV_WRITE : 0, on_flush, c);
	if (!c->ring || !c->flush_ev || !c->writable_ev)
		return -1;
	log_set_hook(before_log, c);
	return 0;
}

struct console *console_open(struct vm *vm)
{
	struct event_base *base = backend_base(vm->backend);
	struct console *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->vm = vm;
	c->in_fd = -1;
	if (init_output(c, base) < 0 || open_input(c, base) < 0)
		goto fail;
	return c;
fail:
	console_close(c);
	return NULL;
}

/* The last flush: bounded, and it says what it had to drop. */
static void final_flush(struct console *c)
{
	size_t left;

	if (c->out.fd < 0 || !c->ring)
		return;
	flush_bounded(c, FLUSH_STALL_MS, FLUSH_END_MS);
	warn_dead(c);
	pthread_mutex_lock(&c->out_lock);
	left = c->len;
	c->len = 0;
	pthread_mutex_unlock(&c->out_lock);
	if (left)
		log_warn("console: %zu bytes of guest output dropped: the reader stopped reading",
			 left);
}

void console_close(struct console *c)
{
	if (!c)
		return;
	final_flush(c);
	log_set_hook(NULL, NULL);
	if (c->tty)
		tcsetattr(c->in_fd, TCSANOW, &c->saved_tio);
	if (c->read_ev)
		event_free(c->read_ev);
	if (c->resume_ev)
		event_free(c->resume_ev);
	if (c->flush_ev)
		event_free(c->flush_ev);
	if (c->writable_ev)
		event_free(c->writable_ev);
	if (c->close_out)
		close(c->out.fd);
	else
		outfd_fini(&c->out);
	free(c->ring);
	pthread_mutex_destroy(&c->out_lock);
	pthread_cond_destroy(&c->out_room);
	free(c);
}
