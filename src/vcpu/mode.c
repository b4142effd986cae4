/* Entry state for the boot vCPU: real, 32-bit protected or 64-bit long mode. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "../board.h"
#include "../log.h"
#include "../vm.h"
#include "vcpu.h"

#define CR0_PE (1ULL << 0)
#define CR0_ET (1ULL << 4)
#define CR0_PG (1ULL << 31)
#define CR0_MP (1ULL << 1)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR4_PAE (1ULL << 5)
#define CR4_OSFXSR (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define RFLAGS_IOPL3 (3ULL << 12)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

static void flat_segment(struct kvm_segment *s, uint16_t sel, bool code,
			 bool longmode)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = 0;
	s->limit = 0xffffffff;
	s->type = code ? 0xb : 0x3;	/* execute/read accessed, read/write accessed */
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->db = longmode && code ? 0 : 1;
	s->l = longmode && code;
}

static void real_segment(struct kvm_segment *s, uint16_t sel, bool code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = (uint64_t)sel << 4;
	s->limit = 0xffff;
	s->type = code ? 0xb : 0x3;
	s->present = 1;
	s->s = 1;
}

static void set_data_segments(struct kvm_sregs *sr, const struct kvm_segment *d)
{
	sr->ds = sr->es = sr->fs = sr->gs = sr->ss = *d;
}

static void user_segment(struct kvm_segment *s, uint16_t sel, bool code)
{
	flat_segment(s, sel, code, true);
	s->dpl = 3;
}

/* The PV entry state of include/hvrun/abi.h: long mode at CPL 3. */
static void setup_pv_sregs(struct kvm_sregs *sr, const struct boot_state *bs)
{
	struct kvm_segment data;

	user_segment(&sr->cs, PV_SEL_UCODE, true);
	user_segment(&data, PV_SEL_UDATA, false);
	set_data_segments(sr, &data);
	memset(&sr->tr, 0, sizeof(sr->tr));
	sr->tr.selector = PV_SEL_TSS;
	sr->tr.base = bs->tss_base;
	sr->tr.limit = 103;
	sr->tr.type = 0xb;	/* 64-bit TSS, busy */
	sr->tr.present = 1;
	sr->gdt.base = bs->gdt_base;
	sr->gdt.limit = 7 * 8 - 1;
	sr->idt.base = bs->idt_base;
	sr->idt.limit = 32 * 16 - 1;
	/* SSE usable at CPL 3 (compilers emit it); WP so CPL 0 honours R/O. */
	sr->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sr->cr3 = bs->cr3;
	sr->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	sr->efer = EFER_LME | EFER_LMA;
}

static void setup_sregs(struct kvm_sregs *sr, const struct boot_state *bs)
{
	struct kvm_segment data;

	switch (bs->mode) {
	case MODE_REAL:
		real_segment(&sr->cs, bs->real_cs, true);
		real_segment(&data, 0, false);
		set_data_segments(sr, &data);
		sr->cr0 = CR0_ET;
		sr->cr4 = 0;
		sr->efer = 0;
		return;
	case MODE_PROTECTED:
		flat_segment(&sr->cs, BOOT_SEL_CODE32, true, false);
		flat_segment(&data, BOOT_SEL_DATA, false, false);
		set_data_segments(sr, &data);
		sr->cr0 = CR0_PE | CR0_ET;
		sr->cr4 = 0;
		sr->efer = 0;
		break;
	case MODE_PV:
		setup_pv_sregs(sr, bs);
		return;
	case MODE_LONG:
		flat_segment(&sr->cs, BOOT_SEL_CODE64, true, true);
		flat_segment(&data, BOOT_SEL_DATA, false, true);
		set_data_segments(sr, &data);
		sr->cr0 = CR0_PE | CR0_ET | CR0_PG;
		sr->cr3 = bs->cr3;
		sr->cr4 = CR4_PAE;
		sr->efer = EFER_LME | EFER_LMA;
		break;
	}
	sr->gdt.base = bs->gdt_base;
	sr->gdt.limit = 4 * 8 - 1;
}

int vcpu_set_boot_state(struct vcpu *v, const struct boot_state *bs)
{
	struct kvm_sregs sr;
	struct kvm_regs regs;

	if (ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
		goto fail;
	setup_sregs(&sr, bs);
	if (ioctl(v->fd, KVM_SET_SREGS, &sr) < 0)
		goto fail;

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 2;	/* bit 1 is reserved and always set */
	if (bs->mode == MODE_PV)
		regs.rflags |= RFLAGS_IOPL3;	/* the doorbell port, at CPL 3 */
	regs.rip = bs->rip;
	regs.rsp = bs->rsp;
	regs.rax = bs->rax;
	regs.rbx = bs->rbx;
	regs.rsi = bs->rsi;
	regs.rdi = bs->rdi;
	if (vcpu_set_regs(v, &regs) < 0)
		goto fail;
	return 0;
fail:
	log_err("cannot set vCPU %d's entry state: %s", v->id, strerror(errno));
	return -1;
}
