/* virtio over MMIO (virtio 1.x, section 4.2): where the devices live. */
#ifndef HVRUN_VIRTIO_MMIO_H
#define HVRUN_VIRTIO_MMIO_H

/*
 * Device n's registers are at VIRTIO_MMIO_BASE + n * VIRTIO_MMIO_STRIDE
 * (VIRTIO_MMIO_SIZE bytes, inside the 3-4 GiB hole) and it interrupts on
 * IOAPIC input VIRTIO_MMIO_GSI_BASE + n, above the ISA interrupts.
 */
#define VIRTIO_MMIO_BASE	0xD0000000ULL
#define VIRTIO_MMIO_STRIDE	0x1000ULL
#define VIRTIO_MMIO_SIZE	0x200ULL
#define VIRTIO_MMIO_GSI_BASE	16
#define VIRTIO_MMIO_HID		"LNRO0005"

#endif
