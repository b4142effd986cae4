/*
 * A vCPU's whole architectural state as one blob, for snapshots: the
 * registers (through the one register path), segment and control
 * registers, FPU/SSE/AVX (KVM_GET_XSAVE2 where offered, else
 * KVM_GET_XSAVE, else KVM_GET_FPU), XCRs, every MSR KVM lists (the TSC
 * among them, so guest time resumes where it stopped), the local APIC,
 * pending events, debug registers and the MP state. Parts this KVM or
 * this VM lacks (no LAPIC without an irqchip) are marked absent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "../log.h"
#include "../vm.h"
#include "internal.h"
#include "vcpu.h"

enum {
	PART_LAPIC = 1 << 0,
	PART_XSAVE = 1 << 1,
	PART_XCRS = 1 << 2,
	PART_DEBUGREGS = 1 << 3,
	PART_EVENTS = 1 << 4,
};

#define MAX_MSRS	4096
#define MAX_XSAVE	(1u << 18)

/* The blob: this, then xsave_size bytes, then nr_msrs kvm_msr_entry. */
struct blob {
	uint32_t parts;
	uint32_t xsave_size;
	uint32_t nr_msrs;
	uint32_t pad;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_vcpu_events events;
	struct kvm_debugregs dregs;
	struct kvm_mp_state mp;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_fpu fpu;
};

/* Set-up (before any sandbox): KVM's MSR list and its XSAVE size. */
int vcpus_snapshot_init(struct vm *vm)
{
	struct vcpu_state *st = vm->vcpu_state;
	struct kvm_msr_list probe = { .nmsrs = 0 };
	int x;

	if (st->msr_list)
		return 0;
	if (ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 &&
	    errno != E2BIG) {
		log_err("KVM_GET_MSR_INDEX_LIST: %s", strerror(errno));
		return -1;
	}
	if (probe.nmsrs > MAX_MSRS)
		probe.nmsrs = MAX_MSRS;
	st->msr_list = calloc(1, sizeof(*st->msr_list) +
				 probe.nmsrs * sizeof(uint32_t));
	if (!st->msr_list)
		return -1;
	st->msr_list->nmsrs = probe.nmsrs;
	if (probe.nmsrs &&
	    ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, st->msr_list) < 0) {
		log_err("KVM_GET_MSR_INDEX_LIST: %s", strerror(errno));
		return -1;
	}
	x = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	if (x > 0)
		st->xsave_size = (uint32_t)x;
	else if (ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) > 0)
		st->xsave_size = sizeof(struct kvm_xsave);
	if (st->xsave_size > MAX_XSAVE)
		st->xsave_size = 0;
	st->xsave2 = x > 0;
	return 0;
}

/* Read every listed MSR KVM will read back; drop the ones it refuses.
 * The count left. */
static uint32_t get_msrs(struct vcpu *v, struct kvm_msr_entry *e, uint32_t n)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) + n * sizeof(*e));
	uint32_t done = 0;

	if (!m)
		return 0;
	while (done < n) {
		int r;

		m->nmsrs = n - done;
		memcpy(m->entries, e + done, (n - done) * sizeof(*e));
		r = ioctl(v->fd, KVM_GET_MSRS, m);
		if (r < 0)
			r = 0;
		memcpy(e + done, m->entries, (size_t)r * sizeof(*e));
		done += (uint32_t)r;
		if (done < n) {
			/* Entry `done` is one KVM cannot read: drop it. */
			memmove(&e[done], &e[done + 1],
				(n - done - 1) * sizeof(*e));
			n--;
		}
	}
	free(m);
	return n;
}

static int get_fpu(struct vcpu *v, struct blob *b, uint8_t *xsave)
{
	const struct vcpu_state *st = v->vm->vcpu_state;

	if (st->xsave_size &&
	    ioctl(v->fd, st->xsave2 ? KVM_GET_XSAVE2 : KVM_GET_XSAVE, xsave) == 0) {
		b->parts |= PART_XSAVE;
		b->xsave_size = st->xsave_size;
		return 0;
	}
	return ioctl(v->fd, KVM_GET_FPU, &b->fpu);
}

static void get_optional(struct vcpu *v, struct blob *b)
{
	if (ioctl(v->fd, KVM_GET_LAPIC, &b->lapic) == 0)
		b->parts |= PART_LAPIC;
	if (ioctl(v->fd, KVM_GET_XCRS, &b->xcrs) == 0)
		b->parts |= PART_XCRS;
	if (ioctl(v->fd, KVM_GET_DEBUGREGS, &b->dregs) == 0)
		b->parts |= PART_DEBUGREGS;
	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &b->events) == 0)
		b->parts |= PART_EVENTS;
}

int vcpu_state_save(struct vcpu *v, void **out, size_t *len)
{
	const struct vcpu_state *st = v->vm->vcpu_state;
	uint32_t n = st->msr_list ? st->msr_list->nmsrs : 0;
	size_t size = sizeof(struct blob) + st->xsave_size +
		      n * sizeof(struct kvm_msr_entry);
	struct blob *b = calloc(1, size);
	struct kvm_msr_entry *e;
	uint8_t *xsave;

	if (!b)
		return -1;
	xsave = (uint8_t *)(b + 1);
	if (vcpu_get_regs(v, &b->regs) < 0 ||
	    ioctl(v->fd, KVM_GET_SREGS, &b->sregs) < 0 ||
	    ioctl(v->fd, KVM_GET_MP_STATE, &b->mp) < 0 ||
	    get_fpu(v, b, xsave) < 0) {
		log_err("vCPU %d: cannot read its state: %s", v->id,
			strerror(errno));
		free(b);
		return -1;
	}
	get_optional(v, b);
	/* The MSRs go right after the XSAVE area actually used. */
	e = (struct kvm_msr_entry *)(xsave + b->xsave_size);
	for (uint32_t i = 0; i < n; i++)
		e[i].index = st->msr_list->indices[i];
	b->nr_msrs = get_msrs(v, e, n);
	*out = b;
	*len = sizeof(*b) + b->xsave_size +
	       b->nr_msrs * sizeof(struct kvm_msr_entry);
	return 0;
}

static int set_msrs(struct vcpu *v, const struct kvm_msr_entry *e, uint32_t n)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) + n * sizeof(*e));
	uint32_t done = 0;

	if (!m)
		return -1;
	/* One at a time past a refusal: an MSR this host cannot set is
	 * named, the others still load. */
	while (done < n) {
		int r;

		m->nmsrs = n - done;
		memcpy(m->entries, e + done, (n - done) * sizeof(*e));
		r = ioctl(v->fd, KVM_SET_MSRS, m);
		if (r < 0)
			r = 0;
		done += (uint32_t)r;
		if (done < n) {
			log_info(1, "vCPU %d: MSR 0x%x not restored", v->id,
				 e[done].index);
			done++;
		}
	}
	free(m);
	return 0;
}

static int set_parts(struct vcpu *v, const struct blob *b,
		     const uint8_t *xsave)
{
	if (ioctl(v->fd, KVM_SET_SREGS, &b->sregs) < 0 ||
	    vcpu_set_regs(v, &b->regs) < 0 || vcpu_flush_regs(v) < 0)
		return -1;
	if (b->parts & PART_XSAVE) {
		if (ioctl(v->fd, KVM_SET_XSAVE, xsave) < 0)
			return -1;
	} else if (ioctl(v->fd, KVM_SET_FPU, &b->fpu) < 0) {
		return -1;
	}
	if ((b->parts & PART_XCRS) && ioctl(v->fd, KVM_SET_XCRS, &b->xcrs) < 0)
		return -1;
	/* The LAPIC before the MSRs: the TSC deadline needs it. */
	if ((b->parts & PART_LAPIC) && ioctl(v->fd, KVM_SET_LAPIC, &b->lapic) < 0)
		return -1;
	return 0;
}

int vcpu_state_load(struct vcpu *v, const void *data, size_t len)
{
	const struct vcpu_state *st = v->vm->vcpu_state;
	struct blob *b;
	uint8_t *xsave;
	int ret = -1;

	if (len < sizeof(*b))
		goto bad;
	b = malloc(len);
	if (!b)
		return -1;
	memcpy(b, data, len);
	if (b->xsave_size > MAX_XSAVE || b->nr_msrs > MAX_MSRS ||
	    len != sizeof(*b) + b->xsave_size +
		   b->nr_msrs * sizeof(struct kvm_msr_entry) ||
	    ((b->parts & PART_XSAVE) && b->xsave_size != st->xsave_size)) {
		free(b);
		goto bad;
	}
	xsave = (uint8_t *)(b + 1);
	if (set_parts(v, b, xsave) < 0 ||
	    set_msrs(v, (const struct kvm_msr_entry *)(xsave + b->xsave_size),
		     b->nr_msrs) < 0 ||
	    ((b->parts & PART_DEBUGREGS) &&
	     ioctl(v->fd, KVM_SET_DEBUGREGS, &b->dregs) < 0) ||
	    ioctl(v->fd, KVM_SET_MP_STATE, &b->mp) < 0 ||
	    ((b->parts & PART_EVENTS) &&
	     ioctl(v->fd, KVM_SET_VCPU_EVENTS, &b->events) < 0))
		log_err("vCPU %d: cannot restore its state: %s", v->id,
			strerror(errno));
	else
		ret = 0;
	free(b);
	return ret;
bad:
	log_err("vCPU %d: its saved state is malformed (or from a host with "
		"another XSAVE size)", v->id);
	return -1;
}
