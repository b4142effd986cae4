/* Registry of emulated devices. */
#include <stddef.h>

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
