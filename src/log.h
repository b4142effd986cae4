/* Messages: one line each, prefixed "hvrun: ". */
#ifndef HVRUN_LOG_H
#define HVRUN_LOG_H

extern int log_verbosity;

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first log_err line of the run (no "hvrun: "), or "". */
const char *log_first_error(void);
/* Printed when -v was given at least level times. */
void log_info(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
