/*
 * virtiofsd, the virtio-fs back-end hvrun starts for --share. It does its
 * own sandboxing (namespaces, seccomp) and path resolution; hvrun gives
 * it a listening socket (--fd) that no other process can reach, a
 * read-only view of the directory when asked, and ends it with the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../log.h"
#include "../sandbox.h"
#include "virtiofsd.h"

#define DEBIAN_PATH	"/usr/lib/qemu/virtiofsd"
#define LISTEN_FD	3	/* the child's --fd */
#define STOP_WAIT_MS	2000

static bool executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

const char *virtiofsd_find(const char *given)
{
	static char found[4096];
	const char *path = getenv("PATH");

	if (given) {
		if (executable(given))
			return given;
		log_err("--virtiofsd %s: not an executable file", given);
		return NULL;
	}
	while (path && *path) {
		size_t n = strcspn(path, ":");

		if (n && (size_t)snprintf(found, sizeof(found), "%.*s/virtiofsd",
					  (int)n, path) < sizeof(found) &&
		    executable(found))
			return found;
		path += n + (path[n] == ':');
	}
	if (executable(DEBIAN_PATH))
		return DEBIAN_PATH;
	log_err("--share needs virtiofsd: none on PATH nor at " DEBIAN_PATH
		" (Debian: apt install qemu-system-common; or --virtiofsd PATH)");
	return NULL;
}

/* A listening socket in a private directory, hvrun connected to it, and
 * the name gone again: the child accepts hvrun and nobody else. */
static int make_pair(int *listen_fd)
{
	char dir[] = "/tmp/hvrun-fs.XXXXXX";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int l, c = -1;

	*listen_fd = -1;
	if (!mkdtemp(dir))
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l >= 0 && bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    listen(l, 1) == 0) {
		c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c >= 0 && connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			close(c);
			c = -1;
		}
	}
	unlink(sa.sun_path);
	rmdir(dir);
	if (c < 0) {
		if (l >= 0)
			close(l);
		return -1;
	}
	*listen_fd = l;
	return c;
}

static void child_fail(const char *what)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "hvrun: virtiofsd: %s: %s\n", what,
			 strerror(errno));

	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		_exit(125);
	_exit(125);
}

/* The whole tree under dir read-only, in a mount namespace of our own. */
static void read_only_view(const char *dir)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

	if (unshare(CLONE_NEWNS) < 0)
		child_fail("read-only share: unshare(CLONE_NEWNS)");
	/* dir becomes a mount of its own (not / itself: virtiofsd's
	 * pivot_root would refuse a root stacked on itself). */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    (strcmp(dir, "/") && mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) < 0))
		child_fail("read-only share: bind mount");
	if (mount_setattr(AT_FDCWD, dir, AT_RECURSIVE, &attr, sizeof(attr)) == 0)
		return;
	/* Before Linux 5.12: the top mount only. */
	if (mount(NULL, dir, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		child_fail("read-only share: remount");
}

/* In the child: async-signal-safe calls only (hvrun has threads). */
static void child(int listen_fd, char *const argv[], const char *dir,
		  bool ro, pid_t parent)
{
	sigset_t none;

	/* Dies with hvrun's main thread, whoever kills it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(125);
	/* Out of the terminal's process group: ^C is for hvrun, which
	 * ends it in order. */
	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (ro)
		read_only_view(dir);
	if (listen_fd == LISTEN_FD ? fcntl(LISTEN_FD, F_SETFD, 0) < 0 :
	    dup2(listen_fd, LISTEN_FD) < 0)
		child_fail("socket");
	dup2(STDERR_FILENO, STDOUT_FILENO);	/* the console is the guest's */
	execv(argv[0], argv);
	child_fail(argv[0]);
}

int virtiofsd_start(struct virtiofsd *d, const char *binary, const char *dir,
		    bool ro)
{
	char source[sizeof(d->path) + 8];
	/* Its namespace sandbox pivot_roots into the directory, which it
	 * cannot do when that is / already: there chroot is all it needs. */
	char *argv[] = {
		(char *)binary, "--fd=3", "-o", source, "-o", "cache=auto",
		"-o", "log_level=err", "-o", "sandbox=chroot", NULL,
	};
	pid_t parent = getpid();
	int listen_fd, conn;
	struct stat st;

	d->pid = -1;
	d->dir = dir;
	if (!realpath(dir, d->path) || stat(d->path, &st) < 0) {
		log_err("--share %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("--share %s: not a directory", dir);
		return -1;
	}
	snprintf(source, sizeof(source), "source=%s", d->path);
	if (strcmp(d->path, "/"))
		argv[8] = NULL;
	dir = d->path;
	conn = make_pair(&listen_fd);
	if (conn < 0) {
		log_err("--share %s: cannot make virtiofsd's socket: %s", dir,
			strerror(errno));
		return -1;
	}
	d->pid = fork();
	if (d->pid == 0)
		child(listen_fd, argv, dir, ro, parent);
	close(listen_fd);
	if (d->pid < 0) {
		log_err("--share %s: fork: %s", dir, strerror(errno));
		close(conn);
		return -1;
	}
	sandbox_allow_child(d->pid);
	log_info(1, "--share %s%s: %s, pid %d", dir, ro ? ",ro" : "", binary,
		 (int)d->pid);
	return conn;
}

int virtiofsd_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("--vhost-user-fs %s: path too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	log_err("--vhost-user-fs %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static bool reap(struct virtiofsd *d, int flags)
{
	if (d->pid <= 0 || d->reaped)
		return d->reaped;
	if (waitpid(d->pid, &d->status, flags) == d->pid)
		d->reaped = true;
	return d->reaped;
}

static const char *describe(const struct virtiofsd *d, char *buf, size_t len)
{
	if (WIFSIGNALED(d->status))
		snprintf(buf, len, "was killed by signal %d (%s)",
			 WTERMSIG(d->status), strsignal(WTERMSIG(d->status)));
	else
		snprintf(buf, len, "exited with status %d",
			 WEXITSTATUS(d->status));
	return buf;
}

const char *virtiofsd_exited(struct virtiofsd *d)
{
	static char msg[128];
	char how[96];

	if (!reap(d, WNOHANG))
		return "";
	snprintf(msg, sizeof(msg), " (virtiofsd %s)", describe(d, how, sizeof(how)));
	return msg;
}

void virtiofsd_stop(struct virtiofsd *d)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	char how[96];

	if (d->pid <= 0)
		return;
	if (reap(d, WNOHANG)) {
		log_err("virtiofsd for --share %s (pid %d) %s during the run",
			d->dir, (int)d->pid, describe(d, how, sizeof(how)));
		return;
	}
	kill(d->pid, SIGTERM);
	for (int i = 0; i < STOP_WAIT_MS / 10 && !reap(d, WNOHANG); i++)
		nanosleep(&tick, NULL);
	if (!d->reaped) {
		log_err("virtiofsd for --share %s (pid %d) ignored SIGTERM: killing it",
			d->dir, (int)d->pid);
		kill(d->pid, SIGKILL);
		reap(d, 0);
	}
}
