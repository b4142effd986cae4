# End-to-end tests: hvrun runs the guests built in guests/.
GUEST_TESTS = \
	tests/guest/linux.sh \
	tests/guest/linux_net.sh \
	tests/guest/linux_panic.sh \
	tests/guest/linux_share.sh \
	tests/guest/linux_run.sh \
	tests/guest/linux_gdb.sh \
	tests/guest/linux_snapshot.sh \
	tests/guest/bad_input.sh \
	tests/guest/report.sh \
	tests/guest/docs.sh \
	tests/guest/sandbox.sh \
	tests/guest/raw.sh \
	tests/guest/multiboot.sh \
	tests/guest/cpu_features.sh \
	tests/guest/pvh.sh \
	tests/guest/echo.sh \
	tests/guest/console.sh \
	tests/guest/console_flood.sh \
	tests/guest/console_stall.sh \
	tests/guest/console_order.sh \
	tests/guest/crash.sh \
	tests/guest/stop.sh \
	tests/guest/terminal.sh \
	tests/guest/timer.sh \
	tests/guest/timeracc.sh \
	tests/guest/smp.sh \
	tests/guest/pv_hello.sh \
	tests/guest/pv_crash.sh \
	tests/guest/pv_disk.sh \
	tests/guest/pv_bigreq.sh \
	tests/guest/pv_aio.sh \
	tests/guest/disk_lock.sh \
	tests/guest/pv_smp.sh \
	tests/guest/pv_net.sh \
	tests/guest/pv_chan.sh \
	tests/guest/pv_shm.sh \
	tests/guest/pv_blkserve.sh \
	tests/guest/pv_bench.sh \
	tests/guest/pv_vmcall.sh \
	tests/guest/snapshot_pv.sh \
	tests/guest/snapshot_devices.sh \
	tests/guest/gdb.sh \
	tests/guest/gdb_crash.sh \
	tests/guest/gdb_limits.sh \
	tests/guest/core.sh \
	tests/guest/faults.sh

TESTS += $(GUEST_TESTS)
EXTRA_DIST += $(GUEST_TESTS) tests/guest/lib.sh tests/guest/linux-lib.sh \
	tests/guest/linux_distro.sh tests/guest/gdblib.sh \
	guests/linux/README.md guests/linux/build.sh guests/linux/config \
	guests/linux/config-hvrun guests/linux/init guests/linux/mkinitrd.sh \
	guests/linux/build-distro.sh \
	guests/linux/0001-skip-int3-selftest.patch \
	guests/linux/0002-pvm-syscall-as-pf-workaround.patch \
	guests/linux/0003-skip-fwait-in-fpu-drop.patch

AM_TESTS_ENVIRONMENT = \
	HVRUN='$(abs_top_builddir)/hvrun'; \
	GUESTS='$(abs_top_builddir)/guests'; \
	srcdir='$(srcdir)'; \
	export HVRUN GUESTS srcdir;

# The reference guest, Debian's cloud kernel (fetched with apt-get
# download; skipped where KVM cannot run it, as on kvm_pvm).
check-linux: all
	@eval "$$($(srcdir)/guests/linux/build-distro.sh)" || exit 1; \
	export HVRUN_DISTRO_KERNEL HVRUN_DISTRO_INITRD; \
	$(AM_TESTS_ENVIRONMENT) $(SHELL) $(srcdir)/tests/guest/linux_distro.sh \
		>tests/guest/linux_distro.log 2>&1; rc=$$?; \
	case $$rc in \
	0) echo "PASS: tests/guest/linux_distro.sh" ;; \
	77) echo "SKIP: tests/guest/linux_distro.sh"; \
	    grep '^SKIP' tests/guest/linux_distro.log; rc=0 ;; \
	*) cat tests/guest/linux_distro.log; \
	   echo "FAIL: tests/guest/linux_distro.sh" ;; \
	esac; exit $$rc
CLEANFILES += tests/guest/linux_distro.log
.PHONY: check-linux
