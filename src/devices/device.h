/*
 * Emulated devices. Each device is one file that registers itself with
 * DEVICE_REGISTER; vm.c creates every registered device at start-up and
 * the device claims its port or MMIO ranges on the bus. Adding a device
 * touches no dispatcher.
 */
#ifndef HVRUN_DEVICE_H
#define HVRUN_DEVICE_H

struct vm;

struct device_ops {
	const char *name;
	/* Create the device, claim its ranges; *state is passed to exit. */
	int (*init)(struct vm *vm, void **state);
	void (*exit)(void *state);
};

void device_register(const struct device_ops *ops);

#define DEVICE_REGISTER(ops)						\
	static void __attribute__((constructor)) register_##ops(void)	\
	{								\
		device_register(&(ops));				\
	}

/* Called by vm.c: create every registered device, or unwind and fail. */
int devices_init(struct vm *vm);
void devices_exit(void);

#endif
