/* The guest's own exit status, kept clear of hvrun's. */
#include "log.h"
#include "status.h"

int status_from_guest(uint64_t status)
{
	/* 124 and up are hvrun's own statuses: a guest cannot claim them. */
	if (status > STATUS_GUEST_MAX) {
		log_warn("guest exit status %llu is above %d; exiting with %d",
			 (unsigned long long)status, STATUS_GUEST_MAX,
			 STATUS_GUEST_MAX);
		return STATUS_GUEST_MAX;
	}
	return (int)status;
}
