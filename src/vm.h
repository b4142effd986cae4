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
#include "vcpu/boot.h"

struct vcpu;
struct backend;
struct block_dev;
struct net_dev;
struct pv_console;
struct pv_ipc;
struct symtab;
struct console;
struct gdbstub;
struct kvm_cpuid2;
struct virtio_mmio;
struct split_irqchip;

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
#define VM_MAX_PLATFORM_DEVS 8

struct vm {
	const struct vm_config *cfg;
	int kvm_fd;
	int vm_fd;
	int run_size;			/* bytes of each vCPU's kvm_run mapping */
	enum irqchip_mode irqchip;	/* never AUTO once the VM exists */
	struct split_irqchip *split;	/* --irqchip split: its devices */
	bool sandbox;			/* threads confine themselves (seccomp) */

	struct mem mem;
	struct bus pio;
	struct bus mmio;
	struct boot_state boot;
	struct kvm_cpuid2 *cpuid;	/* what KVM supports; patched per vCPU */

	struct vcpu *vcpus;
	int nr_vcpus;

	struct backend *backend;
	struct console *console;
	struct gdbstub *gdb;		/* --gdb, else NULL */

	/* Linux guests: ACPI tables describe the CPUs and these devices. */
	bool acpi;
	struct vm_platform_dev platform[VM_MAX_PLATFORM_DEVS];
	int nr_platform;
	/* Non-PV guests: virtio-mmio devices (src/virtio/), on --disk/--net. */
	struct virtio_mmio *virtio[VM_MAX_PLATFORM_DEVS];
	int nr_virtio;

	/* Paravirtual guests (src/hypercall/). */
	bool pv;
	bool sync_regs;			/* KVM_CAP_SYNC_REGS offers the GPRs */
	uint64_t hc_page;		/* gpa of the hypercall page */
	struct block_dev *disks[CONFIG_MAX_DISKS];
	int nr_disks;
	struct net_dev *nets[CONFIG_MAX_NETS];
	int nr_nets;
	struct pv_console *pv_console;
	struct pv_ipc *ipc;		/* --chan, --shm (hypercall/ipc.c) */
	struct symtab *symbols;		/* names RIPs in crash reports */	/* console input for console_read */
	/* poll(): vCPUs wait here; hc_poll_notify wakes them (CLOCK_MONOTONIC). */
	pthread_mutex_t poll_lock;
	pthread_cond_t poll_cond;

	atomic_bool stopping;
	atomic_int status;		/* exit status; -1 until vm_stop */
	pthread_mutex_t report_lock;	/* one crash report at a time */
	pthread_mutex_t start_lock;	/* vCPU threads start under it */
	_Atomic uint8_t unhandled_pio[65536 / 8];	/* -v names each port once */
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

/* Assert (level 1) or deassert (0) a GSI on the irqchip, if any. */
int vm_irq_line(struct vm *vm, unsigned gsi, int level);

#endif
