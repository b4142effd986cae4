/*
 * The two 8259 PICs of a split irqchip (ports 0x20-0x21, 0xa0-0xa1 and the
 * ELCR at 0x4d0-0x4d1). The register model is src/irqchip/i8259.c; this
 * file locks it, and when the master's INT rises kicks the boot vCPU,
 * whose thread acknowledges the PIC and injects the vector as an ExtINT
 * (irqchip_before_run). Only with --irqchip split.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../irqchip/i8259.h"
#include "../irqchip/irqchip.h"
#include "../vcpu/vcpu.h"
#include "../vm.h"
#include "device.h"

struct pic_dev {
	pthread_mutex_t lock;
	struct vm *vm;
	struct i8259 chip;
	bool output;			/* INT as last seen */
};

/* Under the lock: note INT; true when it rose. */
static bool update(struct pic_dev *p)
{
	bool was = p->output;

	p->output = i8259_output(&p->chip);
	return p->output && !was;
}

static void kick_bsp(struct pic_dev *p)
{
	if (p->vm->vcpus)
		vcpu_kick(&p->vm->vcpus[0]);
}

void pic_dev_set_irq(struct pic_dev *p, unsigned irq, int level)
{
	bool rose;

	pthread_mutex_lock(&p->lock);
	i8259_set_irq(&p->chip, irq, level);
	rose = update(p);
	pthread_mutex_unlock(&p->lock);
	if (rose)
		kick_bsp(p);
}

bool pic_dev_pending(struct pic_dev *p)
{
	bool out;

	pthread_mutex_lock(&p->lock);
	out = p->output;
	pthread_mutex_unlock(&p->lock);
	return out;
}

bool pic_dev_ack(struct pic_dev *p, uint8_t *vector)
{
	int irq = -1;
	bool ok;

	pthread_mutex_lock(&p->lock);
	ok = i8259_output(&p->chip);
	if (ok)
		*vector = i8259_ack(&p->chip, &irq);
	update(p);
	pthread_mutex_unlock(&p->lock);
	if (irq == 0 && p->vm->irq.split->pit)
		pit_dev_acked(p->vm->irq.split->pit);
	return ok;
}

int pic_dev_irq0_state(struct pic_dev *p)
{
	int state;

	pthread_mutex_lock(&p->lock);
	if (p->chip.chip[0].imr & 1)
		state = -1;
	else
		state = p->chip.chip[0].irr & 1;
	pthread_mutex_unlock(&p->lock);
	return state;
}

static void pic_io(void *opaque, uint64_t port, uint8_t *data, uint32_t len,
		   bool is_write)
{
	struct pic_dev *p = opaque;
	bool rose = false;

	pthread_mutex_lock(&p->lock);
	if (is_write) {
		i8259_write(&p->chip, (uint16_t)port, data[0]);
		rose = update(p);
	} else {
		data[0] = i8259_read(&p->chip, (uint16_t)port);
		update(p);		/* a poll-mode read acknowledges */
	}
	pthread_mutex_unlock(&p->lock);
	if (!is_write && len > 1)
		memset(data + 1, 0xff, len - 1);
	if (rose)
		kick_bsp(p);
}

static int pic_init(struct vm *vm, void **state)
{
	struct pic_dev *p;

	if (vm->irq.mode != IRQCHIP_SPLIT)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	*state = p;
	pthread_mutex_init(&p->lock, NULL);
	p->vm = vm;
	i8259_reset(&p->chip);
	if (bus_register(&vm->pio, PIC_MASTER_PORT, 2, pic_io, p, "pic-master") < 0 ||
	    bus_register(&vm->pio, PIC_SLAVE_PORT, 2, pic_io, p, "pic-slave") < 0 ||
	    bus_register(&vm->pio, ELCR_PORT, 2, pic_io, p, "elcr") < 0)
		return -1;
	vm->irq.split->pic = p;
	return 0;
}

static void pic_exit(void *state)
{
	struct pic_dev *p = state;

	if (!p)
		return;
	p->vm->irq.split->pic = NULL;
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* The register model and INT as last seen; nothing without a split
 * irqchip. */
static long pic_save(void *state, void *buf)
{
	struct pic_dev *p = state;
	uint8_t *b = buf;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->lock);
	memcpy(b, &p->chip, sizeof(p->chip));
	b[sizeof(p->chip)] = p->output;
	pthread_mutex_unlock(&p->lock);
	return sizeof(p->chip) + 1;
}

static int pic_load(void *state, const void *buf, size_t len)
{
	struct pic_dev *p = state;
	const uint8_t *b = buf;

	if (len != (p ? sizeof(p->chip) + 1 : 0))
		return device_bad_state("pic", len);
	if (!p)
		return 0;
	memcpy(&p->chip, b, sizeof(p->chip));
	p->output = b[sizeof(p->chip)] != 0;
	for (int i = 0; i < 2; i++) {
		struct i8259_chip *c = &p->chip.chip[i];

		DEVICE_FIX_BOOL(c->init4);
		DEVICE_FIX_BOOL(c->single);
		DEVICE_FIX_BOOL(c->auto_eoi);
		DEVICE_FIX_BOOL(c->rotate_on_auto_eoi);
		DEVICE_FIX_BOOL(c->special_mask);
		DEVICE_FIX_BOOL(c->special_nested);
		DEVICE_FIX_BOOL(c->poll);
		DEVICE_FIX_BOOL(c->read_isr);
		c->priority_add &= 7;
		if (c->init_state > 3)
			c->init_state = 0;
	}
	return 0;
}

static const struct device_ops pic_dev = {
	.name = "pic",
	.init = pic_init,
	.exit = pic_exit,
	.save = pic_save,
	.load = pic_load,
};
DEVICE_REGISTER(pic_dev)
