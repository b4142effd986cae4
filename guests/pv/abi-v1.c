/*
 * abi-v1.c - an image built for ABI version 1 (linked with note-v1.o).
 * hvrun must show it version 1 unchanged: abi_version and the FDT say 1,
 * calls 14-16 are -ENOSYS, and version 1 calls work. Prints
 * "v1: abi 1, fdt 1, chan_send -38, chan_recv -38, call 16 -38" and
 * exits 0; anything else, exit 1.
 */
#include "hv.h"

int main(const void *fdt)
{
	long abi = hv_abi_version();
	long send = hv_call(HVRUN_HC_CHAN_SEND, 0, 0, 0, 0, 0, 0);
	long recv = hv_call(HVRUN_HC_CHAN_RECV, 0, 0, 0, 0, 0, 0);
	long c16 = hv_call(16, 0, 0, 0, 0, 0, 0);
	uint32_t fdt_abi = 0;

	hv_fdt_u32(fdt, HVRUN_FDT_HVRUN, HVRUN_FDT_ABI_VERSION, &fdt_abi);
	printf("v1: abi %ld, fdt %u, chan_send %ld, chan_recv %ld, call 16 %ld\n",
	       abi, fdt_abi, send, recv, c16);
	return abi == 1 && fdt_abi == 1 && send == -HVRUN_ENOSYS &&
	       recv == -HVRUN_ENOSYS && c16 == -HVRUN_ENOSYS ? 0 : 1;
}
