/*
 * MC146818 CMOS RTC at ports 0x70 (index, bit 7 = NMI mask) and 0x71
 * (data). Time registers read the host's UTC clock at the moment of the
 * read, in BCD or binary and 12/24-hour form as register B asks. The
 * other 114 bytes are plain CMOS storage, seeded with the memory sizes
 * PC firmware leaves there.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../vm.h"
#include "device.h"

#define RTC_INDEX RTC_PORT
#define RTC_DATA  (RTC_PORT + 1)

enum {
	REG_SEC = 0x00, REG_MIN = 0x02, REG_HOUR = 0x04, REG_WDAY = 0x06,
	REG_MDAY = 0x07, REG_MON = 0x08, REG_YEAR = 0x09,
	REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d,
	REG_CENTURY = 0x32,
};
#define B_24H    0x02
#define B_BINARY 0x04
#define D_VRT    0x80	/* battery good */

struct rtc {
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t cmos[128];
};

static uint8_t encode(const struct rtc *r, unsigned v)
{
	return r->cmos[REG_B] & B_BINARY ? (uint8_t)v
					 : (uint8_t)(((v / 10) << 4) | (v % 10));
}

static uint8_t encode_hour(const struct rtc *r, unsigned h)
{
	unsigned h12;

	if (r->cmos[REG_B] & B_24H)
		return encode(r, h);
	h12 = h % 12 ? h % 12 : 12;
	return encode(r, h12) | (h >= 12 ? 0x80 : 0);
}

static uint8_t read_reg(struct rtc *r, uint8_t reg)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	switch (reg) {
	case REG_SEC:	return encode(r, (unsigned)tm.tm_sec % 60);
	case REG_MIN:	return encode(r, (unsigned)tm.tm_min);
	case REG_HOUR:	return encode_hour(r, (unsigned)tm.tm_hour);
	case REG_WDAY:	return encode(r, (unsigned)tm.tm_wday + 1);
	case REG_MDAY:	return encode(r, (unsigned)tm.tm_mday);
	case REG_MON:	return encode(r, (unsigned)tm.tm_mon + 1);
	case REG_YEAR:	return encode(r, (unsigned)tm.tm_year % 100);
	case REG_CENTURY: return encode(r, (unsigned)(tm.tm_year + 1900) / 100);
	case REG_A:	return r->cmos[REG_A] & 0x7f;	/* never "update in progress" */
	case REG_C:	return 0;	/* no interrupt flags: reading clears them */
	case REG_D:	return D_VRT;
	default:	return r->cmos[reg];
	}
}

static void write_reg(struct rtc *r, uint8_t reg, uint8_t val)
{
	switch (reg) {
	case REG_C:
	case REG_D:
		return;		/* read-only */
	default:
		/* The clock follows the host: writes to time registers are kept
		 * but the next read shows host time again. */
		r->cmos[reg] = val;
	}
}

static void rtc_io(void *opaque, uint64_t addr, uint8_t *data, uint32_t len,
		   bool is_write)
{
	struct rtc *r = opaque;

	pthread_mutex_lock(&r->lock);
	if (addr == RTC_INDEX) {
		if (is_write)
			r->index = data[0] & 0x7f;
		else
			data[0] = 0xff;	/* the index register is write-only */
	} else if (is_write) {
		write_reg(r, r->index, data[0]);
	} else {
		data[0] = read_reg(r, r->index);
	}
	pthread_mutex_unlock(&r->lock);
	if (!is_write && len > 1)
		memset(data + 1, 0xff, len - 1);
}

/* Memory sizes where PC firmware leaves them for old guests. */
static void seed_memory_size(struct rtc *r, uint64_t ram)
{
	uint64_t ext_kb = ram > (1 << 20) ? (ram - (1 << 20)) >> 10 : 0;
	uint64_t above16m = ram > (16 << 20) ? (ram - (16 << 20)) >> 16 : 0;

	if (ext_kb > 0xffff)
		ext_kb = 0xffff;
	if (above16m > 0xffff)
		above16m = 0xffff;
	r->cmos[0x15] = 640 & 0xff;
	r->cmos[0x16] = 640 >> 8;
	r->cmos[0x17] = r->cmos[0x30] = (uint8_t)ext_kb;
	r->cmos[0x18] = r->cmos[0x31] = (uint8_t)(ext_kb >> 8);
	r->cmos[0x34] = (uint8_t)above16m;
	r->cmos[0x35] = (uint8_t)(above16m >> 8);
}

static int rtc_init(struct vm *vm, void **state)
{
	struct rtc *r = calloc(1, sizeof(*r));

	if (!r)
		return -1;
	*state = r;
	pthread_mutex_init(&r->lock, NULL);
	r->cmos[REG_A] = 0x26;		/* 32.768 kHz base, 1024 Hz rate */
	r->cmos[REG_B] = B_24H;		/* BCD, 24-hour, as PC firmware */
	seed_memory_size(r, vm->mem.ram_size);
	return bus_register(&vm->pio, RTC_INDEX, 2, rtc_io, r, "rtc");
}

static void rtc_exit(void *state)
{
	struct rtc *r = state;

	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* The index and CMOS bytes; the clock registers read host time. */
static long rtc_save(void *state, void *buf)
{
	struct rtc *r = state;
	uint8_t *b = buf;

	pthread_mutex_lock(&r->lock);
	b[0] = r->index;
	memcpy(b + 1, r->cmos, sizeof(r->cmos));
	pthread_mutex_unlock(&r->lock);
	return 1 + sizeof(r->cmos);
}

static int rtc_load(void *state, const void *buf, size_t len)
{
	struct rtc *r = state;
	const uint8_t *b = buf;

	if (len != 1 + sizeof(r->cmos))
		return device_bad_state("rtc", len);
	r->index = b[0] & 0x7f;
	memcpy(r->cmos, b + 1, sizeof(r->cmos));
	return 0;
}

static const struct device_ops rtc_dev = {
	.name = "rtc",
	.init = rtc_init,
	.exit = rtc_exit,
	.save = rtc_save,
	.load = rtc_load,
};
DEVICE_REGISTER(rtc_dev)
