/*
 * hello.S - PVH guest (32-bit ELF at 1 MiB, entered through its
 * XEN_ELFNOTE_PHYS32_ENTRY note). Reads the hvm_start_info at EBX: prints
 * "pvh magic ok" (or "pvh magic bad" and exits 1), "cmdline [...]", the
 * number of modules and module 0's bytes (up to 64) as "module [...]", then
 * exits with status 0 through port 0x501.
 */
#define PVH_MAGIC	0x336ec578
#define SI_NR_MODULES	12
#define SI_MODLIST	16
#define SI_CMDLINE	24

	.section .note.Xen, "a"
	.p2align 2
	.long	4			/* namesz */
	.long	4			/* descsz */
	.long	18			/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz	"Xen"
	.long	_start

	.text
	.code32
	.globl _start
_start:
	movl	$stack_top, %esp
	movl	%ebx, %ebp		/* start info */
	cmpl	$PVH_MAGIC, (%ebp)
	je	1f
	movl	$bad, %esi
	call	puts
	movl	$1, %eax
	jmp	exit
1:	movl	$ok, %esi
	call	puts

	movl	$cmd, %esi
	call	puts
	movl	SI_CMDLINE(%ebp), %esi
	call	puts
	movl	$close, %esi
	call	puts

	movl	$mods, %esi
	call	puts
	movl	SI_NR_MODULES(%ebp), %eax
	addb	$'0', %al		/* 0-9 */
	call	putc
	movb	$'\n', %al
	call	putc
	cmpl	$0, SI_NR_MODULES(%ebp)
	je	3f
	movl	$mod0, %esi
	call	puts
	movl	SI_MODLIST(%ebp), %edi	/* hvm_modlist_entry: paddr, size */
	movl	(%edi), %esi
	movl	8(%edi), %ecx
	cmpl	$64, %ecx
	jbe	2f
	movl	$64, %ecx
2:	jecxz	4f
	lodsb
	call	putc
	decl	%ecx
	jmp	2b
4:	movl	$close, %esi
	call	puts
3:	xorl	%eax, %eax
exit:	movw	$0x501, %dx
	outb	%al, %dx
5:	cli
	hlt
	jmp	5b

/* putc: print AL on COM1; keeps every register but DX */
putc:
	pushl	%eax
	movw	$0x3FD, %dx
6:	inb	%dx, %al		/* wait for LSR.THRE */
	testb	$0x20, %al
	jz	6b
	popl	%eax
	movw	$0x3F8, %dx
	outb	%al, %dx
	ret

/* puts: print the NUL-terminated string at ESI */
puts:
	lodsb
	testb	%al, %al
	jz	7f
	call	putc
	jmp	puts
7:	ret

	.section .rodata
ok:	.asciz	"pvh magic ok\n"
bad:	.asciz	"pvh magic bad\n"
cmd:	.asciz	"cmdline ["
close:	.asciz	"]\n"
mods:	.asciz	"modules "
mod0:	.asciz	"module ["

	.bss
	.p2align 4
	.space	4096
stack_top:
