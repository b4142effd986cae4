/* After setup hvrun confines each thread with a seccomp-bpf allowlist. */
#ifndef HVRUN_SANDBOX_H
#define HVRUN_SANDBOX_H

#include <stdbool.h>

enum sandbox_role {
	SANDBOX_VCPU,		/* KVM_RUN loop, hypercalls, device models */
	SANDBOX_BACKEND,	/* the libevent loop: files, sockets, gdb */
	SANDBOX_ROLES
};

/*
 * Confine the calling thread (and threads it creates later) to what its
 * role needs. A call outside the list ends hvrun with status 125 and a
 * line naming the system call, its arguments and the role, after putting
 * back the terminal sandbox_restore_tty named; open/openat fail with
 * EACCES instead. 0, or -1 with a message.
 */
int sandbox_enter(enum sandbox_role role);

/*
 * Build the role's filter now (libseccomp's work, ~0.2 ms), so that
 * sandbox_enter has only to install it; thread-safe, any thread, before
 * it is confined. A registration below that the role depends on drops a
 * filter built before it (the vCPU role depends on sandbox_restore_tty
 * only, the backend on all of them), and the role's next sandbox_enter
 * builds it again. 0, or -1 with a message.
 */
int sandbox_prepare(enum sandbox_role role);

/*
 * Before any thread confines itself (setup): what the roles may touch
 * beyond their lists. The backend may unlink(path) with this very
 * pointer (a file hvrun created: a bound socket, an unused core file),
 * and sendto an address on fd (a socket that answers its senders).
 */
void sandbox_allow_unlink(const char *path);
void sandbox_allow_reply(int fd);
/* The backend may rename(from, ...) with this very pointer (--report's
 * temporary file, renamed into place at the end). */
void sandbox_allow_rename(const char *from);
/* The backend may kill(pid, ...) and wait for it: a child hvrun started
 * (virtiofsd), ended at teardown. */
#include <sys/types.h>
void sandbox_allow_child(pid_t pid);
/* fd is a terminal made raw; saved is how to put it back. */
struct termios;
void sandbox_restore_tty(int fd, const struct termios *saved);

/* false in sanitizer builds, whose runtimes need far more (ptrace at exit). */
bool sandbox_supported(void);
/* Do this run's threads confine themselves? Unless --no-sandbox, where
 * supported. */
struct vm_config;
bool sandbox_wanted(const struct vm_config *cfg);

#endif
