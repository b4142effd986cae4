/* VM lifecycle: image → memory → KVM objects → devices → vCPUs → run →
 * teardown. Every failure before the guest runs is status 125. */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "acpi/acpi.h"
#include "backend/backend.h"
#include "backend/console.h"
#include "backend/block.h"
#include "backend/net.h"
#include "backend/host_io.h"
#include "devices/device.h"
#include "gdb/gdbstub.h"
#include "hypercall/hypercall.h"
#include "hypercall/ipc.h"
#include "irqchip/irqchip.h"
#include "loader/symbols.h"
#include "loader/loader.h"
#include "log.h"
#include "sandbox.h"
#include "snapshot/snapshot.h"
#include "status.h"
#include "vcpu/vcpu.h"
#include "virtio/virtio_mmio.h"
#include "vm.h"

struct image {
	uint8_t *data;
	size_t len;
	struct stat st;		/* which file, for check_outputs */
};

/* Unmap an image: nothing points into it once it is loaded. */
static void release_image(struct image *img)
{
	if (img->data)
		munmap(img->data, img->len);
	img->data = NULL;
}

/* Map a guest file: what is "image" or "initrd", for messages. */
static int read_image(const char *path, const char *what, struct image *img)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int ret = -1;

	img->data = NULL;
	if (fd < 0) {
		log_err("cannot open %s '%s': %s", what, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		log_err("cannot stat %s '%s': %s", what, path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		log_err("%s '%s' is not a regular file", what, path);
		goto out;
	}
	if (st.st_size == 0) {
		log_err("%s '%s' is empty", what, path);
		goto out;
	}
	img->len = (size_t)st.st_size;
	img->st = st;
	img->data = mmap(NULL, img->len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img->data == MAP_FAILED) {
		log_err("cannot read %s '%s': %s", what, path, strerror(errno));
		img->data = NULL;
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

/* What loading the image gives the rest of set-up. */
struct loaded {
	struct boot_state boot;		/* the boot vCPU's entry state */
	struct symtab *symbols;		/* PV: names crash sites; pv_init takes them */
};

static int load_image(struct vm *vm, const struct image *img,
		      const struct image *initrd, struct loaded *out)
{
	const struct vm_config *cfg = vm->cfg;
	struct load_opts opts = {
		.has_load = cfg->has_load,
		.has_entry = cfg->has_entry,
		.load_addr = cfg->load_addr,
		.entry_addr = cfg->entry_addr,
		.cmdline = cfg->cmdline,
		.initrd = initrd->data,
		.initrd_len = initrd->len,
		.initrd_name = cfg->initrd,
		.image_name = cfg->image,
	};
	char err[LOADER_ERRLEN] = "";

	if (loader_load(&vm->mem, img->data, img->len, &opts, &out->boot, err) < 0) {
		log_err("%s: %s", cfg->image, err);
		return -1;
	}
	log_info(1, "loaded %s image %s",
		 loader_kind_name(loader_kind(img->data, img->len, &opts)),
		 cfg->image);
	if (vm->profile->symbols)
		out->symbols = symtab_load(img->data, img->len);
	return 0;
}

static int open_kvm(struct vm *vm)
{
	int version;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		if (errno == ENOENT)
			log_err("/dev/kvm not found: is KVM enabled (modprobe kvm_intel or kvm_amd)?");
		else if (errno == EACCES || errno == EPERM)
			log_err("no permission to open /dev/kvm: add your user to the 'kvm' group");
		else
			log_err("cannot open /dev/kvm: %s", strerror(errno));
		return -1;
	}
	version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		log_err("unsupported KVM API version %d (need %d)", version,
			KVM_API_VERSION);
		return -1;
	}
	return 0;
}

static int check_extension(struct vm *vm, long cap)
{
	int r = ioctl(vm->vm_fd >= 0 ? vm->vm_fd : vm->kvm_fd,
		      KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

static int check_cpus(struct vm *vm)
{
	int max = check_extension(vm, KVM_CAP_MAX_VCPUS);

	if (max <= 0)
		max = check_extension(vm, KVM_CAP_NR_VCPUS);
	if (max <= 0)
		max = 4;	/* what api.rst says to assume */
	if (vm->nr_vcpus > max) {
		log_err("invalid --cpus '%d': this KVM allows at most %d vCPUs",
			vm->nr_vcpus, max);
		return -1;
	}
	if (vm->nr_vcpus > 1 && !vm->irq.mode && !vm->profile->pv) {
		log_err("--cpus %d needs the in-kernel irqchip or a split one to start application processors (drop --irqchip off)",
			vm->nr_vcpus);
		return -1;
	}
	return 0;
}

/* RAM in slots 0.., shared regions (PV --shm) from MEM_MAX_REGIONS. */
static int set_memory(struct vm *vm)
{
	const struct mem *m = &vm->mem;

	for (int i = 0; i < m->nr_regions + m->nr_shared; i++) {
		bool ram = i < m->nr_regions;
		const struct mem_region *r = ram ? &m->region[i] :
					     &m->shared[i - m->nr_regions];
		struct kvm_userspace_memory_region kr = {
			.slot = (uint32_t)(ram ? i : MEM_MAX_REGIONS + i - m->nr_regions),
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (uintptr_t)r->host,
		};

		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &kr) < 0) {
			log_err("cannot give KVM guest memory: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Optional: unknown MSRs exit to us so -v can name them. */
static void enable_msr_exits(struct vm *vm)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args = { KVM_MSR_EXIT_REASON_UNKNOWN },
	};

	if (check_extension(vm, KVM_CAP_X86_USER_SPACE_MSR) &&
	    ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
		log_info(1, "user-space MSR exits unavailable: %s", strerror(errno));
}

/* The VM and the vCPUs' shared state: what the set-up helper needs. */
static int open_vm(struct vm *vm)
{
	if (open_kvm(vm) < 0)
		return -1;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		log_err("cannot create a VM: %s", strerror(errno));
		return -1;
	}
	return vcpus_init(vm);
}

static int create_vm(struct vm *vm)
{
	if (check_cpus(vm) < 0)
		return -1;
	/* Needed on Intel; harmless elsewhere, so failures are not fatal. */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0)
		log_info(1, "KVM_SET_TSS_ADDR: %s", strerror(errno));
	if (set_memory(vm) < 0 || irqchip_create(vm) < 0)
		return -1;
	enable_msr_exits(vm);
	/* The split irqchip's hooks in the vCPU loop (vcpu/ knows no irqchip). */
	if (vm->irq.mode == IRQCHIP_SPLIT)
		vcpu_set_irqchip_hooks(vm, irqchip_before_run, irqchip_eoi);
	return 0;
}

/*
 * The hypercall instruction is the host CPU's: vmmcall where KVM runs on
 * SVM (AMD's vendor string "AuthenticAMD", Hygon's "HygonGenuine"),
 * vmcall on VMX. KVM reports the host's vendor in leaf 0 too.
 */
static bool cpu_is_amd(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(0, &a, &b, &c, &d))
		return false;
	return b == 0x68747541 || b == 0x6f677948;
}

/*
 * PV hypercalls trap with vmcall/vmmcall where KVM hands those to user
 * space (its Xen intercept), else with the MMIO doorbell the loader wrote.
 */
static int setup_hypercalls(struct vm *vm, bool *vmcall)
{
	struct kvm_xen_hvm_config xc = {
		.flags = KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL,
	};
	char err[LOADER_ERRLEN];
	int caps = check_extension(vm, KVM_CAP_XEN_HVM);

	*vmcall = false;
	if (!(caps & KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL) ||
	    ioctl(vm->vm_fd, KVM_XEN_HVM_CONFIG, &xc) < 0) {
		log_info(1, "hypercalls: MMIO doorbell at 0x%llx",
			 (unsigned long long)HVRUN_HC_DOORBELL);
		return 0;
	}
	if (pv_hc_page_write(&vm->mem, cpu_is_amd() ? HC_INSN_VMMCALL :
			     HC_INSN_VMCALL, err) < 0) {
		log_err("%s", err);
		return -1;
	}
	log_info(1, "hypercalls: %s", cpu_is_amd() ? "vmmcall" : "vmcall");
	*vmcall = true;
	return 0;
}

static int open_io(struct vm *vm)
{
	if (host_io_open(vm, &vm->io) < 0)
		return -1;
	if (vm->profile->pv && pv_ipc_open_chans(vm) < 0)
		return -1;
	return 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Is the file st something hvrun reads or writes for the guest? */
static const char *guest_file(const struct vm *vm, const struct stat *st,
			      const struct image *img, const struct image *initrd)
{
	if (same_file(st, &img->st))
		return "the image";
	if (initrd->len && same_file(st, &initrd->st))
		return "the initrd";
	for (int i = 0; i < host_nr_disks(vm->io); i++)
		if (block_is_file(host_disk(vm->io, i), st))
			return "a --disk";
	if (pv_ipc_is_shm_file(vm, st->st_dev, st->st_ino))
		return "a --shm file";
	return NULL;
}

/*
 * Outputs must not overwrite the guest's own files: opening a console
 * file truncates it, and a core replaces what was there. The core file
 * exists once core_open has run, so a console file naming it is caught
 * too.
 */
static int check_outputs(struct vm *vm, const struct image *img,
			 const struct image *initrd)
{
	const struct vm_config *cfg = vm->cfg;
	const char *what;
	struct stat st, core_st;

	if (cfg->core_path) {
		if (core_open(cfg->core_path, &core_st) < 0)
			return -1;
		what = guest_file(vm, &core_st, img, initrd);
		if (what) {
			log_err("--core %s is %s: refusing to overwrite it",
				cfg->core_path, what);
			return -1;
		}
	}
	/* --snapshot renames its file over FILE. */
	if (cfg->snapshot_path && stat(cfg->snapshot_path, &st) == 0) {
		what = guest_file(vm, &st, img, initrd);
		if (what) {
			log_err("--snapshot %s is %s: refusing to replace it",
				cfg->snapshot_path, what);
			return -1;
		}
	}
	if (cfg->console != CONSOLE_FILE || stat(cfg->console_path, &st) < 0)
		return 0;
	what = guest_file(vm, &st, img, initrd);
	if (!what && cfg->core_path && same_file(&st, &core_st))
		what = "the --core file";
	if (what) {
		log_err("--console file:%s is %s: refusing to overwrite it",
			cfg->console_path, what);
		return -1;
	}
	return 0;
}

/* PV guests get hypercalls, others emulated devices and virtio-mmio.
 * pv_init takes the symbols. A restored guest's RAM has its FDT. */
static int create_frontend(struct vm *vm, struct loaded *ld, bool restoring,
			   struct snap_info *info)
{
	struct symtab *syms = ld->symbols;
	bool vmcall;

	if (vm->profile->devices) {
		if (devices_init(vm) < 0)
			return -1;
		if (virtio_init(vm) < 0) {
			devices_exit();
			return -1;
		}
		return 0;
	}
	if (vm->cfg->nr_dev_args) {
		const struct config_option *o = vm->cfg->dev_args[0].opt;

		log_err("--%s is for non-PV guests; %s", o->name, o->pv_hint);
		return -1;
	}
	if (vm->cfg->nr_shares) {
		log_err("--share and --vhost-user-fs are for non-PV guests (virtio-fs)");
		return -1;
	}
	if (setup_hypercalls(vm, &vmcall) < 0)
		return -1;
	info->pv_vmcall = vmcall;
	ld->symbols = NULL;
	if (pv_init(vm, syms, &ld->boot) < 0)
		return -1;
	vcpu_set_hypercall_handler(vm, hc_vcpu_exit);
	return restoring ? 0 : pv_fdt_write(vm, vmcall);
}

/* After create_frontend: the DSDT lists the devices it put in vm->platform. */
static int build_acpi(struct vm *vm)
{
	char err[ACPI_ERRLEN];

	if (acpi_build(&vm->mem, vm->nr_vcpus, vm->platform.dev, vm->platform.nr,
		       err) < 0) {
		log_err("%s", err);
		return -1;
	}
	log_info(1, "ACPI tables at 0x%llx: %d CPUs, %d platform devices",
		 (unsigned long long)ACPI_RSDP_ADDR, vm->nr_vcpus,
		 vm->platform.nr);
	return 0;
}

/*
 * Slow set-up steps that need nothing the main thread builds: KVM's
 * supported CPUID (~0.4 ms on some hosts, a quarter of a bare VM's start)
 * and the seccomp filters (~0.2 ms each in libseccomp). A helper thread
 * makes them as soon as the VM exists, while the main thread loads the
 * image, gives KVM the memory and builds the backend, devices and tables;
 * helper_join waits before the vCPUs need them, and each thread then
 * confines itself in one system call. A filter depends on what set-up
 * registers (a terminal made raw, paths hvrun may remove): a registration
 * after the helper built it drops it, and the role's first thread builds
 * it again before it confines itself (sandbox.c).
 */
struct helper {
	struct vm *vm;
	pthread_t thread;
	bool running;
	int ret;
};

static void *helper_main(void *arg)
{
	struct helper *h = arg;

	h->ret = -1;
	if (sandbox_wanted(h->vm->cfg) && sandbox_prepare(SANDBOX_VCPU) < 0)
		return NULL;
	if (vcpus_fetch_cpuid(h->vm) < 0)
		return NULL;
	/* Likely final by now; a later registration makes the loop redo it. */
	if (sandbox_wanted(h->vm->cfg) && sandbox_prepare(SANDBOX_BACKEND) < 0)
		return NULL;
	h->ret = 0;
	return NULL;
}

static void helper_start(struct helper *h, struct vm *vm)
{
	sigset_t all, old;

	h->vm = vm;
	/* Process signals are the backend's, never this thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	h->running = pthread_create(&h->thread, NULL, helper_main, h) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->running)
		helper_main(h);		/* then without the overlap */
}

/* 0 or -1 (after a message); safe to call again, or never started. */
static int helper_join(struct helper *h)
{
	if (h->running) {
		pthread_join(h->thread, NULL);
		h->running = false;
	}
	return h->ret;
}

static int create_vcpus(struct vm *vm, const struct boot_state *boot)
{
	vm->vcpus = calloc((size_t)vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -1;
	for (int i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].fd = -1;
	for (int i = 0; i < vm->nr_vcpus; i++)
		if (vcpu_create(vm, &vm->vcpus[i], i, boot) < 0)
			return -1;
	return 0;
}

int vm_snapshot(struct vm *vm, const char *why)
{
	return snapshot_request(vm, why);
}

bool vm_stop(struct vm *vm, int status, enum stop_reason why,
	     const char *fmt, ...)
{
	int unset = -1;
	char message[256];
	va_list ap;

	if (!atomic_compare_exchange_strong(&vm->status, &unset, status))
		return false;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	report_stop(why, message);
	atomic_store(&vm->stopping, true);
	for (int i = 0; vm->vcpus && i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	if (vm->gdb)
		gdbstub_vm_stopping(vm->gdb);	/* vCPUs parked for gdb */
	console_stop(vm->console);	/* vCPUs waiting for console room */
	if (vm->backend)
		backend_stop(vm->backend);	/* and vCPUs waiting for input */
	return true;
}

/* A reset ends the run with 0 (hvrun does not restart the guest); one line
 * says so when it is what ended the run, since a kernel that cannot report
 * a panic reboots too. */
void vm_reset(struct vm *vm, const char *how)
{
	if (vm_stop(vm, 0, STOP_RESET, "the guest requested a reset (%s)", how))
		log_err("guest requested a reset (%s); a reset ends the run with status 0",
			how);
}

int vm_irq_line(struct vm *vm, unsigned gsi, int level)
{
	return irqchip_set_line(vm, gsi, level);
}

static void run_guest(struct vm *vm)
{
	bool start[BOARD_MAX_CPUS];

	/* A PV guest starts its other vCPUs with the vcpu_start call; a
	 * restored one has those it had started claimed. Which ones is
	 * decided before any runs: a running vCPU 0 claims others itself. */
	if (vm->profile->pv)
		atomic_store(&vm->vcpus[0].claimed, true);
	for (int i = 0; i < vm->nr_vcpus; i++)
		start[i] = !vm->profile->pv || atomic_load(&vm->vcpus[i].claimed);
	for (int i = 0; i < vm->nr_vcpus; i++)
		if (start[i] && vcpu_start(&vm->vcpus[i]) < 0) {
			vm_stop(vm, STATUS_CANNOT_RUN, STOP_SETUP_ERROR,
				"cannot start vCPU %d's thread", i);
			break;
		}
	/* Every vCPU runs: the loop needs nothing more than its allowlist. */
	if (sandbox_wanted(vm->cfg) && sandbox_enter(SANDBOX_BACKEND) < 0)
		vm_stop(vm, STATUS_CANNOT_RUN, STOP_SETUP_ERROR,
			"cannot enter the sandbox");
	if (backend_run(vm->backend) < 0)
		vm_stop(vm, STATUS_CANNOT_RUN, STOP_SETUP_ERROR,
			"the event loop failed");
	/* The loop only ends after vm_stop, but be sure every vCPU knows. */
	vm_stop(vm, STATUS_CANNOT_RUN, STOP_SETUP_ERROR,
		"the event loop ended with the guest running");
	vcpus_join(vm);
}

/* Inter-VM state: PV guests only, and what their ABI version allows. */
static int setup_ipc(struct vm *vm, uint32_t abi)
{
	if (!vm->profile->pv) {
		if (vm->cfg->nr_chans == 0 && vm->cfg->nr_shms == 0)
			return 0;
		log_err("%s is for PV guests", vm->cfg->nr_chans ? "--chan" : "--shm");
		return -1;
	}
	return pv_ipc_new(vm, abi);
}

/* The image, or (--restore) what the snapshot records instead. */
static int open_guest(struct vm *vm, struct image *img, struct image *initrd,
		      struct restore *restore, struct snap_info *info)
{
	const struct vm_config *cfg = vm->cfg;

	if (restore) {
		if (info->image_kind >= IMAGE_UNKNOWN) {
			log_err("--restore %s: unknown image kind", cfg->restore_path);
			return -1;
		}
		vm->profile = loader_profile(info->image_kind);
		return 0;
	}
	if (read_image(cfg->image, "image", img) < 0)
		return -1;
	if (cfg->initrd && read_image(cfg->initrd, "initrd", initrd) < 0)
		return -1;
	info->image_kind = loader_sniff(img->data, img->len);
	vm->profile = loader_profile(info->image_kind);
	if (vm->profile->pv)	/* load_pv checks the note */
		pv_find_note(img->data, img->len, &info->pv_abi);
	return 0;
}

/* Guest RAM: zeroed, or the snapshot's. */
static int map_memory(struct vm *vm, struct restore *restore)
{
	int err;

	if (restore)
		return restore_mem(restore, &vm->mem);
	/* A vhost-user back-end maps guest RAM: only then is it shared. */
	err = vm->cfg->nr_shares ? mem_init_shared(&vm->mem, vm->cfg->mem_size) :
				   mem_init(&vm->mem, vm->cfg->mem_size);
	if (err) {
		log_err("cannot allocate %llu bytes of guest memory: %s",
			(unsigned long long)vm->cfg->mem_size, strerror(-err));
		return -1;
	}
	return 0;
}

static void vm_init(struct vm *vm, const struct vm_config *cfg)
{
	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	vm->kvm_fd = vm->vm_fd = -1;
	vm->nr_vcpus = cfg->ncpus;
	vm->irq.mode = cfg->irqchip;
	if (!cfg->no_sandbox && !sandbox_supported())
		log_info(1, "sandbox: off in sanitizer builds");
	atomic_init(&vm->status, -1);
	atomic_init(&vm->stopping, false);
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
}

static void vm_teardown(struct vm *vm, bool devices)
{
	if (vm->vcpus)
		for (int i = 0; i < vm->nr_vcpus; i++)
			if (vm->vcpus[i].vm)
				vcpu_destroy(&vm->vcpus[i]);
	free(vm->vcpus);
	vcpus_free(vm);
	if (devices)
		devices_exit();
	irqchip_free(vm);	/* after the devices that hang on it */
	pv_free(vm);
	snapshot_free(vm);
	console_close(vm->console);
	vm->console = NULL;
	core_close();
	gdbstub_free(vm->gdb);		/* its client is on the backend's loop */
	/* Net devices hold events on the backend's loop: close them first. */
	virtio_exit(vm);	/* uses the disks and nets */
	host_io_close(vm->io);
	pv_ipc_free(vm);
	backend_free(vm->backend);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	bus_free(&vm->pio);
	bus_free(&vm->mmio);
	mem_free(&vm->mem);
}

int vm_run(const struct vm_config *cfg)
{
	struct vm vm;
	struct vm_config restored;
	struct image img = { 0 }, initrd = { 0 };
	struct loaded ld = { .symbols = NULL };
	struct helper helper = { .running = false, .ret = 0 };
	struct snap_info info = { 0 };
	struct restore *restore = NULL;
	bool devices = false;
	int status = STATUS_CANNOT_RUN;

	/* --restore: the machine is the snapshot's, the I/O this run's. */
	if (cfg->restore_path) {
		restore = restore_open(cfg, &restored, &info);
		if (restore)
			cfg = &restored;
	}
	vm_init(&vm, cfg);
	if (cfg->restore_path && !restore)
		goto out;
	if (open_guest(&vm, &img, &initrd, restore, &info) < 0)
		goto out;
	if (vm.profile->pv)
		vm.irq.mode = IRQCHIP_OFF;	/* a PV guest takes no interrupts */
	if (open_vm(&vm) < 0)
		goto out;
	helper_start(&helper, &vm);
	/* The shared regions (--shm) join the memory map; then the image
	 * loads around them (a restored guest's RAM holds its own). */
	if (map_memory(&vm, restore) < 0 || setup_ipc(&vm, info.pv_abi) < 0 ||
	    (!restore && load_image(&vm, &img, &initrd, &ld) < 0))
		goto out;
	/* Their page cache pages would count against hvrun's RSS all run. */
	release_image(&img);
	release_image(&initrd);
	if (create_vm(&vm) < 0)
		goto out;
	vm.backend = backend_new(&vm);
	if (!vm.backend)
		goto out;
	if (open_io(&vm) < 0 || check_outputs(&vm, &img, &initrd) < 0)
		goto out;
	vm.console = console_open(&vm);
	if (!vm.console)
		goto out;
	if (create_frontend(&vm, &ld, restore != NULL, &info) < 0)
		goto out;
	devices = vm.profile->devices;
	if (vm.profile->acpi && !restore && build_acpi(&vm) < 0)
		goto out;
	if (helper_join(&helper) < 0)
		goto out;
	if (vcpu_signals_init() < 0 ||
	    create_vcpus(&vm, restore ? NULL : &ld.boot) < 0)
		goto out;
	if (restore && (restore_check(restore, &vm, &info) < 0 ||
			restore_state(restore, &vm) < 0))
		goto out;
	if (cfg->snapshot_path && snapshot_arm(&vm, &info) < 0)
		goto out;
	if (cfg->gdb) {
		vm.gdb = gdbstub_new(&vm);
		if (!vm.gdb)
			goto out;
		vcpu_set_debugger(&vm, &gdbstub_vcpu_ops, vm.gdb);
	}

	run_guest(&vm);
	status = snapshot_finish(&vm, atomic_load(&vm.status));
out:
	symtab_free(ld.symbols);
	/* A setup step failed: its own error line is why. */
	if (status == STATUS_CANNOT_RUN)
		vm_stop(&vm, status, STOP_SETUP_ERROR, "%s", log_first_error());
	helper_join(&helper);	/* before the vCPU state goes */
	release_image(&img);
	release_image(&initrd);
	vm_teardown(&vm, devices);
	restore_close(restore);
	return status;
}
