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
	.p2align 3
gdt:
	.quad	0
	.quad	0x00CF9A000000FFFF	/* 0x08: 32-bit code, flat */
	.quad	0x00CF92000000FFFF	/* 0x10: data, flat */
	.quad	0x00AF9A000000FFFF	/* 0x18: 64-bit code (L=1) */
gdtr:
	.word	gdtr - gdt - 1
	.long	gdt

label:	.asciz	"kvm features 0x"
hexdigits: .ascii "0123456789abcdef"

	.bss
	.p2align 12
pml4:	.space	4096
pdpt:	.space	4096
pd:	.space	4 * 4096
	.space	4096
stack_top:
