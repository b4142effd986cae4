# Check suites, one per module.
UNIT_TESTS = \
	tests/unit/test_mem \
	tests/unit/test_bus \
	tests/unit/test_options \
	tests/unit/test_loader

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
