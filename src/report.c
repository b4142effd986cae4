/*
 * The run's outcome and --report FILE. One process runs one VM, so the
 * state is this file's: the outcome is written once, by vm_stop's first
 * caller; exit counts are added as each vCPU thread is joined; the first
 * console byte's time is one atomic. Everything is read by main after
 * vm_run has joined every thread.
 */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "log.h"
#include "report.h"

#define REPORT_FORMAT 1		/* "report_version": bump on incompatible change */

static const char *const reason_names[STOP_NR_REASONS] = {
	[STOP_GUEST_STATUS] = "guest-status",
	[STOP_POWEROFF] = "poweroff",
	[STOP_RESET] = "reset",
	[STOP_HALT] = "halt",
	[STOP_PANIC] = "panic",
	[STOP_CRASH] = "crash",
	[STOP_TIMEOUT] = "timeout",
	[STOP_SIGNAL] = "signal",
	[STOP_QUIT] = "quit",
	[STOP_GDB_KILL] = "gdb-kill",
	[STOP_SETUP_ERROR] = "setup-error",
	[STOP_SNAPSHOT] = "snapshot",
};

/* The x86 exits, by their KVM_EXIT_ names; others are "exit-N". */
static const char *const exit_names[REPORT_EXIT_SLOTS] = {
	[KVM_EXIT_UNKNOWN] = "unknown",
	[KVM_EXIT_EXCEPTION] = "exception",
	[KVM_EXIT_IO] = "io",
	[KVM_EXIT_HYPERCALL] = "hypercall",
	[KVM_EXIT_DEBUG] = "debug",
	[KVM_EXIT_HLT] = "hlt",
	[KVM_EXIT_MMIO] = "mmio",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "irq_window_open",
	[KVM_EXIT_SHUTDOWN] = "shutdown",
	[KVM_EXIT_FAIL_ENTRY] = "fail_entry",
	[KVM_EXIT_INTR] = "intr",
	[KVM_EXIT_SET_TPR] = "set_tpr",
	[KVM_EXIT_TPR_ACCESS] = "tpr_access",
	[KVM_EXIT_NMI] = "nmi",
	[KVM_EXIT_INTERNAL_ERROR] = "internal_error",
	[KVM_EXIT_SYSTEM_EVENT] = "system_event",
	[KVM_EXIT_IOAPIC_EOI] = "ioapic_eoi",
	[KVM_EXIT_HYPERV] = "hyperv",
	[KVM_EXIT_X86_RDMSR] = "x86_rdmsr",
	[KVM_EXIT_X86_WRMSR] = "x86_wrmsr",
	[KVM_EXIT_DIRTY_RING_FULL] = "dirty_ring_full",
	[KVM_EXIT_AP_RESET_HOLD] = "ap_reset_hold",
	[KVM_EXIT_X86_BUS_LOCK] = "x86_bus_lock",
	[KVM_EXIT_XEN] = "xen",
	[REPORT_EXIT_SLOTS - 1] = "other",
};

static struct {
	int fd;				/* the temporary file, or -1 */
	char *path, *tmp;
	struct timespec start;
	atomic_llong first_output_ns;	/* 0 until the guest's first byte */
	bool stopped;
	enum stop_reason why;
	char message[256];
	bool crash_site;
	int crash_vcpu, crash_vector;
	uint64_t crash_rip;
	int vcpus;
	uint64_t exits[REPORT_EXIT_SLOTS];
} rep = { .fd = -1 };

static long long ns_since_start(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - rep.start.tv_sec) * 1000000000LL +
	       (now.tv_nsec - rep.start.tv_nsec);
}

void report_start(void)
{
	clock_gettime(CLOCK_MONOTONIC, &rep.start);
}

/* No report file any more (written, or never made). */
static void forget_file(void)
{
	rep.fd = -1;
	free(rep.tmp);
	free(rep.path);
	rep.tmp = rep.path = NULL;
}

const char *report_temp_path(void)
{
	return rep.tmp;
}

int report_open(const char *path)
{
	mode_t mask = umask(0);

	umask(mask);
	rep.path = strdup(path);
	if (!rep.path || asprintf(&rep.tmp, "%s.XXXXXX", path) < 0) {
		rep.tmp = NULL;
		log_err("out of memory");
		goto fail;
	}
	rep.fd = mkostemp(rep.tmp, O_CLOEXEC);
	if (rep.fd < 0) {
		log_err("cannot create --report file '%s': %s", path,
			strerror(errno));
		goto fail;
	}
	/* mkostemp makes it 0600: give the report a plain file's mode. */
	fchmod(rep.fd, 0666 & ~mask);
	return 0;
fail:
	forget_file();
	return -1;
}

void report_stop(enum stop_reason why, const char *message)
{
	rep.stopped = true;
	rep.why = why;
	snprintf(rep.message, sizeof(rep.message), "%s", message);
}

void report_crash_site(int vcpu, uint64_t rip, int vector)
{
	rep.crash_site = true;
	rep.crash_vcpu = vcpu;
	rep.crash_rip = rip;
	rep.crash_vector = vector;
}

void report_console_output(void)
{
	long long none = 0;

	if (atomic_load_explicit(&rep.first_output_ns, memory_order_relaxed))
		return;
	/* At least 1: 0 means "none yet". */
	atomic_compare_exchange_strong(&rep.first_output_ns, &none,
				       ns_since_start() | 1);
}

void report_vcpus(int n)
{
	rep.vcpus = n;
}

void report_add_exits(const uint64_t *counts)
{
	for (int i = 0; i < REPORT_EXIT_SLOTS; i++)
		rep.exits[i] += counts[i];
}

const char *report_reason_name(enum stop_reason why)
{
	if ((unsigned)why >= STOP_NR_REASONS)
		return "unknown";
	return reason_names[why];
}

/* Length of the valid UTF-8 sequence at s (NUL-terminated), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3;
		lo = s[0] == 0xE0 ? 0xA0 : lo;		/* no overlong forms */
		hi = s[0] == 0xED ? 0x9F : hi;		/* no surrogates */
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4;
		lo = s[0] == 0xF0 ? 0x90 : lo;
		hi = s[0] == 0xF4 ? 0x8F : hi;		/* nothing past U+10FFFF */
	} else {
		return 0;
	}
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

static const char *json_escape(unsigned char c)
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	}
	return NULL;
}

void report_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		size_t n = utf8_len(p);
		const char *esc = json_escape(*p);

		if (n == 0)
			fputs("\\ufffd", f);
		else if (esc)
			fputs(esc, f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fwrite(p, 1, n, f);
		p += n ? n : 1;
	}
	fputc('"', f);
}

static void write_detail(FILE *f, int status)
{
	fputs("{\"message\": ", f);
	report_json_string(f, rep.message);
	if (rep.why == STOP_CRASH && rep.crash_site) {
		fprintf(f, ", \"vcpu\": %d, \"rip\": \"0x%llx\", \"vector\": ",
			rep.crash_vcpu, (unsigned long long)rep.crash_rip);
		if (rep.crash_vector >= 0)
			fprintf(f, "%d", rep.crash_vector);
		else
			fputs("null", f);
	}
	if (rep.why == STOP_SIGNAL && status > 128) {
		const char *abbrev = sigabbrev_np(status - 128);

		fprintf(f, ", \"signal\": %d, \"signal_name\": \"SIG%s\"",
			status - 128, abbrev ? abbrev : "UNKNOWN");
	}
	fputc('}', f);
}

static void write_exits(FILE *f)
{
	uint64_t total = 0;
	const char *sep = "";

	fputs("  \"exits\": {", f);
	for (int i = 0; i < REPORT_EXIT_SLOTS; i++) {
		if (!rep.exits[i])
			continue;
		if (exit_names[i])
			fprintf(f, "%s\"%s\": %llu", sep, exit_names[i],
				(unsigned long long)rep.exits[i]);
		else
			fprintf(f, "%s\"exit-%d\": %llu", sep, i,
				(unsigned long long)rep.exits[i]);
		total += rep.exits[i];
		sep = ", ";
	}
	fprintf(f, "},\n  \"exits_total\": %llu\n", (unsigned long long)total);
}

static void write_report(FILE *f, int status, const char *image)
{
	long long first = atomic_load(&rep.first_output_ns);

	fprintf(f, "{\n  \"report_version\": %d,\n  \"hvrun_version\": ",
		REPORT_FORMAT);
	report_json_string(f, PACKAGE_VERSION);
	fputs(",\n  \"image\": ", f);
	report_json_string(f, image);
	fprintf(f, ",\n  \"status\": %d,\n  \"reason\": \"%s\",\n  \"detail\": ",
		status, report_reason_name(rep.why));
	write_detail(f, status);
	fprintf(f, ",\n  \"wall_seconds\": %.6f,\n  \"first_output_seconds\": ",
		ns_since_start() / 1e9);
	if (first)
		fprintf(f, "%.6f", first / 1e9);
	else
		fputs("null", f);
	fprintf(f, ",\n  \"vcpus\": %d,\n", rep.vcpus);
	write_exits(f);
	fputs("}\n", f);
}

/* Write, flush, sync and close f: 0, or an errno. */
static int write_file(FILE *f, int status, const char *image)
{
	int err = 0;

	write_report(f, status, image);
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)
		err = errno ? errno : EIO;
	if (fclose(f) != 0 && !err)
		err = errno;
	return err;
}

int report_finish(int status, const char *image)
{
	FILE *f;
	int err;

	if (rep.fd < 0)
		return 0;
	if (!rep.stopped)	/* a path that forgot vm_stop: say so, not lie */
		report_stop(STOP_SETUP_ERROR, "hvrun ended without saying why");
	errno = 0;
	f = fdopen(rep.fd, "w");
	if (!f) {
		err = errno;
		close(rep.fd);
	} else {
		err = write_file(f, status, image);
	}
	if (!err && rename(rep.tmp, rep.path) < 0)
		err = errno;
	if (err) {
		log_err("cannot write --report file '%s': %s", rep.path,
			strerror(err));
		unlink(rep.tmp);
	}
	forget_file();
	return err ? -1 : 0;
}
