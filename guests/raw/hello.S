/*
 * hello.S - raw real-mode guest (boot sector at 0000:7C00).
 * Prints "Hello from real mode\n" on COM1, then "string I/O\n" with one
 * `rep outsb` (a single exit with count > 1), and exits with status 0
 * through the debug-exit port 0x501.
 */
	.code16
	.text
	.globl _start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$0x7C00, %sp
	ljmp	$0, $1f			/* normalise CS:IP to 0000:xxxx */
1:
	movw	$msg, %si
	call	puts
	cld
	movw	$smsg, %si
	movw	$smsg_len, %cx
	movw	$0x3F8, %dx
	rep outsb
	movb	$0, %al
	movw	$0x501, %dx		/* port > 0xFF: must go through DX */
	outb	%al, %dx
	cli
2:	hlt
	jmp	2b

#include "serial.inc"

msg:	.asciz	"Hello from real mode\n"
smsg:	.ascii	"string I/O\n"
	.set	smsg_len, . - smsg
