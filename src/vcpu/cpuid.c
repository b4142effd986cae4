/* CPUID: what KVM supports (never the host's own CPUID), with per-vCPU
 * APIC ids. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "../log.h"
#include "../vm.h"
#include "internal.h"
#include "vcpu.h"
#include "../cpu_features.h"

static uint32_t *cpuid_reg(struct kvm_cpuid_entry2 *e, enum cpuid_reg r)
{
	switch (r) {
	case CPUID_EAX: return &e->eax;
	case CPUID_EBX: return &e->ebx;
	case CPUID_ECX: return &e->ecx;
	case CPUID_EDX: return &e->edx;
	}
	return NULL;
}

static bool cpuid_entry_is(const struct kvm_cpuid_entry2 *e, uint32_t leaf,
			   uint32_t subleaf)
{
	if (e->function != leaf)
		return false;
	return !(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
	       e->index == subleaf;
}

void cpuid_drop_features(struct kvm_cpuid2 *c,
			 const uint64_t *drop)
{
	for (unsigned int f = 0; f < cpu_features_count; f++) {
		const struct cpu_feature *cf = &cpu_features[f];

		if (!(drop[f / 64] & (1ULL << (f % 64))))
			continue;
		/* A leaf KVM does not offer has nothing to drop. */
		for (uint32_t i = 0; i < c->nent; i++) {
			struct kvm_cpuid_entry2 *e = &c->entries[i];
			uint32_t *reg;

			if (!cpuid_entry_is(e, cf->leaf, cf->subleaf))
				continue;
			reg = cpuid_reg(e, cf->reg);
			if (reg)
				*reg &= ~cf->mask;
		}
	}
}

int cpuid_fetch(struct vm *vm, struct kvm_cpuid2 **out)
{
	int nent = 256;	/* enough for current CPUs: no E2BIG retry */

	for (;;) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) +
					      nent * sizeof(c->entries[0]));

		if (!c)
			return -ENOMEM;
		c->nent = nent;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			cpuid_drop_features(c, vm->cfg->cpu_drop);
			*out = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG || nent >= 4096) {
			log_err("KVM_GET_SUPPORTED_CPUID failed: %s", strerror(errno));
			return -1;
		}
		nent *= 2;
	}
}

/* Topology leaves that carry the APIC id. */
static void set_apic_id(struct kvm_cpuid_entry2 *e, int id, int ncpus)
{
	switch (e->function) {
	case 1:
		e->ebx = (e->ebx & 0x0000ffff) | ((uint32_t)id << 24) |
			 ((uint32_t)(ncpus > 255 ? 255 : ncpus) << 16);
		if (ncpus > 1)
			e->edx |= 1u << 28;	/* HTT: ebx[23:16] is valid */
		break;
	case 0xb:
	case 0x1f:
		e->edx = (uint32_t)id;		/* x2APIC id */
		break;
	}
}

int vcpu_set_cpuid(struct vcpu *v)
{
	const struct kvm_cpuid2 *src = v->vm->vcpu_state->cpuid;
	size_t size = sizeof(*src) + src->nent * sizeof(src->entries[0]);
	struct kvm_cpuid2 *c = malloc(size);
	int ret = 0;

	if (!c)
		return -ENOMEM;
	memcpy(c, src, size);
	for (uint32_t i = 0; i < c->nent; i++)
		set_apic_id(&c->entries[i], v->id, v->vm->nr_vcpus);
	if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0) {
		log_err("cannot set vCPU %d's CPUID: %s", v->id, strerror(errno));
		ret = -1;
	}
	free(c);
	return ret;
}
