## tests/fuzz/local.mk - libFuzzer harnesses (./configure --enable-fuzz CC=clang).
## Included from the top-level Makefile.am (non-recursive); paths are
## relative to the top of the build tree, sources use $(srcdir).
##
## With --enable-fuzz, configure adds FUZZ_CFLAGS (coverage, ASan, UBSan)
## to AM_CFLAGS, so libhvrun.a and everything else is instrumented; only
## the harnesses below link libFuzzer's main (-fsanitize=fuzzer).
##
##   make fuzz-smoke                       # each harness briefly, as CI does
##   make fuzz-smoke FUZZ_SMOKE_TIME=300   # longer
##   tests/fuzz/fuzz_loader CORPUS_DIR $(srcdir)/tests/fuzz/corpus/fuzz_loader
## Seed corpora: tests/fuzz/corpus/<harness>/ (see docs/RELIABILITY.md).

FUZZ_NAMES = fuzz_loader fuzz_options fuzz_hypercall fuzz_gdb_packet \
	fuzz_virtqueue fuzz_irqchip fuzz_snapshot
FUZZ_SMOKE_TIME = 20

EXTRA_DIST += tests/fuzz/smoke.sh tests/fuzz/corpus

.PHONY: fuzz-smoke fuzz-harnesses

if FUZZ
FUZZ_HARNESSES = $(FUZZ_NAMES:%=tests/fuzz/%$(EXEEXT))
noinst_PROGRAMS += \
	tests/fuzz/fuzz_loader \
	tests/fuzz/fuzz_options \
	tests/fuzz/fuzz_hypercall \
	tests/fuzz/fuzz_gdb_packet \
	tests/fuzz/fuzz_virtqueue \
	tests/fuzz/fuzz_irqchip \
	tests/fuzz/fuzz_snapshot

FUZZ_HCFLAGS = $(AM_CFLAGS) $(LIBELF_CFLAGS) -I$(top_srcdir)/src \
	-I$(top_srcdir)/tests
FUZZ_HLDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

tests_fuzz_fuzz_loader_SOURCES = tests/fuzz/fuzz_loader.c
tests_fuzz_fuzz_loader_CFLAGS = $(FUZZ_HCFLAGS)
tests_fuzz_fuzz_loader_LDFLAGS = $(FUZZ_HLDFLAGS)
tests_fuzz_fuzz_loader_LDADD = libhvrun.a $(LIBELF_LIBS)

tests_fuzz_fuzz_options_SOURCES = tests/fuzz/fuzz_options.c
tests_fuzz_fuzz_options_CFLAGS = $(FUZZ_HCFLAGS)
tests_fuzz_fuzz_options_LDFLAGS = $(FUZZ_HLDFLAGS)
tests_fuzz_fuzz_options_LDADD = libhvrun.a $(LIBELF_LIBS)

# The dispatcher and every handler; no KVM (the harness stubs vm_stop and
# the vCPU calls), real backend loop and block devices.
tests_fuzz_fuzz_hypercall_SOURCES = tests/fuzz/fuzz_hypercall.c \
	tests/stubs.c tests/stubs.h
tests_fuzz_fuzz_hypercall_CFLAGS = $(FUZZ_HCFLAGS) $(LIBEVENT_CFLAGS)
tests_fuzz_fuzz_hypercall_LDFLAGS = $(FUZZ_HLDFLAGS)
tests_fuzz_fuzz_hypercall_LDADD = libhypercall.a libbackend.a libhvrun.a \
	$(LIBEVENT_LIBS) $(LIBELF_LIBS) $(LIBSECCOMP_LIBS)

tests_fuzz_fuzz_gdb_packet_SOURCES = tests/fuzz/fuzz_gdb_packet.c
tests_fuzz_fuzz_gdb_packet_LDADD = libgdb.a
tests_fuzz_fuzz_gdb_packet_CFLAGS = $(FUZZ_HCFLAGS)
tests_fuzz_fuzz_gdb_packet_LDFLAGS = $(FUZZ_HLDFLAGS)

# Split virtqueues and virtio-blk requests over hostile guest memory.
tests_fuzz_fuzz_virtqueue_SOURCES = tests/fuzz/fuzz_virtqueue.c \
	tests/stubs.c tests/stubs.h $(VIRTIO_DEVICES)
tests_fuzz_fuzz_virtqueue_CFLAGS = $(FUZZ_HCFLAGS) $(LIBEVENT_CFLAGS)
tests_fuzz_fuzz_virtqueue_LDFLAGS = $(FUZZ_HLDFLAGS)
tests_fuzz_fuzz_virtqueue_LDADD = libvirtio.a libvhost.a libbackend.a libhvrun.a \
	$(LIBEVENT_LIBS) $(LIBELF_LIBS) $(LIBSECCOMP_LIBS)

# The split irqchip's register models, as a guest could drive them.
tests_fuzz_fuzz_irqchip_SOURCES = tests/fuzz/fuzz_irqchip.c
tests_fuzz_fuzz_irqchip_CFLAGS = $(FUZZ_HCFLAGS)
tests_fuzz_fuzz_irqchip_LDFLAGS = $(FUZZ_HLDFLAGS)
tests_fuzz_fuzz_irqchip_LDADD = libirqchip.a libhvrun.a

# The snapshot file's header and section table (--restore).
tests_fuzz_fuzz_snapshot_SOURCES = tests/fuzz/fuzz_snapshot.c \
	src/snapshot/format.c src/snapshot/format.h
tests_fuzz_fuzz_snapshot_CFLAGS = $(FUZZ_HCFLAGS) $(ZLIB_CFLAGS)
tests_fuzz_fuzz_snapshot_LDFLAGS = $(FUZZ_HLDFLAGS)
tests_fuzz_fuzz_snapshot_LDADD = $(ZLIB_LIBS)

fuzz-harnesses: $(FUZZ_HARNESSES)

# Each harness for FUZZ_SMOKE_TIME seconds on a scratch copy of its seeds;
# fails if any finds a crash, leak or timeout.
fuzz-smoke: $(FUZZ_HARNESSES)
	@$(SHELL) $(srcdir)/tests/fuzz/smoke.sh $(FUZZ_SMOKE_TIME) \
		$(srcdir)/tests/fuzz/corpus $(FUZZ_HARNESSES)
else
fuzz-harnesses fuzz-smoke:
	@echo "fuzzing not configured (./configure --enable-fuzz CC=clang)"
endif
