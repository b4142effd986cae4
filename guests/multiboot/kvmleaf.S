/*
 * kvmleaf.S - multiboot v1 guest that enters long mode and prints the KVM
 * paravirtual feature bits, "kvm features 0xXXXXXXXX\n" (CPUID 0x40000001
 * EAX), then exits with status 0. tests/guest/cpu_features.sh runs it with
 * and without --cpu-features.
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
	movl	$stack_top, %esp

	movl	$label, %esi
	call	puts
	movl	$0x40000001, %eax
	xorl	%ecx, %ecx
	cpuid
	movl	%eax, %ebx
	movl	$hexdigits, %edi		/* ELF32 object: no 64-bit relocs */
	movl	$8, %ecx			/* 8 hex digits, high nibble first */
1:	roll	$4, %ebx
	movl	%ebx, %eax
	andl	$0xf, %eax
	movb	(%rdi,%rax), %al
	call	putc
	loop	1b
	movb	$'\n', %al
	call	putc
	xorl	%eax, %eax
	movw	$0x501, %dx
	outb	%al, %dx
4:	cli
	hlt
	jmp	4b

/* putc: print AL on COM1; keeps every register but DX */
putc:
	pushq	%rax
	movw	$0x3FD, %dx
5:	inb	%dx, %al
	testb	$0x20, %al
	jz	5b
	popq	%rax
	movw	$0x3F8, %dx
	outb	%al, %dx
	ret

/* puts: print the NUL-terminated string at RSI */
puts:
	lodsb
	testb	%al, %al
	jz	6f
	call	putc
	jmp	puts
6:	ret

	.section .rodata

label:	.asciz	"kvm features 0x"
hexdigits: .ascii "0123456789abcdef"

	.bss
	.p2align 4
	.space	4096
stack_top:
