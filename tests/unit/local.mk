# Check suites, one per module.
UNIT_TESTS = \
	tests/unit/test_mem \
	tests/unit/test_bus \
	tests/unit/test_options \
	tests/unit/test_report \
	tests/unit/test_loader \
	tests/unit/test_bzimage \
	tests/unit/test_hypercall \
	tests/unit/test_pv \
	tests/unit/test_chan \
	tests/unit/test_blkring \
	tests/unit/test_gdb_packet \
	tests/unit/test_acpi \
	tests/unit/test_cpuid \
	tests/unit/test_pvh \
	tests/unit/test_virtqueue \
	tests/unit/test_serial \
	tests/unit/test_sandbox \
	tests/unit/test_pvpanic \
	tests/unit/test_insn_hint \
	tests/unit/test_irqchip \
	tests/unit/test_fw_cfg \
	tests/unit/test_pvframe \
	tests/unit/test_snapshot \
	tests/unit/test_vhost_user

check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBELF_CFLAGS) -I$(top_srcdir)/src \
	-I$(top_srcdir)/tests
UNIT_LDADD = libhvrun.a $(CHECK_LIBS) $(LIBELF_LIBS) $(LIBSECCOMP_LIBS)
# What vm.c and the vCPU code would do, recorded (tests/stubs.h).
UNIT_STUBS = tests/stubs.c tests/stubs.h
# The folders above libhvrun.a, for the tests that run them.
UNIT_IO_LDADD = libhypercall.a libvirtio.a libvhost.a libbackend.a $(UNIT_LDADD) \
	$(LIBEVENT_LIBS)

tests_unit_test_mem_SOURCES = tests/unit/test_mem.c
tests_unit_test_mem_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mem_LDADD = $(UNIT_LDADD)
tests_unit_test_bus_SOURCES = tests/unit/test_bus.c
tests_unit_test_bus_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_bus_LDADD = $(UNIT_LDADD)
# With the virtio devices: their options (--virtio-console) are theirs.
tests_unit_test_options_SOURCES = tests/unit/test_options.c $(UNIT_STUBS) \
	$(VIRTIO_DEVICES)
tests_unit_test_options_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_options_LDADD = $(UNIT_IO_LDADD)
tests_unit_test_report_SOURCES = tests/unit/test_report.c
tests_unit_test_report_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_report_LDADD = $(UNIT_LDADD)
tests_unit_test_loader_SOURCES = tests/unit/test_loader.c
tests_unit_test_loader_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_loader_LDADD = $(UNIT_LDADD)
tests_unit_test_bzimage_SOURCES = tests/unit/test_bzimage.c
tests_unit_test_bzimage_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_bzimage_LDADD = $(UNIT_LDADD)
tests_unit_test_hypercall_SOURCES = tests/unit/test_hypercall.c $(UNIT_STUBS)
tests_unit_test_hypercall_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_hypercall_LDADD = $(UNIT_IO_LDADD)
tests_unit_test_pv_SOURCES = tests/unit/test_pv.c $(UNIT_STUBS)
tests_unit_test_pv_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_pv_LDADD = $(UNIT_IO_LDADD)
tests_unit_test_chan_SOURCES = tests/unit/test_chan.c $(UNIT_STUBS)
tests_unit_test_chan_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_chan_LDADD = $(UNIT_IO_LDADD)
tests_unit_test_blkring_SOURCES = tests/unit/test_blkring.c
tests_unit_test_blkring_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_blkring_LDADD = libhypercall.a $(UNIT_LDADD)
tests_unit_test_gdb_packet_SOURCES = tests/unit/test_gdb_packet.c
tests_unit_test_gdb_packet_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_gdb_packet_LDADD = libgdb.a $(UNIT_LDADD)
tests_unit_test_irqchip_SOURCES = tests/unit/test_irqchip.c
tests_unit_test_irqchip_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_irqchip_LDADD = libirqchip.a $(UNIT_LDADD)
tests_unit_test_acpi_SOURCES = tests/unit/test_acpi.c
tests_unit_test_acpi_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_acpi_LDADD = $(UNIT_LDADD)
tests_unit_test_cpuid_SOURCES = tests/unit/test_cpuid.c
tests_unit_test_cpuid_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cpuid_LDADD = libvcpu.a $(UNIT_LDADD)
tests_unit_test_pvh_SOURCES = tests/unit/test_pvh.c
tests_unit_test_pvh_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pvh_LDADD = $(UNIT_LDADD)
tests_unit_test_virtqueue_SOURCES = tests/unit/test_virtqueue.c $(UNIT_STUBS) \
	$(VIRTIO_DEVICES)
tests_unit_test_virtqueue_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_virtqueue_LDADD = $(UNIT_IO_LDADD)
tests_unit_test_sandbox_SOURCES = tests/unit/test_sandbox.c
tests_unit_test_sandbox_CFLAGS = $(UNIT_CFLAGS) $(LIBSECCOMP_CFLAGS)
tests_unit_test_sandbox_LDADD = $(UNIT_LDADD)
# The UART against a stub console (device.c registers it).
tests_unit_test_serial_SOURCES = tests/unit/test_serial.c \
	src/devices/device.c src/devices/serial.c
tests_unit_test_serial_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_serial_LDADD = $(UNIT_LDADD) -lpthread
# The PV stub frame decoder, with no vCPU fd (identity-mapped stack).
tests_unit_test_pvframe_SOURCES = tests/unit/test_pvframe.c
tests_unit_test_pvframe_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pvframe_LDADD = libvcpu.a $(UNIT_LDADD)
tests_unit_test_pvpanic_SOURCES = tests/unit/test_pvpanic.c $(UNIT_STUBS) \
	src/devices/pvpanic.c src/devices/device.c
tests_unit_test_pvpanic_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pvpanic_LDADD = $(UNIT_LDADD)
tests_unit_test_insn_hint_SOURCES = tests/unit/test_insn_hint.c
tests_unit_test_insn_hint_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_insn_hint_LDADD = libvcpu.a $(UNIT_LDADD)
tests_unit_test_fw_cfg_SOURCES = tests/unit/test_fw_cfg.c src/devices/fw_cfg.c
tests_unit_test_fw_cfg_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fw_cfg_LDADD = $(UNIT_LDADD)
tests_unit_test_snapshot_SOURCES = tests/unit/test_snapshot.c \
	src/snapshot/format.c src/snapshot/format.h
tests_unit_test_snapshot_CFLAGS = $(UNIT_CFLAGS) $(ZLIB_CFLAGS)
tests_unit_test_snapshot_LDADD = $(UNIT_LDADD) $(ZLIB_LIBS)
tests_unit_test_vhost_user_SOURCES = tests/unit/test_vhost_user.c
tests_unit_test_vhost_user_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_vhost_user_LDADD = libvhost.a $(UNIT_LDADD)
