/* Calls that need no I/O, answered on the calling vCPU's thread. */
#include <errno.h>
#include <sys/random.h>
#include <time.h>

#include "../status.h"
#include "../vm.h"
#include "hypercall.h"
#include "ipc.h"

int64_t hc_abi_version(struct hc_call *c)
{
	return pv_ipc_abi(c->vm);	/* the version the image was built for */
}

int64_t hc_exit(struct hc_call *c)
{
	vm_stop(c->vm, status_from_guest(c->arg[0]), STOP_GUEST_STATUS,
		"the guest's exit call with status %llu",
		(unsigned long long)c->arg[0]);
	return 0;
}

int64_t hc_clock(struct hc_call *c)
{
	struct timespec ts;
	clockid_t id;

	switch (c->arg[0]) {
	case HVRUN_CLOCK_MONOTONIC:
		id = CLOCK_MONOTONIC;
		break;
	case HVRUN_CLOCK_REALTIME:
		id = CLOCK_REALTIME;
		break;
	default:
		return -EINVAL;
	}
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t hc_random(struct hc_call *c)
{
	uint64_t len = c->arg[1];
	uint8_t *p = mem_ptr(&c->vm->mem, c->arg[0], len);
	uint64_t done = 0;

	if (!p)
		return -EFAULT;
	if (len > INT64_MAX)
		return -EINVAL;
	while (done < len) {
		ssize_t n = getrandom(p + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -EIO;
		done += (uint64_t)n;
	}
	return (int64_t)len;
}

/* Restored runs resume from here with RAX = 1: what this returns in the
 * run that takes the snapshot is what gets saved. */
int64_t hc_snapshot(struct hc_call *c)
{
	return vm_snapshot(c->vm, "the guest's snapshot call") < 0 ? -EPERM : 1;
}
