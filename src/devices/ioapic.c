/*
 * The IOAPIC of a split irqchip, at 0xfec00000 with 24 pins at GSI 0 (as
 * the ACPI MADT says). The register model is src/irqchip/ioapic.c; this
 * file locks it, sends what it delivers with KVM_SIGNAL_MSI, and keeps
 * KVM's GSI routes 0-23 equal to the redirection table, so that an irqfd
 * on a GSI (virtio) reaches the vector the guest chose and KVM exits with
 * KVM_EXIT_IOAPIC_EOI when a level-triggered vector is EOIed. Only with
 * --irqchip split.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "../irqchip/ioapic.h"
#include "../irqchip/irqchip.h"
#include "../log.h"
#include "../vm.h"
#include "device.h"

struct ioapic_dev {
	pthread_mutex_t lock;
	struct vm *vm;
	struct ioapic io;
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[IOAPIC_PINS];
	} routes;
	bool warned;
};

/* GSI routes for the unmasked entries; masked pins have none, so an
 * irqfd on one delivers nothing, as the IOAPIC would. Under the lock. */
static void set_routes(struct ioapic_dev *d)
{
	struct kvm_irq_routing_entry *e = d->routes.e;
	struct ioapic_msi m;
	uint32_t n = 0;

	memset(&d->routes, 0, sizeof(d->routes));
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		if (d->io.redir[pin] & IOAPIC_MASKED ||
		    !ioapic_msi(&d->io, pin, &m))
			continue;
		e[n].gsi = pin;
		e[n].type = KVM_IRQ_ROUTING_MSI;
		e[n].u.msi.address_lo = (uint32_t)m.addr;
		e[n].u.msi.address_hi = (uint32_t)(m.addr >> 32);
		e[n].u.msi.data = m.data;
		n++;
	}
	d->routes.hdr.nr = n;
	if (ioctl(d->vm->vm_fd, KVM_SET_GSI_ROUTING, &d->routes) < 0 &&
	    !d->warned) {
		d->warned = true;
		log_warn("ioapic: KVM_SET_GSI_ROUTING: %s", strerror(errno));
	}
}

/* After the lock: send what the model delivered. */
static void send_msis(struct ioapic_dev *d, const struct ioapic_msi *out,
		 unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct kvm_msi msi = {
			.address_lo = (uint32_t)out[i].addr,
			.address_hi = (uint32_t)(out[i].addr >> 32),
			.data = out[i].data,
		};

		if (ioctl(d->vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 &&
		    errno != EINTR)
			log_info(1, "ioapic: KVM_SIGNAL_MSI: %s", strerror(errno));
	}
}

/* Called with the lock held: update the routes if the guest rewrote an
 * entry, drop the lock, then send what the model delivered. */
static void unlock_and_send(struct ioapic_dev *d)
{
	struct ioapic_msi out[IOAPIC_PINS];
	unsigned n = d->io.nr_out;

	memcpy(out, d->io.out, n * sizeof(out[0]));
	d->io.nr_out = 0;
	if (d->io.routes_changed) {
		d->io.routes_changed = 0;
		set_routes(d);
	}
	pthread_mutex_unlock(&d->lock);
	send_msis(d, out, n);
}

void ioapic_dev_set_irq(struct ioapic_dev *d, unsigned pin, int level)
{
	pthread_mutex_lock(&d->lock);
	ioapic_set_irq(&d->io, pin, level);
	unlock_and_send(d);
}

void ioapic_dev_eoi(struct ioapic_dev *d, uint8_t vector)
{
	pthread_mutex_lock(&d->lock);
	ioapic_eoi(&d->io, vector);
	unlock_and_send(d);
}

/* 32-bit registers at offsets 0 and 0x10; other sizes read as zero. */
static void ioapic_mmio(void *opaque, uint64_t addr, uint8_t *data,
			uint32_t len, bool is_write)
{
	struct ioapic_dev *d = opaque;
	uint64_t off = addr - IOAPIC_BASE;
	uint32_t v = 0;

	if (len != 4) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	if (is_write) {
		memcpy(&v, data, 4);
		pthread_mutex_lock(&d->lock);
		ioapic_write(&d->io, off, v);
		unlock_and_send(d);
		return;
	}
	pthread_mutex_lock(&d->lock);
	v = ioapic_read(&d->io, off);
	pthread_mutex_unlock(&d->lock);
	memcpy(data, &v, 4);
}

static int ioapic_init(struct vm *vm, void **state)
{
	struct ioapic_dev *d;

	if (vm->irq.mode != IRQCHIP_SPLIT)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -1;
	*state = d;
	pthread_mutex_init(&d->lock, NULL);
	d->vm = vm;
	ioapic_reset(&d->io);
	if (bus_register(&vm->mmio, IOAPIC_BASE, IOAPIC_SIZE, ioapic_mmio, d,
			 "ioapic") < 0)
		return -1;
	vm->irq.split->ioapic = d;
	return 0;
}

static void ioapic_exit(void *state)
{
	struct ioapic_dev *d = state;

	if (!d)
		return;
	d->vm->irq.split->ioapic = NULL;
	pthread_mutex_destroy(&d->lock);
	free(d);
}

/* The register model; KVM's GSI routes are rebuilt from it. */
static long ioapic_save(void *state, void *buf)
{
	struct ioapic_dev *d = state;

	if (!d)
		return 0;
	pthread_mutex_lock(&d->lock);
	memcpy(buf, &d->io, sizeof(d->io));
	pthread_mutex_unlock(&d->lock);
	return sizeof(d->io);
}

static int ioapic_load(void *state, const void *buf, size_t len)
{
	struct ioapic_dev *d = state;

	if (len != (d ? sizeof(d->io) : 0))
		return device_bad_state("ioapic", len);
	if (!d)
		return 0;
	pthread_mutex_lock(&d->lock);
	memcpy(&d->io, buf, sizeof(d->io));
	d->io.nr_out = 0;
	d->io.routes_changed = 0;
	set_routes(d);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static const struct device_ops ioapic_dev = {
	.name = "ioapic",
	.init = ioapic_init,
	.exit = ioapic_exit,
	.save = ioapic_save,
	.load = ioapic_load,
};
DEVICE_REGISTER(ioapic_dev)
