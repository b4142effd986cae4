/*
 * timeracc.S - multiboot v1 guest (ELF32, loaded at 1 MiB): how well the
 * PIT and the local APIC timer keep time, each at 1 kHz for 2 s.
 *
 * Reference: the guest has no clock of its own that it could trust more
 * than the timers under test, so it only counts. It prints a marker line
 * at the first tick and another 2000 ticks later; tests/guest/timeracc.sh
 * timestamps the lines as they arrive on hvrun's stdout and compares the
 * interval with the 2 s the ticks say.
 *
 * 1. PIT channel 0, mode 2, divisor 1193 (~1000.15 Hz), through the 8259
 *    (IRQ 0 -> vector 0x20) and LINT0 in ExtINT mode, as timer.S:
 *    "pit start", then after 2000 ticks "pit end". Meanwhile the local
 *    APIC timer counts down once from 0xffffffff (divide by 2, masked),
 *    which measures its rate in PIT ticks.
 * 2. IRQ 0 masked; the local APIC timer in periodic mode at that rate /
 *    1000 (vector 0x40): "lapic start", then 2000 ticks later "lapic end";
 *    status 0.
 *
 * Without a PIT (--irqchip off: the ports read all-ones) it prints
 * "timeracc: no PIT" and exits with status 3; an unexpected vector prints
 * "timeracc: unexpected vector" and exits with status 2. Interrupt
 * handlers are 64-bit (kvm_pvm cannot emulate a 32-bit iret at CPL 0).
 */
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000000
#define LAPIC		0xFEE00000
#define NTICKS		2000
#define PIT_DIVISOR	1193		/* 1193182 Hz / 1193 = ~1000 Hz */

#include "longmode.inc"

	.code64
lm64:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$stack_top, %esp

	xorl	%ebx, %ebx
1:	movl	$unexpected, %eax
	call	set_gate
	incl	%ebx
	cmpl	$256, %ebx
	jb	1b
	movl	$0x20, %ebx
	movl	$pit_tick, %eax
	call	set_gate
	movl	$0x40, %ebx
	movl	$lapic_tick, %eax
	call	set_gate
	movl	$0x27, %ebx			/* PIC spurious IRQ 7 */
	movl	$spurious, %eax
	call	set_gate
	movl	$0xFF, %ebx			/* APIC spurious vector */
	movl	$spurious, %eax
	call	set_gate
	lidt	idtr(%rip)

	call	pic_init			/* IRQ0 -> 0x20, only IRQ0 */

	/* PIT channel 0: lobyte/hibyte, mode 2 */
	movb	$0x34, %al
	outb	%al, $0x43
	movb	$(PIT_DIVISOR & 0xFF), %al
	outb	%al, $0x40
	movb	$(PIT_DIVISOR >> 8), %al
	outb	%al, $0x40
	/* A PIT counts down from at most its divisor; no PIT reads 0xffff. */
	movb	$0x00, %al			/* latch channel 0 */
	outb	%al, $0x43
	inb	$0x40, %al
	movb	%al, %cl
	inb	$0x40, %al
	movb	%al, %ch
	cmpw	$PIT_DIVISOR, %cx
	ja	no_pit

	movl	$LAPIC, %edi			/* > 2 GiB: not a valid disp32 */
	movl	$0x1FF, 0xF0(%rdi)		/* enable, spurious vector 0xFF */
	movl	$0x700, 0x350(%rdi)		/* LINT0: ExtINT */
	movl	$0x400, 0x360(%rdi)		/* LINT1: NMI */
	movl	$0x0, 0x3E0(%rdi)		/* timer divide by 2 */

	sti
	/* tick 1: start the interval and the APIC timer's measurement */
2:	hlt
	cmpl	$1, ticks(%rip)
	jb	2b
	movl	$0x10040, 0x320(%rdi)		/* one-shot, masked */
	movl	$0xFFFFFFFF, 0x380(%rdi)
	movl	$pit_start, %esi
	call	puts
3:	hlt
	cmpl	$(NTICKS + 1), ticks(%rip)
	jb	3b
	movl	0x390(%rdi), %ecx		/* current count */
	movl	$0xFFFFFFFF, %ebx
	subl	%ecx, %ebx			/* APIC counts per 2000 PIT ticks */
	movb	$0xFF, %al
	outb	%al, $0x21			/* IRQ 0 off */
	movl	$pit_end, %esi
	call	puts

	/* periodic APIC timer at (counts per 2 s) / 2000 */
	movl	%ebx, %eax
	xorl	%edx, %edx
	movl	$NTICKS, %ecx
	divl	%ecx
	testl	%eax, %eax
	jz	bad_timer
	movl	$0x20040, 0x320(%rdi)		/* periodic, vector 0x40 */
	movl	%eax, 0x380(%rdi)
4:	hlt
	cmpl	$1, lticks(%rip)
	jb	4b
	movl	$lapic_start, %esi
	call	puts
5:	hlt
	cmpl	$(NTICKS + 1), lticks(%rip)
	jb	5b
	movl	$0x10040, 0x320(%rdi)		/* stop: masked */
	movl	$0, 0x380(%rdi)
	movl	$lapic_end, %esi
	call	puts
	xorl	%eax, %eax
	jmp	exit

no_pit:
	movl	$nopit, %esi
	call	puts
	movl	$3, %eax
	jmp	exit

bad_timer:
	movl	$badtimer, %esi
	call	puts
	movl	$4, %eax
	jmp	exit

pit_tick:
	pushq	%rax
	incl	ticks(%rip)
	movb	$0x20, %al			/* non-specific EOI to the PIC */
	outb	%al, $0x20
	popq	%rax
	iretq

lapic_tick:
	pushq	%rax
	incl	lticks(%rip)
	movl	$LAPIC, %eax
	movl	$0, 0xB0(%rax)			/* EOI */
	popq	%rax
	iretq

#include "irq64.inc"

	.section .rodata

pit_start:	.asciz	"pit start\n"
pit_end:	.asciz	"pit end\n"
lapic_start:	.asciz	"lapic start\n"
lapic_end:	.asciz	"lapic end\n"
nopit:		.asciz	"timeracc: no PIT\n"
badtimer:	.asciz	"timeracc: the APIC timer does not count\n"
bad:		.asciz	"timeracc: unexpected vector\n"

	.data
ticks:	.long	0
lticks:	.long	0

	.bss
	.p2align 4
idt:	.space	256 * 16
	.space	4096
stack_top:
