/*
 * pv-floor - the least a KVM user can do to take a PV hypercall from a
 * CPL 3 long-mode guest, as a lower bound for hvrun's hypercall cost and
 * PV startup time (see bench/README.md).
 *
 *   pv-floor [N]          time N doorbell calls, print "floor: X ns/call"
 *   pv-floor --startup    one doorbell call (exit), measure nothing
 *
 * Creates a VM (with KVM_SET_TSS_ADDR, as hvrun), one memory slot of
 * 256 MiB (hvrun's default), one vCPU, no irqchip. Writes its own guest:
 * identity page tables of the low 4 GiB with 2 MiB user pages, a GDT with
 * DPL 3 code and data and a 64-bit TSS, a "hypercall page" entry shaped
 * like hvrun's (mov $n,%eax; movabs %eax,0xfeb00000; ret) and a loop that
 * calls it N times with n = 0, then once with n = 1 (exit). The vCPU
 * starts at CPL 3 (CS 0x1b, SS 0x23), RFLAGS 0x2, paging on.
 *
 * Each doorbell store is a KVM_EXIT_MMIO at 0xfeb00000; like hvrun, the
 * call number is read from RAX through KVM_CAP_SYNC_REGS (KVM_GET_REGS
 * without it) and the result written back to RAX (kvm_dirty_regs). Call
 * 0 returns 1, call 1 exits with RDI as status, call 2 writes RSI bytes at
 * RDI to stdout (bounds-checked), anything else returns 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RAM_SIZE	(256ULL << 20)
#define TSS_ADDR	0xfeffd000UL	/* as hvrun: needed by Intel KVM */
#define DOORBELL	0xfeb00000ULL

#define PML4		0x1000
#define PDPT		0x2000
#define PD0		0x3000		/* 4 PDs: 0x3000..0x6fff, 4 GiB */
#define GDT		0x7000
#define GUEST_TSS	0x8000
#define CODE		0x10000
#define HC_PAGE		0x11000
#define STACK_TOP	0x20000

#define FAIL		125

static void die(const char *what)
{
	fprintf(stderr, "pv-floor: %s: %s\n", what, strerror(errno));
	exit(FAIL);
}

static void die_msg(const char *msg)
{
	fprintf(stderr, "pv-floor: %s\n", msg);
	exit(FAIL);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Page tables, GDT, TSS, the hypercall entry and the loop. */
static void build_guest(uint8_t *ram, uint64_t n)
{
	uint8_t *c;
	size_t i;

	put64(ram + PML4, PDPT | 0x7);			/* P RW US */
	for (i = 0; i < 4; i++) {
		put64(ram + PDPT + i * 8, (PD0 + i * 0x1000) | 0x7);
		for (size_t j = 0; j < 512; j++)	/* 2 MiB: P RW US PS */
			put64(ram + PD0 + i * 0x1000 + j * 8,
			      ((i << 30) + (j << 21)) | 0x87);
	}

	/* null, 0x08 kernel code, 0x10 kernel data, 0x18 user code (DPL 3,
	 * L), 0x20 user data (DPL 3), 0x28 64-bit TSS (16 bytes). */
	put64(ram + GDT + 0x08, 0x00209a0000000000ULL);
	put64(ram + GDT + 0x10, 0x0000920000000000ULL);
	put64(ram + GDT + 0x18, 0x0020fa0000000000ULL);
	put64(ram + GDT + 0x20, 0x0000f20000000000ULL);
	put64(ram + GDT + 0x28, 0x0000890000000067ULL |
	      ((uint64_t)GUEST_TSS << 16));

	/* Hypercall entry 0 and 1, as hvrun's: mov $n,%eax; movabs
	 * %eax,DOORBELL; ret (32 bytes apart, HVRUN_HC_STRIDE). */
	for (i = 0; i < 2; i++) {
		c = ram + HC_PAGE + i * 32;
		*c++ = 0xb8;				/* mov $i, %eax */
		*c++ = (uint8_t)i; *c++ = 0; *c++ = 0; *c++ = 0;
		*c++ = 0xa3;				/* movabs %eax, moffs64 */
		put64(c, DOORBELL); c += 8;
		*c++ = 0xc3;				/* ret */
	}

	c = ram + CODE;
	*c++ = 0x48; *c++ = 0xbb;			/* movabs $n, %rbx */
	put64(c, n); c += 8;
	uint8_t *loop = c;
	*c++ = 0x48; *c++ = 0x85; *c++ = 0xdb;		/* test %rbx, %rbx */
	*c++ = 0x74; *c++ = 0x0a;			/* jz done (+10) */
	*c++ = 0xe8;					/* call HC_PAGE + 0 */
	{
		int32_t rel = (int32_t)(HC_PAGE - (CODE + (c + 4 - (ram + CODE))));

		memcpy(c, &rel, 4);
		c += 4;
	}
	*c++ = 0x48; *c++ = 0xff; *c++ = 0xcb;		/* dec %rbx */
	*c++ = 0xeb;					/* jmp loop */
	*c = (uint8_t)(int8_t)(loop - (c + 1)); c++;
	/* done: */
	*c++ = 0x31; *c++ = 0xff;			/* xor %edi, %edi */
	*c++ = 0xe8;					/* call HC_PAGE + 32 */
	{
		int32_t rel = (int32_t)(HC_PAGE + 32 - (CODE + (c + 4 - (ram + CODE))));

		memcpy(c, &rel, 4);
		c += 4;
	}
	*c++ = 0xeb; *c++ = 0xfe;			/* jmp . */
}

static void set_seg(struct kvm_segment *s, uint16_t sel, int code, int dpl)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = code ? 0xb : 0x3;
	s->present = 1;
	s->dpl = (uint8_t)dpl;
	s->s = 1;
	s->l = code ? 1 : 0;
	s->db = code ? 0 : 1;
	s->g = 1;
}

static int vcpu_fd;
static struct kvm_run *run;
static uint8_t *ram;

static void get_regs(struct kvm_regs *r)
{
	if (run->kvm_valid_regs & KVM_SYNC_X86_REGS)
		*r = run->s.regs.regs;
	else if (ioctl(vcpu_fd, KVM_GET_REGS, r) < 0)
		die("KVM_GET_REGS");
}

static void set_rax(struct kvm_regs *r, uint64_t rax)
{
	r->rax = rax;
	if (run->kvm_valid_regs & KVM_SYNC_X86_REGS) {
		run->s.regs.regs.rax = rax;
		run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	} else if (ioctl(vcpu_fd, KVM_SET_REGS, r) < 0) {
		die("KVM_SET_REGS");
	}
}

/* One hypercall; returns only if the guest is to go on. */
static void hypercall(void)
{
	struct kvm_regs r;
	uint64_t ret = 0;

	get_regs(&r);
	switch ((uint32_t)r.rax) {
	case 0:
		ret = 1;
		break;
	case 1:
		if (fflush(stdout) == EOF)
			die("write to stdout");
		exit(r.rdi > 123 ? 123 : (int)r.rdi);
	case 2:
		if (r.rdi < RAM_SIZE && r.rsi <= RAM_SIZE - r.rdi &&
		    fwrite(ram + r.rdi, 1, r.rsi, stdout) == r.rsi)
			ret = r.rsi;
		else
			ret = (uint64_t)-14;	/* -EFAULT */
		break;
	}
	set_rax(&r, ret);
}

static void run_vcpu(void)
{
	for (;;) {
		if (ioctl(vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("KVM_RUN");
		}
		if (run->exit_reason == KVM_EXIT_MMIO &&
		    run->mmio.phys_addr == DOORBELL && run->mmio.is_write &&
		    run->mmio.len == 4) {
			hypercall();
			continue;
		}
		fprintf(stderr, "pv-floor: unexpected exit reason %u%s\n",
			run->exit_reason,
			run->exit_reason == KVM_EXIT_SHUTDOWN ? " (shutdown: triple fault?)" :
			run->exit_reason == KVM_EXIT_MMIO ? " (MMIO elsewhere)" : "");
		exit(FAIL);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: pv-floor [N] | pv-floor --startup\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t n = 1000000;
	int startup = 0, kvm, vm, mmap_size;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (argc > 2)
		usage();
	if (argc == 2) {
		char *end;

		if (!strcmp(argv[1], "--startup")) {
			startup = 1;
			n = 0;
		} else {
			n = strtoull(argv[1], &end, 10);
			if (*end || argv[1][0] == '\0' || argv[1][0] == '-' || n == 0)
				usage();
		}
	}

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("open /dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		die_msg("unsupported KVM API version");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	if (ioctl(vm, KVM_SET_TSS_ADDR, TSS_ADDR) < 0)
		die("KVM_SET_TSS_ADDR");

	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		die("mmap guest RAM");
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = RAM_SIZE,
		.userspace_addr = (uintptr_t)ram,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
	build_guest(ram, n);

	vcpu_fd = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu_fd < 0)
		die("KVM_CREATE_VCPU");
	mmap_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(*run))
		die("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu_fd, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) & KVM_SYNC_X86_REGS)
		run->kvm_valid_regs = KVM_SYNC_X86_REGS;

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	set_seg(&sregs.cs, 0x1b, 1, 3);
	set_seg(&sregs.ss, 0x23, 0, 3);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss;
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.selector = 0x28;
	sregs.tr.base = GUEST_TSS;
	sregs.tr.limit = 0x67;
	sregs.tr.type = 11;		/* busy 64-bit TSS */
	sregs.tr.present = 1;
	sregs.gdt.base = GDT;
	sregs.gdt.limit = 0x37;
	sregs.cr3 = PML4;
	sregs.cr4 = 0x20;		/* PAE */
	sregs.cr0 = 0x80050033;		/* PG AM WP NE ET MP PE */
	sregs.efer = 0x500;		/* LME LMA */
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");

	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE;
	regs.rsp = STACK_TOP;
	regs.rflags = 0x2;
	if (ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");

	if (startup) {
		run_vcpu();		/* exits on the guest's exit call */
		return FAIL;
	}

	/* Time the whole loop, the final exit call included: N + 1 calls. */
	struct timespec t0;

	if (clock_gettime(CLOCK_MONOTONIC, &t0) < 0)
		die("clock_gettime");
	for (;;) {
		if (ioctl(vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("KVM_RUN");
		}
		if (run->exit_reason != KVM_EXIT_MMIO ||
		    run->mmio.phys_addr != DOORBELL)
			break;
		get_regs(&regs);
		if ((uint32_t)regs.rax == 1) {
			struct timespec t1;
			uint64_t ns, tenths;

			clock_gettime(CLOCK_MONOTONIC, &t1);
			ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ULL +
			     (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
			tenths = ns * 10 / (n + 1);
			printf("floor: %llu.%llu ns/call\n",
			       (unsigned long long)(tenths / 10),
			       (unsigned long long)(tenths % 10));
			return 0;
		}
		hypercall();
	}
	fprintf(stderr, "pv-floor: unexpected exit reason %u\n", run->exit_reason);
	return FAIL;
}
