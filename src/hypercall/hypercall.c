/* Hypercall dispatch: one table from call number to handler. */
#include <errno.h>

#include "../log.h"
#include "hypercall.h"
#include "ipc.h"

static const struct {
	hc_fn fn;
	const char *name;
} table[HVRUN_HC_COUNT] = {
	[HVRUN_HC_ABI_VERSION]	 = { hc_abi_version, "abi_version" },
	[HVRUN_HC_EXIT]		 = { hc_exit, "exit" },
	[HVRUN_HC_CONSOLE_WRITE] = { hc_console_write, "console_write" },
	[HVRUN_HC_CONSOLE_READ]	 = { hc_console_read, "console_read" },
	[HVRUN_HC_CLOCK]	 = { hc_clock, "clock" },
	[HVRUN_HC_POLL]		 = { hc_poll, "poll" },
	[HVRUN_HC_RANDOM]	 = { hc_random, "random" },
	[HVRUN_HC_BLOCK_READ]	 = { hc_block_read, "block_read" },
	[HVRUN_HC_BLOCK_WRITE]	 = { hc_block_write, "block_write" },
	[HVRUN_HC_BLOCK_FLUSH]	 = { hc_block_flush, "block_flush" },
	[HVRUN_HC_NET_SEND]	 = { hc_net_send, "net_send" },
	[HVRUN_HC_NET_RECV]	 = { hc_net_recv, "net_recv" },
	[HVRUN_HC_VCPU_START]	 = { hc_vcpu_start, "vcpu_start" },
	[HVRUN_HC_FAULT]	 = { hc_fault, "fault" },
	[HVRUN_HC_CHAN_SEND]	 = { hc_chan_send, "chan_send" },
	[HVRUN_HC_CHAN_RECV]	 = { hc_chan_recv, "chan_recv" },
	[HVRUN_HC_BLOCK_RING]	 = { hc_block_ring, "block_ring" },
	[HVRUN_HC_BLOCK_KICK]	 = { hc_block_kick, "block_kick" },
	[HVRUN_HC_CHAN_CALL]	 = { hc_chan_call, "chan_call" },
	[HVRUN_HC_SNAPSHOT]	 = { hc_snapshot, "snapshot" },
};

int64_t hc_dispatch(struct hc_call *c)
{
	int64_t ret;

	/* A version 1 image sees version 1: calls from 14 on, which version
	 * 2 added, do not exist for it. */
	if (c->nr >= HVRUN_HC_COUNT || !table[c->nr].fn ||
	    (c->nr >= HVRUN_HC_CHAN_SEND && pv_ipc_abi(c->vm) < 2)) {
		log_info(2, "hypercall %llu: no such call",
			 (unsigned long long)c->nr);
		return -ENOSYS;
	}
	ret = table[c->nr].fn(c);
	log_info(3, "hypercall %s(%#llx, %#llx, %#llx, %#llx) = %lld",
		 table[c->nr].name, (unsigned long long)c->arg[0],
		 (unsigned long long)c->arg[1], (unsigned long long)c->arg[2],
		 (unsigned long long)c->arg[3], (long long)ret);
	return ret;
}
