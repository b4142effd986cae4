/*
 * reset.S - raw real-mode guest that reboots the machine: prints
 * "resetting\n" on COM1, then asks the i8042 for a pulse reset (0xFE to
 * port 0x64). hvrun ends the run with status 0 and says so on stderr.
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
	movb	$0xFE, %al
	outb	%al, $0x64
2:	hlt
	jmp	2b

#include "serial.inc"

msg:	.asciz	"resetting\n"
