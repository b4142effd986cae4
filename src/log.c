#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "outfd.h"

/* How long one message may wait for a stalled stderr reader. */
#define LOG_WAIT_MS 1000

int log_verbosity;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct outfd err_out = { STDERR_FILENO, STDERR_FILENO, -1, false };
static bool err_stalled;		/* a message timed out: do not wait again */
static log_hook_fn hook;
static void *hook_opaque;

void log_open(void)
{
	pthread_mutex_lock(&log_lock);
	outfd_init(&err_out, STDERR_FILENO);
	pthread_mutex_unlock(&log_lock);
}

void log_close(void)
{
	pthread_mutex_lock(&log_lock);
	outfd_fini(&err_out);
	pthread_mutex_unlock(&log_lock);
}

void log_set_hook(log_hook_fn fn, void *opaque)
{
	pthread_mutex_lock(&log_lock);
	hook = fn;
	hook_opaque = opaque;
	pthread_mutex_unlock(&log_lock);
}

/* Under log_lock: the console's output first, then ours on a fresh line. */
static void emit(const char *text, size_t len)
{
	int saved = errno;

	if (hook && hook(hook_opaque))
		outfd_write(&err_out, "\n", 1, err_stalled ? 0 : LOG_WAIT_MS);
	if (outfd_write(&err_out, text, len, err_stalled ? 0 : LOG_WAIT_MS) !=
	    (ssize_t)len && errno == EAGAIN)
		err_stalled = true;
	errno = saved;
}
/* Setup steps print why they fail and return -1: the report takes the
 * reason from here. Written once, by the first error's thread. */
static atomic_flag have_first_error = ATOMIC_FLAG_INIT;
static char first_error[256];

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	/* One write per line keeps lines from different threads whole. */
	char line[1024];
	int n = snprintf(line, sizeof(line), "hvrun: %s", prefix);

	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		return;
	vsnprintf(line + n, sizeof(line) - 1 - (size_t)n, fmt, ap);
	n = (int)strlen(line);
	line[n++] = '\n';
	pthread_mutex_lock(&log_lock);
	emit(line, (size_t)n);
	pthread_mutex_unlock(&log_lock);
}

void log_text(const char *text)
{
	pthread_mutex_lock(&log_lock);
	emit(text, strlen(text));
	pthread_mutex_unlock(&log_lock);
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
