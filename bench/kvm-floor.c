/*
 * kvm-floor - the least a KVM user can do to run a multiboot ELF32 guest,
 * as a lower bound for hvrun's startup time (see bench/README.md).
 *
 *   kvm-floor [--irqchip | --split-irqchip] [-m MiB] IMAGE.elf
 *
 * Creates the KVM objects hvrun creates for such an image: a VM, one
 * memory slot of MiB (256 by default), one vCPU and, with --irqchip, the
 * in-kernel irqchip and PIT (as hvrun's --irqchip kernel), or with
 * --split-irqchip, KVM_CAP_SPLIT_IRQCHIP with 24 routes reserved (the
 * local APICs only, as hvrun's --irqchip split). Loads the
 * PT_LOAD segments at p_paddr, enters 32-bit flat protected mode at
 * e_entry with EAX = 0x2BADB002 and EBX at a zeroed multiboot info, and
 * handles only port I/O: COM1 LSR (0x3FD) reads as "THR empty", COM1
 * data (0x3F8) writes go to stdout, and a byte written to 0x501 is the
 * exit status. Anything else is an error (status 125).
 *
 * The input is trusted (it is a benchmark tool), but every offset and
 * address taken from the ELF file is still bounds-checked.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MB_BOOT_MAGIC	0x2BADB002U
#define MB_INFO_ADDR	0x9000U		/* zeroed multiboot info (anon memory) */
#define BOOT_STACK	0x8000U
#define TSS_ADDR	0xfeffd000UL	/* as hvrun: needed by Intel KVM */

#define PORT_COM1_DATA	0x3F8
#define PORT_COM1_LSR	0x3FD
#define PORT_EXIT	0x501
#define LSR_THRE	0x20

#define FAIL		125		/* our own errors, as hvrun's */

static void die(const char *what)
{
	fprintf(stderr, "kvm-floor: %s: %s\n", what, strerror(errno));
	exit(FAIL);
}

static void die_msg(const char *msg)
{
	fprintf(stderr, "kvm-floor: %s\n", msg);
	exit(FAIL);
}

static void usage(void)
{
	fprintf(stderr, "usage: kvm-floor [--irqchip | --split-irqchip] [-m MiB] IMAGE.elf\n");
	exit(2);
}

/* Copy the PT_LOAD segments of the ELF32 file at img into guest RAM. */
static uint32_t load_elf32(const uint8_t *img, size_t len, uint8_t *ram,
			   uint64_t ram_size)
{
	Elf32_Ehdr eh;

	if (len < sizeof(eh))
		die_msg("image too short for an ELF header");
	memcpy(&eh, img, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS32 || eh.e_machine != EM_386)
		die_msg("image is not an ELF32 i386 file");
	if (eh.e_phentsize != sizeof(Elf32_Phdr) || eh.e_phoff > len ||
	    (uint64_t)eh.e_phnum * sizeof(Elf32_Phdr) > len - eh.e_phoff)
		die_msg("bad ELF program header table");

	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf32_Phdr ph;

		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > len ||
		    ph.p_filesz > len - ph.p_offset)
			die_msg("PT_LOAD segment outside the file");
		if ((uint64_t)ph.p_paddr + ph.p_memsz > ram_size)
			die_msg("PT_LOAD segment outside guest RAM");
		/* RAM is fresh anonymous memory: the bss is already zero. */
		memcpy(ram + ph.p_paddr, img + ph.p_offset, ph.p_filesz);
	}
	return eh.e_entry;
}

static void set_flat(struct kvm_segment *s, uint16_t sel, int code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = 0;
	s->limit = 0xffffffff;
	s->type = code ? 0xb : 0x3;
	s->present = 1;
	s->dpl = 0;
	s->db = 1;
	s->s = 1;
	s->g = 1;
}

static void handle_io(struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	if (run->io.size != 1 || run->io.count != 1)
		goto bad;
	if (run->io.direction == KVM_EXIT_IO_IN && run->io.port == PORT_COM1_LSR) {
		*data = LSR_THRE;
		return;
	}
	if (run->io.direction == KVM_EXIT_IO_OUT) {
		if (run->io.port == PORT_COM1_DATA) {
			if (fwrite(data, 1, 1, stdout) != 1)
				die("write to stdout");
			return;
		}
		if (run->io.port == PORT_EXIT) {
			if (fflush(stdout) == EOF)
				die("write to stdout");
			exit(*data);
		}
	}
bad:
	fprintf(stderr, "kvm-floor: unexpected port I/O: %s port 0x%x size %u count %u\n",
		run->io.direction == KVM_EXIT_IO_IN ? "in" : "out",
		run->io.port, run->io.size, run->io.count);
	exit(FAIL);
}

int main(int argc, char **argv)
{
	uint64_t ram_size = 256ULL << 20;
	int irqchip = 0, split = 0, kvm, vm, vcpu, fd, mmap_size, i;
	struct stat st;
	uint8_t *img, *ram;
	uint32_t entry;
	struct kvm_run *run;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--irqchip")) {
			irqchip = 1;
		} else if (!strcmp(argv[i], "--split-irqchip")) {
			split = 1;
		} else if (!strcmp(argv[i], "-m") && i + 1 < argc) {
			char *end;
			unsigned long mib = strtoul(argv[++i], &end, 10);

			if (*end || mib < 2 || mib > 3072)
				die_msg("-m wants MiB between 2 and 3072");
			ram_size = (uint64_t)mib << 20;
		} else {
			usage();
		}
	}
	if (i != argc - 1)
		usage();

	fd = open(argv[i], O_RDONLY);
	if (fd < 0)
		die(argv[i]);
	if (fstat(fd, &st) < 0)
		die("fstat image");
	if (st.st_size <= 0)
		die_msg("image is empty");
	img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED)
		die("mmap image");
	close(fd);

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

	ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		die("mmap guest RAM");
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = ram_size,
		.userspace_addr = (uintptr_t)ram,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");

	if (irqchip) {
		struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

		if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
			die("KVM_CREATE_IRQCHIP");
		if (ioctl(vm, KVM_CREATE_PIT2, &pit) < 0)
			die("KVM_CREATE_PIT2");
	}

	if (split) {
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_SPLIT_IRQCHIP,
			.args = { 24 },
		};

		if (ioctl(vm, KVM_ENABLE_CAP, &cap) < 0)
			die("KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)");
	}

	entry = load_elf32(img, (size_t)st.st_size, ram, ram_size);

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	mmap_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(*run))
		die("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	set_flat(&sregs.cs, 0x08, 1);
	set_flat(&sregs.ds, 0x10, 0);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr0 = 0x11;	/* PE | ET, paging off */
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");

	memset(&regs, 0, sizeof(regs));
	regs.rip = entry;
	regs.rax = MB_BOOT_MAGIC;
	regs.rbx = MB_INFO_ADDR;
	regs.rsp = BOOT_STACK;
	regs.rflags = 0x2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");

	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("KVM_RUN");
		}
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "kvm-floor: unexpected exit reason %u%s\n",
				run->exit_reason,
				run->exit_reason == KVM_EXIT_HLT ? " (hlt)" :
				run->exit_reason == KVM_EXIT_SHUTDOWN ? " (shutdown: triple fault?)" :
				run->exit_reason == KVM_EXIT_MMIO ? " (MMIO)" : "");
			return FAIL;
		}
		handle_io(run);
	}
}
