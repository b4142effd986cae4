/* Output descriptors that never block hvrun. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "outfd.h"

void outfd_init(struct outfd *o, int fd)
{
	char path[32];
	struct stat st;
	int flags;

	o->fd = o->shared_fd = fd;
	o->saved_flags = -1;
	o->owned = false;
	if (fd < 0 || fstat(fd, &st) < 0 || S_ISREG(st.st_mode) ||
	    S_ISBLK(st.st_mode))
		return;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		o->fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (o->fd >= 0) {
			o->owned = true;
			return;
		}
		o->fd = fd;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0 && !(flags & O_NONBLOCK) &&
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0)
		o->saved_flags = flags;
}

void outfd_fini(struct outfd *o)
{
	if (o->owned)
		close(o->fd);
	else if (o->saved_flags >= 0)
		fcntl(o->shared_fd, F_SETFL, o->saved_flags);
	o->fd = o->shared_fd;
	o->owned = false;
	o->saved_flags = -1;
}

long long outfd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool outfd_wait(const struct outfd *o, int ms)
{
	struct pollfd p = { .fd = o->fd, .events = POLLOUT };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

ssize_t outfd_write(const struct outfd *o, const void *buf, size_t len,
		    int wait_ms)
{
	const char *p = buf;
	long long deadline = outfd_now_ms() + wait_ms;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(o->fd, p + done, len - done);
		long long left;

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO;
		if (n == 0 || errno != EAGAIN)
			return done ? (ssize_t)done : -1;
		left = deadline - outfd_now_ms();
		if (left <= 0 || !outfd_wait(o, (int)left)) {
			if (done)
				return (ssize_t)done;
			errno = EAGAIN;
			return -1;
		}
	}
	return (ssize_t)done;
}
