/*
 * exit-f4.S - multiboot v1 guest that ends the run the way kernels written
 * for QEMU's isa-debug-exit do: a 4-byte `outl` to port 0xf4. Run with
 * `--debug-exit-port 0xf4`, hvrun exits with the low byte, 42. Without it
 * the port is unclaimed, the write is ignored and the guest falls through
 * to port 0x501 with status 7.
 */
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000000

	.section .multiboot, "a"
	.p2align 2
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	movl	$0x1234562a, %eax	/* low byte 42; QEMU would say 85 */
	outl	%eax, $0xf4
	movb	$7, %al
	movw	$0x501, %dx
	outb	%al, %dx
1:	cli
	hlt
	jmp	1b
