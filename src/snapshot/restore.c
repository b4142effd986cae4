/*
 * Restoring a snapshot: the file is checked whole (header, table, every
 * section's checksum but RAM's) before anything is built; RAM is then
 * mapped copy-on-write from the file, so a restore costs the same for
 * 256 MiB as for 2 GiB; the state goes back once the recorded machine
 * exists and before any vCPU runs.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "../cpu_features.h"
#include "../devices/device.h"
#include "../hypercall/hypercall.h"
#include "../irqchip/irqchip.h"
#include "../log.h"
#include "../mem.h"
#include "../vcpu/vcpu.h"
#include "../virtio/virtio_mmio.h"
#include "../vm.h"
#include "../vm_config.h"
#include "format.h"
#include "internal.h"
#include "snapshot.h"

struct restore {
	const char *path;
	int fd;
	struct snap_index ix;
	void *data[SNAP_MAX_SECTIONS];	/* each section's bytes, checked */
	struct snap_machine m;
	int next_device;		/* devices load in the order saved */
};

static void *read_section(struct restore *r, const struct snap_section *s)
{
	void *p = malloc(s->size ? s->size : 1);
	uint64_t done = 0;

	while (p && done < s->size) {
		ssize_t n = pread(r->fd, (uint8_t *)p + done, s->size - done,
				  (off_t)(s->offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(p);
			return NULL;
		}
		done += (uint64_t)n;
	}
	return p;
}

static int bad(struct restore *r, const char *why)
{
	log_err("--restore %s: %s", r->path, why);
	return -1;
}

/* Header, table, every section read and its checksum verified. */
static int load_file(struct restore *r)
{
	uint8_t head[SNAP_PAGE * 2];
	char err[SNAP_ERRLEN];
	struct stat st;
	ssize_t n;

	if (fstat(r->fd, &st) < 0 || !S_ISREG(st.st_mode))
		return bad(r, "not a regular file");
	n = pread(r->fd, head, sizeof(head), 0);
	if (n < 0)
		return bad(r, strerror(errno));
	if (snap_parse(head, (size_t)n, (uint64_t)st.st_size, &r->ix, err) < 0)
		return bad(r, err);
	for (int i = 0; i < r->ix.nr; i++) {
		if (r->ix.sec[i].type == SNAP_RAM)
			continue;
		r->data[i] = read_section(r, &r->ix.sec[i]);
		if (!r->data[i])
			return bad(r, "cannot read a section");
		if (snap_check(&r->ix.sec[i], r->data[i], err) < 0)
			return bad(r, err);
	}
	return 0;
}

static const void *section(const struct restore *r, uint32_t type, int64_t id,
			   size_t *len)
{
	const struct snap_section *s = snap_find(&r->ix, type, id);

	if (!s)
		return NULL;
	*len = s->size;
	return r->data[s - r->ix.sec];
}

static int decode_machine(struct restore *r)
{
	const struct snap_section *ram = snap_find(&r->ix, SNAP_RAM, -1);
	char err[SNAP_ERRLEN];
	const void *p;
	size_t len;

	p = section(r, SNAP_MACHINE, -1, &len);
	if (!p || !ram || !snap_find(&r->ix, SNAP_CPUID, -1))
		return bad(r, "a required section is missing");
	if (snap_machine_decode(p, len, &r->m, err) < 0)
		return bad(r, err);
	if (ram->size != r->m.mem_size)
		return bad(r, "the RAM section does not match the memory size");
	if (r->m.irqchip != IRQCHIP_OFF && r->m.irqchip != IRQCHIP_KERNEL &&
	    r->m.irqchip != IRQCHIP_SPLIT)
		return bad(r, "unknown irqchip mode");
	return 0;
}

/* The machine the snapshot records, with this run's I/O options. */
static int build_config(struct restore *r, const struct vm_config *cfg,
			struct vm_config *out)
{
	if ((uint32_t)cfg->nr_disks != r->m.nr_disks)
		return bad(r, "the snapshot's VM has a different number of "
			   "disks: give each --disk again, in order");
	if ((uint32_t)cfg->nr_nets != r->m.nr_nets)
		return bad(r, "the snapshot's VM has a different number of "
			   "networks: give each --net again, in order");
	*out = *cfg;
	out->mem_size = r->m.mem_size;
	out->ncpus = (int)r->m.ncpus;
	out->irqchip = (enum irqchip_mode)r->m.irqchip;
	/* options.c refused every device option: the snapshot's come back. */
	for (uint32_t i = 0; i < r->m.virtio_console; i++)
		if (config_dev_add(out, "virtio-console", NULL) < 0)
			return bad(r, "the snapshot's virtio consoles do not fit");
	_Static_assert(sizeof(out->cpu_drop) <= sizeof(r->m.cpu_drop),
		       "the machine section holds --cpu-features");
	memcpy(out->cpu_drop, r->m.cpu_drop, sizeof(out->cpu_drop));
	return 0;
}

struct restore *restore_open(const struct vm_config *cfg,
			     struct vm_config *out, struct snap_info *info)
{
	struct restore *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->path = cfg->restore_path;
	r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		log_err("--restore %s: %s", r->path, strerror(errno));
		goto fail;
	}
	if (load_file(r) < 0 || decode_machine(r) < 0 ||
	    build_config(r, cfg, out) < 0)
		goto fail;
	info->image_kind = r->m.image_kind;
	info->pv_abi = r->m.pv_abi;
	info->pv_vmcall = r->m.pv_vmcall;
	return r;
fail:
	restore_close(r);
	return NULL;
}

int restore_mem(struct restore *r, struct mem *m)
{
	const struct snap_section *ram = snap_find(&r->ix, SNAP_RAM, -1);
	int err = mem_init_file(m, ram->size, r->fd, ram->offset);

	if (err) {
		log_err("--restore %s: cannot map guest memory: %s", r->path,
			strerror(-err));
		return -1;
	}
	return 0;
}

/* Leaves that vary with the host CPU the call ran on (its APIC id), not
 * with what KVM offers: compared without that field. */
static bool same_leaf(const struct kvm_cpuid_entry2 *a,
		      const struct kvm_cpuid_entry2 *b)
{
	struct kvm_cpuid_entry2 x = *a, y = *b;

	switch (x.function) {
	case 1:
		x.ebx &= 0x00ffffff;
		y.ebx &= 0x00ffffff;
		break;
	case 0xb:
	case 0x1f:
		x.edx = y.edx = 0;
		break;
	case 0x8000001e:
		x.eax = y.eax = 0;
		break;
	}
	return x.eax == y.eax && x.ebx == y.ebx && x.ecx == y.ecx &&
	       x.edx == y.edx && x.flags == y.flags;
}

static uint32_t reg_of(const struct kvm_cpuid_entry2 *e, enum cpuid_reg r)
{
	switch (r) {
	case CPUID_EAX: return e->eax;
	case CPUID_EBX: return e->ebx;
	case CPUID_ECX: return e->ecx;
	default: return e->edx;
	}
}

/* The named features of one leaf that differ: "-avx2" the snapshot's host
 * had and this one lacks, "+avx512f" the other way round. */
static void name_features(const struct kvm_cpuid_entry2 *now,
			  const struct kvm_cpuid_entry2 *was, char *buf,
			  size_t len)
{
	size_t at = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < cpu_features_count && at < len; i++) {
		const struct cpu_feature *f = &cpu_features[i];
		uint32_t n, w;

		if (f->leaf != was->function || f->subleaf != was->index)
			continue;
		n = reg_of(now, f->reg) & f->mask;
		w = reg_of(was, f->reg) & f->mask;
		if (n == w)
			continue;
		at += (size_t)snprintf(buf + at, len - at, " %c%s",
				       w ? '-' : '+', f->name);
	}
}

static const struct kvm_cpuid_entry2 *
find_leaf(const struct kvm_cpuid_entry2 *e, size_t n, uint32_t fn, uint32_t idx)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].function == fn && e[i].index == idx)
			return &e[i];
	return NULL;
}

/* Every leaf the snapshot's host offered, the same here (and no more). */
static int check_cpuid(struct restore *r, struct vm *vm)
{
	const struct kvm_cpuid_entry2 *was, *now, *o;
	size_t was_len = 0, now_len, nw, nn;
	int differ = 0;

	was = section(r, SNAP_CPUID, -1, &was_len);
	now = vcpus_cpuid(vm, &now_len);
	nw = was_len / sizeof(*was);
	nn = now_len / sizeof(*now);
	for (size_t i = 0; i < nw && differ < 4; i++) {
		o = find_leaf(now, nn, was[i].function, was[i].index);
		if (o && same_leaf(o, &was[i]))
			continue;
		differ++;
		if (!o)
			log_err("--restore %s: this host lacks CPUID leaf 0x%x.%u",
				r->path, was[i].function, was[i].index);
		else {
			char names[256];

			name_features(o, &was[i], names, sizeof(names));
			log_err("--restore %s: CPUID leaf 0x%x.%u differs from "
				"the snapshot's host:%s", r->path, o->function,
				o->index, names[0] ? names : " (no named feature)");
		}
	}
	if (!differ && nw == nn)
		return 0;
	return bad(r, "the snapshot was taken on a host whose KVM offers "
		   "other CPU features");
}

int restore_check(struct restore *r, struct vm *vm, const struct snap_info *now)
{
	if (check_cpuid(r, vm) < 0)
		return -1;
	if (now->pv_vmcall != r->m.pv_vmcall)
		return bad(r, "this host's KVM makes PV hypercalls another way "
			   "than the snapshot's");
	for (int i = 0; i < host_nr_disks(vm->io); i++)
		if (snapshot_disk_size(vm, i) != r->m.disk_size[i]) {
			log_err("--restore %s: --disk %s has %llu bytes, the "
				"snapshot's disk %d had %llu", r->path,
				vm->cfg->disks[i],
				(unsigned long long)snapshot_disk_size(vm, i),
				i, (unsigned long long)r->m.disk_size[i]);
			return -1;
		}
	return vcpus_snapshot_init(vm);
}

static const void *get_device(void *arg, const char *name, size_t *len)
{
	struct restore *r = arg;

	/* The same build registers the same devices in the same order. */
	for (; r->next_device < r->ix.nr; r->next_device++) {
		const struct snap_section *s = &r->ix.sec[r->next_device];

		if (s->type != SNAP_DEVICE)
			continue;
		if (strcmp(s->name, name))
			return NULL;
		*len = s->size;
		return r->data[r->next_device++];
	}
	return NULL;
}

static int load_irqchip(struct restore *r, struct vm *vm)
{
	const struct snap_kvm *k;
	size_t len, chip = vm->irq.mode == IRQCHIP_KERNEL ?
			   irqchip_kernel_state_size() : 0;

	k = section(r, SNAP_KVM, -1, &len);
	if (!k || len != sizeof(*k) + chip || k->has_irqchip != (chip != 0))
		return bad(r, "the KVM section does not match the machine");
	return chip ? irqchip_kernel_load(vm, k + 1, chip) : 0;
}

/* After the vCPUs' TSCs, as QEMU does: the KVM clock resumes at the value
 * it had (a kvmclock guest's time does not jump). */
static void load_clock(struct restore *r, struct vm *vm)
{
	const struct snap_kvm *k;
	struct kvm_clock_data clock;
	size_t len;

	k = section(r, SNAP_KVM, -1, &len);
	memset(&clock, 0, sizeof(clock));
	clock.clock = k->clock.clock;
	if (ioctl(vm->vm_fd, KVM_SET_CLOCK, &clock) < 0)
		log_info(1, "KVM_SET_CLOCK: %s", strerror(errno));
}

static int load_vcpus(struct restore *r, struct vm *vm)
{
	for (int i = 0; i < vm->nr_vcpus; i++) {
		const void *p;
		size_t len;

		if (!(r->m.started & (1ULL << i)))
			continue;
		p = section(r, SNAP_VCPU, i, &len);
		if (!p)
			return bad(r, "a vCPU's section is missing");
		if (vcpu_state_load(&vm->vcpus[i], p, len) < 0)
			return -1;
		/* PV: it runs; run_guest starts the claimed ones. */
		atomic_store(&vm->vcpus[i].claimed, true);
	}
	return 0;
}

static int load_frontend(struct restore *r, struct vm *vm)
{
	const void *p;
	size_t len;

	if (vm->pv) {
		p = section(r, SNAP_PV, -1, &len);
		if (!p)
			return bad(r, "the PV section is missing");
		return pv_load(vm, p, len);
	}
	if (devices_load(get_device, r) < 0)
		return -1;
	return virtio_load(vm, get_device, r);
}

int restore_state(struct restore *r, struct vm *vm)
{
	if (load_irqchip(r, vm) < 0 || load_vcpus(r, vm) < 0 ||
	    load_frontend(r, vm) < 0)
		return -1;
	load_clock(r, vm);
	log_info(1, "restored %s", r->path);
	return 0;
}

void restore_close(struct restore *r)
{
	if (!r)
		return;
	for (int i = 0; i < SNAP_MAX_SECTIONS; i++)
		free(r->data[i]);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}
