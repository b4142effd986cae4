/*
 * Output descriptors that never block hvrun: the guest console and hvrun's
 * own messages go to whatever stdout and stderr are (a terminal, a pipe
 * whose reader may stop reading), and a blocked write must never hold up
 * the loop, a stop or the exit.
 */
#ifndef HVRUN_OUTFD_H
#define HVRUN_OUTFD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct outfd {
	int fd;			/* write here: O_NONBLOCK where it matters */
	int shared_fd;		/* the descriptor we were given */
	int saved_flags;	/* shared_fd's file status flags to restore, or -1 */
	bool owned;		/* fd is our own open file description */
};

/*
 * Make fd writable without blocking. A pipe, FIFO or terminal is opened
 * again through /proc/self/fd, so O_NONBLOCK lands on hvrun's own open
 * file description and not on the one it shares with the shell and the
 * other processes of a pipeline; regular files and block devices never
 * block and are used as they are. Where reopening fails (a socket, no
 * /proc), O_NONBLOCK is set on fd itself and put back by outfd_fini.
 */
void outfd_init(struct outfd *o, int fd);
void outfd_fini(struct outfd *o);

/* Wait up to ms milliseconds (0: do not wait) for room to write. */
bool outfd_wait(const struct outfd *o, int ms);

/*
 * Write all of buf unless the reader leaves no room for wait_ms in all:
 * bytes written, or -1 with errno (EAGAIN: the time ran out first).
 */
ssize_t outfd_write(const struct outfd *o, const void *buf, size_t len,
		    int wait_ms);

/* Milliseconds on the monotonic clock. */
long long outfd_now_ms(void);

#endif
