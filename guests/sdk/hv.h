/*
 * hv.h - the hvrun PV guest SDK: hypercalls, the device tree handed over at
 * entry, and a few freestanding helpers (strings, printf, CRC-32, spinlocks).
 *
 * Guests link crt0.o (entry point _start) and note.o with the other SDK
 * objects and pv.ld; crt0 finds the hypercall page and calls
 * int main(const void *fdt), then hv_exit() with its return value.
 */
#ifndef HV_H
#define HV_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <hvrun/abi.h>

/* Set by crt0 before main(): the FDT and the hypercall page from it. */
extern const void *hv_fdt;
extern uintptr_t hv_hc_page;

/*
 * One hypercall: `call` entry n of the hypercall page. The entry loads EAX
 * itself and changes no register but RAX; "memory" because the host reads
 * and writes guest buffers behind the compiler's back. The call pushes a
 * return address, which is why guests build with -mno-red-zone.
 */
static inline long hv_call(long n, long a1, long a2, long a3, long a4,
			   long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	uintptr_t entry = hv_hc_page + (uintptr_t)n * HVRUN_HC_STRIDE;
	long ret;

	__asm__ volatile("call *%[entry]"
			 : "=a"(ret)
			 : [entry] "r"(entry), "D"(a1), "S"(a2), "d"(a3),
			   "r"(r10), "r"(r8), "r"(r9)
			 : "memory", "cc");
	return ret;
}

/* Typed wrappers, one per call in hvrun/abi.h; negative errno on failure. */
long hv_abi_version(void);
__attribute__((noreturn)) void hv_exit(long status);
long hv_console_write(const void *buf, size_t len);
long hv_console_read(void *buf, size_t len);
long hv_clock(int clock);
long hv_poll(uint64_t deadline_ns, uint64_t mask);
long hv_random(void *buf, size_t len);
long hv_block_read(unsigned int dev, uint64_t sector, void *buf, size_t len);
long hv_block_write(unsigned int dev, uint64_t sector, const void *buf,
		    size_t len);
long hv_block_flush(unsigned int dev);
long hv_net_send(unsigned int dev, const void *buf, size_t len);
long hv_net_recv(unsigned int dev, void *buf, size_t len);
long hv_vcpu_start(unsigned int id, uintptr_t rip, uintptr_t rsp, long arg);
/* ABI version 2: channels (hvrun/abi.h, CHANNELS). */
long hv_chan_send(unsigned int chan, const void *buf, size_t len);
long hv_chan_recv(unsigned int chan, void *buf, size_t len);
/* Send, then wait for and receive the next message: one exit. */
long hv_chan_call(unsigned int chan, const void *out, size_t out_len,
		  void *in, size_t in_len, uint64_t deadline_ns);
/* ABI version 2: block rings (hvrun/abi.h, BLOCK RINGS). */
long hv_block_ring(unsigned int dev, void *ring, uint32_t entries);
long hv_block_kick(unsigned int dev, uint32_t min_complete,
		   uint64_t deadline_ns);

/*
 * blkq.c: a block ring's guest side. Push requests (no exit), kick once
 * per batch (and wait there, or in poll(HVRUN_POLL_BLOCK(dev))), pop
 * completions.
 */
struct hv_blkq {
	struct hvrun_blk_ring *ring;
	struct hvrun_blk_req *sq;
	struct hvrun_blk_cpl *cq;
	uint32_t entries;
	unsigned int dev;
};

/* Attach a ring of entries slots (a power of two) at mem,
 * HVRUN_BLK_RING_SIZE(entries) bytes, HVRUN_BLK_RING_ALIGN-aligned, to
 * block dev: block_ring's result. */
long hv_blkq_init(struct hv_blkq *q, unsigned int dev, void *mem,
		  uint32_t entries);
/* Queue one request: 0, or -HVRUN_EAGAIN when every slot is queued. */
int hv_blkq_push(struct hv_blkq *q, unsigned int op, uint64_t sector,
		 void *buf, uint32_t len, uint64_t tag);
/* Requests queued that hvrun has not taken yet. */
uint32_t hv_blkq_queued(const struct hv_blkq *q);
/* block_kick: the number of requests hvrun took, or -errno. */
long hv_blkq_kick(struct hv_blkq *q);
/* The same, then wait (in the same exit) until min_complete completions
 * wait, nothing is in flight, or deadline_ns. */
long hv_blkq_kick_wait(struct hv_blkq *q, uint32_t min_complete,
		       uint64_t deadline_ns);
/* The next completion into *out: 1, or 0 when none waits. */
int hv_blkq_pop(struct hv_blkq *q, struct hvrun_blk_cpl *out);
/* Snapshot the VM here (hvrun --snapshot): 1 in each restored run,
 * -HVRUN_EPERM without --snapshot. */
long hv_snapshot(void);

/* Shared region n (--shm): its address (identity-mapped, writable) and
 * *size from /hvrun/shm@N/reg, or NULL when there is none. */
void *hv_shm(unsigned int n, size_t *size);

/* Monotonic nanoseconds (hv_clock(HVRUN_CLOCK_MONOTONIC) as unsigned). */
uint64_t hv_now(void);

/*
 * Start vCPU id running fn(arg) on the stack ending at stack_top (needs
 * 32 bytes of it for the trampoline). fn must never return.
 */
long hv_cpu_start(unsigned int id, void (*fn)(long), void *stack_top,
		  long arg);

/* /chosen/bootargs, "" when absent. */
const char *hv_bootargs(void);

/*
 * Minimal read-only FDT reader (fdt.c): enough to look up hvrun's nodes.
 * Offsets are into the structure block; -1 when not found or malformed.
 */
int hv_fdt_check(const void *fdt);
int hv_fdt_path_offset(const void *fdt, const char *path);
const void *hv_fdt_getprop(const void *fdt, int node, const char *name,
			   int *lenp);
/* Property of the node at path: 0 on success, -1 if absent or mis-sized. */
int hv_fdt_u32(const void *fdt, const char *path, const char *name,
	       uint32_t *out);
int hv_fdt_u64(const void *fdt, const char *path, const char *name,
	       uint64_t *out);
/* NUL-terminated string property, or NULL. */
const char *hv_fdt_string(const void *fdt, const char *path, const char *name);
/* Present at all (an empty property such as read-only counts). */
int hv_fdt_has(const void *fdt, const char *path, const char *name);
/* A big-endian 32-bit cell. */
static inline uint32_t hv_be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

/* printf.c: %s %c %d %i %u %x %p %%, l/ll/z, width, '0' and '-' flags. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int puts(const char *s);
/* "WHAT <bytes> bytes in <ms>.<tenth> ms: <MB/s>.<tenth> MB/s\n", MB =
 * 10^6 bytes (the benchmark guests' line). */
void hv_print_rate(const char *what, uint64_t bytes, uint64_t ns);

/* string.c */
void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* Decimal prefix of s; *end (if not NULL) points past the digits. */
unsigned long long hv_strtoull(const char *s, const char **end);

/* crc32.c: CRC-32/IEEE as zlib's crc32(crc, buf, len); start with crc 0. */
uint32_t crc32(uint32_t crc, const void *buf, size_t len);

/* Spinlocks for SMP guests: a test-and-test-and-set on one int. */
typedef struct { int locked; } hv_spinlock_t;

static inline void hv_cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void hv_spin_lock(hv_spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			hv_cpu_relax();
}

static inline void hv_spin_unlock(hv_spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#define HV_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define HV_MIN(a, b)		((a) < (b) ? (a) : (b))
#define HV_MAX(a, b)		((a) > (b) ? (a) : (b))
#define HV_NSEC_PER_SEC		1000000000ULL

#endif
