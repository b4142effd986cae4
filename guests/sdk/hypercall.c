/*
 * hypercall.c - typed wrappers around hv_call() and the start-up lookup of
 * the hypercall page. Every wrapper is one hv_call(); the casts only move
 * pointers and sizes into the long registers of the calling convention.
 */
#include "hv.h"

const void *hv_fdt;
uintptr_t hv_hc_page;

/*
 * Called by crt0 before main(). No console yet: on failure the caller
 * crashes on purpose, which hvrun reports with this image's symbols.
 */
int hv_init(const void *fdt);
int hv_init(const void *fdt)
{
	uint64_t page;

	if (hv_fdt_check(fdt) < 0)
		return -1;
	if (hv_fdt_u64(fdt, HVRUN_FDT_HVRUN, HVRUN_FDT_HC_PAGE, &page) < 0)
		return -1;
	if (page == 0 || (page & 0xfff))
		return -1;
	hv_fdt = fdt;
	hv_hc_page = page;
	return 0;
}

#define HC0(n)			hv_call((n), 0, 0, 0, 0, 0, 0)
#define HC1(n, a)		hv_call((n), (long)(a), 0, 0, 0, 0, 0)
#define HC2(n, a, b)		hv_call((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define HC3(n, a, b, c)		hv_call((n), (long)(a), (long)(b), (long)(c), \
					0, 0, 0)
#define HC4(n, a, b, c, d)	hv_call((n), (long)(a), (long)(b), (long)(c), \
					(long)(d), 0, 0)

long hv_abi_version(void)
{
	return HC0(HVRUN_HC_ABI_VERSION);
}

void hv_exit(long status)
{
	HC1(HVRUN_HC_EXIT, status);
	/* The host broke its promise: make that a visible crash. */
	__builtin_trap();
}

long hv_console_write(const void *buf, size_t len)
{
	return HC2(HVRUN_HC_CONSOLE_WRITE, buf, len);
}

long hv_console_read(void *buf, size_t len)
{
	return HC2(HVRUN_HC_CONSOLE_READ, buf, len);
}

long hv_clock(int clock)
{
	return HC1(HVRUN_HC_CLOCK, clock);
}

uint64_t hv_now(void)
{
	return (uint64_t)hv_clock(HVRUN_CLOCK_MONOTONIC);
}

long hv_poll(uint64_t deadline_ns, uint64_t mask)
{
	return HC2(HVRUN_HC_POLL, deadline_ns, mask);
}

long hv_random(void *buf, size_t len)
{
	return HC2(HVRUN_HC_RANDOM, buf, len);
}

long hv_block_read(unsigned int dev, uint64_t sector, void *buf, size_t len)
{
	return HC4(HVRUN_HC_BLOCK_READ, dev, sector, buf, len);
}

long hv_block_write(unsigned int dev, uint64_t sector, const void *buf,
		    size_t len)
{
	return HC4(HVRUN_HC_BLOCK_WRITE, dev, sector, buf, len);
}

long hv_block_flush(unsigned int dev)
{
	return HC1(HVRUN_HC_BLOCK_FLUSH, dev);
}

long hv_net_send(unsigned int dev, const void *buf, size_t len)
{
	return HC3(HVRUN_HC_NET_SEND, dev, buf, len);
}

long hv_net_recv(unsigned int dev, void *buf, size_t len)
{
	return HC3(HVRUN_HC_NET_RECV, dev, buf, len);
}

long hv_vcpu_start(unsigned int id, uintptr_t rip, uintptr_t rsp, long arg)
{
	return HC4(HVRUN_HC_VCPU_START, id, rip, rsp, arg);
}

/* crt0.S */
void hv_ap_trampoline(void);

long hv_cpu_start(unsigned int id, void (*fn)(long), void *stack_top,
		  long arg)
{
	uintptr_t sp = ((uintptr_t)stack_top & ~(uintptr_t)15) - 16;

	/* The trampoline finds fn at its initial RSP. */
	*(void (**)(long))sp = fn;
	return hv_vcpu_start(id, (uintptr_t)hv_ap_trampoline, sp, arg);
}

const char *hv_bootargs(void)
{
	const char *s = hv_fdt_string(hv_fdt, "/chosen", "bootargs");

	return s ? s : "";
}

long hv_chan_send(unsigned int chan, const void *buf, size_t len)
{
	return HC3(HVRUN_HC_CHAN_SEND, chan, buf, len);
}

long hv_chan_recv(unsigned int chan, void *buf, size_t len)
{
	return HC3(HVRUN_HC_CHAN_RECV, chan, buf, len);
}

long hv_chan_call(unsigned int chan, const void *out, size_t out_len,
		  void *in, size_t in_len, uint64_t deadline_ns)
{
	return hv_call(HVRUN_HC_CHAN_CALL, (long)chan, (long)out, (long)out_len,
		       (long)in, (long)in_len, (long)deadline_ns);
}

long hv_block_ring(unsigned int dev, void *ring, uint32_t entries)
{
	return HC3(HVRUN_HC_BLOCK_RING, dev, ring, entries);
}

long hv_block_kick(unsigned int dev, uint32_t min_complete,
		   uint64_t deadline_ns)
{
	return HC3(HVRUN_HC_BLOCK_KICK, dev, min_complete, deadline_ns);
}

long hv_snapshot(void)
{
	return HC0(HVRUN_HC_SNAPSHOT);
}

void *hv_shm(unsigned int n, size_t *size)
{
	char path[32];
	const uint8_t *p;
	int len;

	snprintf(path, sizeof(path), "/hvrun/%s@%u", HVRUN_FDT_SHM, n);
	p = hv_fdt_getprop(hv_fdt, hv_fdt_path_offset(hv_fdt, path),
			   HVRUN_FDT_REG, &len);
	if (!p || len != 16)
		return NULL;
	*size = (size_t)((uint64_t)hv_be32(p + 8) << 32 | hv_be32(p + 12));
	return (void *)(uintptr_t)((uint64_t)hv_be32(p) << 32 | hv_be32(p + 4));
}
