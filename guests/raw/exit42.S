/*
 * exit42.S - raw real-mode guest (boot sector at 0000:7C00).
 * Prints "exit 42\n" on COM1, then writes 42 to the debug-exit port
 * 0x501: hvrun exits with status 42 (QEMU isa-debug-exit: 85).
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
	movb	$42, %al
	movw	$0x501, %dx
	outb	%al, %dx
2:	hlt
	jmp	2b

#include "serial.inc"

msg:	.asciz	"exit 42\n"
