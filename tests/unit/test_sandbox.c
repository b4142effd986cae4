/*
 * The sandbox's roles in a harness: each case forks, the child confines
 * itself as hvrun's vCPU or backend thread would (sandbox.c as linked
 * into hvrun) and makes one call; the parent checks the outcome: the call
 * worked, failed with an errno, or ended the child with status 125 and a
 * line naming the call and the role. A plain program rather than a Check
 * suite: Check's own calls in the child would meet the filter too.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "sandbox.h"

#define TRAPPED 125	/* the SIGSYS handler's exit status */

static char dir[] = "/tmp/hvrun-sandbox.XXXXXX";
static char keep_path[64], own_path[64];
static int failures;

/* Each case: set up (unconfined), confine, act; returns the child's
 * exit status (0: the call did what it should). */
typedef int (*case_fn)(void);

static int run_case(const char *name, enum sandbox_role role,
		    int (*setup)(void), case_fn act, int want,
		    const char *want_err)
{
	int pipefd[2], status;
	char err[512] = "";
	ssize_t n;
	pid_t pid;

	if (pipe(pipefd) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		if (setup && setup() < 0)
			_exit(90);
		if (sandbox_enter(role) < 0)
			_exit(91);
		_exit(act());
	}
	close(pipefd[1]);
	n = read(pipefd[0], err, sizeof(err) - 1);
	err[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != want ||
	    (want_err && !strstr(err, want_err))) {
		printf("FAIL: %s: status 0x%x, want exit %d; stderr: %s\n",
		       name, status, want, err);
		failures++;
		return -1;
	}
	printf("ok: %s%s%s", name, *err ? ": " : "\n", err);
	return 0;
}

static int do_openat(void)
{
	int fd = open("/etc/passwd", O_RDONLY);

	return fd < 0 && errno == EACCES ? 0 : 1;
}

static int do_create(void)
{
	int fd = openat(AT_FDCWD, keep_path, O_WRONLY | O_CREAT, 0600);

	return fd < 0 && errno == EACCES ? 0 : 1;
}

static pid_t victim;

static int do_tgkill_other(void)
{
	syscall(SYS_tgkill, victim, victim, SIGTERM);
	return 0;
}

static int do_tgkill_self(void)
{
	/* pthread_kill is tgkill on our own pid: how vCPUs are kicked. */
	signal(SIGUSR1, SIG_IGN);
	return pthread_kill(pthread_self(), SIGUSR1) == 0 ? 0 : 1;
}

static int do_tkill(void)
{
	syscall(SYS_tkill, victim, SIGTERM);
	return 0;
}

static int pty = -1;

static int open_pty(void)
{
	pty = posix_openpt(O_RDWR | O_NOCTTY);
	return pty >= 0 && grantpt(pty) == 0 && unlockpt(pty) == 0 ? 0 : -1;
}

static int do_tiocsti(void)
{
	char c = 'x';

	ioctl(pty, TIOCSTI, &c);
	return 0;
}

static int do_tcgets(void)
{
	struct termios t;

	return tcgetattr(pty, &t) == 0 ? 0 : 1;
}

static int do_clone_newuser(void)
{
	syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	return 0;
}

static void *thread_fn(void *arg)
{
	return arg;
}

static int do_thread(void)
{
	static int token;
	pthread_t t;
	void *ret = NULL;

	if (pthread_create(&t, NULL, thread_fn, &token) != 0 ||
	    pthread_join(t, &ret) != 0)
		return 1;
	return ret == &token ? 0 : 1;
}

static int do_mprotect_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	mprotect(p, 4096, PROT_READ | PROT_EXEC);
	return 0;
}

static int do_mmap_exec(void)
{
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
	     -1, 0);
	return 0;
}

static int do_malloc_big(void)
{
	/* glibc's own mmap and mprotect, without PROT_EXEC, still work. */
	char *p = malloc(64 << 20);

	if (!p)
		return 1;
	memset(p, 1, 64 << 20);
	free(p);
	return 0;
}

static int do_unlink_other(void)
{
	unlink(keep_path);
	return 0;
}

static int register_own(void)
{
	sandbox_allow_unlink(own_path);
	return 0;
}

static int do_unlink_own(void)
{
	return unlink(own_path) == 0 ? 0 : 1;
}

static int do_sendto_path(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	/* fd 3: a socket made before the filter (make_socket3). */
	strcpy(sa.sun_path, keep_path);
	sendto(3, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa));
	return 0;
}

static int make_socket3(void)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	return fd >= 0 && dup2(fd, 3) == 3 ? 0 : -1;
}

static int do_socket(void)
{
	socket(AF_INET, SOCK_STREAM, 0);
	return 0;
}

/* fd 3 and 4: a connected SOCK_SEQPACKET pair, as a --chan connection. */
static int make_seqpacket34(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		return -1;
	return dup2(sv[0], 3) == 3 && dup2(sv[1], 4) == 4 ? 0 : -1;
}

/* What chan_send_fast and chan_recv_fast do on a vCPU thread. */
static int do_chan_io(void)
{
	struct iovec iov = { .iov_base = "xy", .iov_len = 2 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	char buf[4], hdr;

	if (sendmsg(3, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) != 2)
		return 1;
	if (recv(4, &hdr, 1, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT) != 2)
		return 2;
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	return recvmsg(4, &mh, MSG_DONTWAIT) == 2 ? 0 : 3;
}

/* A blocking send: no role's. */
static int do_sendmsg_blocking(void)
{
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	sendmsg(3, &mh, 0);
	return 0;
}

/* A receive that is not the peek: a vCPU's recvfrom takes nothing. */
static int do_recvfrom_plain(void)
{
	char c;

	recv(4, &c, 1, MSG_DONTWAIT);
	return 0;
}

/* The parent's pty made raw, then a trap: the handler must put it back. */
static int raw_pty(void)
{
	struct termios saved, raw;

	if (tcgetattr(pty, &saved) < 0)
		return -1;
	raw = saved;
	cfmakeraw(&raw);
	if (tcsetattr(pty, TCSANOW, &raw) < 0)
		return -1;
	sandbox_restore_tty(pty, &saved);
	return 0;
}

/* A filter built before a registration it depends on is built again. */
static int prepare_then_raw_pty(void)
{
	return sandbox_prepare(SANDBOX_VCPU) < 0 ? -1 : raw_pty();
}

/* A child (virtiofsd) registered after the build: killed and reaped. */
static pid_t child;

static int prepare_then_child(void)
{
	child = fork();
	if (child == 0) {
		/* Not the harness's pipe: its reader waits for every writer.
		 * Gone in 10 s if a trap leaves it behind. */
		for (int fd = 0; fd < 1024; fd++)
			close(fd);
		alarm(10);
		pause();
		_exit(0);
	}
	if (child < 0 || sandbox_prepare(SANDBOX_BACKEND) < 0)
		return -1;
	sandbox_allow_child(child);
	return 0;
}

static int do_kill_wait_child(void)
{
	int status;

	if (kill(child, SIGTERM) < 0)
		return 1;
	return waitpid(child, &status, 0) == child && WIFSIGNALED(status) ? 0 : 2;
}

static int prepare_then_register(void)
{
	int fd = open(own_path, O_WRONLY | O_CREAT, 0600);	/* unlinked before */

	if (fd < 0)
		return -1;
	close(fd);
	return sandbox_prepare(SANDBOX_BACKEND) < 0 ? -1 : register_own();
}

/* A thread a vCPU starts (PV vcpu_start) confines itself again, from the
 * program built once, without the calls building one takes. */
static void *enter_again(void *arg)
{
	*(int *)arg = sandbox_enter(SANDBOX_VCPU);
	return NULL;
}

static int do_thread_enter(void)
{
	pthread_t t;
	int r = -1;

	if (pthread_create(&t, NULL, enter_again, &r) != 0)
		return 2;
	pthread_join(t, NULL);
	return r == 0 ? 0 : 1;
}

int main(void)
{
	struct termios t;
	int fd;

	if (!sandbox_supported()) {
		printf("SKIP: sanitizer build: no sandbox\n");
		return 77;
	}
	if (!mkdtemp(dir))
		return 1;
	snprintf(keep_path, sizeof(keep_path), "%s/keep", dir);
	snprintf(own_path, sizeof(own_path), "%s/own", dir);
	fd = open(keep_path, O_WRONLY | O_CREAT, 0600);
	close(fd);
	fd = open(own_path, O_WRONLY | O_CREAT, 0600);
	close(fd);
	victim = fork();
	if (victim == 0) {
		pause();
		_exit(0);
	}

	/* Quiet refusals glibc can meet on its own. */
	run_case("vCPU openat -> EACCES", SANDBOX_VCPU, NULL, do_openat, 0, NULL);
	run_case("backend openat O_CREAT -> EACCES", SANDBOX_BACKEND, NULL,
		 do_create, 0, NULL);
	/* What the roles need still works. */
	run_case("vCPU pthread_create", SANDBOX_VCPU, NULL, do_thread, 0, NULL);
	run_case("vCPU pthread_kill of itself", SANDBOX_VCPU, NULL,
		 do_tgkill_self, 0, NULL);
	run_case("vCPU malloc 64 MiB", SANDBOX_VCPU, NULL, do_malloc_big, 0, NULL);
	run_case("backend tcgetattr", SANDBOX_BACKEND, open_pty, do_tcgets, 0, NULL);
	run_case("backend unlink of a registered path", SANDBOX_BACKEND,
		 register_own, do_unlink_own, 0, NULL);
	run_case("vCPU channel send, peek, receive", SANDBOX_VCPU,
		 make_seqpacket34, do_chan_io, 0, NULL);
	run_case("backend channel send, peek, receive", SANDBOX_BACKEND,
		 make_seqpacket34, do_chan_io, 0, NULL);
	run_case("backend unlink of a path registered after a build",
		 SANDBOX_BACKEND, prepare_then_register, do_unlink_own, 0, NULL);
	run_case("backend kill and wait4 of a child registered after a build",
		 SANDBOX_BACKEND, prepare_then_child, do_kill_wait_child, 0, NULL);
	run_case("vCPU thread of a vCPU confines itself", SANDBOX_VCPU, NULL,
		 do_thread_enter, 0, NULL);
	/* Traps: status 125 and a line naming the call and the role. */
	run_case("vCPU tgkill of another process", SANDBOX_VCPU, NULL,
		 do_tgkill_other, TRAPPED, "the vCPU thread may not call tgkill");
	run_case("backend tgkill of another process", SANDBOX_BACKEND, NULL,
		 do_tgkill_other, TRAPPED, "the backend thread may not call tgkill");
	run_case("vCPU tkill", SANDBOX_VCPU, NULL, do_tkill, TRAPPED,
		 "may not call tkill");
	run_case("vCPU TIOCSTI", SANDBOX_VCPU, open_pty, do_tiocsti, TRAPPED,
		 "may not call ioctl");
	run_case("backend TIOCSTI", SANDBOX_BACKEND, open_pty, do_tiocsti,
		 TRAPPED, "0x5412");
	run_case("vCPU clone CLONE_NEWUSER", SANDBOX_VCPU, NULL,
		 do_clone_newuser, TRAPPED, "may not call clone");
	run_case("backend pthread_create fails", SANDBOX_BACKEND, NULL,
		 do_thread, 1, NULL);
	run_case("vCPU mprotect PROT_EXEC", SANDBOX_VCPU, NULL,
		 do_mprotect_exec, TRAPPED, "may not call mprotect");
	run_case("backend mmap PROT_EXEC", SANDBOX_BACKEND, NULL,
		 do_mmap_exec, TRAPPED, "may not call mmap");
	run_case("backend unlink of another path", SANDBOX_BACKEND,
		 register_own, do_unlink_other, TRAPPED, "may not call unlink");
	run_case("vCPU unlink", SANDBOX_VCPU, NULL, do_unlink_other, TRAPPED,
		 "may not call unlink");
	run_case("backend sendto a path", SANDBOX_BACKEND, make_socket3,
		 do_sendto_path, TRAPPED, "may not call sendto");
	run_case("backend socket", SANDBOX_BACKEND, NULL, do_socket, TRAPPED,
		 "may not call socket");
	run_case("vCPU blocking sendmsg", SANDBOX_VCPU, make_seqpacket34,
		 do_sendmsg_blocking, TRAPPED, "may not call sendmsg");
	run_case("vCPU recvfrom that is not a peek", SANDBOX_VCPU,
		 make_seqpacket34, do_recvfrom_plain, TRAPPED,
		 "may not call recvfrom");
	if (open_pty() < 0)
		return 1;
	run_case("trap restores the terminal", SANDBOX_VCPU, raw_pty,
		 do_tiocsti, TRAPPED, "may not call ioctl");
	if (tcgetattr(pty, &t) < 0 || !(t.c_lflag & ICANON) ||
	    !(t.c_lflag & ECHO)) {
		printf("FAIL: the trap left the terminal raw\n");
		failures++;
	}
	run_case("trap restores a terminal registered after a build",
		 SANDBOX_VCPU, prepare_then_raw_pty, do_tiocsti, TRAPPED,
		 "may not call ioctl");
	if (tcgetattr(pty, &t) < 0 || !(t.c_lflag & ICANON) ||
	    !(t.c_lflag & ECHO)) {
		printf("FAIL: the trap left the terminal raw (built before)\n");
		failures++;
	}

	if (access(keep_path, F_OK) < 0) {
		printf("FAIL: %s was removed\n", keep_path);
		failures++;
	}
	if (kill(victim, 0) < 0) {
		printf("FAIL: the other process was killed\n");
		failures++;
	}
	kill(victim, SIGKILL);
	waitpid(victim, NULL, 0);
	unlink(keep_path);
	unlink(own_path);
	rmdir(dir);
	return failures ? 1 : 0;
}
