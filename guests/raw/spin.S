/*
 * spin.S - raw real-mode guest (boot sector at 0000:7C00).
 * Prints "spinning\n" on COM1 and then loops forever (jmp .) with
 * interrupts disabled; it never exits. Used to test hvrun --timeout.
 */
	.code16
	.text
	.globl _start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x7C00, %sp
	ljmp	$0, $1f
1:
	movw	$msg, %si
	call	puts
	jmp	.

/* puts: print NUL-terminated string at DS:SI on COM1 */
puts:
	lodsb
	testb	%al, %al
	jz	3f
	call	putc
	jmp	puts
3:	ret

/* putc: wait for THR empty (LSR bit 5), then write AL to COM1 */
putc:
	movb	%al, %ah
	movw	$0x3FD, %dx
4:	inb	%dx, %al
	testb	$0x20, %al
	jz	4b
	movb	%ah, %al
	movw	$0x3F8, %dx
	outb	%al, %dx
	ret

msg:	.asciz	"spinning\n"
