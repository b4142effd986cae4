/*
 * echo.S - raw real-mode guest (boot sector at 0000:7C00).
 * Prints "echo ready\n" on COM1, then echoes every byte received on
 * COM1 (polls LSR bit 0, data ready). The byte 'q' is echoed too, then
 * the guest prints "\nbye\n" and exits with status 0 (port 0x501).
 * So input "abcq" produces "echo ready\nabcq\nbye\n".
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
	movw	$ready, %si
	call	puts
loop:
	movw	$0x3FD, %dx
2:	inb	%dx, %al		/* wait for LSR.DR (bit 0) */
	testb	$0x01, %al
	jz	2b
	movw	$0x3F8, %dx
	inb	%dx, %al		/* read RBR */
	movb	%al, %bl
	call	putc
	cmpb	$'q', %bl
	jne	loop
	movw	$bye, %si
	call	puts
	movb	$0, %al
	movw	$0x501, %dx
	outb	%al, %dx
5:	hlt
	jmp	5b

#include "serial.inc"

ready:	.asciz	"echo ready\n"
bye:	.asciz	"\nbye\n"
