/*
 * The virtio-fs back-end process: virtiofsd, started by hvrun for
 * --share, or a socket the user's back-end listens on (--vhost-user-fs).
 */
#ifndef HVRUN_VIRTIOFSD_H
#define HVRUN_VIRTIOFSD_H

#include <stdbool.h>
#include <sys/types.h>

struct virtiofsd {
	pid_t pid;		/* -1: none started */
	const char *dir;	/* as given */
	char path[4096];	/* its real path */
	bool reaped;
	int status;		/* wait status once reaped */
};

/*
 * The virtiofsd to run: given (--virtiofsd), else the first on PATH,
 * else Debian's /usr/lib/qemu/virtiofsd. NULL, with a message, when none
 * is executable.
 */
const char *virtiofsd_find(const char *given);

/*
 * Start binary serving dir, read-only when ro (a read-only bind mount of
 * dir in a private mount namespace: Debian 12's virtiofsd has no switch
 * for it), on a listening socket nobody else can reach, and connect to
 * it. The child dies with hvrun's main thread (PR_SET_PDEATHSIG).
 * Before the sandbox. Returns hvrun's end, or -1 with a message.
 */
int virtiofsd_start(struct virtiofsd *d, const char *binary, const char *dir,
		    bool ro);

/* Connect to a back-end listening on path: the socket, or -1 with a message. */
int virtiofsd_connect(const char *path);

/* " (virtiofsd exited with status N)" when it already ended, else "". */
const char *virtiofsd_exited(struct virtiofsd *d);

/* End it (SIGTERM, SIGKILL after 2 s) and reap it; say so when it had
 * ended on its own. Safe when none was started. */
void virtiofsd_stop(struct virtiofsd *d);

#endif
