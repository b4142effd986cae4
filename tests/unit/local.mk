# Check suites, one per module.
UNIT_TESTS = \
	tests/unit/test_mem \
	tests/unit/test_bus \
	tests/unit/test_options \
	tests/unit/test_loader \
	tests/unit/test_bzimage \
	tests/unit/test_hypercall \
	tests/unit/test_pv \
	tests/unit/test_gdb_packet \
	tests/unit/test_acpi \
	tests/unit/test_cpuid \
	tests/unit/test_pvh \
	tests/unit/test_virtqueue \
	tests/unit/test_fw_cfg

check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBELF_CFLAGS) -I$(top_srcdir)/src
UNIT_LDADD = libhvrun.a $(CHECK_LIBS) $(LIBELF_LIBS)

tests_unit_test_mem_SOURCES = tests/unit/test_mem.c
tests_unit_test_mem_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mem_LDADD = $(UNIT_LDADD)
tests_unit_test_bus_SOURCES = tests/unit/test_bus.c
tests_unit_test_bus_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_bus_LDADD = $(UNIT_LDADD)
tests_unit_test_options_SOURCES = tests/unit/test_options.c
tests_unit_test_options_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_options_LDADD = $(UNIT_LDADD)
tests_unit_test_loader_SOURCES = tests/unit/test_loader.c
tests_unit_test_loader_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_loader_LDADD = $(UNIT_LDADD)
tests_unit_test_bzimage_SOURCES = tests/unit/test_bzimage.c
tests_unit_test_bzimage_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_bzimage_LDADD = $(UNIT_LDADD)
tests_unit_test_hypercall_SOURCES = tests/unit/test_hypercall.c \
	src/backend/backend.c src/backend/console.c \
	src/backend/block.c src/backend/net.c \
	src/hypercall/block.c src/hypercall/net.c src/hypercall/poll.c \
	src/hypercall/console.c
tests_unit_test_hypercall_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_hypercall_LDADD = $(UNIT_LDADD) $(LIBEVENT_LIBS)
tests_unit_test_pv_SOURCES = tests/unit/test_pv.c \
	src/backend/backend.c src/backend/console.c \
	src/backend/block.c src/backend/net.c \
	src/hypercall/hypercall.c src/hypercall/misc.c src/hypercall/console.c \
	src/hypercall/block.c src/hypercall/net.c src/hypercall/poll.c \
	src/hypercall/vcpu.c
tests_unit_test_pv_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_pv_LDADD = $(UNIT_LDADD) $(LIBEVENT_LIBS)
tests_unit_test_gdb_packet_SOURCES = tests/unit/test_gdb_packet.c \
	src/gdb/packet.c src/gdb/packet.h
tests_unit_test_gdb_packet_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_gdb_packet_LDADD = $(UNIT_LDADD)
tests_unit_test_acpi_SOURCES = tests/unit/test_acpi.c
tests_unit_test_acpi_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_acpi_LDADD = $(UNIT_LDADD)
tests_unit_test_cpuid_SOURCES = tests/unit/test_cpuid.c src/vcpu/cpuid.c
tests_unit_test_cpuid_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cpuid_LDADD = $(UNIT_LDADD)
tests_unit_test_pvh_SOURCES = tests/unit/test_pvh.c
tests_unit_test_pvh_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pvh_LDADD = $(UNIT_LDADD)
tests_unit_test_virtqueue_SOURCES = tests/unit/test_virtqueue.c \
	src/backend/backend.c src/backend/block.c src/backend/net.c \
	src/virtio/virtio_mmio.c src/virtio/virtqueue.c src/virtio/blk.c \
	src/virtio/rng.c src/virtio/net.c src/virtio/console.c
tests_unit_test_virtqueue_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_virtqueue_LDADD = $(UNIT_LDADD) $(LIBEVENT_LIBS)
tests_unit_test_fw_cfg_SOURCES = tests/unit/test_fw_cfg.c src/devices/fw_cfg.c
tests_unit_test_fw_cfg_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fw_cfg_LDADD = $(UNIT_LDADD)
