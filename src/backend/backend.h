/*
 * The backend: one libevent loop, run by the main thread, that owns every
 * file descriptor (console, timers, signals) and serves every vCPU.
 */
#ifndef HVRUN_BACKEND_H
#define HVRUN_BACKEND_H

#include <stdint.h>

struct vm;
struct event_base;
struct backend;
struct wake;

/* Loop, --timeout timer, SIGINT/SIGTERM/SIGHUP handlers. NULL on failure. */
struct backend *backend_new(struct vm *vm);
struct event_base *backend_base(struct backend *b);

/* Dispatch events until backend_stop. */
int backend_run(struct backend *b);
/* Make backend_run return. Any thread, any time, even before it runs.
 * Also signals the I/O wake-up, so its waiters see the stop. */
void backend_stop(struct backend *b);
/*
 * Signalled (wake.h) whenever host input may have become ready for a
 * device that has no handler of its own (a network frame, console input
 * a front-end took), and at stop. Whoever waits for host input (the PV
 * poll call) sleeps on it; the backend does not know who that is.
 */
struct wake *backend_io_wake(struct backend *b);
void backend_free(struct backend *b);

/*
 * Run fn(arg) on the backend thread and return its result; the calling
 * (vCPU) thread waits. Requests queued before the backend stops still run
 * (written data is never dropped); after that, -EIO without running fn.
 */
int64_t backend_call(struct backend *b, int64_t (*fn)(void *arg), void *arg);

#endif
