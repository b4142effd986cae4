/* The libevent loop behind every device and front-end. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "../log.h"
#include "../status.h"
#include "../vm.h"
#include "../wake.h"
#include "backend.h"

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NR_STOP_SIGNALS (sizeof(stop_signals) / sizeof(stop_signals[0]))

/* A vCPU's request, on the stack of the waiting thread. */
struct backend_req {
	int64_t (*fn)(void *arg);
	void *arg;
	int64_t result;
	bool done;
	struct backend_req *next;
};

struct backend {
	struct vm *vm;
	struct event_base *base;
	struct event *stop_ev;		/* activated by backend_stop */
	struct event *req_ev;		/* activated when a request is queued */
	pthread_mutex_t req_lock;
	pthread_cond_t req_done;
	struct backend_req *req_head, **req_tail;
	bool req_closed;		/* the loop has stopped serving */
	struct event *timeout_ev;
	int signal_fd;			/* signalfd for stop_signals */
	struct event *signal_ev;
	struct wake io_wake;		/* host input may be ready (backend.h) */
};

/* Run every queued request; with close, refuse new ones afterwards. */
static void run_requests(struct backend *b, bool close)
{
	struct backend_req *r;

	pthread_mutex_lock(&b->req_lock);
	while ((r = b->req_head) != NULL) {
		b->req_head = r->next;
		if (!b->req_head)
			b->req_tail = &b->req_head;
		pthread_mutex_unlock(&b->req_lock);
		r->result = r->fn(r->arg);
		pthread_mutex_lock(&b->req_lock);
		r->done = true;
	}
	if (close)
		b->req_closed = true;
	pthread_cond_broadcast(&b->req_done);
	pthread_mutex_unlock(&b->req_lock);
}

static void on_request(evutil_socket_t fd, short what, void *arg)
{
	run_requests(arg, false);
}

int64_t backend_call(struct backend *b, int64_t (*fn)(void *arg), void *arg)
{
	struct backend_req r = { .fn = fn, .arg = arg };

	pthread_mutex_lock(&b->req_lock);
	if (b->req_closed) {
		pthread_mutex_unlock(&b->req_lock);
		return -EIO;
	}
	*b->req_tail = &r;
	b->req_tail = &r.next;
	pthread_mutex_unlock(&b->req_lock);
	event_active(b->req_ev, EV_READ, 0);

	pthread_mutex_lock(&b->req_lock);
	while (!r.done)
		pthread_cond_wait(&b->req_done, &b->req_lock);
	pthread_mutex_unlock(&b->req_lock);
	return r.result;
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct backend *b = arg;

	event_base_loopbreak(b->base);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct backend *b = arg;
	uint64_t ms = b->vm->cfg->timeout_ms;

	log_err("timeout: guest still running after %llu.%03llu s",
		(unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000));
	vm_stop(b->vm, STATUS_TIMEOUT, STOP_TIMEOUT,
		"--timeout: the guest still ran after %llu.%03llu s",
		(unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000));
}

static void on_signal(evutil_socket_t fd, short what, void *arg)
{
	struct backend *b = arg;
	struct signalfd_siginfo si;

	while (read(b->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		log_info(1, "stopping on signal %s", strsignal((int)si.ssi_signo));
		vm_stop(b->vm, STATUS_SIGNAL((int)si.ssi_signo), STOP_SIGNAL,
			"stopped by signal %d (%s)", (int)si.ssi_signo,
			strsignal((int)si.ssi_signo));
	}
}

static int add_timeout(struct backend *b)
{
	uint64_t ms = b->vm->cfg->timeout_ms;
	struct timeval tv = {
		.tv_sec = (time_t)(ms / 1000),
		.tv_usec = (suseconds_t)(ms % 1000) * 1000,
	};

	if (!ms)
		return 0;
	b->timeout_ev = evtimer_new(b->base, on_timeout, b);
	return b->timeout_ev ? evtimer_add(b->timeout_ev, &tv) : -1;
}

/*
 * SIGINT, SIGTERM and SIGHUP stay blocked in every thread (vCPU threads
 * inherit the mask) and are read from a signalfd on the loop: a signal
 * that arrives at any moment, even before the loop runs, waits there
 * instead of racing an asynchronous handler.
 */
static int add_signals(struct backend *b)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < NR_STOP_SIGNALS; i++)
		sigaddset(&set, stop_signals[i]);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	b->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (b->signal_fd < 0)
		return -1;
	b->signal_ev = event_new(b->base, b->signal_fd, EV_READ | EV_PERSIST,
				 on_signal, b);
	return b->signal_ev ? event_add(b->signal_ev, NULL) : -1;
}


/* libevent's own warnings are about our use of it: show them with -vv. */
static void libevent_log(int severity, const char *msg)
{
	log_info(severity >= EVENT_LOG_ERR ? 1 : 2, "libevent: %s", msg);
}

/*
 * libevent reads CLOCK_MONOTONIC_COARSE by default, whose ticks of a few
 * ms let a timer fire that much early: --timeout 0.5 must never end a run
 * before 0.5 s have passed.
 */
static struct event_base *new_base(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	if (!cfg)
		return NULL;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

struct backend *backend_new(struct vm *vm)
{
	struct backend *b;

	event_set_log_callback(libevent_log);
	/* vCPU threads queue work and wake the loop: libevent must lock. */
	if (evthread_use_pthreads() < 0) {
		log_err("libevent has no pthreads support");
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->vm = vm;
	wake_init(&b->io_wake);
	b->signal_fd = -1;
	pthread_mutex_init(&b->req_lock, NULL);
	pthread_cond_init(&b->req_done, NULL);
	b->req_tail = &b->req_head;
	b->base = new_base();
	if (!b->base)
		goto fail;
	b->stop_ev = event_new(b->base, -1, 0, on_stop, b);
	b->req_ev = event_new(b->base, -1, 0, on_request, b);
	if (!b->stop_ev || !b->req_ev || add_timeout(b) < 0 || add_signals(b) < 0)
		goto fail;
	return b;
fail:
	log_err("cannot set up the event loop");
	backend_free(b);
	return NULL;
}

struct event_base *backend_base(struct backend *b)
{
	return b->base;
}

int backend_run(struct backend *b)
{
	int ret;

	/* Run even with nothing pending: vCPUs will activate events. */
	ret = event_base_loop(b->base, EVLOOP_NO_EXIT_ON_EMPTY) < 0 ? -1 : 0;
	/* Finish what vCPUs asked for before the stop; refuse the rest. */
	run_requests(b, true);
	return ret;
}

struct wake *backend_io_wake(struct backend *b)
{
	return &b->io_wake;
}

void backend_stop(struct backend *b)
{
	/* An activated event survives until the loop runs, unlike loopbreak. */
	event_active(b->stop_ev, EV_READ, 0);
	wake_signal(&b->io_wake);	/* waiters see that the VM stops */
}

void backend_free(struct backend *b)
{
	if (!b)
		return;
	if (b->signal_ev)
		event_free(b->signal_ev);
	if (b->signal_fd >= 0)
		close(b->signal_fd);
	if (b->timeout_ev)
		event_free(b->timeout_ev);
	if (b->stop_ev)
		event_free(b->stop_ev);
	if (b->req_ev)
		event_free(b->req_ev);
	pthread_mutex_destroy(&b->req_lock);
	pthread_cond_destroy(&b->req_done);
	wake_destroy(&b->io_wake);
	if (b->base)
		event_base_free(b->base);
	free(b);
}
