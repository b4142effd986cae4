/* The guest console: host terminal, a file, or nothing. Output comes from
 * any vCPU thread; input is read on the backend loop. */
#ifndef HVRUN_CONSOLE_H
#define HVRUN_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

struct vm;
struct console;

/*
 * Offer len input bytes to the device; it returns how many it took. Bytes
 * it did not take are offered again after console_input_ready.
 */
typedef size_t (*console_input_fn)(void *opaque, const uint8_t *buf, size_t len);

/* Open what --console names; stdin goes raw when it is a terminal. */
struct console *console_open(struct vm *vm);
/* Flush output, restore the terminal, close. */
void console_close(struct console *c);

/* Queue guest output. Any thread; never blocks for long. */
void console_write(struct console *c, const void *buf, size_t len);

/* Connect host input to one device (COM1). */
void console_set_input(struct console *c, console_input_fn fn, void *opaque);
/* The device has room again. Any thread. */
void console_input_ready(struct console *c);

#endif
