/*
 * Which interrupt controllers a VM has, and the paths between hvrun's
 * split-irqchip devices and KVM's local APICs (see irqchip.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "../log.h"
#include "../vcpu/vcpu.h"
#include "../vm.h"
#include "ioapic.h"
#include "irqchip.h"

static int create_kernel(struct vm *vm)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) <= 0) {
		log_err("this KVM has no in-kernel irqchip; try --irqchip off");
		return -1;
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0 ||
	    ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		log_err("cannot create the in-kernel irqchip and PIT: %s (try --irqchip off)",
			strerror(errno));
		return -1;
	}
	return 0;
}

/* Local APICs in KVM; the first IOAPIC_PINS GSIs are ours to route. */
static int enable_split(struct vm *vm)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_SPLIT_IRQCHIP,
		.args = { IOAPIC_PINS },
	};

	if (ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SPLIT_IRQCHIP) <= 0 ||
	    ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SIGNAL_MSI) <= 0) {
		errno = ENOTSUP;
		return -1;
	}
	if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
		return -1;
	vm->irq.split = calloc(1, sizeof(*vm->irq.split));
	return vm->irq.split ? 0 : -1;
}

int irqchip_create(struct vm *vm)
{
	if (vm->irq.mode == IRQCHIP_AUTO || vm->irq.mode == IRQCHIP_SPLIT) {
		if (enable_split(vm) == 0) {
			vm->irq.mode = IRQCHIP_SPLIT;
		} else if (vm->irq.mode == IRQCHIP_SPLIT) {
			log_err("this KVM cannot split the irqchip: %s (try --irqchip kernel)",
				strerror(errno));
			return -1;
		} else {
			log_info(1, "split irqchip unavailable (%s): using KVM's",
				 strerror(errno));
			vm->irq.mode = IRQCHIP_KERNEL;
		}
	}
	if (vm->irq.mode == IRQCHIP_KERNEL && create_kernel(vm) < 0)
		return -1;
	log_info(1, "irqchip: %s", vm->irq.mode == IRQCHIP_SPLIT ?
		 "split (local APICs in KVM; IOAPIC, PIC and PIT in hvrun)" :
		 vm->irq.mode == IRQCHIP_KERNEL ?
		 "kernel (PIC, IOAPIC, local APICs and PIT in KVM)" :
		 "off (no interrupt controller)");
	return 0;
}

void irqchip_free(struct vm *vm)
{
	free(vm->irq.split);
	vm->irq.split = NULL;
}

int irqchip_set_line(struct vm *vm, unsigned gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = (uint32_t)level };
	struct split_irqchip *s = vm->irq.split;

	switch (vm->irq.mode) {
	case IRQCHIP_KERNEL:
		return ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq);
	case IRQCHIP_SPLIT:
		/* ISA inputs reach both controllers, as on a PC. */
		if (gsi < 16 && s->pic)
			pic_dev_set_irq(s->pic, gsi, level);
		if (s->ioapic)
			ioapic_dev_set_irq(s->ioapic, gsi, level);
		return 0;
	default:
		return 0;
	}
}

/*
 * The PIC's INT goes to the boot vCPU. KVM takes an ExtINT vector only
 * from the vCPU's own thread and only when its local APIC accepts one
 * (LINT0 in ExtINT mode, or the APIC disabled) and interrupts are open
 * (ready_for_interrupt_injection); otherwise request_interrupt_window
 * makes KVM exit (KVM_EXIT_IRQ_WINDOW_OPEN) as soon as they are. The PIC
 * kicks this thread when INT rises.
 */
void irqchip_before_run(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct pic_dev *pic = v->vm->irq.split->pic;
	struct kvm_interrupt irq;
	uint8_t vector;

	if (!pic || !pic_dev_pending(pic)) {
		run->request_interrupt_window = 0;
		return;
	}
	if (!run->ready_for_interrupt_injection) {
		run->request_interrupt_window = 1;
		return;
	}
	run->request_interrupt_window = 0;
	if (!pic_dev_ack(pic, &vector))
		return;
	irq.irq = vector;
	if (ioctl(v->fd, KVM_INTERRUPT, &irq) < 0)
		log_info(1, "vCPU %d: KVM_INTERRUPT %u: %s", v->id, vector,
			 strerror(errno));
}

void irqchip_eoi(struct vm *vm, uint8_t vector)
{
	if (vm->irq.split && vm->irq.split->ioapic)
		ioapic_dev_eoi(vm->irq.split->ioapic, vector);
}

/* The in-kernel chips, in KVM's own structures. */
struct kernel_state {
	struct kvm_irqchip chip[3];	/* PIC master, PIC slave, IOAPIC */
	struct kvm_pit_state2 pit;
};

size_t irqchip_kernel_state_size(void)
{
	return sizeof(struct kernel_state);
}

int irqchip_kernel_save(struct vm *vm, void *buf)
{
	struct kernel_state *k = buf;

	memset(k, 0, sizeof(*k));
	for (uint32_t i = 0; i < 3; i++) {
		k->chip[i].chip_id = i;
		if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &k->chip[i]) < 0)
			goto fail;
	}
	if (ioctl(vm->vm_fd, KVM_GET_PIT2, &k->pit) < 0)
		goto fail;
	return 0;
fail:
	log_err("cannot read the in-kernel irqchip: %s", strerror(errno));
	return -1;
}

int irqchip_kernel_load(struct vm *vm, const void *buf, size_t len)
{
	struct kernel_state k;

	if (len != sizeof(k)) {
		log_err("the snapshot's in-kernel irqchip state has %zu bytes",
			len);
		return -1;
	}
	memcpy(&k, buf, sizeof(k));
	for (uint32_t i = 0; i < 3; i++) {
		k.chip[i].chip_id = i;	/* whatever the file says */
		if (ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &k.chip[i]) < 0)
			goto fail;
	}
	if (ioctl(vm->vm_fd, KVM_SET_PIT2, &k.pit) < 0)
		goto fail;
	return 0;
fail:
	log_err("cannot restore the in-kernel irqchip: %s", strerror(errno));
	return -1;
}
