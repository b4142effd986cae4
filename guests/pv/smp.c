/*
 * smp.c - start every application processor through the hypercall ABI.
 *
 * The boot vCPU reads /hvrun/cpus and starts vCPUs 1..cpus-1 with
 * hv_vcpu_start() (via hv_cpu_start()), each on its own 16 KiB stack.
 * Each prints "vCPU <id> up\n" (whole lines: under a spinlock), counts
 * itself in an atomic counter and spins forever. Once all have counted in,
 * the boot vCPU prints "all <cpus> vCPUs up\n" and exits 0 (hv_exit ends
 * the whole VM). With -c 4: "vCPU 1 up", "vCPU 2 up", "vCPU 3 up" in any
 * order, then "all 4 vCPUs up".
 * Failures: "smp: ..." and exit 1 if the APs are not all up within 5 s,
 * 2 if a vCPU cannot be started or there are more than 16.
 */
#include "hv.h"

#define MAX_CPUS	16
#define AP_STACK	(16 * 1024)
#define WAIT_NS		(5 * HV_NSEC_PER_SEC)

static uint8_t stacks[MAX_CPUS][AP_STACK] __attribute__((aligned(16)));
static hv_spinlock_t print_lock;
static int up;

static void ap_main(long id)
{
	hv_spin_lock(&print_lock);
	printf("vCPU %ld up\n", id);
	hv_spin_unlock(&print_lock);
	__atomic_add_fetch(&up, 1, __ATOMIC_RELEASE);
	for (;;)
		hv_cpu_relax();
}

int main(const void *fdt)
{
	uint32_t cpus = 1;
	uint64_t start;
	long r;

	if (hv_fdt_u32(fdt, HVRUN_FDT_HVRUN, HVRUN_FDT_CPUS, &cpus) < 0 ||
	    cpus == 0) {
		printf("smp: no /hvrun/cpus in the device tree\n");
		return 2;
	}
	if (cpus > MAX_CPUS) {
		printf("smp: %u vCPUs, this guest handles %d\n", cpus,
		       MAX_CPUS);
		return 2;
	}
	for (uint32_t id = 1; id < cpus; id++) {
		r = hv_cpu_start(id, ap_main, stacks[id] + AP_STACK, id);
		if (r < 0) {
			printf("smp: starting vCPU %u: error %ld\n", id, r);
			return 2;
		}
	}
	start = hv_now();
	while (__atomic_load_n(&up, __ATOMIC_ACQUIRE) < (int)cpus - 1) {
		if (hv_now() - start > WAIT_NS) {
			hv_spin_lock(&print_lock);
			printf("smp: only %d of %u vCPUs up after 5 s\n",
			       __atomic_load_n(&up, __ATOMIC_ACQUIRE) + 1,
			       cpus);
			hv_spin_unlock(&print_lock);
			return 1;
		}
		for (int i = 0; i < 1000; i++)
			hv_cpu_relax();
	}
	printf("all %u vCPUs up\n", cpus);
	return 0;
}
