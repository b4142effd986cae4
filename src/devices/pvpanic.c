/*
 * pvpanic (pvpanic.h): a Linux guest with CONFIG_PVPANIC_MMIO finds it in
 * the DSDT and writes PVPANIC_PANICKED from its panic notifier, before
 * panic= reboots or halts the machine; hvrun ends the run with status 126
 * and says so, where a reboot alone would have looked like success.
 * PVPANIC_CRASH_LOADED (a kdump kernel is loaded and will run) is only
 * reported: the guest goes on, and the crash kernel decides the status.
 * Unknown bits are ignored, as the specification asks; each event is
 * reported once, however often a guest writes it.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "../status.h"
#include "../vm.h"
#include "device.h"
#include "pvpanic.h"

struct pvpanic {
	struct vm *vm;
	atomic_uint seen;		/* events already reported */
};

/* True the first time this event is written. */
static bool first(struct pvpanic *p, unsigned event)
{
	return !(atomic_fetch_or(&p->seen, event) & event);
}

static void pvpanic_io(void *opaque, uint64_t addr, uint8_t *data,
		       uint32_t len, bool is_write)
{
	struct pvpanic *p = opaque;

	if (!is_write) {
		memset(data, 0, len);
		if (addr == PVPANIC_MMIO_BASE)
			data[0] = PVPANIC_EVENTS;
		return;
	}
	if (addr != PVPANIC_MMIO_BASE)
		return;
	if (data[0] & PVPANIC_PANICKED) {
		if (first(p, PVPANIC_PANICKED))
			log_err("guest kernel panicked (pvpanic)");
		vm_stop(p->vm, STATUS_CRASH, STOP_PANIC,
			"guest kernel panicked (pvpanic event 0x%x)", data[0]);
	} else if (data[0] & PVPANIC_CRASH_LOADED &&
		   first(p, PVPANIC_CRASH_LOADED)) {
		log_warn("guest kernel panicked; its crash kernel runs on (pvpanic)");
	}
}

static int pvpanic_init(struct vm *vm, void **state)
{
	struct pvpanic *p = calloc(1, sizeof(*p));

	if (!p)
		return -1;
	p->vm = vm;
	atomic_init(&p->seen, 0);
	if (bus_register(&vm->mmio, PVPANIC_MMIO_BASE, PVPANIC_MMIO_LEN,
			 pvpanic_io, p, "pvpanic") < 0) {
		free(p);
		return -1;
	}
	*state = p;
	return 0;
}

static const struct device_ops pvpanic_dev = {
	.name = "pvpanic",
	.init = pvpanic_init,
	.exit = free,
	.stateless = true,	/* seen: what this run reported */
};
DEVICE_REGISTER(pvpanic_dev)
