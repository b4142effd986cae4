## bench/local.mk - benchmarks (see bench/README.md).
## Included from the top-level Makefile.am (non-recursive); paths are
## relative to the top of the build tree, sources use $(srcdir).
##
##   make bench                          # startup (20 runs) and the PV set
##   make bench RUNS=50 BENCH_FLAGS=--all-qemu
##   make bench-startup / bench-pv       # one part only
##   make bench-linux                    # Linux boot vs QEMU (not in `bench`:
##                                       # needs guests/linux/build.sh's kernel)
##   make bench-snapshot                 # snapshot/restore (Linux part with
##                                       # the same kernel, else RAM part only)

# The floor: the least KVM work that runs the same guest.
noinst_PROGRAMS += bench/kvm-floor
bench_kvm_floor_SOURCES = bench/kvm-floor.c
# The PV floors: a CPL 3 doorbell call, and the same CRC-32 on the host.
noinst_PROGRAMS += bench/pv-floor bench/crc-native
bench_pv_floor_SOURCES = bench/pv-floor.c
bench_crc_native_SOURCES = bench/crc-native.c
# The inter-VM floors: a host SOCK_SEQPACKET ping-pong, host memcpy.
noinst_PROGRAMS += bench/ipc-floor
bench_ipc_floor_SOURCES = bench/ipc-floor.c

EXTRA_DIST += bench/startup bench/hypercall bench/compute bench/block bench/ipc \
	bench/linux-boot bench/snapshot bench/share bench/README.md

BENCH_FLAGS =

.PHONY: bench bench-startup bench-pv bench-linux bench-snapshot bench-share
bench: bench-startup bench-pv

bench-startup: hvrun$(EXEEXT) bench/kvm-floor$(EXEEXT) \
		bench/pv-floor$(EXEEXT) guests/multiboot/hello32.elf \
		guests/pv/hello.elf
	HVRUN=./hvrun$(EXEEXT) KVM_FLOOR=./bench/kvm-floor$(EXEEXT) \
	IMAGE=./guests/multiboot/hello32.elf \
	PV_FLOOR=./bench/pv-floor$(EXEEXT) PV_IMAGE=./guests/pv/hello.elf \
	$(srcdir)/bench/startup $(BENCH_FLAGS)

bench-pv: hvrun$(EXEEXT) bench/pv-floor$(EXEEXT) bench/crc-native$(EXEEXT) \
		guests/pv/bench-hc.elf guests/pv/compute.elf \
		guests/pv/bench-blk.elf guests/pv/aio-crc.elf \
		bench/ipc-floor$(EXEEXT) guests/pv/chan-ping.elf \
		guests/pv/shm-test.elf
	HVRUN=./hvrun$(EXEEXT) PV_FLOOR=./bench/pv-floor$(EXEEXT) \
	BENCH_HC=./guests/pv/bench-hc.elf $(srcdir)/bench/hypercall
	@echo
	HVRUN=./hvrun$(EXEEXT) CRC_NATIVE=./bench/crc-native$(EXEEXT) \
	COMPUTE=./guests/pv/compute.elf $(srcdir)/bench/compute
	@echo
	HVRUN=./hvrun$(EXEEXT) BENCH_BLK=./guests/pv/bench-blk.elf \
	AIO_IMAGE=./guests/pv/aio-crc.elf $(srcdir)/bench/block
	@echo
	HVRUN=./hvrun$(EXEEXT) IPC_FLOOR=./bench/ipc-floor$(EXEEXT) \
	CHAN_PING=./guests/pv/chan-ping.elf SHM_TEST=./guests/pv/shm-test.elf \
	BENCH_HC=./guests/pv/bench-hc.elf $(srcdir)/bench/ipc

# The kernel and initramfs from guests/linux/build.sh (HVRUN_LINUX_VMLINUX
# or HVRUN_LINUX_BZIMAGE, HVRUN_LINUX_INITRD).
bench-linux: hvrun$(EXEEXT)
	$(srcdir)/bench/linux-boot --hvrun ./hvrun$(EXEEXT) $(BENCH_FLAGS) \
	"$${HVRUN_LINUX_KERNEL:-$$HVRUN_LINUX_VMLINUX}" "$$HVRUN_LINUX_INITRD"

# Boot once, run many: the Linux part with HVRUN_LINUX_VMLINUX (or
# HVRUN_LINUX_BZIMAGE) and HVRUN_LINUX_INITRD, the RAM part always.
bench-snapshot: hvrun$(EXEEXT) guests/pv/snap.elf
	$(srcdir)/bench/snapshot --hvrun ./hvrun$(EXEEXT) $(BENCH_FLAGS) \
	$${HVRUN_LINUX_INITRD:+"$${HVRUN_LINUX_KERNEL:-$${HVRUN_LINUX_VMLINUX:-$$HVRUN_LINUX_BZIMAGE}}" "$$HVRUN_LINUX_INITRD"}

# A shared directory (virtio-fs, virtiofsd) against QEMU microvm: needs
# root, virtiofsd and guests/linux/build.sh's kernel.
bench-share: hvrun$(EXEEXT)
	$(srcdir)/bench/share --hvrun ./hvrun$(EXEEXT) \
	"$$HVRUN_LINUX_BZIMAGE" "$$HVRUN_LINUX_INITRD"
