/*
 * hello32.S - multiboot v1 guest, 32-bit protected mode, loaded at 1 MiB.
 * Prints "Hello from multiboot\n", then checks the boot loader magic in
 * EAX (0x2BADB002): prints "magic ok\n" and exits with status 0, or
 * prints "magic bad\n" and exits with status 1 (port 0x501).
 */
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000000
#define MB_BOOT_MAGIC	0x2BADB002

	.section .multiboot, "a"
	.p2align 2
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	cli
	movl	%eax, %edi		/* keep the boot magic */
	lgdt	gdtr
	ljmp	$0x08, $1f
1:	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	$stack_top, %esp

	movl	$hello, %esi
	call	puts
	cmpl	$MB_BOOT_MAGIC, %edi
	jne	2f
	movl	$ok, %esi
	call	puts
	xorl	%eax, %eax
	jmp	exit
2:	movl	$bad, %esi
	call	puts
	movl	$1, %eax
exit:	movw	$0x501, %dx
	outb	%al, %dx
3:	cli
	hlt
	jmp	3b

/* puts: print NUL-terminated string at ESI on COM1 */
puts:
	lodsb
	testb	%al, %al
	jz	5f
	movb	%al, %ah
	movw	$0x3FD, %dx
4:	inb	%dx, %al		/* wait for LSR.THRE */
	testb	$0x20, %al
	jz	4b
	movb	%ah, %al
	movw	$0x3F8, %dx
	outb	%al, %dx
	jmp	puts
5:	ret

	.section .rodata
	.p2align 3
gdt:
	.quad	0
	.quad	0x00CF9A000000FFFF	/* 0x08: 32-bit code, flat */
	.quad	0x00CF92000000FFFF	/* 0x10: data, flat */
gdtr:
	.word	gdtr - gdt - 1
	.long	gdt

hello:	.asciz	"Hello from multiboot\n"
ok:	.asciz	"magic ok\n"
bad:	.asciz	"magic bad\n"

	.bss
	.p2align 4
	.space	4096
stack_top:
