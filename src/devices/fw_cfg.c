/*
 * A minimal QEMU firmware configuration device (docs/specs/fw_cfg.rst in
 * QEMU), legacy port I/O only: a 16-bit write to FW_CFG_PORT_SEL selects
 * an item and rewinds it, byte reads from FW_CFG_PORT_DATA return the
 * item's bytes and then zeros. Kernels written for QEMU ask it how many
 * CPUs and how much RAM they have (kvm-unit-tests' lib/x86/fwcfg.c reads
 * FW_CFG_NB_CPUS, FW_CFG_RAM_SIZE and FW_CFG_MAX_RAM): without it they
 * read all-ones and wait for 65534 APs.
 *
 * Offered: the signature "QEMU", the ID (traditional interface, no DMA),
 * RAM size, CPU count and maximum, and an empty file directory. Every
 * other item, like an unknown one in QEMU, reads as zeros. Writes to the
 * data port are ignored, as in QEMU since 2.4. No guest value is used but
 * the selector, which only picks among these constants.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../bus.h"
#include "../vm.h"
#include "device.h"

#define FW_CFG_PORT_SEL		FW_CFG_PORT	/* board.h */
#define FW_CFG_PORT_DATA	(FW_CFG_PORT + 1)

#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_ID		0x01
#define FW_CFG_RAM_SIZE		0x03
#define FW_CFG_NB_CPUS		0x05
#define FW_CFG_MAX_CPUS		0x0f
#define FW_CFG_FILE_DIR		0x19

#define FW_CFG_ID_TRADITIONAL	1U	/* bit 0: the port interface */
#define FW_CFG_ITEM_MAX		8	/* the longest item: RAM size */

struct fw_cfg {
	pthread_mutex_t lock;		/* vCPUs select and read */
	uint16_t selected;
	uint32_t offset;		/* into the selected item */
	uint64_t ram_size;
	uint16_t ncpus;
};

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The selected item's bytes; returns its length (0: no such item). */
static unsigned int fw_cfg_item(const struct fw_cfg *fc,
				uint8_t buf[FW_CFG_ITEM_MAX])
{
	switch (fc->selected) {
	case FW_CFG_SIGNATURE:
		memcpy(buf, "QEMU", 4);
		return 4;
	case FW_CFG_ID:
		put_le(buf, FW_CFG_ID_TRADITIONAL, 4);
		return 4;
	case FW_CFG_RAM_SIZE:
		put_le(buf, fc->ram_size, 8);
		return 8;
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		put_le(buf, fc->ncpus, 2);
		return 2;
	case FW_CFG_FILE_DIR:
		put_le(buf, 0, 4);	/* big-endian count of files: none */
		return 4;
	}
	return 0;
}

static uint8_t fw_cfg_read_byte(struct fw_cfg *fc)
{
	uint8_t buf[FW_CFG_ITEM_MAX];
	unsigned int len = fw_cfg_item(fc, buf);

	if (fc->offset >= len)
		return 0;
	return buf[fc->offset++];
}

static void fw_cfg_io(void *opaque, uint64_t addr, uint8_t *data,
		      uint32_t len, bool is_write)
{
	struct fw_cfg *fc = opaque;

	pthread_mutex_lock(&fc->lock);
	if (addr == FW_CFG_PORT_SEL && is_write) {
		fc->selected = (uint16_t)(data[0] | (len > 1 ? data[1] << 8 : 0));
		fc->offset = 0;
	} else if (addr == FW_CFG_PORT_DATA && !is_write) {
		for (uint32_t i = 0; i < len; i++)
			data[i] = fw_cfg_read_byte(fc);
	} else if (!is_write) {
		memset(data, 0, len);
	}
	pthread_mutex_unlock(&fc->lock);
}

static void fw_cfg_exit(void *state)
{
	struct fw_cfg *fc = state;

	if (!fc)
		return;
	pthread_mutex_destroy(&fc->lock);
	free(fc);
}

static int fw_cfg_init(struct vm *vm, void **state)
{
	struct fw_cfg *fc = calloc(1, sizeof(*fc));

	if (!fc)
		return -1;
	pthread_mutex_init(&fc->lock, NULL);
	fc->ram_size = vm->cfg->mem_size;
	fc->ncpus = (uint16_t)vm->cfg->ncpus;
	if (bus_register(&vm->pio, FW_CFG_PORT_SEL, 2, fw_cfg_io, fc,
			 "fw-cfg") < 0) {
		fw_cfg_exit(fc);
		return -1;
	}
	*state = fc;
	return 0;
}

/* Which item is selected and how far it was read (the items are the
 * machine's). */
struct fw_cfg_saved {
	uint16_t selected;
	uint16_t pad;
	uint32_t offset;
};

static long fw_cfg_save(void *state, void *buf)
{
	struct fw_cfg *fc = state;
	struct fw_cfg_saved s = { .selected = fc->selected };

	pthread_mutex_lock(&fc->lock);
	s.selected = fc->selected;
	s.offset = fc->offset;
	pthread_mutex_unlock(&fc->lock);
	memcpy(buf, &s, sizeof(s));
	return sizeof(s);
}

static int fw_cfg_load(void *state, const void *buf, size_t len)
{
	struct fw_cfg *fc = state;
	struct fw_cfg_saved s;

	if (len != sizeof(s))
		return device_bad_state("fw-cfg", len);
	memcpy(&s, buf, sizeof(s));
	fc->selected = s.selected;
	fc->offset = s.offset;	/* past the item's end reads as 0 */
	return 0;
}

static const struct device_ops fw_cfg_dev = {
	.name = "fw-cfg",
	.init = fw_cfg_init,
	.exit = fw_cfg_exit,
	.save = fw_cfg_save,
	.load = fw_cfg_load,
};
DEVICE_REGISTER(fw_cfg_dev)
