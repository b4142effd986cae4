/* Console backend. Output: vCPU threads append to a locked evbuffer and the
 * loop drains it to the output descriptor. Input: the loop reads stdin and
 * hands bytes to the device that asked for them, at the device's pace, so
 * nothing typed or piped in is dropped. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <termios.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "../log.h"
#include "../sandbox.h"
#include "../vm.h"
#include "backend.h"
#include "console.h"

/* Above this much unwritten output the writing vCPU drains it itself. */
#define OUT_HIGH_WATER (1u << 20)
#define ESCAPE_CHAR 0x01	/* Ctrl-A, as QEMU: Ctrl-A x quits */

struct console {
	struct vm *vm;
	int out_fd;			/* -1: output discarded */
	bool out_dead;			/* writing failed: discard from now on */
	bool close_out;
	struct evbuffer *out;
	struct event *flush_ev;

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
};

static void drain_output(struct console *c)
{
	evbuffer_lock(c->out);
	while (!c->out_dead && evbuffer_get_length(c->out) > 0) {
		int n = evbuffer_write(c->out, c->out_fd);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* The reader went away: keep the guest running, mute it. */
			log_warn("console output stopped: %s", strerror(errno));
			c->out_dead = true;
		}
	}
	evbuffer_drain(c->out, evbuffer_get_length(c->out));
	evbuffer_unlock(c->out);
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	drain_output(arg);
}

void console_write(struct console *c, const void *buf, size_t len)
{
	size_t before;

	if (c->out_fd < 0)
		return;
	evbuffer_lock(c->out);
	if (c->out_dead) {
		evbuffer_unlock(c->out);
		return;
	}
	before = evbuffer_get_length(c->out);
	evbuffer_add(c->out, buf, len);
	evbuffer_unlock(c->out);
	if (before + len > OUT_HIGH_WATER)
		drain_output(c);
	else if (before == 0)
		event_active(c->flush_ev, EV_WRITE, 0);
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
		vm_stop(c->vm, 0);
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

static int open_output(struct console *c, const struct vm_config *cfg)
{
	switch (cfg->console) {
	case CONSOLE_STDIO:
		c->out_fd = STDOUT_FILENO;
		return 0;
	case CONSOLE_NONE:
		c->out_fd = -1;
		c->out_dead = true;
		return 0;
	case CONSOLE_FILE:
		c->out_fd = open(cfg->console_path,
				 O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (c->out_fd < 0) {
			log_err("cannot open console file '%s': %s",
				cfg->console_path, strerror(errno));
			return -1;
		}
		c->close_out = true;
		return 0;
	}
	return -1;
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

struct console *console_open(struct vm *vm)
{
	struct event_base *base = backend_base(vm->backend);
	struct console *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->vm = vm;
	c->in_fd = -1;
	if (open_output(c, vm->cfg) < 0)
		goto fail;
	c->out = evbuffer_new();
	c->flush_ev = event_new(base, -1, 0, on_flush, c);
	if (!c->out || !c->flush_ev || evbuffer_enable_locking(c->out, NULL) < 0)
		goto fail;
	if (open_input(c, base) < 0)
		goto fail;
	return c;
fail:
	console_close(c);
	return NULL;
}

void console_close(struct console *c)
{
	if (!c)
		return;
	if (c->out)
		drain_output(c);
	if (c->tty)
		tcsetattr(c->in_fd, TCSANOW, &c->saved_tio);
	if (c->read_ev)
		event_free(c->read_ev);
	if (c->resume_ev)
		event_free(c->resume_ev);
	if (c->flush_ev)
		event_free(c->flush_ev);
	if (c->out)
		evbuffer_free(c->out);
	if (c->close_out && c->out_fd >= 0)
		close(c->out_fd);
	free(c);
}
