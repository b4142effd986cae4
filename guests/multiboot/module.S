/*
 * module.S - multiboot v1 guest that prints its modules: for each, the
 * string ("module: NAME\n") and the bytes ("bytes: ...", the module's
 * contents as they are), then exits with status 0 (port 0x501). Without
 * the module flag (info bit 3) it prints "no modules\n" and exits with 1.
 * Run as `hvrun --initrd FILE module.elf`.
 */
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000000
#define MB_INFO_MODS	(1 << 3)

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
	movl	$stack_top, %esp
	testl	$MB_INFO_MODS, (%ebx)
	jz	none
	movl	20(%ebx), %ecx		/* mods_count */
	movl	24(%ebx), %ebp		/* mods_addr */
1:	jecxz	done
	pushl	%ecx
	movl	$s_module, %esi
	call	puts
	movl	8(%ebp), %esi		/* string */
	call	puts
	movb	$'\n', %al
	call	putc
	movl	$s_bytes, %esi
	call	puts
	movl	0(%ebp), %esi		/* mod_start */
	movl	4(%ebp), %edi		/* mod_end */
2:	cmpl	%edi, %esi
	jae	3f
	lodsb
	call	putc
	jmp	2b
3:	addl	$16, %ebp
	popl	%ecx
	decl	%ecx
	jmp	1b
done:	xorl	%eax, %eax
	jmp	exit
none:	movl	$s_none, %esi
	call	puts
	movl	$1, %eax
exit:	movw	$0x501, %dx
	outb	%al, %dx
4:	hlt
	jmp	4b

/* puts: the NUL-terminated string at ESI on COM1 */
puts:
	lodsb
	testb	%al, %al
	jz	5f
	call	putc
	jmp	puts
5:	ret

/* putc: AL on COM1 once the transmitter is empty */
putc:
	pushl	%edx
	movb	%al, %ah
	movw	$0x3FD, %dx
6:	inb	%dx, %al
	testb	$0x20, %al
	jz	6b
	movb	%ah, %al
	movw	$0x3F8, %dx
	outb	%al, %dx
	popl	%edx
	ret

	.section .rodata
s_module: .asciz "module: "
s_bytes: .asciz	"bytes: "
s_none:	.asciz	"no modules\n"

	.bss
	.p2align 4
	.space	1024
stack_top:
