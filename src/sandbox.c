/*
 * seccomp-bpf allowlists (libseccomp), one per thread role, each compiled
 * to BPF once. Filters are per thread: each vCPU
 * thread confines itself when it starts, the main (backend) thread once
 * every vCPU runs. What setup needs (opening images, /dev/kvm, sockets,
 * tap) is done by then.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "status.h"

/* Every thread: memory, locks, signals, time, exit, and the I/O that
 * logging and queueing console output need. ioctl is KVM's interface. */
static const int common_calls[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(close),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek),
	SCMP_SYS(fcntl), SCMP_SYS(ioctl), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect),
	SCMP_SYS(madvise), SCMP_SYS(mremap), SCMP_SYS(brk),
	SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigaction), SCMP_SYS(sigaltstack),
	SCMP_SYS(restart_syscall), SCMP_SYS(tgkill), SCMP_SYS(tkill),
	SCMP_SYS(gettid), SCMP_SYS(getpid), SCMP_SYS(sched_yield),
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep),
	SCMP_SYS(nanosleep), SCMP_SYS(getrandom), SCMP_SYS(exit),
	SCMP_SYS(timerfd_settime),	/* a vCPU programs the PIT */
	SCMP_SYS(exit_group),
};

/* vCPU threads start other vCPUs (PV vcpu_start), confine those, and
 * write --core files. */
static const int vcpu_calls[] = {
	SCMP_SYS(clone), SCMP_SYS(clone3), SCMP_SYS(seccomp), SCMP_SYS(prctl),
	SCMP_SYS(openat), SCMP_SYS(ftruncate), SCMP_SYS(fsync),
};

/* The loop: epoll, disk and network I/O (fallocate: virtio-blk discard),
 * the gdb connection, teardown. */
static const int backend_calls[] = {
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(preadv), SCMP_SYS(pwritev), SCMP_SYS(fdatasync),
	SCMP_SYS(fsync), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
	SCMP_SYS(sendmsg), SCMP_SYS(recvmsg), SCMP_SYS(accept),
	SCMP_SYS(accept4), SCMP_SYS(shutdown), SCMP_SYS(setsockopt),
	SCMP_SYS(getsockopt), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(unlink), SCMP_SYS(unlinkat), SCMP_SYS(fallocate),
};

/* SIGSYS from the filter: say which call, then end (async-signal-safe). */
static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	char msg[96];
	int n = snprintf(msg, sizeof(msg),
			 "hvrun: sandbox: system call %d is not allowed\n",
			 si->si_syscall);

	(void)sig;
	(void)ctx;
	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		_exit(STATUS_CANNOT_RUN);
	_exit(STATUS_CANNOT_RUN);
}

bool sandbox_supported(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
	return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return false;
#else
	return true;
#endif
#else
	return true;
#endif
}

static int allow(scmp_filter_ctx ctx, const int *calls, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0) < 0)
			return -1;
	return 0;
}

/*
 * Each role's filter as BPF, compiled once by sandbox_prepare: libseccomp
 * takes ~250 us to build and load a filter, which every vCPU thread paid
 * before its first KVM_RUN. vm.c has the vCPUs' compiled beside other
 * set-up, the backend's as the main thread confines itself.
 */
#define MAX_INSNS 1024
static struct {
	struct sock_filter insn[MAX_INSNS];
	unsigned short len;
} prog[2];

/* libseccomp 2.5 exports BPF only to a file descriptor: a pipe holds it. */
static int export_bpf(scmp_filter_ctx ctx, enum sandbox_role role)
{
	int p[2], err;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	err = seccomp_export_bpf(ctx, p[1]);
	close(p[1]);
	n = err ? -1 : read(p[0], prog[role].insn, sizeof(prog[role].insn));
	close(p[0]);
	if (err)
		return err;
	/* A full buffer may mean a longer program: refuse rather than cut. */
	if (n <= 0 || (size_t)n % sizeof(struct sock_filter) ||
	    (size_t)n == sizeof(prog[role].insn))
		return -E2BIG;
	prog[role].len = (unsigned short)((size_t)n / sizeof(struct sock_filter));
	return 0;
}

static int build(enum sandbox_role role)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	int err = -ENOMEM;

	if (!ctx)
		return err;
	err = -EINVAL;
	if (allow(ctx, common_calls, sizeof(common_calls) / sizeof(int)) < 0)
		goto out;
	if (role == SANDBOX_VCPU &&
	    allow(ctx, vcpu_calls, sizeof(vcpu_calls) / sizeof(int)) < 0)
		goto out;
	if (role == SANDBOX_BACKEND &&
	    allow(ctx, backend_calls, sizeof(backend_calls) / sizeof(int)) < 0)
		goto out;
	err = export_bpf(ctx, role);
out:
	seccomp_release(ctx);
	return err;
}

int sandbox_prepare(enum sandbox_role role)
{
	int err = prog[role].len ? 0 : build(role);

	if (err) {
		log_err("cannot build the sandbox filter: %s (try --no-sandbox)",
			strerror(-err));
		return -1;
	}
	return 0;
}

int sandbox_enter(enum sandbox_role role)
{
	struct sock_fprog fp = {
		.len = prog[role].len,
		.filter = prog[role].insn,
	};
	struct sigaction sa;

	if (!fp.len) {
		if (sandbox_prepare(role) < 0)
			return -1;
		fp.len = prog[role].len;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0) {
		log_err("cannot enter the sandbox: %s (try --no-sandbox)",
			strerror(errno));
		return -1;
	}
	return 0;
}
