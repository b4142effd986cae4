/*
 * Emulated devices. Each device is one file that registers itself with
 * DEVICE_REGISTER; vm.c creates every registered device at start-up and
 * the device claims its port or MMIO ranges on the bus. Adding a device
 * touches no dispatcher.
 */
#ifndef HVRUN_DEVICE_H
#define HVRUN_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../log.h"

struct vm;

struct device_ops {
	const char *name;
	/* Create the device, claim its ranges; *state is passed to exit. */
	int (*init)(struct vm *vm, void **state);
	void (*exit)(void *state);
	/*
	 * Snapshots (src/snapshot/): save copies what the guest can observe
	 * into buf (at most DEVICE_STATE_MAX bytes) under the device's lock
	 * and returns its length, or -1; load takes back exactly what save
	 * wrote, after init and before any vCPU runs: 0 or -1 (logged). A
	 * device with neither refuses snapshots, named; one whose state is
	 * all in its configuration says stateless instead.
	 */
	long (*save)(void *state, void *buf);
	int (*load)(void *state, const void *buf, size_t len);
	bool stateless;
};

#define DEVICE_STATE_MAX 4096
_Static_assert(DEVICE_STATE_MAX >= 1024, "a split IOAPIC's model fits");

/* A bool loaded from a file's bytes: any nonzero byte is true (reading
 * a bool that holds another value would be undefined). */
#define DEVICE_FIX_BOOL(field) do {					\
		uint8_t b_;						\
		memcpy(&b_, &(field), 1);				\
		(field) = b_ != 0;					\
	} while (0)

/* A load hook's refusal of len bytes that are not what save wrote: one
 * line naming the device; -1. */
static inline int device_bad_state(const char *name, size_t len)
{
	log_err("the snapshot's state of device %s (%zu bytes) is not this "
		"hvrun's", name, len);
	return -1;
}

void device_register(const struct device_ops *ops);

#define DEVICE_REGISTER(ops)						\
	static void __attribute__((constructor)) register_##ops(void)	\
	{								\
		device_register(&(ops));				\
	}

/* Called by vm.c: create every registered device, or unwind and fail. */
int devices_init(struct vm *vm);
void devices_exit(void);

/* Snapshots, over the created devices in registration order: the first
 * that cannot be snapshotted, or NULL; put each one's state (stateless
 * ones put nothing); load each one's state from get (NULL: none saved,
 * an error). 0 or -1 (logged). */
typedef int (*device_put_fn)(void *arg, const char *name, const void *data,
			     size_t len);
typedef const void *(*device_get_fn)(void *arg, const char *name,
				     size_t *len);
const char *devices_unsnapshottable(void);
int devices_save(device_put_fn put, void *arg);
int devices_load(device_get_fn get, void *arg);

#endif
