/* Messages: one line each, prefixed "hvrun: ". */
#ifndef HVRUN_LOG_H
#define HVRUN_LOG_H

#include <stdbool.h>

extern int log_verbosity;

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first log_err line of the run (no "hvrun: "), or "". */
const char *log_first_error(void);
/* Printed when -v was given at least level times. */
void log_info(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Lines formatted elsewhere (a crash report), each ending in '\n'. */
void log_text(const char *text);

/*
 * From now on write stderr without ever blocking on it: a line that the
 * reader leaves no room for within a second is dropped (and later ones
 * do not wait). log_close puts stderr back as it was.
 */
void log_open(void);
void log_close(void);

/*
 * Called before each message (the console flushes the guest's output, so
 * that it comes first in a `2>&1` log); true when the guest left a line
 * unfinished on the same destination and the message needs a fresh line.
 */
typedef bool (*log_hook_fn)(void *opaque);
void log_set_hook(log_hook_fn fn, void *opaque);

#endif
