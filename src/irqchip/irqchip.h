/*
 * Interrupt controllers. Three modes (--irqchip):
 *
 *   kernel  KVM's in-kernel PIC, IOAPIC, local APICs and PIT.
 *   split   local APICs in KVM (KVM_CAP_SPLIT_IRQCHIP); the IOAPIC, the
 *           two 8259 PICs and the 8254 PIT are hvrun devices
 *           (src/devices/ioapic.c, pic.c, pit.c). The default where KVM
 *           offers it: a VM without the in-kernel PIC and PIT is created
 *           and, above all, destroyed far faster.
 *   off     no interrupt controller: one vCPU, no interrupts.
 *
 * In split mode the IOAPIC delivers by MSI (KVM_SIGNAL_MSI, and GSI routes
 * that mirror its redirection table so that irqfds and level EOIs work),
 * and the PIC's INT reaches the boot vCPU as an ExtINT (KVM_INTERRUPT,
 * issued by that vCPU's own thread before it enters the guest).
 */
#ifndef HVRUN_IRQCHIP_H
#define HVRUN_IRQCHIP_H

#include <stdbool.h>
#include <stdint.h>

#include "../vm_config.h"

struct vm;
struct vcpu;
struct pic_dev;
struct ioapic_dev;
struct pit_dev;

/* What the devices of a split irqchip hang on: set as they start. */
struct split_irqchip {
	struct pic_dev *pic;
	struct ioapic_dev *ioapic;
	struct pit_dev *pit;
};

/* Snapshots, --irqchip kernel: KVM's 8259 pair, IOAPIC and PIT as one
 * blob of irqchip_kernel_state_size() bytes. 0, or -1 (logged). (The
 * split irqchip's devices save themselves: src/devices/.) */
size_t irqchip_kernel_state_size(void);
int irqchip_kernel_save(struct vm *vm, void *buf);
int irqchip_kernel_load(struct vm *vm, const void *buf, size_t len);

/* Create the mode cfg asks for (auto: split where KVM has it, else
 * kernel) on vm->vm_fd, before any vCPU; sets vm->irq.mode. */
int irqchip_create(struct vm *vm);
void irqchip_free(struct vm *vm);

/* Drive GSI gsi (ISA IRQ n is GSI n; virtio from 16) to level. */
int irqchip_set_line(struct vm *vm, unsigned gsi, int level);

/* Split mode, boot vCPU, before each KVM_RUN: inject the PIC's ExtINT
 * or ask KVM to exit when the guest can take it. */
void irqchip_before_run(struct vcpu *v);
/* KVM_EXIT_IOAPIC_EOI: a local APIC's EOI of a level-triggered vector. */
void irqchip_eoi(struct vm *vm, uint8_t vector);

/* Device hooks (src/devices/). */
void pic_dev_set_irq(struct pic_dev *p, unsigned irq, int level);
/* INTA: false when INT is low, else the vector in *vector. */
bool pic_dev_ack(struct pic_dev *p, uint8_t *vector);
bool pic_dev_pending(struct pic_dev *p);
/* IRQ 0's request: 0 taken (or none), 1 still waiting in IRR, -1 masked. */
int pic_dev_irq0_state(struct pic_dev *p);
void ioapic_dev_set_irq(struct ioapic_dev *io, unsigned pin, int level);
void ioapic_dev_eoi(struct ioapic_dev *io, uint8_t vector);
/* The PIC took IRQ 0 from the PIT: a tick it owes may go next. */
void pit_dev_acked(struct pit_dev *p);

#endif
