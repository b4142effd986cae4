/* After setup hvrun confines each thread with a seccomp-bpf allowlist. */
#ifndef HVRUN_SANDBOX_H
#define HVRUN_SANDBOX_H

#include <stdbool.h>

enum sandbox_role {
	SANDBOX_VCPU,		/* KVM_RUN loop, hypercalls, device models */
	SANDBOX_BACKEND,	/* the libevent loop: files, sockets, gdb */
};

/* Compile role's filter once, before a thread of that role confines
 * itself (sandbox_enter compiles it if not). 0, or -1 with a message. */
int sandbox_prepare(enum sandbox_role role);

/*
 * Confine the calling thread (and threads it creates later) to what its
 * role needs. A call outside the list ends hvrun with status 125 and a
 * line naming the system call. 0, or -1 with a message.
 */
int sandbox_enter(enum sandbox_role role);

/* false in sanitizer builds, whose runtimes need far more (ptrace at exit). */
bool sandbox_supported(void);

#endif
