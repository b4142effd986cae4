/* One virtual machine: KVM objects, memory, buses, devices, vCPUs. */
#ifndef HVRUN_VM_H
#define HVRUN_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "report.h"
#include "vm_config.h"
#include "mem.h"
#include "boot.h"

struct vcpu;
struct backend;
struct host_io;
struct pv_state;
struct pv_ipc;
struct virtio_set;
struct symtab;
struct console;
struct gdbstub;
struct vcpu_state;
struct virtio_mmio;
struct split_irqchip;
struct snapshot;

/*
 * A memory-mapped device the firmware tables (the ACPI DSDT, src/acpi/)
 * describe to the guest: Linux finds virtio-mmio devices this way, since
 * distribution kernels parse neither MP tables nor virtio-mmio command-line
 * devices. The interrupt is an IOAPIC input, edge-triggered, active high.
 */
struct vm_platform_dev {
	const char *hid;		/* ACPI _HID: "LNRO0005" is virtio-mmio */
	uint64_t base, len;
	unsigned gsi;
};
#define VM_MAX_PLATFORM_DEVS BOARD_MAX_PLATFORM_DEVS

/* The board description: virtio_mmio_new adds its devices during set-up,
 * before acpi_build reads them; fixed afterwards. */
struct vm_platform {
	struct vm_platform_dev dev[VM_MAX_PLATFORM_DEVS];
	int nr;
};

/* The interrupt controller (src/irqchip/): irqchip_create decides the
 * mode (never AUTO once the VM exists) before any vCPU; split holds the
 * split irqchip's devices, which register themselves in it. */
struct vm_irq {
	enum irqchip_mode mode;
	struct split_irqchip *split;
};

/*
 * One VM: lifecycle, KVM handles, memory, the buses, the board description
 * and the vCPU array. Every subsystem keeps its own state behind its own
 * pointer here and does its own locking; none adds fields for itself.
 */
struct vm {
	/* Set by vm_run (src/vm.c) before the first vCPU starts, read-only
	 * afterwards: no lock. */
	const struct vm_config *cfg;
	const struct image_profile *profile;	/* what this image kind gets */
	int kvm_fd;
	int vm_fd;
	struct vm_irq irq;		/* irqchip/: the mode, the split devices */

	/* Guest RAM (mem_ptr is the one address gate) and the buses: ranges
	 * are registered during set-up; run-time lookups take no lock. */
	struct mem mem;
	struct bus pio;
	struct bus mmio;

	/* The board description the ACPI tables read: virtio_init adds its
	 * devices during set-up. */
	struct vm_platform platform;

	/* The vCPU array (vm.c creates it; each vCPU thread owns its entry). */
	struct vcpu *vcpus;
	int nr_vcpus;

	/* Subsystems: each pointer is set once during set-up (NULL where the
	 * image kind has none); what it points to is that folder's. */
	struct vcpu_state *vcpu_state;	/* vcpu/: CPUID, run area size, locks */
	struct backend *backend;	/* backend/: the loop, backend_call */
	struct console *console;	/* backend/console.c */
	struct virtio_set *virtio;	/* virtio/: non-PV guests' devices */
	struct pv_state *pv;		/* hypercall/: PV guests' state */
	struct pv_ipc *ipc;		/* hypercall/ipc.c: --chan, --shm */
	struct gdbstub *gdb;		/* gdb/: --gdb */
	struct host_io *io;		/* backend/host_io.c: --disk, --net, opened
					 * by vm.c, read by virtio and PV */
	struct snapshot *snap;		/* snapshot/: --snapshot */

	/* Run time, any thread: written only by vm_stop (atomics). */
	atomic_bool stopping;
	atomic_int status;		/* exit status; -1 until vm_stop */
};

/* Run the guest the configuration describes; returns hvrun's exit status. */
int vm_run(const struct vm_config *cfg);

/*
 * End the VM with exit status `status`, for reason `why`, which fmt says
 * in one line (--report's detail.message; stderr is the caller's). Safe
 * from any thread; the first call decides and returns true, later calls
 * do nothing and return false. Returns at once: vCPUs are kicked out of
 * KVM_RUN and the backend loop stops.
 */
bool vm_stop(struct vm *vm, int status, enum stop_reason why,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * A guest reset (reboot) ends the VM with status 0, as vm_stop, and one
 * line on stderr says so when it decides the status: a kernel may reboot
 * on purpose or after a panic (panic=N), so the reset is never silent.
 * how names the path ("i8042 pulse reset", ...).
 */
void vm_reset(struct vm *vm, const char *how);

/*
 * Take a snapshot now (--snapshot): every vCPU stops, hvrun writes the
 * file and the run ends (as vm_stop, status 0). Any thread; why names
 * the trigger. 0, or -1 without --snapshot or once the run is ending.
 */
int vm_snapshot(struct vm *vm, const char *why);

/* Assert (level 1) or deassert (0) a GSI on the irqchip, if any. */
int vm_irq_line(struct vm *vm, unsigned gsi, int level);

#endif
