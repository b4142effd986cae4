/* Crash reports: why the guest stopped, and its registers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "../log.h"
#include "../status.h"
#include "../vm.h"
#include "insn_hint.h"
#include "internal.h"
#include "vcpu.h"

static const char *cpu_mode_name(const struct kvm_sregs *sr)
{
	if (!(sr->cr0 & 1))
		return "real";
	if (sr->efer & (1ULL << 10))
		return sr->cs.l ? "long (64-bit)" : "long (compatibility)";
	return sr->cs.db ? "protected (32-bit)" : "protected (16-bit)";
}

void vcpu_dump_regs(struct vcpu *v, FILE *f)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (vcpu_get_regs(v, &r) < 0 ||
	    ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(f, "  (registers unavailable: %s)\n", strerror(errno));
		return;
	}
	fprintf(f,
		"  mode %s, CPL %u\n"
		"  RIP %016llx  RFLAGS %016llx\n"
		"  RAX %016llx  RBX %016llx  RCX %016llx\n"
		"  RDX %016llx  RSI %016llx  RDI %016llx\n"
		"  RSP %016llx  RBP %016llx  R8  %016llx\n"
		"  R9  %016llx  R10 %016llx  R11 %016llx\n"
		"  R12 %016llx  R13 %016llx  R14 %016llx\n"
		"  R15 %016llx\n"
		"  CS %04x base %016llx  SS %04x  DS %04x  ES %04x\n"
		"  CR0 %016llx  CR2 %016llx\n"
		"  CR3 %016llx  CR4 %016llx\n"
		"  EFER %016llx  GDT %016llx/%04x  IDT %016llx/%04x\n",
		cpu_mode_name(&s), s.cs.selector & 3,
		r.rip, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi,
		r.rsp, r.rbp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14,
		r.r15, s.cs.selector, s.cs.base, s.ss.selector, s.ds.selector,
		s.es.selector, s.cr0, s.cr2, s.cr3, s.cr4, s.efer,
		s.gdt.base, s.gdt.limit, s.idt.base, s.idt.limit);
}

static void dump_internal_error(struct vcpu *v, FILE *f)
{
	struct kvm_run *run = v->run;
	uint32_t n = run->internal.ndata;

	if (run->exit_reason != KVM_EXIT_INTERNAL_ERROR || n == 0)
		return;
	if (n > sizeof(run->internal.data) / sizeof(run->internal.data[0]))
		n = sizeof(run->internal.data) / sizeof(run->internal.data[0]);
	fprintf(f, "  internal error data:");
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, " %llx", (unsigned long long)run->internal.data[i]);
	fprintf(f, "\n");
}

/* The code's default operand size: 64, 32 or 16 bits. */
static unsigned code_bits(const struct kvm_sregs *s)
{
	if ((s->efer & (1ULL << 10)) && s->cs.l)
		return 64;
	return (s->cr0 & 1) && s->cs.db ? 32 : 16;
}

/*
 * The bytes of the instruction KVM could not emulate: KVM's own copy
 * where it gives one, else read at CS:RIP through the guest's page
 * tables. Returns how many.
 */
static size_t failed_insn(struct vcpu *v, const struct kvm_regs *r,
			  const struct kvm_sregs *s, uint8_t *buf, size_t size)
{
	struct kvm_run *run = v->run;
	size_t n = run->emulation_failure.insn_size;

	if (run->emulation_failure.ndata >= 3 &&
	    (run->emulation_failure.flags &
	     KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) && n) {
		if (n > size)
			n = size;
		memcpy(buf, run->emulation_failure.insn_bytes, n);
		return n;
	}
	return vcpu_read_virt(v, s->cs.base + r->rip, buf, size);
}

/*
 * An emulation failure: the instruction's bytes and, for one that some
 * KVMs cannot emulate, its name and what keeps the guest from running it.
 */
static void dump_emulation_failure(struct vcpu *v, FILE *f)
{
	struct kvm_run *run = v->run;
	const struct insn_hint *h;
	struct kvm_regs r;
	struct kvm_sregs s;
	uint8_t insn[15];
	size_t n;

	if (run->exit_reason != KVM_EXIT_INTERNAL_ERROR ||
	    run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION ||
	    ioctl(v->fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return;
	n = failed_insn(v, &r, &s, insn, sizeof(insn));
	if (!n) {
		fprintf(f, "  instruction at RIP: unreadable (not mapped)\n");
		return;
	}
	fprintf(f, "  instruction at RIP:");
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %02x", insn[i]);
	fprintf(f, "\n");
	h = insn_hint_find(insn, n, code_bits(&s));
	if (h)
		fprintf(f, "  that is %s, which this KVM cannot emulate: %s\n",
			h->name, h->hint);
}

/* The report goes out as one text through the log, after the guest's
 * console output and on a fresh line. */
static void report_crash(struct vcpu *v, const char *why)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f) {
		log_err("guest crashed on vCPU %d: %s", v->id, why);
		return;
	}
	fprintf(f, "hvrun: guest crashed on vCPU %d: %s\n", v->id, why);
	dump_internal_error(v, f);
	dump_emulation_failure(v, f);
	vcpu_dump_regs(v, f);
	if (fclose(f) == 0)
		log_text(text);
	free(text);
}

/* RIP as KVM has it; 0 when the registers cannot be read. */
static uint64_t current_rip(struct vcpu *v)
{
	struct kvm_regs r;

	return ioctl(v->fd, KVM_GET_REGS, &r) < 0 ? 0 : r.rip;
}

/* vector -1 and has_rip false: KVM's view of the vCPU is the site. */
static void __attribute__((format(printf, 5, 0)))
crash(struct vcpu *v, int vector, bool has_rip, uint64_t rip,
      const char *fmt, va_list ap)
{
	struct vm *vm = v->vm;
	struct vcpu_state *st = vm->vcpu_state;
	char why[256];

	vsnprintf(why, sizeof(why), fmt, ap);

	/* gdb looks first; its c, s or D then let the report go on. */
	if (st->dbg)
		st->dbg_ops->crash(st->dbg, v);
	pthread_mutex_lock(&st->report_lock);
	/* After a stop, other vCPUs' exits are teardown, not crashes. */
	if (!atomic_load(&vm->stopping)) {
		report_crash(v, why);
		if (vm_stop(vm, STATUS_CRASH, STOP_CRASH, "%s", why))
			report_crash_site(v->id, has_rip ? rip : current_rip(v),
					  vector);
		/* Under the lock: one core, from this thread, which vm_run
		 * joins before it frees guest RAM. */
		vcpu_write_core(v);
	}
	pthread_mutex_unlock(&st->report_lock);
}

void vcpu_crash(struct vcpu *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	crash(v, -1, false, 0, fmt, ap);
	va_end(ap);
}

void vcpu_crash_at(struct vcpu *v, int vector, uint64_t rip,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	crash(v, vector, true, rip, fmt, ap);
	va_end(ap);
}
