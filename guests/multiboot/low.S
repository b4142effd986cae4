/*
 * low.S - multiboot v1 guest linked at 0x8000 (low.ld), where hvrun's
 * boot pages used to be, as kvm-unit-tests' realmode.flat is. Checks that
 * it was loaded whole (its bss is zero, a marker in its data is intact)
 * and that the multiboot info in EBX lies outside the image, then prints
 * "low ok\n" and exits with status 0; otherwise "low bad\n", status 1.
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
	movl	$stack_top, %esp
	cmpl	$MB_BOOT_MAGIC, %eax
	jne	bad
	cmpl	$0x600dc0de, marker
	jne	bad
	/* EBX below the image or at/after its end */
	cmpl	$_start, %ebx
	jb	1f
	cmpl	$_end, %ebx
	jb	bad
1:	/* the bss (below the stack) is all zeros */
	movl	$__bss_start, %esi
2:	cmpl	$stack_bottom, %esi
	jae	ok
	cmpl	$0, (%esi)
	jne	bad
	addl	$4, %esi
	jmp	2b
ok:	movl	$s_ok, %esi
	xorl	%ebp, %ebp
	jmp	out
bad:	movl	$s_bad, %esi
	movl	$1, %ebp
out:	lodsb
	testb	%al, %al
	jz	exit
	movb	%al, %ah
	movw	$0x3FD, %dx
3:	inb	%dx, %al
	testb	$0x20, %al
	jz	3b
	movb	%ah, %al
	movw	$0x3F8, %dx
	outb	%al, %dx
	jmp	out
exit:	movl	%ebp, %eax
	movw	$0x501, %dx
	outb	%al, %dx
4:	hlt
	jmp	4b

	.data
marker:	.long	0x600dc0de
s_ok:	.asciz	"low ok\n"
s_bad:	.asciz	"low bad\n"

	.bss
	.p2align 4
	.space	0x1000			/* the image spans 0x8000-0xa4xx */
stack_bottom:
	.space	1024
stack_top:
