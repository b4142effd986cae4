## bench/local.mk - startup benchmark (see bench/README.md).
## Included from the top-level Makefile.am (non-recursive); paths are
## relative to the top of the build tree, sources use $(srcdir).
##
##   make bench                          # 20 runs of each configuration
##   make bench RUNS=50 BENCH_FLAGS=--all-qemu

# The floor: the least KVM work that runs the same guest.
noinst_PROGRAMS += bench/kvm-floor
bench_kvm_floor_SOURCES = bench/kvm-floor.c

EXTRA_DIST += bench/startup bench/README.md

BENCH_FLAGS =

.PHONY: bench
bench: hvrun$(EXEEXT) bench/kvm-floor$(EXEEXT) guests/multiboot/hello32.elf
	HVRUN=./hvrun$(EXEEXT) KVM_FLOOR=./bench/kvm-floor$(EXEEXT) \
	IMAGE=./guests/multiboot/hello32.elf \
	$(srcdir)/bench/startup $(BENCH_FLAGS)
