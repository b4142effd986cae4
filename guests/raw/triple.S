/*
 * triple.S - raw real-mode guest (boot sector at 0000:7C00).
 * Prints "triple\n" on COM1, switches to 32-bit protected mode, loads
 * an IDT with limit 0 and executes "ud2". Vector 6 (#UD) is outside
 * the IDT -> #GP, whose vector is outside too -> #DF -> triple fault
 * (shutdown). It never writes the exit port; if the fault somehow does
 * not happen it prints "no triple fault\n" and exits with status 1.
 *
 * Notes (kvm_pvm): the fault is raised in protected mode on purpose: in
 * real mode KVM's emulator ignores the IVT limit on "int n" and simply
 * vectors through 0000:4n. A software "int n" at CPL 0 in protected
 * mode is not emulatable here (KVM internal error), so use a real
 * exception (ud2) instead; int3 is not emulatable either.
 */
	.code16
	.text
	.globl _start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x7C00, %sp
	ljmp	$0, $1f
1:
	movw	$msg, %si
	call	puts

	lgdt	gdtr
	movl	%cr0, %eax
	orl	$1, %eax		/* CR0.PE */
	movl	%eax, %cr0
	ljmp	$0x08, $pm32

#include "serial.inc"

	.code32
pm32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$0x7C00, %esp
	lidt	idtr0			/* empty IDT */
	ud2				/* #UD -> #GP -> #DF -> triple fault */

	/* not reached */
	movl	$fail, %esi
5:	lodsb
	testb	%al, %al
	jz	7f
	movb	%al, %ah
	movw	$0x3FD, %dx
6:	inb	%dx, %al
	testb	$0x20, %al
	jz	6b
	movb	%ah, %al
	movw	$0x3F8, %dx
	outb	%al, %dx
	jmp	5b
7:	movb	$1, %al
	movw	$0x501, %dx
	outb	%al, %dx
	jmp	.

	.p2align 3
gdt:
	.quad	0
	.quad	0x00CF9A000000FFFF	/* 0x08: 32-bit code, flat */
	.quad	0x00CF92000000FFFF	/* 0x10: data, flat */
gdtr:
	.word	gdtr - gdt - 1
	.long	gdt
idtr0:
	.word	0
	.long	0

msg:	.asciz	"triple\n"
fail:	.asciz	"no triple fault\n"
