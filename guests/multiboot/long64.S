/*
 * long64.S - multiboot v1 guest (ELF32, loaded at 1 MiB) that enters
 * 64-bit long mode: identity-maps the first 4 GiB with 2 MiB pages,
 * enables CR4.PAE, EFER.LME and CR0.PG, far-jumps to a 64-bit code
 * segment, prints "Hello from long mode\n" and exits with status 0.
 */
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000000

#include "longmode.inc"

	.code64
lm64:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$stack_top, %esp		/* zero-extends into RSP */

	movl	$hello, %esi
	call	puts
	xorl	%eax, %eax
	movw	$0x501, %dx
	outb	%al, %dx
4:	cli
	hlt
	jmp	4b

/* puts: print NUL-terminated string at RSI on COM1 */
puts:
	lodsb
	testb	%al, %al
	jz	6f
	movb	%al, %ah
	movw	$0x3FD, %dx
5:	inb	%dx, %al
	testb	$0x20, %al
	jz	5b
	movb	%ah, %al
	movw	$0x3F8, %dx
	outb	%al, %dx
	jmp	puts
6:	ret

	.section .rodata

hello:	.asciz	"Hello from long mode\n"

	.bss
	.p2align 4
	.space	4096
stack_top:
