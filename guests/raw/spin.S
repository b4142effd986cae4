/*
 * spin.S - raw real-mode guest (boot sector at 0000:7C00).
 * Prints "spinning\n" on COM1 and then loops forever (jmp .) with
 * interrupts disabled; it never exits. Used to test hvrun --timeout.
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
	jmp	.

#include "serial.inc"

msg:	.asciz	"spinning\n"
