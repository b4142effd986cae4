/*
 * note.c - the ELF note that marks an image as an hvrun PV guest: name
 * "hvrun", type HVRUN_NOTE_ABI, a 4-byte descriptor holding the ABI version.
 *
 * Written as top-level assembly so the section gets type SHT_NOTE (a C
 * object would be PROGBITS), while the numbers still come from
 * hvrun/abi.h rather than being copied into a .S file.
 */
#include <hvrun/abi.h>

/* note-v1.o: the same note for version 1, to test old images. */
#ifndef HV_NOTE_VERSION
#define HV_NOTE_VERSION HVRUN_ABI_VERSION
#endif

#define STR(x)	#x
#define XSTR(x)	STR(x)

__asm__(
	"	.section .note.hvrun, \"a\", @note\n"
	"	.balign 4\n"
	"	.long 2f - 1f\n"			/* namesz, with the NUL */
	"	.long 4f - 3f\n"			/* descsz */
	"	.long " XSTR(HVRUN_NOTE_ABI) "\n"
	"1:	.asciz " XSTR(HVRUN_NOTE_NAME) "\n"
	"2:	.balign 4\n"
	"3:	.long " XSTR(HV_NOTE_VERSION) "\n"
	"4:	.balign 4\n"
	"	.previous\n");
