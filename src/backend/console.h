/* The guest console: host terminal, a file, or nothing. Output comes from
 * any vCPU thread; input is read on the backend loop. */
#ifndef HVRUN_CONSOLE_H
#define HVRUN_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct console;

/* Bytes of guest output the console holds while its reader catches up. */
#define CONSOLE_OUT_BUF (64u << 10)

/*
 * Offer len input bytes to the device; it returns how many it took. Bytes
 * it did not take are offered again after console_input_ready.
 */
typedef size_t (*console_input_fn)(void *opaque, const uint8_t *buf, size_t len);
/* The console has room for output again: backend thread. */
typedef void (*console_room_fn)(void *opaque);

/* Open what --console names; stdin goes raw when it is a terminal. */
struct console *console_open(struct vm *vm);
/*
 * Flush output, waiting a little for a slow reader but never for one that
 * has stopped (what is left is dropped, with a warning), restore the
 * terminal, close.
 */
void console_close(struct console *c);

/*
 * Queue guest output without waiting: the bytes taken, fewer than len
 * when the buffer is full (the reader is slower than the guest). Output
 * that is discarded (--console none, a reader that went away) is taken
 * whole. Any thread.
 */
size_t console_write(struct console *c, const void *buf, size_t len);
/*
 * Is there room for need bytes of output (always, while output is
 * discarded)? If not, the console_on_room functions run once there is
 * more. Any thread.
 */
bool console_has_room(struct console *c, size_t need);
/*
 * Wait until there is room for output or the VM stops (false). Only a
 * vCPU thread waits, never the backend loop.
 */
bool console_wait_room(struct console *c);
/* Call fn on the loop when output found room after a full buffer. */
int console_on_room(struct console *c, console_room_fn fn, void *opaque);
/* The VM stops: vCPUs waiting for room go on. Any thread. */
void console_stop(struct console *c);

/* Connect host input to one device (COM1). */
void console_set_input(struct console *c, console_input_fn fn, void *opaque);

/*
 * --snapshot-at: call fn(opaque) once, on the writing thread, as soon as
 * the guest's output contains pattern (it may span writes). Set-up only.
 * -1 for an empty pattern or one longer than CONSOLE_WATCH_MAX.
 */
#define CONSOLE_WATCH_MAX 256
typedef void (*console_watch_fn)(void *opaque);
int console_set_watch(struct console *c, const char *pattern,
		      console_watch_fn fn, void *opaque);
/* The device has room again. Any thread. */
void console_input_ready(struct console *c);

#endif
