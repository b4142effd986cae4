/*
 * The functions above the modules a unit test or fuzz harness links
 * (vm.c and the vCPU code, which need KVM), defined once in stubs.c.
 * They record what they were asked; tests read and reset these.
 */
#ifndef HVRUN_TESTS_STUBS_H
#define HVRUN_TESTS_STUBS_H

struct vm;

#define STUB_GSIS 32

extern int stub_stops;			/* vm_stop calls (only the first is true) */
extern int stub_stopped_with;		/* the last vm_stop's status, or -1 */
extern int stub_stop_why;		/* and its reason (enum stop_reason) */
extern void (*stub_on_stop)(struct vm *vm);	/* after stopping is set */
extern int stub_irq_level[STUB_GSIS];	/* vm_irq_line's last level per GSI */
extern int stub_irq_pulses;		/* sum of the levels raised */
extern int stub_vcpu_starts;		/* vcpu_start_secondary calls */
extern int stub_crashes;		/* vcpu_crash_at calls */

/* Back to "nothing happened"; stub_on_stop is kept. */
void stubs_reset(void);

#endif
