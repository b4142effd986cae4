/*
 * popcnt.S - raw real-mode guest that runs popcnt (8 bits set in 0xff)
 * and exits with the count: status 8 where the CPU runs it. Where KVM
 * emulates real mode and cannot emulate popcnt (pagetable-based KVM),
 * the run ends in an emulation failure, which hvrun's crash report
 * decodes (tests/guest/crash.sh).
 */
	.code16
	.text
	.globl _start
_start:
	cli
	movw	$0xff, %bx
	popcntw	%bx, %ax
	movw	$0x501, %dx
	outb	%al, %dx
1:	hlt
	jmp	1b
