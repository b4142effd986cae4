/*
 * smp.S - multiboot v1 guest (ELF32, loaded at 1 MiB): counts CPUs by
 * starting the APs. Everything runs in 32-bit protected mode, no paging,
 * no interrupts (so no iret, which kvm_pvm cannot emulate at CPL 0).
 *
 * BSP: reads its local APIC ID (0xFEE00020 bits 31:24; CPUID is not
 * trusted here), prints "BSP apic N\n", copies a real-mode trampoline to
 * 0x10000, enables its APIC and broadcasts INIT, SIPI, SIPI (vector 0x10)
 * with the "all excluding self" shorthand. It then waits until the AP
 * counter has not changed for IDLE_SPINS polls and prints "cpus: K\n"
 * (K = 1 + APs seen) and exits with status 0.
 * AP: trampoline at 1000:0000 loads the BSP's GDT and far-jumps into
 * 32-bit code here, reads its APIC ID, takes a spinlock (lock xchg),
 * prints "AP apic N\n", increments the counter, releases the lock and
 * parks in "cli; hlt".
 *
 * Output with 4 CPUs (AP lines in any order):
 *	BSP apic 0
 *	AP apic 1
 *	AP apic 2
 *	AP apic 3
 *	cpus: 4
 */
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000000
#define LAPIC		0xFEE00000
#define TRAMP		0x10000		/* SIPI vector 0x10; outside [0x1000,0x9000) */
#define IDLE_SPINS	300000		/* ~4 instructions each: ~0.6 s on kvm_pvm */

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
	lgdt	gdtr
	ljmp	$0x08, $1f
1:	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	$stack_top, %esp
	cld
	movl	$0, ap_count
	movl	$0, print_lock

	movl	$bsp_msg, %esi
	call	puts
	movl	LAPIC + 0x20, %eax
	shrl	$24, %eax
	call	putdec
	movb	$'\n', %al
	call	putc

	/* copy the trampoline below 1 MiB */
	movl	$tramp_start, %esi
	movl	$TRAMP, %edi
	movl	$(tramp_end - tramp_start), %ecx
	rep movsb

	movl	$0x1FF, LAPIC + 0xF0		/* SVR: APIC on, spurious 0xFF */
	movl	$0, LAPIC + 0x310		/* ICR high (unused w/ shorthand) */
	movl	$0x000C4500, %eax		/* INIT, assert, all-excl-self */
	call	send_ipi
	movl	$10000, %ecx			/* ~10 ms emulated */
	call	delay
	movl	$(0x000C4600 | (TRAMP >> 12)), %eax	/* SIPI */
	call	send_ipi
	movl	$1000, %ecx
	call	delay
	movl	$(0x000C4600 | (TRAMP >> 12)), %eax	/* second SIPI */
	call	send_ipi

	/* wait until ap_count has been stable for IDLE_SPINS polls */
	xorl	%esi, %esi			/* last seen count */
2:	movl	$IDLE_SPINS, %ecx
3:	movl	ap_count, %eax
	cmpl	%eax, %esi
	jne	4f
	decl	%ecx
	jnz	3b
	jmp	5f
4:	movl	%eax, %esi
	jmp	2b
5:
	/* take the lock in case an AP is still printing */
	call	lock
	movl	$cpus_msg, %esi
	call	puts
	movl	ap_count, %eax
	incl	%eax
	call	putdec
	movb	$'\n', %al
	call	putc
	xorl	%eax, %eax
	movw	$0x501, %dx
	outb	%al, %dx
6:	cli
	hlt
	jmp	6b

/* send_ipi: write EAX to ICR low, wait for delivery status idle */
send_ipi:
	movl	%eax, LAPIC + 0x300
7:	testl	$0x1000, LAPIC + 0x300
	jnz	7b
	ret

/* delay: spin ECX iterations */
delay:
	decl	%ecx
	jnz	delay
	ret

/* lock: take print_lock (test-and-test-and-set with lock xchg); EAX */
lock:
	movl	$1, %eax
	xchgl	%eax, print_lock		/* implicitly locked */
	testl	%eax, %eax
	jz	9f
8:	cmpl	$0, print_lock
	jne	8b
	jmp	lock
9:	ret

/* AP entry, 32-bit protected mode, flat segments, no stack yet */
ap32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	LAPIC + 0x20, %ebx
	shrl	$24, %ebx			/* EBX = APIC ID */
10:	movl	$1, %eax			/* inline lock: no stack yet */
	xchgl	%eax, print_lock
	testl	%eax, %eax
	jz	12f
11:	cmpl	$0, print_lock
	jne	11b
	jmp	10b
12:	movl	$ap_stack_top, %esp		/* one AP at a time holds it */
	movl	$ap_msg, %esi
	call	puts
	movl	%ebx, %eax
	call	putdec
	movb	$'\n', %al
	call	putc
	lock incl ap_count
	movl	$0, print_lock			/* release */
13:	cli
	hlt
	jmp	13b

/* puts: print NUL-terminated string at ESI */
puts:
	lodsb
	testb	%al, %al
	jz	14f
	call	putc
	jmp	puts
14:	ret

/* putc: print AL on COM1 (clobbers DX) */
putc:
	pushl	%eax
	movw	$0x3FD, %dx
15:	inb	%dx, %al
	testb	$0x20, %al
	jz	15b
	popl	%eax
	movw	$0x3F8, %dx
	outb	%al, %dx
	ret

/* putdec: print EAX (unsigned) in decimal (clobbers EAX, ECX, EDX) */
putdec:
	xorl	%ecx, %ecx
	pushl	%ebx
	movl	$10, %ebx
16:	xorl	%edx, %edx
	divl	%ebx
	pushl	%edx
	incl	%ecx
	testl	%eax, %eax
	jnz	16b
17:	popl	%eax
	addb	$'0', %al
	call	putc
	decl	%ecx
	jnz	17b
	popl	%ebx
	ret

/* Real-mode AP trampoline, copied to TRAMP; runs at CS:IP = 1000:0000.
 * Position independent (offsets from tramp_start, DS = CS). */
	.code16
tramp_start:
	cli
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	tramp_gdtr - tramp_start	/* 32-bit base: the BSP's GDT */
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$0x08, $ap32
	.p2align 2
tramp_gdtr:
	.word	gdt_end - gdt - 1
	.long	gdt
tramp_end:
	.code32

	.section .rodata
	.p2align 3
gdt:
	.quad	0
	.quad	0x00CF9A000000FFFF	/* 0x08: 32-bit code, flat */
	.quad	0x00CF92000000FFFF	/* 0x10: data, flat */
gdt_end:
gdtr:
	.word	gdt_end - gdt - 1
	.long	gdt

bsp_msg:	.asciz	"BSP apic "
ap_msg:		.asciz	"AP apic "
cpus_msg:	.asciz	"cpus: "

	.data
	.p2align 6
print_lock:	.long	0
	.p2align 6
ap_count:	.long	0

	.bss
	.p2align 4
	.space	1024
ap_stack_top:
	.space	4096
stack_top:
