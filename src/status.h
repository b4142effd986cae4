/* hvrun's exit status (DESIGN.md, man/hvrun.1). */
#ifndef HVRUN_STATUS_H
#define HVRUN_STATUS_H

#define STATUS_GUEST_MAX 123	/* 0..123: the guest's own status */
#define STATUS_TIMEOUT   124	/* --timeout expired */
#define STATUS_CANNOT_RUN 125	/* bad option, bad image, no usable KVM */
#define STATUS_CRASH     126	/* triple fault, KVM internal error, ... */
#define STATUS_SIGNAL(n) (128 + (n))

#include <stdint.h>

/* What a guest asked to exit with, as hvrun's status: above 123 becomes
 * 123, with a warning. status.c. */
int status_from_guest(uint64_t status);

#endif
