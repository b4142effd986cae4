/*
 * How a run ended, and --report FILE: one JSON object saying so. This
 * module owns the outcome (vm_stop records why, once), the clock, the
 * first console byte's time and the exit counts; main writes the file.
 */
#ifndef HVRUN_REPORT_H
#define HVRUN_REPORT_H

#include <stdint.h>
#include <stdio.h>

/* Why the run ended: "reason" in the report (report_reason_name). */
enum stop_reason {
	STOP_GUEST_STATUS,	/* the guest's own status (0x501, MMIO, PV exit) */
	STOP_POWEROFF,		/* ACPI S5, KVM's shutdown system event */
	STOP_RESET,		/* i8042, port 0x92, KVM's reset system event */
	STOP_HALT,		/* HLT with no interrupt source (--irqchip off) */
	STOP_PANIC,		/* the guest kernel said it panicked */
	STOP_CRASH,		/* triple fault, KVM error, PV exception, ... */
	STOP_TIMEOUT,		/* --timeout */
	STOP_SIGNAL,		/* SIGINT, SIGTERM, SIGHUP */
	STOP_QUIT,		/* Ctrl-A x on the console */
	STOP_GDB_KILL,		/* gdb's kill */
	STOP_SETUP_ERROR,	/* hvrun could not run the guest (125) */
	STOP_SNAPSHOT,		/* --snapshot: the snapshot was taken */
	STOP_NR_REASONS
};

/* KVM exit reasons 0..62 are counted each; slot 63 counts any above. */
#define REPORT_EXIT_SLOTS 64

/* The clock starts: first thing in main. */
void report_start(void);
/*
 * --report FILE: create the temporary file beside FILE now, while hvrun
 * may still create files (the sandbox allows only the final rename).
 * 0, or -1 after one error line.
 */
int report_open(const char *path);
/* The temporary file report_finish renames into place (NULL before
 * report_open): the sandbox lets the loop rename or remove it. */
const char *report_temp_path(void);
/* vm_stop's first caller: why the run ends, in one line. */
void report_stop(enum stop_reason why, const char *message);
/* A crash's vCPU, RIP and exception vector (-1: none known). */
void report_crash_site(int vcpu, uint64_t rip, int vector);
/* The guest wrote console output (any thread; cheap once it has). */
void report_console_output(void);
void report_vcpus(int n);
/* A joined vCPU's exit counters, REPORT_EXIT_SLOTS of them. */
void report_add_exits(const uint64_t *counts);
/*
 * Write the report (if --report was given) for hvrun's final status and
 * rename it into place. 0, or -1 after one error line (the temporary
 * file is removed).
 */
int report_finish(int status, const char *image);

const char *report_reason_name(enum stop_reason why);
/* s as a JSON string, quotes included; invalid UTF-8 becomes U+FFFD. */
void report_json_string(FILE *f, const char *s);

#endif
