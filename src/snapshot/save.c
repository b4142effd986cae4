/*
 * Taking a snapshot: a trigger (the PV call, the MMIO register,
 * --snapshot-at) stops the VM with every vCPU's last I/O exit completed;
 * after the vCPU threads are joined, the main thread collects each part's
 * state as a section and writes the file beside FILE, then renames it
 * into place, so FILE is either the old file or a whole snapshot.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "../backend/console.h"
#include "../devices/device.h"
#include "../hypercall/hypercall.h"
#include "../irqchip/irqchip.h"
#include "../log.h"
#include "../sandbox.h"
#include "../status.h"
#include "../vcpu/vcpu.h"
#include "../virtio/virtio_mmio.h"
#include "../vm.h"
#include "format.h"
#include "internal.h"
#include "snapshot.h"

struct snapshot {
	struct vm *vm;
	struct snap_info info;
	char *tmp;		/* the file being written, renamed at the end */
	int fd;
	bool written;
	atomic_bool taken;	/* a trigger stopped the VM */
};

/* The sections being collected, in file order. */
struct out {
	struct snap_section sec[SNAP_MAX_SECTIONS];
	void *data[SNAP_MAX_SECTIONS];
	int nr;
};

static int refuse(const char *what)
{
	log_err("--snapshot: %s cannot be snapshotted", what);
	return -1;
}

static int check_machine(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	const char *dev;

	if (cfg->nr_chans || cfg->nr_shms)
		return refuse(cfg->nr_chans ? "a VM with --chan" :
			      "a VM with --shm");
	if (vm->nr_vcpus > SNAP_MAX_CPUS)
		return refuse("a VM with more than 64 vCPUs");
	if (vm->profile->devices) {
		dev = devices_unsnapshottable();
		if (dev)
			return refuse(dev);
		dev = virtio_unsnapshottable(vm);
		if (dev)
			return refuse(dev);
	}
	return 0;
}

static void on_marker(void *opaque)
{
	vm_snapshot(opaque, "--snapshot-at");
}

static int open_tmp(struct snapshot *s, const char *path)
{
	size_t n = strlen(path) + sizeof(".XXXXXX");

	s->tmp = malloc(n);
	if (!s->tmp)
		return -1;
	snprintf(s->tmp, n, "%s.XXXXXX", path);
	s->fd = mkostemp(s->tmp, O_CLOEXEC);
	if (s->fd < 0) {
		log_err("--snapshot %s: cannot create a file beside it: %s",
			path, strerror(errno));
		free(s->tmp);
		s->tmp = NULL;
		return -1;
	}
	/* The loop's sandbox lets the main thread move or drop just this. */
	sandbox_allow_rename(s->tmp);
	sandbox_allow_unlink(s->tmp);
	return 0;
}

int snapshot_arm(struct vm *vm, const struct snap_info *info)
{
	const struct vm_config *cfg = vm->cfg;
	struct snapshot *s;

	if (check_machine(vm) < 0 || vcpus_snapshot_init(vm) < 0)
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	s->vm = vm;
	s->info = *info;
	s->fd = -1;
	atomic_init(&s->taken, false);
	vm->snap = s;
	if (open_tmp(s, cfg->snapshot_path) < 0)
		return -1;
	if (cfg->snapshot_at &&
	    console_set_watch(vm->console, cfg->snapshot_at, on_marker, vm) < 0) {
		log_err("--snapshot-at: the string must have 1 to %d bytes",
			CONSOLE_WATCH_MAX);
		return -1;
	}
	return 0;
}

int snapshot_request(struct vm *vm, const char *why)
{
	struct snapshot *s = vm->snap;

	if (!s || atomic_load(&vm->stopping))
		return -1;
	/* Before the stop kicks the vCPUs: each completes its last exit. */
	vcpus_quiesce_on_stop(vm);
	if (!vm_stop(vm, 0, STOP_SNAPSHOT, "snapshot taken (%s)", why))
		return -1;
	atomic_store(&s->taken, true);
	log_info(1, "snapshot requested by %s", why);
	return 0;
}

/* Add a section; copy: data is the caller's, else it is taken. */
static int add(struct out *o, uint32_t type, uint32_t id, const char *name,
	       const void *data, size_t len, bool copy)
{
	struct snap_section *sec;
	void *p = (void *)data;

	if (o->nr == SNAP_MAX_SECTIONS) {
		log_err("snapshot: more than %d sections", SNAP_MAX_SECTIONS);
		if (!copy)
			free(p);
		return -1;
	}
	if (copy) {
		p = malloc(len ? len : 1);
		if (!p)
			return -1;
		memcpy(p, data, len);
	}
	sec = &o->sec[o->nr];
	memset(sec, 0, sizeof(*sec));
	sec->type = type;
	sec->id = id;
	sec->size = len;
	sec->crc = snap_crc(p, len);
	if (name)
		snprintf(sec->name, sizeof(sec->name), "%s", name);
	o->data[o->nr++] = p;
	return 0;
}

static int put_device(void *arg, const char *name, const void *data, size_t len)
{
	return add(arg, SNAP_DEVICE, 0, name, data, len, true);
}

static uint64_t started_vcpus(const struct vm *vm)
{
	uint64_t m = 0;

	for (int i = 0; i < vm->nr_vcpus; i++)
		if (!vm->profile->pv || atomic_load(&vm->vcpus[i].claimed))
			m |= 1ULL << i;
	return m;
}

static int add_machine(struct out *o, const struct snapshot *s)
{
	const struct vm *vm = s->vm;
	struct snap_machine m;

	memset(&m, 0, sizeof(m));
	m.image_kind = s->info.image_kind;
	m.pv_abi = s->info.pv_abi;
	m.pv_vmcall = s->info.pv_vmcall;
	m.ncpus = (uint32_t)vm->nr_vcpus;
	m.mem_size = vm->mem.ram_size;
	m.irqchip = vm->irq.mode;
	m.nr_disks = (uint32_t)host_nr_disks(vm->io);
	for (int i = 0; i < host_nr_disks(vm->io); i++)
		m.disk_size[i] = snapshot_disk_size(vm, i);
	m.nr_nets = (uint32_t)host_nr_nets(vm->io);
	m.virtio_console = (uint32_t)config_dev_count(vm->cfg, "virtio-console");
	memcpy(m.cpu_drop, vm->cfg->cpu_drop, sizeof(vm->cfg->cpu_drop));
	m.started = started_vcpus(vm);
	return add(o, SNAP_MACHINE, 0, NULL, &m, sizeof(m), true);
}

static int add_kvm(struct out *o, struct vm *vm)
{
	size_t chip = vm->irq.mode == IRQCHIP_KERNEL ?
		      irqchip_kernel_state_size() : 0;
	struct snap_kvm *k = calloc(1, sizeof(*k) + chip);

	if (!k)
		return -1;
	if (ioctl(vm->vm_fd, KVM_GET_CLOCK, &k->clock) < 0) {
		log_err("cannot read the KVM clock: %s", strerror(errno));
		free(k);
		return -1;
	}
	k->has_irqchip = chip != 0;
	if (chip && irqchip_kernel_save(vm, k + 1) < 0) {
		free(k);
		return -1;
	}
	return add(o, SNAP_KVM, 0, NULL, k, sizeof(*k) + chip, false);
}

static int add_vcpus(struct out *o, struct vm *vm)
{
	uint64_t started = started_vcpus(vm);

	for (int i = 0; i < vm->nr_vcpus; i++) {
		void *blob;
		size_t len;

		if (!(started & (1ULL << i)))
			continue;
		if (vm->pv && pv_restart_interrupted(vm, &vm->vcpus[i]) < 0)
			return -1;
		if (vcpu_state_save(&vm->vcpus[i], &blob, &len) < 0 ||
		    add(o, SNAP_VCPU, (uint32_t)i, NULL, blob, len, false) < 0)
			return -1;
	}
	return 0;
}

static int add_frontend(struct out *o, struct vm *vm)
{
	uint8_t pv[PV_SAVE_MAX];

	if (vm->pv && pv_aio_attached(vm))
		return refuse("a PV guest with a block ring attached");
	if (vm->pv)
		return add(o, SNAP_PV, 0, NULL, pv, pv_save(vm, pv), true);
	if (devices_save(put_device, o) < 0)
		return -1;
	return virtio_save(vm, put_device, o);
}

static int collect(struct out *o, struct snapshot *s)
{
	struct vm *vm = s->vm;
	const void *cpuid;
	size_t cpuid_len;

	cpuid = vcpus_cpuid(vm, &cpuid_len);
	if (add_machine(o, s) < 0 ||
	    add(o, SNAP_CPUID, 0, NULL, cpuid, cpuid_len, true) < 0 ||
	    add_kvm(o, vm) < 0 || add_vcpus(o, vm) < 0 ||
	    add_frontend(o, vm) < 0)
		return -1;
	return 0;
}

static int pwrite_all(int fd, const void *buf, uint64_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len > (1u << 30) ? (1u << 30) : len,
				   (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

static bool zero_page(const uint8_t *p)
{
	static const uint8_t zero[SNAP_PAGE];

	return !memcmp(p, zero, SNAP_PAGE);
}

/* RAM at off, runs of non-zero pages only: the file stays sparse. */
static int write_ram(int fd, const struct mem *m, uint64_t off)
{
	const uint8_t *ram = m->mapping;
	uint64_t size = m->ram_size, run = 0;

	for (uint64_t at = 0; at <= size; at += SNAP_PAGE) {
		if (at < size && !zero_page(ram + at))
			continue;
		if (at > run && pwrite_all(fd, ram + run, at - run, off + run) < 0)
			return -1;
		run = at + SNAP_PAGE;
	}
	/* The file ends where RAM does, even on a zero last page. */
	if (zero_page(ram + size - SNAP_PAGE) &&
	    pwrite_all(fd, ram + size - SNAP_PAGE, SNAP_PAGE,
		       off + size - SNAP_PAGE) < 0)
		return -1;
	return 0;
}

static int write_file(struct out *o, struct snapshot *s)
{
	uint8_t head[SNAP_PAGE * 2];
	struct snap_header *h = (struct snap_header *)head;
	uint64_t off = snap_table_size(o->nr + 1);
	struct snap_section *ram;

	_Static_assert(sizeof(struct snap_header) + SNAP_MAX_SECTIONS *
		       sizeof(struct snap_section) <= sizeof(head), "table fits");
	for (int i = 0; i < o->nr; i++) {
		o->sec[i].offset = off;
		off = (off + o->sec[i].size + 63) & ~63ULL;
	}
	ram = &o->sec[o->nr];
	memset(ram, 0, sizeof(*ram));
	ram->type = SNAP_RAM;
	ram->offset = (off + SNAP_PAGE - 1) & ~(SNAP_PAGE - 1);
	ram->size = s->vm->mem.ram_size;
	memset(head, 0, sizeof(head));
	memcpy(h->magic, SNAP_MAGIC, sizeof(h->magic));
	h->version = SNAP_VERSION;
	h->nr_sections = (uint32_t)o->nr + 1;
	snprintf(h->hvrun_version, sizeof(h->hvrun_version), "%s", PACKAGE_VERSION);
	memcpy(h + 1, o->sec, h->nr_sections * sizeof(o->sec[0]));
	h->table_crc = snap_crc(h + 1, h->nr_sections * sizeof(o->sec[0]));
	if (pwrite_all(s->fd, head, snap_table_size(o->nr + 1), 0) < 0)
		return -1;
	for (int i = 0; i < o->nr; i++)
		if (pwrite_all(s->fd, o->data[i], o->sec[i].size,
			       o->sec[i].offset) < 0)
			return -1;
	if (write_ram(s->fd, &s->vm->mem, ram->offset) < 0 || fsync(s->fd) < 0)
		return -1;
	return 0;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int snapshot_finish(struct vm *vm, int status)
{
	struct snapshot *s = vm->snap;
	struct out *o;
	int ret = STATUS_CANNOT_RUN;
	uint64_t t0 = now_us();

	if (!s || !atomic_load(&s->taken))
		return status;
	o = calloc(1, sizeof(*o));
	if (!o)
		return ret;
	if (collect(o, s) < 0)
		goto out;
	if (write_file(o, s) < 0) {
		log_err("--snapshot %s: cannot write: %s", vm->cfg->snapshot_path,
			strerror(errno));
		goto out;
	}
	if (rename(s->tmp, vm->cfg->snapshot_path) < 0) {
		log_err("--snapshot %s: cannot rename into place: %s",
			vm->cfg->snapshot_path, strerror(errno));
		goto out;
	}
	s->written = true;
	log_info(1, "snapshot: %d sections and %llu MiB of RAM in %llu us",
		 o->nr + 1, (unsigned long long)(vm->mem.ram_size >> 20),
		 (unsigned long long)(now_us() - t0));
	log_info(0, "snapshot written to %s", vm->cfg->snapshot_path);
	ret = 0;
out:
	for (int i = 0; i < o->nr; i++)
		free(o->data[i]);
	free(o);
	return ret;
}

void snapshot_free(struct vm *vm)
{
	struct snapshot *s = vm->snap;

	if (!s)
		return;
	if (s->tmp && !s->written)
		unlink(s->tmp);
	if (s->fd >= 0)
		close(s->fd);
	free(s->tmp);
	free(s);
	vm->snap = NULL;
}
