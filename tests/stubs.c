/* The one set of stubs for unit tests and fuzz harnesses (stubs.h). */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "stubs.h"
#include "vcpu/vcpu.h"
#include "vm.h"

int stub_stops;
int stub_stopped_with = -1;
int stub_stop_why = -1;
void (*stub_on_stop)(struct vm *vm);
int stub_irq_level[STUB_GSIS];
int stub_irq_pulses;
int stub_vcpu_starts;
int stub_crashes;

void stubs_reset(void)
{
	stub_stops = 0;
	stub_stopped_with = -1;
	stub_stop_why = -1;
	memset(stub_irq_level, 0, sizeof(stub_irq_level));
	stub_irq_pulses = 0;
	stub_vcpu_starts = 0;
	stub_crashes = 0;
}

/* Like the real one: stopping, then whoever waits is woken (the hook). */
bool vm_stop(struct vm *vm, int status, enum stop_reason why,
	     const char *fmt, ...)
{
	(void)fmt;
	stub_stopped_with = status;
	stub_stop_why = (int)why;
	atomic_store(&vm->stopping, true);
	if (stub_on_stop)
		stub_on_stop(vm);
	return stub_stops++ == 0;
}

/* No --snapshot in the unit tests: the snapshot call gets -EPERM. */
int vm_snapshot(struct vm *vm, const char *why)
{
	(void)vm;
	(void)why;
	return -1;
}

int vm_irq_line(struct vm *vm, unsigned gsi, int level)
{
	(void)vm;
	if (gsi < STUB_GSIS)
		stub_irq_level[gsi] = level;
	stub_irq_pulses += level;
	return 0;
}

int vcpu_start_secondary(struct vcpu *v, const struct boot_state *bs)
{
	(void)v, (void)bs;
	stub_vcpu_starts++;
	return 0;
}

/* Format the report as the real one would, so its arguments are used. */
void vcpu_crash_at(struct vcpu *v, int vector, uint64_t rip,
		   const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	(void)v, (void)vector, (void)rip;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	stub_crashes++;
}
