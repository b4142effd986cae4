/* Registry of emulated devices. */
#include <stddef.h>
#include <stdint.h>

#include "../log.h"
#include "device.h"

#define MAX_DEVICES 32

static const struct device_ops *registered[MAX_DEVICES];
static void *states[MAX_DEVICES];
static int nr_registered, nr_created;

void device_register(const struct device_ops *ops)
{
	/* Constructors run before main: a full table is a build mistake. */
	if (nr_registered == MAX_DEVICES)
		__builtin_trap();
	registered[nr_registered++] = ops;
}

int devices_init(struct vm *vm)
{
	for (nr_created = 0; nr_created < nr_registered; nr_created++) {
		const struct device_ops *ops = registered[nr_created];

		states[nr_created] = NULL;
		if (ops->init(vm, &states[nr_created]) < 0) {
			log_err("cannot create device %s", ops->name);
			devices_exit();
			return -1;
		}
	}
	return 0;
}

void devices_exit(void)
{
	while (nr_created > 0) {
		nr_created--;
		if (registered[nr_created]->exit)
			registered[nr_created]->exit(states[nr_created]);
	}
}

const char *devices_unsnapshottable(void)
{
	for (int i = 0; i < nr_created; i++)
		if (!registered[i]->stateless &&
		    (!registered[i]->save || !registered[i]->load))
			return registered[i]->name;
	return NULL;
}

int devices_save(device_put_fn put, void *arg)
{
	static uint8_t buf[DEVICE_STATE_MAX];	/* one snapshot at a time */

	for (int i = 0; i < nr_created; i++) {
		const struct device_ops *ops = registered[i];
		long n;

		if (ops->stateless)
			continue;
		n = ops->save(states[i], buf);
		if (n < 0 || n > DEVICE_STATE_MAX) {
			log_err("device %s: cannot save its state", ops->name);
			return -1;
		}
		if (put(arg, ops->name, buf, (size_t)n) < 0)
			return -1;
	}
	return 0;
}

int devices_load(device_get_fn get, void *arg)
{
	for (int i = 0; i < nr_created; i++) {
		const struct device_ops *ops = registered[i];
		const void *data;
		size_t len;

		if (ops->stateless)
			continue;
		data = get(arg, ops->name, &len);
		if (!data) {
			log_err("the snapshot has no state for device %s",
				ops->name);
			return -1;
		}
		if (ops->load(states[i], data, len) < 0)
			return -1;
	}
	return 0;
}
