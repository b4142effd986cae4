/*
 * The board: hvrun's whole guest-physical and port map, its interrupt
 * lines and its limits, in one place. Devices, ACPI, loaders and options
 * take every fixed address from here; the static asserts at the end check
 * that the fixed regions do not overlap. Nothing here depends on the
 * image: what each image kind gets is in src/vm.c (image_profile).
 */
#ifndef HVRUN_BOARD_H
#define HVRUN_BOARD_H

#include <hvrun/abi.h>

#define BOARD_4GIB		0x100000000ULL

/* --- Guest RAM --------------------------------------------------------- */

/* RAM above this address is relocated above 4 GiB, leaving a hole for
 * MMIO (local APIC, IOAPIC, device windows) as PC firmware does. */
#define MEM_HOLE_START		0xC0000000ULL
#define MEM_HOLE_END		BOARD_4GIB

/*
 * hvrun's boot pages: a block of BOOT_BLOCK_SIZE bytes holding the GDT,
 * the long-mode identity map and the multiboot info at the BOOT_*_OFF
 * offsets. For ELF and multiboot images the loader reads the program
 * headers first and places the block where the image and its module are
 * not (boot_block_place), so those images may load anywhere above the
 * real-mode IVT and BIOS data area (LOW_MEM_FLOOR). Linux, PVH and PV
 * images load from 1 MiB and use the low block at BOOT_LOW_BASE, whose
 * pages are BOOT_GDT ... BOOT_INFO (the zero page, the PVH start info).
 * Raw images run in real mode and need none of them.
 */
#define LOW_MEM_FLOOR		0x500ULL	/* end of the IVT and BIOS data area */
#define BOOT_LOW_BASE		0x1000ULL
#define BOOT_GDT_OFF		0x0000ULL	/* GDT, 1 page */
#define BOOT_PML4_OFF		0x1000ULL	/* identity map: PML4, PDPT, 4 PDs */
#define BOOT_PDPT_OFF		0x2000ULL
#define BOOT_PD_OFF		0x3000ULL	/* 4 pages: 4 GiB in 2 MiB pages */
#define BOOT_INFO_OFF		0x7000ULL	/* multiboot info, mmap, cmdline: 1 page */
#define BOOT_BLOCK_SIZE		0x8000ULL
#define BOOT_GDT		(BOOT_LOW_BASE + BOOT_GDT_OFF)
#define BOOT_PML4		(BOOT_LOW_BASE + BOOT_PML4_OFF)
#define BOOT_PDPT		(BOOT_LOW_BASE + BOOT_PDPT_OFF)
#define BOOT_PD			(BOOT_LOW_BASE + BOOT_PD_OFF)
#define BOOT_INFO		(BOOT_LOW_BASE + BOOT_INFO_OFF)
#define RESERVED_START		BOOT_LOW_BASE
#define RESERVED_END		(BOOT_LOW_BASE + BOOT_BLOCK_SIZE)
#define BOOT_CMDLINE		0x20000ULL	/* Linux command line (bzImage, PVH) */
#define BOOT_CMDLINE_MAX	0x10000ULL
#define BOOT_IMAGE_MIN		0x100000ULL	/* PV, PVH, bzImage load from 1 MiB */

#define RAW_DEFAULT_LOAD	0x7C00ULL

/*
 * A PV guest's low memory, all hvrun's (images load from PV_IMAGE_MIN):
 * GDT and TSS, identity map (as BOOT_*, user-accessible, page 0 unmapped),
 * IDT, exception stubs, hypercall page, exception stack, FDT.
 */
#define PV_IMAGE_MIN		BOOT_IMAGE_MIN
#define PV_GDT			BOOT_GDT
#define PV_TSS			(BOOT_GDT + 0x800)
#define PV_IDT			0x8000ULL
#define PV_STUBS		0x9000ULL	/* PV_NR_STUBS stubs, then the common part */
#define PV_NR_STUBS		32		/* one per exception vector */
#define PV_STUB_SIZE		16
#define PV_STUBS_END		(PV_STUBS + PV_NR_STUBS * PV_STUB_SIZE + 64)
#define PV_HC_PAGE		0xA000ULL
#define PV_PT0			0xB000ULL	/* 4 KiB pages for 0-2 MiB */
#define PV_STACK_BOTTOM		0xC000ULL
#define PV_STACK_TOP		0xE000ULL	/* exception stack */
#define PV_FDT			0x10000ULL
#define PV_FDT_SIZE		0x10000ULL

/* Stub n: [push $0 (no error code)]; push $n; jmp to the common part,
 * which makes the fault call. Vectors whose exceptions push an error code: */
static inline int pv_vector_has_error_code(unsigned vec)
{
	return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 ||
	       vec == 21 || vec == 29 || vec == 30;
}

/* PV GDT selectors. */
#define PV_SEL_KCODE		0x08
#define PV_SEL_KDATA		0x10
#define PV_SEL_UCODE		0x1b		/* 0x18 | RPL 3 */
#define PV_SEL_UDATA		0x23		/* 0x20 | RPL 3 */
#define PV_SEL_TSS		0x28

/*
 * The ACPI tables live in the BIOS area [ACPI_BASE, ACPI_END), which Linux
 * never uses as RAM (e820-reserved). The RSDP sits at its start, where a
 * kernel that is not told finds it by scanning 0xE0000-0xFFFFF.
 */
#define ACPI_BASE		0xE0000ULL
#define ACPI_END		0x100000ULL
#define ACPI_RSDP_ADDR		ACPI_BASE

/* --- MMIO, in the hole below 4 GiB --------------------------------------- */

/*
 * virtio-mmio device n: registers at VIRTIO_MMIO_BASE + n * STRIDE
 * (VIRTIO_MMIO_SIZE bytes), interrupt on IOAPIC input GSI_BASE + n.
 */
#define VIRTIO_MMIO_BASE	0xD0000000ULL
#define VIRTIO_MMIO_STRIDE	0x1000ULL
#define VIRTIO_MMIO_SIZE	0x200ULL
#define VIRTIO_MMIO_MAX		8
#define VIRTIO_MMIO_END		(VIRTIO_MMIO_BASE + VIRTIO_MMIO_MAX * VIRTIO_MMIO_STRIDE)
#define VIRTIO_MMIO_GSI_BASE	16		/* above the ISA interrupts */

#define DEBUG_EXIT_MMIO		0xD0F00000ULL	/* a page, so devmem can map it */
#define DEBUG_EXIT_MMIO_LEN	0x1000ULL

/* pvpanic-mmio (src/devices/pvpanic.c), the page after debug-exit's. */
#define PVPANIC_MMIO_BASE	0xD0F01000ULL
#define PVPANIC_MMIO_LEN	2ULL	/* as QEMU's pvpanic-mmio */
#define PVPANIC_HID		"QEMU0001"

/* The snapshot register (src/devices/snapshot_reg.c), a page after that. */
#define SNAPSHOT_MMIO		0xD0F02000ULL
#define SNAPSHOT_MMIO_LEN	0x1000ULL

/* HVRUN_HC_DOORBELL (include/hvrun/abi.h): the PV hypercall doorbell. */
#define HC_DOORBELL_LEN		0x1000ULL

#define IOAPIC_BASE		0xFEC00000ULL	/* KVM's, or src/devices/ioapic.c */
#define IOAPIC_SIZE		0x1000ULL
#define IOAPIC_PINS		24
#define IOAPIC_ID		0		/* the MADT says the same */
#define LAPIC_ADDR		0xFEE00000ULL

/* Where KVM may put the pages it needs on Intel (as QEMU places them). */
#define KVM_IDENTITY_MAP_ADDR	0xFEFFC000ULL
#define KVM_TSS_ADDR		0xFEFFD000ULL	/* 3 pages */

/* --- I/O ports and ISA interrupts ----------------------------------------- */

#define PIC_MASTER_PORT		0x20		/* split irqchip: src/devices/pic.c */
#define PIT_PORT		0x40		/* 4 ports: src/devices/pit.c */
#define I8042_DATA_PORT		0x60
#define PORT_61			0x61		/* PIT gate and speaker */
#define I8042_CMD_PORT		0x64		/* 0xFE here pulses reset (ACPI RESET_REG) */
#define I8042_RESET_VALUE	0xFE
#define RTC_PORT		0x70		/* index 0x70, data 0x71 */
#define POST_PORT		0x80
#define PORT_A			0x92		/* fast A20 and reset */
#define PIC_SLAVE_PORT		0xA0
#define COM1_PORT		0x3F8
#define COM1_LEN		8
#define COM1_IRQ		4
#define DEBUG_EXIT_PORT		0x501		/* isa-debug-exit */
#define ELCR_PORT		0x4D0		/* 2 ports: the PICs' edge/level */
#define FW_CFG_PORT		0x510		/* selector; data at +1 */
#define ACPI_PM_PORT		0x600		/* SLEEP_CONTROL/STATUS_REG */

/* --- Limits -------------------------------------------------------------- */

#define BOARD_MAX_CPUS		255		/* xAPIC ids are 8 bits, 0xFF is broadcast */
#define BOARD_MAX_DISKS		8
#define BOARD_MAX_NETS		8
#define BOARD_MAX_PLATFORM_DEVS	VIRTIO_MMIO_MAX	/* devices the DSDT lists */

/* --- The map holds together ---------------------------------------------- */

#define BOARD_BEFORE(a_end, b)	((a_end) <= (b))

_Static_assert(BOARD_BEFORE(BOOT_PD_OFF + 4 * 0x1000, BOOT_INFO_OFF) &&
	       BOARD_BEFORE(BOOT_INFO_OFF + 0x1000, BOOT_BLOCK_SIZE) &&
	       BOARD_BEFORE(LOW_MEM_FLOOR, BOOT_LOW_BASE) &&
	       BOARD_BEFORE(BOOT_INFO + 0x1000, RESERVED_END),
	       "boot pages overlap");
_Static_assert(BOARD_BEFORE(PV_STUBS_END, PV_HC_PAGE) &&
	       BOARD_BEFORE(PV_HC_PAGE + 0x1000, PV_PT0) &&
	       BOARD_BEFORE(PV_PT0 + 0x1000, PV_STACK_BOTTOM) &&
	       BOARD_BEFORE(PV_STACK_TOP, PV_FDT) &&
	       BOARD_BEFORE(PV_FDT + PV_FDT_SIZE, BOOT_CMDLINE) &&
	       BOARD_BEFORE(PV_IDT + 0x1000, PV_STUBS),
	       "PV low-memory layout overlaps");
_Static_assert(BOARD_BEFORE(BOOT_CMDLINE + BOOT_CMDLINE_MAX, ACPI_BASE) &&
	       BOARD_BEFORE(ACPI_END, BOOT_IMAGE_MIN),
	       "command line, ACPI area and images overlap");
_Static_assert(HVRUN_HC_MAX * HVRUN_HC_STRIDE <= 0x1000,
	       "the hypercall page is one page");
_Static_assert(BOARD_BEFORE(MEM_HOLE_START, VIRTIO_MMIO_BASE) &&
	       BOARD_BEFORE(VIRTIO_MMIO_END, DEBUG_EXIT_MMIO) &&
	       BOARD_BEFORE(DEBUG_EXIT_MMIO + DEBUG_EXIT_MMIO_LEN, PVPANIC_MMIO_BASE) &&
	       BOARD_BEFORE(PVPANIC_MMIO_BASE + PVPANIC_MMIO_LEN, SNAPSHOT_MMIO) &&
	       BOARD_BEFORE(SNAPSHOT_MMIO + SNAPSHOT_MMIO_LEN, HVRUN_HC_DOORBELL) &&
	       BOARD_BEFORE(HVRUN_HC_DOORBELL + HC_DOORBELL_LEN, IOAPIC_BASE) &&
	       BOARD_BEFORE(IOAPIC_BASE + IOAPIC_SIZE, LAPIC_ADDR) &&
	       BOARD_BEFORE(LAPIC_ADDR + 0x1000, KVM_IDENTITY_MAP_ADDR) &&
	       BOARD_BEFORE(KVM_IDENTITY_MAP_ADDR + 0x1000, KVM_TSS_ADDR) &&
	       BOARD_BEFORE(KVM_TSS_ADDR + 0x3000, MEM_HOLE_END),
	       "MMIO regions overlap or leave the hole");
/* PV shared regions (--shm): [HVRUN_SHM_BASE, HVRUN_SHM_END), abi.h. */
_Static_assert(BOARD_BEFORE(MEM_HOLE_START, HVRUN_SHM_BASE) &&
	       BOARD_BEFORE(HVRUN_SHM_END, VIRTIO_MMIO_BASE),
	       "shared regions overlap low RAM or the device windows");
_Static_assert(VIRTIO_MMIO_SIZE <= VIRTIO_MMIO_STRIDE, "virtio windows overlap");
_Static_assert(VIRTIO_MMIO_GSI_BASE + VIRTIO_MMIO_MAX <= IOAPIC_PINS,
	       "virtio interrupts beyond the IOAPIC");
_Static_assert(BOARD_BEFORE(PIC_MASTER_PORT + 2, PIT_PORT) &&
	       BOARD_BEFORE(PIT_PORT + 4, I8042_DATA_PORT) &&
	       BOARD_BEFORE(I8042_DATA_PORT + 1, PORT_61) &&
	       BOARD_BEFORE(PORT_61 + 1, I8042_CMD_PORT) &&
	       BOARD_BEFORE(I8042_CMD_PORT + 1, RTC_PORT) &&
	       BOARD_BEFORE(RTC_PORT + 2, POST_PORT) &&
	       BOARD_BEFORE(PORT_A + 1, PIC_SLAVE_PORT) &&
	       BOARD_BEFORE(PIC_SLAVE_PORT + 2, COM1_PORT) &&
	       BOARD_BEFORE(COM1_PORT + COM1_LEN, ELCR_PORT) &&
	       BOARD_BEFORE(ELCR_PORT + 2, DEBUG_EXIT_PORT) &&
	       BOARD_BEFORE(DEBUG_EXIT_PORT + 1, FW_CFG_PORT) &&
	       BOARD_BEFORE(FW_CFG_PORT + 2, ACPI_PM_PORT),
	       "I/O ports overlap");

#endif
