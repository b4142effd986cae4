#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#include "log.h"

int log_verbosity;

/* Setup steps print why they fail and return -1: the report takes the
 * reason from here. Written once, by the first error's thread. */
static atomic_flag have_first_error = ATOMIC_FLAG_INIT;
static char first_error[256];

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	/* One fprintf per line keeps lines from different threads whole. */
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "hvrun: %s%s\n", prefix, line);
}

void log_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!atomic_flag_test_and_set(&have_first_error)) {
		va_list copy;

		va_copy(copy, ap);
		vsnprintf(first_error, sizeof(first_error), fmt, copy);
		va_end(copy);
	}
	vlog("", fmt, ap);
	va_end(ap);
}

const char *log_first_error(void)
{
	return first_error;
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void log_info(int level, const char *fmt, ...)
{
	va_list ap;

	if (log_verbosity < level)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}
