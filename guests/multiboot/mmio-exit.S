/*
 * mmio-exit.S - multiboot v1 guest that ends the VM through the MMIO
 * debug-exit register (0xD0F00000, src/devices/debug_exit.c): hvrun exits
 * with status 42. Nothing else: the segments hvrun's multiboot entry sets
 * up are flat, so a store to the physical address is enough.
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
	movb	$42, 0xD0F00000
1:	cli
	hlt
	jmp	1b
