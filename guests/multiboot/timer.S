/*
 * timer.S - multiboot v1 guest (ELF32, loaded at 1 MiB): legacy timer
 * interrupts in 64-bit long mode.
 *
 * Enters long mode (identity map of 0..4 GiB, 2 MiB pages), installs a
 * 64-bit IDT, remaps the 8259 PIC (IRQ0 -> vector 0x20, only IRQ0
 * unmasked), programs PIT channel 0 as a ~1000 Hz rate generator,
 * enables the local APIC (SVR 0xFEE000F0 bit 8, spurious vector 0xFF)
 * and sets LVT LINT0 = ExtINT and LVT LINT1 = NMI as firmware does,
 * then "sti" and counts IRQ0 ticks in a hlt loop (EOI 0x20 -> port 0x20).
 * After 25 ticks it prints "timer: 25 ticks\n" (a marker for
 * --snapshot-at) and goes on; after 50 it prints "timer: 50 ticks\n"
 * and exits with status 0.
 * Any other interrupt or exception prints "timer: unexpected vector\n"
 * and exits with status 2.
 *
 * Runs the interrupt handlers in 64-bit mode on purpose: kvm_pvm cannot
 * emulate a 32-bit iret at CPL 0; iretq works. The APIC must be
 * software-enabled before the LVTs are written: while it is disabled
 * KVM forces the mask bit on every LVT write.
 * The file is ELF32 (.code64 inside), which has no 64-bit or signed
 * 32-bit relocations: 64-bit code addresses data RIP-relatively (or via
 * "movl $sym, %reg"), and MMIO above 2 GiB through a register.
 */
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000000
#define LAPIC		0xFEE00000
#define NTICKS		50
#define PIT_DIVISOR	1193		/* 1193182 Hz / 1193 = ~1000 Hz */

#include "longmode.inc"

	.code64
lm64:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$stack_top, %esp

	/* IDT: every vector -> unexpected; 0x20 -> tick; 0x27, 0xFF -> spurious */
	xorl	%ebx, %ebx
4:	movl	$unexpected, %eax
	call	set_gate
	incl	%ebx
	cmpl	$256, %ebx
	jb	4b
	movl	$0x20, %ebx
	movl	$tick, %eax
	call	set_gate
	movl	$0x27, %ebx			/* PIC spurious IRQ7 */
	movl	$spurious, %eax
	call	set_gate
	movl	$0xFF, %ebx			/* APIC spurious vector */
	movl	$spurious, %eax
	call	set_gate
	lidt	idtr(%rip)

	call	pic_init			/* IRQ0 -> 0x20, only IRQ0 */

	/* PIT channel 0: lobyte/hibyte, mode 2 (rate generator) */
	movb	$0x34, %al
	outb	%al, $0x43
	movb	$(PIT_DIVISOR & 0xFF), %al
	outb	%al, $0x40
	movb	$(PIT_DIVISOR >> 8), %al
	outb	%al, $0x40

	/* local APIC: enable first (SVR), then LINT0 = ExtINT, LINT1 = NMI */
	movl	$LAPIC, %edi			/* > 2 GiB: not a valid disp32 */
	movl	$0x1FF, 0xF0(%rdi)		/* enable, spurious vector 0xFF */
	movl	$0x700, 0x350(%rdi)		/* LINT0: ExtINT, unmasked */
	movl	$0x400, 0x360(%rdi)		/* LINT1: NMI, unmasked */

	movl	$0, ticks(%rip)
	sti
5:	hlt
	cmpl	$(NTICKS / 2), ticks(%rip)
	jb	5b
	movl	$half, %esi			/* the handler keeps other registers */
	call	puts
6:	hlt
	cmpl	$NTICKS, ticks(%rip)
	jb	6b
	cli

	movl	$done, %esi
	call	puts
	xorl	%eax, %eax
	jmp	exit

tick:
	pushq	%rax
	incl	ticks(%rip)
	movb	$0x20, %al			/* non-specific EOI to the PIC */
	outb	%al, $0x20
	popq	%rax
	iretq

#include "irq64.inc"

	.section .rodata

half:	.asciz	"timer: 25 ticks\n"
done:	.asciz	"timer: 50 ticks\n"
bad:	.asciz	"timer: unexpected vector\n"

	.data
ticks:	.long	0

	.bss
	.p2align 4
idt:	.space	256 * 16
	.space	4096
stack_top:
