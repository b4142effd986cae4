/*
 * Guest virtual addresses through a vCPU's own page tables, for the gdb
 * stub's memory access and the crash report's instruction bytes:
 * KVM_TRANSLATE, or a walk of the 4-level tables where KVM lacks it.
 * Every physical address then goes through mem_ptr.
 */
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "../vm.h"
#include "vcpu.h"

#define GVA_PAGE	4096ULL
#define PTE_ADDR	0x000ffffffffff000ULL
#define PTE_PRESENT	1ULL
#define PTE_LARGE	0x80ULL
#define CR0_PG		(1ULL << 31)
#define EFER_LMA	(1ULL << 10)

/* Walk the guest's 4-level page tables when KVM_TRANSLATE is missing. */
static int walk_tables(struct vcpu *v, uint64_t gva, uint64_t *gpa)
{
	struct kvm_sregs s;
	uint64_t table, e;

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -1;
	if (!(s.cr0 & CR0_PG)) {
		*gpa = gva;
		return 0;
	}
	if (!(s.efer & EFER_LMA))
		return -1;	/* 32-bit paging: KVM_TRANSLATE or nothing */
	table = s.cr3 & PTE_ADDR;
	for (int level = 3; level >= 0; level--) {
		unsigned idx = (unsigned)(gva >> (12 + 9 * level)) & 511;

		if (mem_read(&v->vm->mem, &e, table + idx * 8, 8) < 0 ||
		    !(e & PTE_PRESENT))
			return -1;
		if (level && level < 3 && (e & PTE_LARGE)) {
			uint64_t size = 1ULL << (12 + 9 * level);

			*gpa = (e & PTE_ADDR & ~(size - 1)) | (gva & (size - 1));
			return 0;
		}
		table = e & PTE_ADDR;
	}
	*gpa = table | (gva & 0xfff);
	return 0;
}

int vcpu_translate(struct vcpu *v, uint64_t gva, uint64_t *gpa)
{
	struct kvm_translation t = { .linear_address = gva };

	if (ioctl(v->fd, KVM_TRANSLATE, &t) == 0) {
		if (!t.valid)
			return -1;
		*gpa = t.physical_address;
		return 0;
	}
	return walk_tables(v, gva, gpa);
}

void *vcpu_virt_ptr(struct vcpu *v, uint64_t gva, uint64_t len)
{
	uint64_t gpa;

	if (len > GVA_PAGE - (gva & (GVA_PAGE - 1)) ||
	    vcpu_translate(v, gva, &gpa) < 0)
		return NULL;
	return mem_ptr(&v->vm->mem, gpa, len);
}

uint64_t vcpu_page_chunk(uint64_t gva, uint64_t len)
{
	uint64_t left = GVA_PAGE - (gva & (GVA_PAGE - 1));

	return len < left ? len : left;
}

uint64_t vcpu_read_virt(struct vcpu *v, uint64_t gva, void *dst, uint64_t len)
{
	uint64_t done = 0;

	while (done < len) {
		uint64_t n = vcpu_page_chunk(gva + done, len - done);
		const uint8_t *p = vcpu_virt_ptr(v, gva + done, n);

		if (!p)
			break;
		memcpy((uint8_t *)dst + done, p, n);
		done += n;
	}
	return done;
}
