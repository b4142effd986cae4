/* devices/pvpanic.c: the register as Linux's pvpanic-mmio driver uses it,
 * through the MMIO bus, with vm_stop recorded (tests/stubs.c) instead of
 * stopping a VM. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/device.h"
#include "devices/pvpanic.h"
#include "status.h"
#include "vm.h"
#include "stubs.h"

static struct vm vm;

static void setup(void)
{
	memset(&vm, 0, sizeof(vm));
	bus_init(&vm.mmio, "mmio");
	stubs_reset();
	ck_assert_int_eq(devices_init(&vm), 0);
}

static void teardown(void)
{
	devices_exit();
	bus_free(&vm.mmio);
}

static void wr(uint64_t off, uint8_t v)
{
	ck_assert(bus_access(&vm.mmio, PVPANIC_MMIO_BASE + off, &v, 1, true));
}

/* The driver's probe: ioread8 gives the events the device takes. */
START_TEST(read_gives_capabilities)
{
	uint8_t d[4] = { 0xaa, 0xaa, 0xaa, 0xaa };

	ck_assert(bus_access(&vm.mmio, PVPANIC_MMIO_BASE, d, 1, false));
	ck_assert_uint_eq(d[0], PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);
	ck_assert(bus_access(&vm.mmio, PVPANIC_MMIO_BASE + 1, d, 1, false));
	ck_assert_uint_eq(d[0], 0);
	ck_assert(!bus_access(&vm.mmio, PVPANIC_MMIO_BASE + PVPANIC_MMIO_LEN,
			      d, 1, false));
	ck_assert_int_eq(stub_stops, 0);
}
END_TEST

START_TEST(panic_stops_with_126)
{
	wr(0, PVPANIC_PANICKED);
	ck_assert_int_eq(stub_stops, 1);
	ck_assert_int_eq(stub_stopped_with, STATUS_CRASH);
	ck_assert_int_eq(stub_stop_why, STOP_PANIC);
	/* Unknown bits beside it change nothing. */
	wr(0, 0xff);
	ck_assert_int_eq(stub_stopped_with, STATUS_CRASH);
}
END_TEST

START_TEST(crash_loaded_runs_on)
{
	wr(0, PVPANIC_CRASH_LOADED);
	wr(0, PVPANIC_CRASH_LOADED);
	ck_assert_int_eq(stub_stops, 0);
}
END_TEST

START_TEST(other_writes_ignored)
{
	wr(0, 0);
	wr(0, 0xfc);		/* bits the device does not know */
	wr(1, PVPANIC_PANICKED);	/* not the register */
	ck_assert_int_eq(stub_stops, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pvpanic");
	TCase *tc = tcase_create("pvpanic");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, read_gives_capabilities);
	tcase_add_test(tc, panic_stops_with_126);
	tcase_add_test(tc, crash_loaded_runs_on);
	tcase_add_test(tc, other_writes_ignored);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
