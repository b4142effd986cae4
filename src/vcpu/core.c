/*
 * --core FILE: an ELF64 core file of a crashed guest, for
 * `gdb guest.elf FILE`.
 *
 * One PT_LOAD per guest RAM region, with p_vaddr = p_paddr = gpa: PV and
 * long-mode guests are identity-mapped, so gdb's virtual addresses are
 * guest physical ones. One PT_NOTE with an NT_PRPSINFO naming "hvrun" and
 * an NT_PRSTATUS for the crashing vCPU only: the other vCPUs may still be
 * running (vm_stop only kicks them), and stopping them to read their
 * registers consistently is left to the gdbstub.
 *
 * libelf lays out and writes the ELF and program headers; the note and
 * RAM are then written at the offsets the program headers give, skipping
 * all-zero pages so the file stays sparse.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/procfs.h>
#include <sys/stat.h>
#include <unistd.h>
#include <elf.h>
#include <linux/kvm.h>

#include "../log.h"
#include "../sandbox.h"
#include "../vm.h"
#include "vcpu.h"

#define CORE_PAGE	4096ULL
#define CORE_ALIGN	4096ULL

/* x86-64 user_regs_struct indices (the layout of pr_reg). */
enum {
	R_R15, R_R14, R_R13, R_R12, R_RBP, R_RBX, R_R11, R_R10, R_R9, R_R8,
	R_RAX, R_RCX, R_RDX, R_RSI, R_RDI, R_ORIG_RAX, R_RIP, R_CS, R_EFLAGS,
	R_RSP, R_SS, R_FS_BASE, R_GS_BASE, R_DS, R_ES, R_FS, R_GS, R_NR
};

_Static_assert(sizeof(elf_gregset_t) / sizeof(elf_greg_t) == R_NR,
	       "pr_reg is not the x86-64 user_regs_struct");

/*
 * A PV fault reaches hvrun from the exception stub at CPL 0: its
 * registers are the stub's. The guest's RIP, CS, RFLAGS, RSP and SS are
 * in the frame vcpu_pv_frame decodes. The stub clobbered RDI, RSI, RDX,
 * R10 and RAX before the fault hypercall: those are lost, and the core
 * holds the stub's values. The other GPRs (RBP, RBX, R12-R15, ...) are
 * the guest's, enough for gdb's backtrace.
 */
static void core_pv_frame(struct vcpu *v, const struct kvm_regs *r,
			  const struct kvm_sregs *s, elf_gregset_t reg)
{
	struct pv_frame f;

	if ((s->cs.selector & 3) != 0 || vcpu_pv_frame(v, r, &f) < 0)
		return;
	reg[R_RIP] = f.rip;
	reg[R_CS] = f.cs & 0xffff;
	reg[R_EFLAGS] = f.rflags;
	reg[R_RSP] = f.rsp;
	reg[R_SS] = f.ss & 0xffff;
}

static int core_prstatus(struct vcpu *v, struct elf_prstatus *ps)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	elf_greg_t *g = ps->pr_reg;

	if (vcpu_get_regs(v, &r) < 0 ||
	    ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -1;
	memset(ps, 0, sizeof(*ps));
	ps->pr_pid = v->id + 1;
	ps->pr_cursig = 11;		/* SIGSEGV: gdb says why it stopped */
	g[R_R15] = r.r15; g[R_R14] = r.r14; g[R_R13] = r.r13;
	g[R_R12] = r.r12; g[R_RBP] = r.rbp; g[R_RBX] = r.rbx;
	g[R_R11] = r.r11; g[R_R10] = r.r10; g[R_R9] = r.r9; g[R_R8] = r.r8;
	g[R_RAX] = r.rax; g[R_RCX] = r.rcx; g[R_RDX] = r.rdx;
	g[R_RSI] = r.rsi; g[R_RDI] = r.rdi; g[R_ORIG_RAX] = ~0ULL;
	g[R_RIP] = r.rip; g[R_CS] = s.cs.selector; g[R_EFLAGS] = r.rflags;
	g[R_RSP] = r.rsp; g[R_SS] = s.ss.selector;
	g[R_FS_BASE] = s.fs.base; g[R_GS_BASE] = s.gs.base;
	g[R_DS] = s.ds.selector; g[R_ES] = s.es.selector;
	g[R_FS] = s.fs.selector; g[R_GS] = s.gs.selector;
	core_pv_frame(v, &r, &s, g);
	return 0;
}

/* Append one note (name "CORE") to buf at *len; buf is big enough. */
static void core_note(uint8_t *buf, size_t *len, uint32_t type,
		      const void *desc, uint32_t descsz)
{
	Elf64_Nhdr nh = { .n_namesz = 5, .n_descsz = descsz, .n_type = type };

	memcpy(buf + *len, &nh, sizeof(nh));
	*len += sizeof(nh);
	memcpy(buf + *len, "CORE\0\0\0", 8);
	*len += 8;
	memcpy(buf + *len, desc, descsz);
	*len += (descsz + 3) & ~3U;
}

static int page_is_zero(const uint8_t *p, size_t n)
{
	static const uint8_t zero[CORE_PAGE];

	return !memcmp(p, zero, n);
}

static int core_write_ram(int fd, const struct mem_region *r, off_t off)
{
	for (uint64_t o = 0; o < r->size; o += CORE_PAGE) {
		size_t n = r->size - o < CORE_PAGE ? r->size - o : CORE_PAGE;
		const uint8_t *p = r->host + o;
		size_t done = 0;

		if (page_is_zero(p, n))
			continue;
		while (done < n) {
			ssize_t w = pwrite(fd, p + done, n - done,
					   off + (off_t)(o + done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return -1;
			done += (size_t)w;
		}
	}
	return 0;
}

/* 0, or -1 with *why saying what failed. */
static int core_write_fd(struct vcpu *v, int fd, char *why, size_t whylen)
{
	const struct mem *m = &v->vm->mem;
	struct elf_prstatus ps;
	struct elf_prpsinfo pi;
	uint8_t note[2 * (sizeof(Elf64_Nhdr) + 8) + sizeof(ps) + sizeof(pi) + 8];
	size_t nlen = 0;
	int nph = m->nr_regions + 1;
	Elf64_Off off;
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
	Elf *e;
	int ret = -1;

	if (core_prstatus(v, &ps) < 0) {
		snprintf(why, whylen, "registers: %s", strerror(errno));
		return -1;
	}
	memset(&pi, 0, sizeof(pi));
	pi.pr_pid = v->id + 1;
	pi.pr_sname = 'R';
	strcpy(pi.pr_fname, "hvrun");
	snprintf(pi.pr_psargs, sizeof(pi.pr_psargs), "hvrun %s",
		 v->vm->cfg->image ? v->vm->cfg->image : "");
	core_note(note, &nlen, NT_PRSTATUS, &ps, sizeof(ps));
	core_note(note, &nlen, NT_PRPSINFO, &pi, sizeof(pi));

	if (elf_version(EV_CURRENT) == EV_NONE ||
	    !(e = elf_begin(fd, ELF_C_WRITE, NULL))) {
		snprintf(why, whylen, "%s", elf_errmsg(-1));
		return -1;
	}
	if (!(eh = elf64_newehdr(e)) || !(ph = elf64_newphdr(e, (size_t)nph)))
		goto elf_fail;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(Elf64_Ehdr);

	off = sizeof(Elf64_Ehdr) + (Elf64_Off)nph * sizeof(Elf64_Phdr);
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = off,
			      .p_filesz = nlen, .p_align = 4 };
	off = (off + nlen + CORE_ALIGN - 1) & ~(CORE_ALIGN - 1);
	for (int i = 0; i < m->nr_regions; i++) {
		const struct mem_region *r = &m->region[i];

		ph[i + 1] = (Elf64_Phdr){
			.p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X,
			.p_offset = off, .p_vaddr = r->gpa, .p_paddr = r->gpa,
			.p_filesz = r->size, .p_memsz = r->size,
			.p_align = CORE_ALIGN,
		};
		off += (r->size + CORE_ALIGN - 1) & ~(CORE_ALIGN - 1);
	}
	/* Offsets are ours: libelf must not move anything. */
	elf_flagelf(e, ELF_C_SET, ELF_F_LAYOUT);
	elf_flagphdr(e, ELF_C_SET, ELF_F_DIRTY);
	if (elf_update(e, ELF_C_WRITE) < 0)
		goto elf_fail;

	errno = EIO;		/* a short write sets none */
	if (pwrite(fd, note, nlen, (off_t)ph[0].p_offset) != (ssize_t)nlen)
		goto sys_fail;
	for (int i = 0; i < m->nr_regions; i++)
		if (core_write_ram(fd, &m->region[i],
				   (off_t)ph[i + 1].p_offset) < 0)
			goto sys_fail;
	if (ftruncate(fd, (off_t)off) < 0)
		goto sys_fail;
	ret = 0;
	goto out;
elf_fail:
	snprintf(why, whylen, "%s", elf_errmsg(-1));
	goto out;
sys_fail:
	snprintf(why, whylen, "%s", strerror(errno));
out:
	elf_end(e);
	return ret;
}

/*
 * The --core file is opened at start-up, so that no thread opens files
 * once the guest runs, and it is only touched again if a core is written:
 * an existing file (an older core) stays as it was unless the guest
 * crashes, as with the kernel's own core dumps, and one that hvrun had to
 * create is removed again at exit if no crash came.
 */
static struct {
	int fd;
	const char *path;
	bool created;
	bool written;
} core = { .fd = -1 };

int core_open(const char *path, struct stat *st)
{
	/* Look before opening: a FIFO would block until a reader came. */
	if (stat(path, st) == 0 && !S_ISREG(st->st_mode)) {
		log_err("--core %s: not a regular file", path);
		return -1;
	}
	core.path = path;
	core.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NONBLOCK |
		       O_CLOEXEC, 0600);
	core.created = core.fd >= 0;
	if (core.created)
		sandbox_allow_unlink(path);	/* core_close may remove it */
	if (core.fd < 0 && errno == EEXIST)
		core.fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (core.fd < 0 || fstat(core.fd, st) < 0) {
		log_err("--core %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		log_err("--core %s: not a regular file", path);
		return -1;
	}
	return 0;
}

void core_close(void)
{
	if (core.fd < 0)
		return;
	close(core.fd);
	core.fd = -1;
	if (core.created && !core.written)
		unlink(core.path);
}

int vcpu_write_core(struct vcpu *v)
{
	char why[128];
	int ret;

	if (core.fd < 0)
		return 0;
	core.written = true;
	/* Now, and only now, the older content goes. */
	if (ftruncate(core.fd, 0) < 0) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		ret = -1;
	} else {
		ret = core_write_fd(v, core.fd, why, sizeof(why));
	}
	if (ret < 0)
		log_warn("cannot write core file %s: %s", core.path, why);
	return ret;
}
