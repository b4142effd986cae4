/*
 * seccomp-bpf allowlists (libseccomp), one per thread role. Filters are
 * per thread: each vCPU thread confines itself when it starts, the main
 * (backend) thread once every vCPU runs. What setup needs (opening
 * images, /dev/kvm, sockets, tap, the --core file) is done by then.
 *
 * libseccomp builds a role's BPF program once (sandbox_prepare: ~0.2 ms
 * for a role's rules); each thread of the role then only hands that
 * program to the kernel. Set-up prepares the vCPUs' program on its helper
 * thread, so a vCPU thread is confined in one system call before its
 * first KVM_RUN, and every further vCPU reuses it.
 *
 * Arguments are checked where a call is dangerous in general but needed
 * in one form, as crosvm's and Firecracker's policies do: signals only to
 * our own process, clone only for threads, no executable memory, ioctl
 * only the requests the role issues, unlink only the paths hvrun made and
 * sendto an address only on the sockets that answer their senders.
 *
 * A call outside the list traps (SIGSYS): hvrun names the call and the
 * role, puts the terminal back and exits with 125. Calls that glibc makes
 * on its own where a failure is harmless fail with an errno instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <ucontext.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/prctl.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "log.h"
#include "sandbox.h"
#include "status.h"
#include "vm_config.h"

/* Every thread: memory, locks, signals, time, exit, and the I/O that
 * logging and queueing console output need. */
static const int common_calls[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(close),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek),
	SCMP_SYS(fcntl), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(munmap), SCMP_SYS(madvise), SCMP_SYS(mremap), SCMP_SYS(brk),
	SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigaction), SCMP_SYS(sigaltstack),
	SCMP_SYS(restart_syscall), SCMP_SYS(gettid), SCMP_SYS(getpid),
	SCMP_SYS(sched_yield), SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(getrandom),
	SCMP_SYS(exit), SCMP_SYS(exit_group),
};

/* vCPU threads start other vCPUs (PV vcpu_start), which confine
 * themselves, and write the --core file opened at start-up. */
static const int vcpu_calls[] = {
	SCMP_SYS(ftruncate), SCMP_SYS(fsync),
	SCMP_SYS(timerfd_settime),	/* the split irqchip's PIT */
};

/* The loop: epoll, disk and network I/O (fallocate: virtio-blk discard),
 * the gdb connection, teardown, and moving the --report file (created
 * before the sandbox) into place. */
static const int backend_calls[] = {
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(preadv), SCMP_SYS(pwritev), SCMP_SYS(fdatasync),
	SCMP_SYS(fsync), SCMP_SYS(recvfrom), SCMP_SYS(accept),
	SCMP_SYS(accept4), SCMP_SYS(setsockopt),
	SCMP_SYS(getsockopt), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(fallocate),
	SCMP_SYS(timerfd_settime),	/* libevent's precise timers (epoll) */
};

/* Requests on a vCPU fd: the vCPU itself, and gdb (on the loop) while
 * every vCPU is parked. KVM_IRQ_LINE: device models on both. */
static const unsigned long vcpu_ioctls[] = {
	KVM_RUN, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
	KVM_TRANSLATE, KVM_SET_GUEST_DEBUG, KVM_GET_VCPU_EVENTS,
	KVM_SET_VCPU_EVENTS, KVM_KVMCLOCK_CTRL, KVM_IRQ_LINE,
	KVM_INTERRUPT, KVM_SIGNAL_MSI, KVM_SET_GSI_ROUTING,	/* split irqchip */
	KVM_IOEVENTFD,		/* virtio-mmio: when a driver finds the device */
	TCGETS, TIOCGWINSZ,	/* isatty; virtio-console's size */
};
static const unsigned long backend_ioctls[] = {
	KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
	KVM_TRANSLATE, KVM_SET_GUEST_DEBUG, KVM_GET_VCPU_EVENTS,
	KVM_SET_VCPU_EVENTS, KVM_IRQ_LINE,
	KVM_SIGNAL_MSI, KVM_SET_GSI_ROUTING,	/* split irqchip: the PIT, devices */
	TCGETS, FIONREAD,	/* isatty; libevent sizes its reads */
	/* --snapshot: the main thread reads every joined vCPU and the VM. */
	KVM_GET_FPU, KVM_GET_XSAVE, KVM_GET_XSAVE2, KVM_GET_XCRS,
	KVM_GET_MSRS, KVM_GET_LAPIC, KVM_GET_DEBUGREGS, KVM_GET_MP_STATE,
	KVM_GET_IRQCHIP, KVM_GET_PIT2, KVM_GET_CLOCK,
};

/* What glibc's pthread_create passes to clone (nptl's clone_flags). */
#define THREAD_CLONE_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | \
	CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | \
	CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

#define MAX_PATHS 16
#define MAX_NAMES 512

/* Set up before any thread confines itself; read-only afterwards. */
static struct {
	const char *unlink_paths[MAX_PATHS];	/* compared as pointers */
	int nr_unlink;
	const char *rename_from[MAX_PATHS];	/* compared as pointers */
	int nr_rename;
	int reply_fds[MAX_PATHS];
	int nr_reply;
	pid_t children[MAX_PATHS];
	int nr_children;
	int tty_fd;				/* -1: none made raw */
	struct termios tty_saved;
	const char *names[MAX_NAMES];		/* for the trap's message */
} sb = { .tty_fd = -1 };

static pthread_once_t names_once = PTHREAD_ONCE_INIT;
static __thread const char *thread_role;

/* Each role's program, built once (sandbox_prepare, or the role's first
 * sandbox_enter) and forgotten by a registration it depends on. The lock
 * orders registrations with a build on the set-up helper thread. */
static struct {
	pthread_mutex_t lock;
	struct sock_fprog prog[SANDBOX_ROLES];
} built = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void forget_locked(enum sandbox_role role)
{
	free(built.prog[role].filter);
	built.prog[role].filter = NULL;
	built.prog[role].len = 0;
}

/* Registrations: the lists are the backend's, the terminal both roles'. */
static void add_locked(const void **list, int *n, const void *v)
{
	if (*n < MAX_PATHS)
		list[(*n)++] = v;
	forget_locked(SANDBOX_BACKEND);
}

void sandbox_allow_unlink(const char *path)
{
	pthread_mutex_lock(&built.lock);
	add_locked((const void **)sb.unlink_paths, &sb.nr_unlink, path);
	pthread_mutex_unlock(&built.lock);
}

void sandbox_allow_rename(const char *from)
{
	pthread_mutex_lock(&built.lock);
	add_locked((const void **)sb.rename_from, &sb.nr_rename, from);
	pthread_mutex_unlock(&built.lock);
}

void sandbox_allow_reply(int fd)
{
	pthread_mutex_lock(&built.lock);
	if (sb.nr_reply < MAX_PATHS)
		sb.reply_fds[sb.nr_reply++] = fd;
	forget_locked(SANDBOX_BACKEND);
	pthread_mutex_unlock(&built.lock);
}

void sandbox_allow_child(pid_t pid)
{
	pthread_mutex_lock(&built.lock);
	if (sb.nr_children < MAX_PATHS)
		sb.children[sb.nr_children++] = pid;
	forget_locked(SANDBOX_BACKEND);
	pthread_mutex_unlock(&built.lock);
}

void sandbox_restore_tty(int fd, const struct termios *saved)
{
	pthread_mutex_lock(&built.lock);
	sb.tty_saved = *saved;
	sb.tty_fd = fd;
	forget_locked(SANDBOX_VCPU);
	forget_locked(SANDBOX_BACKEND);
	pthread_mutex_unlock(&built.lock);
}

static void resolve_names(void)
{
	for (int i = 0; i < MAX_NAMES; i++)
		sb.names[i] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, i);
}

/*
 * SIGSYS from the filter: put the terminal back, say which call and
 * which thread, then end. Only async-signal-safe work (snprintf of
 * integers and strings does not allocate).
 */
static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	const greg_t *r = ((ucontext_t *)ctx)->uc_mcontext.gregs;
	int nr = si->si_syscall;
	const char *name = nr >= 0 && nr < MAX_NAMES && sb.names[nr] ?
			   sb.names[nr] : "?";
	char msg[192];
	int n;

	(void)sig;
	if (sb.tty_fd >= 0)
		tcsetattr(sb.tty_fd, TCSANOW, &sb.tty_saved);
	n = snprintf(msg, sizeof(msg),
		     "hvrun: sandbox: the %s thread may not call %s(0x%llx, 0x%llx, 0x%llx) (system call %d)\n",
		     thread_role ? thread_role : "?", name,
		     (unsigned long long)r[REG_RDI], (unsigned long long)r[REG_RSI],
		     (unsigned long long)r[REG_RDX], nr);
	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		_exit(STATUS_CANNOT_RUN);
	_exit(STATUS_CANNOT_RUN);
}

bool sandbox_supported(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__) || \
	defined(__SANITIZE_THREAD__)
	return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
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

static int allow_ioctls(scmp_filter_ctx ctx, const unsigned long *req, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_EQ, req[i], 0)) < 0)
			return -1;
	/* Putting the terminal back, from console_close or a trap. */
	if (sb.tty_fd >= 0 &&
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
			     SCMP_A0(SCMP_CMP_EQ, (uint64_t)sb.tty_fd, 0),
			     SCMP_A1(SCMP_CMP_EQ, TCSETS, 0)) < 0)
		return -1;
	return 0;
}

/* Calls that every role makes only in one safe form. */
static int allow_common(scmp_filter_ctx ctx)
{
	int r = 0;

	r |= allow(ctx, common_calls, sizeof(common_calls) / sizeof(int));
	r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
			      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
			      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
			      SCMP_A0(SCMP_CMP_EQ, (uint64_t)getpid(), 0));
	/* glibc opens /proc files on its own (malloc's first trim reads
	 * overcommit_memory): it copes with a refusal, so refuse quietly. */
	r |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0);
	r |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0);
	/* clone3 takes its flags in memory the filter cannot read: glibc
	 * falls back to clone, whose flags it can. */
	r |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	return r < 0 ? -1 : 0;
}

/* pthread_create, and the new thread's own confinement. */
static int allow_threads(scmp_filter_ctx ctx)
{
	int r = 0;

	r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			      SCMP_A0(SCMP_CMP_EQ, THREAD_CLONE_FLAGS, 0));
	r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(seccomp), 1,
			      SCMP_A0(SCMP_CMP_EQ, SECCOMP_SET_MODE_FILTER, 0));
	r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
			      SCMP_A0(SCMP_CMP_EQ, PR_SET_NO_NEW_PRIVS, 0));
	r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
			      SCMP_A0(SCMP_CMP_EQ, PR_SET_SECCOMP, 0));
	return r < 0 ? -1 : 0;
}

/* The backend: unlink and rename only what hvrun created, sendto an address only as
 * a reply, no threads. */
static int allow_paths(scmp_filter_ctx ctx)
{
	int r = 0;

	/* No threads: pthread_create runs clone with every signal blocked,
	 * where a trap could not report, so it fails instead. */
	r |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 0);
	for (int i = 0; i < sb.nr_unlink; i++)
		r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(unlink), 1,
				      SCMP_A0(SCMP_CMP_EQ,
					      (uintptr_t)sb.unlink_paths[i], 0));
	for (int i = 0; i < sb.nr_rename; i++)
		r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rename), 1,
				      SCMP_A0(SCMP_CMP_EQ,
					      (uintptr_t)sb.rename_from[i], 0));
	r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto), 1,
			      SCMP_A4(SCMP_CMP_EQ, 0, 0));
	for (int i = 0; i < sb.nr_reply; i++)
		r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto), 1,
				      SCMP_A0(SCMP_CMP_EQ,
					      (uint64_t)sb.reply_fds[i], 0));
	for (int i = 0; i < sb.nr_children; i++) {
		r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
				      SCMP_A0(SCMP_CMP_EQ,
					      (uint64_t)sb.children[i], 0));
		r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(wait4), 1,
				      SCMP_A0(SCMP_CMP_EQ,
					      (uint64_t)sb.children[i], 0));
	}
	return r < 0 ? -1 : 0;
}

/*
 * Both roles: a vhost-user request (src/vhost/vhost_user.c) from the
 * vCPU that sets a device's queues up, or the loop; --chan's messages
 * (backend/chan.c: a header and the guest's message in one packet; the
 * socket is connected, so the kernel ignores any address in the header)
 * from the loop or, for the common cases, the vCPU; a receive's peek at
 * the next packet's length and header. Never blocking, never raising
 * SIGPIPE. shutdown ends a connection that went out of step.
 */
static int allow_messages(scmp_filter_ctx ctx)
{
	int r = 0;

	r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendmsg), 1,
			      SCMP_A2(SCMP_CMP_EQ, MSG_DONTWAIT | MSG_NOSIGNAL, 0));
	r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(recvmsg), 1,
			      SCMP_A2(SCMP_CMP_EQ, MSG_DONTWAIT, 0));
	r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(recvfrom), 1,
			      SCMP_A3(SCMP_CMP_EQ, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT, 0));
	r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(shutdown), 0);
	return r < 0 ? -1 : 0;
}

static int build(scmp_filter_ctx ctx, enum sandbox_role role)
{
	if (allow_common(ctx) < 0 || allow_messages(ctx) < 0)
		return -1;
	if (role == SANDBOX_VCPU)
		return allow(ctx, vcpu_calls, sizeof(vcpu_calls) / sizeof(int)) |
		       allow_ioctls(ctx, vcpu_ioctls, sizeof(vcpu_ioctls) /
				    sizeof(vcpu_ioctls[0])) |
		       allow_threads(ctx);
	return allow(ctx, backend_calls, sizeof(backend_calls) / sizeof(int)) |
	       allow_ioctls(ctx, backend_ioctls, sizeof(backend_ioctls) /
			    sizeof(backend_ioctls[0])) |
	       allow_paths(ctx);
}

/* libseccomp 2.5 exports a program only to a file descriptor: read it
 * back from a memfd. */
static int export_prog(scmp_filter_ctx ctx, struct sock_fprog *prog)
{
	int fd = memfd_create("hvrun-seccomp", MFD_CLOEXEC);
	struct sock_filter *insns = NULL;
	struct stat st;
	int ret = -1;

	if (fd < 0)
		return -1;
	if (seccomp_export_bpf(ctx, fd) < 0 || fstat(fd, &st) < 0 ||
	    st.st_size <= 0 || st.st_size % sizeof(*insns) ||
	    st.st_size / sizeof(*insns) > BPF_MAXINSNS)
		goto out;
	insns = malloc((size_t)st.st_size);
	if (!insns || pread(fd, insns, (size_t)st.st_size, 0) != st.st_size)
		goto out;
	prog->len = (unsigned short)(st.st_size / sizeof(*insns));
	prog->filter = insns;
	insns = NULL;
	ret = 0;
out:
	free(insns);
	close(fd);
	return ret;
}

/* The role's program, built now if it is not yet; under built.lock. */
static int prepare_locked(enum sandbox_role role)
{
	scmp_filter_ctx ctx;
	int ret = -1;

	if (built.prog[role].filter)
		return 0;
	pthread_once(&names_once, resolve_names);
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (ctx && build(ctx, role) == 0 && export_prog(ctx, &built.prog[role]) == 0)
		ret = 0;
	else
		log_err("cannot build the sandbox filter (try --no-sandbox)");
	if (ctx)
		seccomp_release(ctx);
	return ret;
}

int sandbox_prepare(enum sandbox_role role)
{
	int ret;

	pthread_mutex_lock(&built.lock);
	ret = prepare_locked(role);
	pthread_mutex_unlock(&built.lock);
	return ret;
}

int sandbox_enter(enum sandbox_role role)
{
	struct sigaction sa;

	if (sandbox_prepare(role) < 0)
		return -1;
	thread_role = role == SANDBOX_VCPU ? "vCPU" : "backend";
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
	/* What seccomp_load does, with its default attributes. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0,
		    &built.prog[role]) < 0) {
		log_err("cannot enter the sandbox: %s (try --no-sandbox)",
			strerror(errno));
		return -1;
	}
	return 0;
}

bool sandbox_wanted(const struct vm_config *cfg)
{
	return !cfg->no_sandbox && sandbox_supported();
}
