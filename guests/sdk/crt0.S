/*
 * crt0.S - entry point of hvrun PV guests.
 *
 * hvrun enters _start in 64-bit mode at CPL 3 with RDI = gpa of the FDT
 * and RSP at the top of low RAM. We switch to a stack inside the image so
 * the guest never depends on where hvrun put its own, zero .bss (hvrun
 * already clears the memsz - filesz tail, but an image must not rely on
 * its loader for that), let hv_init() find the hypercall page in the FDT,
 * run main(fdt) and hand its return value to hv_exit().
 *
 * The stack is not in .bss and is not zeroed: it needs no contents, and
 * clearing it would touch all of its 16 pages before main. The first touch
 * of a page is a fault the hypervisor serves (about 25 us each under
 * shadow paging): zeroing the stack was most of a small guest's start.
 */
#define STACK_SIZE	(64 * 1024)

	.section .text.start, "ax"
	.globl	_start
	.type	_start, @function
_start:
	cld
	movq	%rdi, %r12			/* callee-saved: the FDT */
	movq	$__bss_start, %rdi
	movq	$__bss_end, %rcx
	subq	%rdi, %rcx
	xorl	%eax, %eax
	rep stosb
	movq	$boot_stack_top, %rsp
	xorl	%ebp, %ebp			/* end of frame chain for backtraces */

	movq	%r12, %rdi
	call	hv_init
	testl	%eax, %eax
	jnz	1f				/* no hypercall page: nobody to tell but a crash */

	movq	%r12, %rdi
	call	main
	movslq	%eax, %rdi
	call	hv_exit
1:	ud2
	.size	_start, . - _start

/*
 * Application processors start here (see hv_cpu_start()): hvrun sets
 * RSP = the prepared stack, RDI = arg; the C function is at (%rsp).
 * Realign so fn sees the stack exactly as after a normal call.
 */
	.globl	hv_ap_trampoline
	.type	hv_ap_trampoline, @function
hv_ap_trampoline:
	cld
	movq	(%rsp), %rax
	andq	$-16, %rsp
	xorl	%ebp, %ebp
	call	*%rax
	ud2					/* fn must not return */
	.size	hv_ap_trampoline, . - hv_ap_trampoline

	.section .stack, "aw", @nobits
	.balign	16
boot_stack:
	.skip	STACK_SIZE
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
