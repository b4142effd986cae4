/* devices/fw_cfg.c through the port bus, without KVM: what a guest that
 * speaks QEMU's legacy fw_cfg interface reads. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "devices/device.h"
#include "vm.h"

/* fw_cfg.c registers itself from a constructor: keep its ops. */
static const struct device_ops *fw_cfg_ops;

void device_register(const struct device_ops *ops)
{
	fw_cfg_ops = ops;
}

static struct vm_config cfg;
static struct vm vm;
static void *state;

static void setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	memset(&vm, 0, sizeof(vm));
	cfg.mem_size = 3ULL << 30;
	cfg.ncpus = 4;
	vm.cfg = &cfg;
	bus_init(&vm.pio, "pio");
	ck_assert_ptr_nonnull(fw_cfg_ops);
	ck_assert_int_eq(fw_cfg_ops->init(&vm, &state), 0);
}

static void teardown(void)
{
	fw_cfg_ops->exit(state);
	bus_free(&vm.pio);
}

/* What kvm-unit-tests' fwcfg_get_u does: outw key, 0x510; n x inb 0x511. */
static uint64_t get(uint16_t key, int n)
{
	uint8_t sel[2] = { key & 0xff, key >> 8 }, b;
	uint64_t v = 0;

	ck_assert(bus_access(&vm.pio, 0x510, sel, 2, true));
	for (int i = 0; i < n; i++) {
		ck_assert(bus_access(&vm.pio, 0x511, &b, 1, false));
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

START_TEST(items)
{
	ck_assert_uint_eq(get(0x00, 4), 0x554d4551);	/* "QEMU" */
	ck_assert_uint_eq(get(0x01, 4), 1);		/* traditional, no DMA */
	ck_assert_uint_eq(get(0x03, 8), 3ULL << 30);	/* RAM size */
	ck_assert_uint_eq(get(0x05, 2), 4);		/* NB_CPUS */
	ck_assert_uint_eq(get(0x0f, 2), 4);		/* MAX_CPUS */
	ck_assert_uint_eq(get(0x19, 4), 0);		/* no files */
	/* kvm-unit-tests' FW_CFG_MAX_RAM: not an item, 0 = no limit. */
	ck_assert_uint_eq(get(0x11, 8), 0);
	ck_assert_uint_eq(get(0xffff, 8), 0);
}
END_TEST

/* Past an item's end reads are zeros; selecting again rewinds. */
START_TEST(offset_and_rewind)
{
	uint8_t sel[2] = { 0, 0 }, buf[4];

	ck_assert_uint_eq(get(0x00, 8), 0x554d4551);
	ck_assert(bus_access(&vm.pio, 0x510, sel, 2, true));
	ck_assert(bus_access(&vm.pio, 0x511, buf, 2, false));
	ck_assert_mem_eq(buf, "QE", 2);
	ck_assert(bus_access(&vm.pio, 0x511, buf, 4, false));
	ck_assert_mem_eq(buf, "MU\0\0", 4);
	/* A data-port write is ignored and does not move the offset. */
	ck_assert(bus_access(&vm.pio, 0x510, sel, 2, true));
	ck_assert(bus_access(&vm.pio, 0x511, buf, 1, true));
	ck_assert(bus_access(&vm.pio, 0x511, buf, 1, false));
	ck_assert_uint_eq(buf[0], 'Q');
	/* One byte to the selector selects with the high byte 0. */
	sel[0] = 0x05;
	ck_assert(bus_access(&vm.pio, 0x510, sel, 1, true));
	ck_assert(bus_access(&vm.pio, 0x511, buf, 2, false));
	ck_assert_uint_eq(buf[0] | buf[1] << 8, 4);
}
END_TEST

/* The port is taken: init fails without leaking (ASan's leak check). */
START_TEST(port_taken)
{
	void *second = NULL;

	ck_assert_int_lt(fw_cfg_ops->init(&vm, &second), 0);
	ck_assert_ptr_null(second);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_cfg");
	TCase *tc = tcase_create("fw_cfg");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, items);
	tcase_add_test(tc, offset_and_rewind);
	tcase_add_test(tc, port_taken);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
