/* hvrun's exit status (DESIGN.md, man/hvrun.1). */
#ifndef HVRUN_STATUS_H
#define HVRUN_STATUS_H

#define STATUS_GUEST_MAX 123	/* 0..123: the guest's own status */
#define STATUS_TIMEOUT   124	/* --timeout expired */
#define STATUS_CANNOT_RUN 125	/* bad option, bad image, no usable KVM */
#define STATUS_CRASH     126	/* triple fault, KVM internal error, ... */
#define STATUS_SIGNAL(n) (128 + (n))

#endif
