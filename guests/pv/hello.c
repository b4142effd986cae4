/*
 * hello.c - the smallest PV guest.
 *
 * Prints "Hello from a PV guest\n" and then "bootargs: <bootargs>\n", the
 * words after "--" on hvrun's command line ("bootargs: \n" without any).
 * Exit status 0.
 */
#include "hv.h"

int main(const void *fdt)
{
	printf("Hello from a PV guest\n");
	printf("bootargs: %s\n", hv_bootargs());
	return 0;
}
