/* The flattened device tree a PV guest gets in RDI (layout: hvrun/abi.h). */
#include <stdio.h>
#include <string.h>
#include <libfdt.h>

#include "../backend/block.h"
#include "../backend/host_io.h"
#include "../backend/net.h"
#include "../loader/loader.h"
#include "../log.h"
#include "../vm.h"
#include "hypercall.h"
#include "ipc.h"

static int begin_node_fmt(void *fdt, const char *prefix, int i)
{
	char name[32];

	snprintf(name, sizeof(name), "%s@%d", prefix, i);
	return fdt_begin_node(fdt, name);
}

static int devices(void *fdt, const struct vm *vm)
{
	int err = 0;

	for (int i = 0; i < host_nr_disks(vm->io) && !err; i++) {
		const struct block_dev *d = host_disk(vm->io, i);

		err = begin_node_fmt(fdt, HVRUN_FDT_BLOCK, i) ||
		      fdt_property_u64(fdt, HVRUN_FDT_SIZE, block_size(d)) ||
		      (block_read_only(d) &&
		       fdt_property(fdt, HVRUN_FDT_READ_ONLY, NULL, 0)) ||
		      fdt_end_node(fdt);
	}
	for (int i = 0; i < host_nr_nets(vm->io) && !err; i++) {
		uint8_t mac[6];

		net_mac(host_net(vm->io, i), mac);
		err = begin_node_fmt(fdt, HVRUN_FDT_NET, i) ||
		      fdt_property(fdt, HVRUN_FDT_MAC, mac, sizeof(mac)) ||
		      fdt_end_node(fdt);
	}
	for (int i = 0; i < pv_ipc_nr_chans(vm) && !err; i++)
		err = begin_node_fmt(fdt, HVRUN_FDT_CHAN, i) || fdt_end_node(fdt);
	for (int i = 0; pv_ipc_shm(vm, i) && !err; i++) {
		const struct pv_shm *s = pv_ipc_shm(vm, i);
		fdt64_t reg[2] = { cpu_to_fdt64(s->gpa), cpu_to_fdt64(s->size) };

		err = begin_node_fmt(fdt, HVRUN_FDT_SHM, i) ||
		      fdt_property(fdt, HVRUN_FDT_REG, reg, sizeof(reg)) ||
		      fdt_end_node(fdt);
	}
	return err;
}

int pv_fdt_write(struct vm *vm, bool vmcall)
{
	void *fdt = mem_ptr(&vm->mem, PV_FDT, PV_FDT_SIZE);
	const struct mem_region *ram = &vm->mem.region[0];
	fdt64_t reg[2] = { cpu_to_fdt64(ram->gpa), cpu_to_fdt64(ram->size) };
	const char *args = vm->cfg->cmdline ? vm->cfg->cmdline : "";
	int err;

	if (!fdt)
		return -1;
	err = fdt_create(fdt, (int)PV_FDT_SIZE) ||
	      fdt_finish_reservemap(fdt) ||
	      fdt_begin_node(fdt, "") ||
	      fdt_property_string(fdt, "compatible", "hvrun,pv") ||
	      fdt_property_u32(fdt, "#address-cells", 2) ||
	      fdt_property_u32(fdt, "#size-cells", 2) ||
	      fdt_begin_node(fdt, "chosen") ||
	      fdt_property_string(fdt, "bootargs", args) ||
	      fdt_end_node(fdt) ||
	      fdt_begin_node(fdt, "memory@0") ||
	      fdt_property_string(fdt, "device_type", "memory") ||
	      fdt_property(fdt, "reg", reg, sizeof(reg)) ||
	      fdt_end_node(fdt) ||
	      fdt_begin_node(fdt, "hvrun") ||
	      fdt_property_u32(fdt, HVRUN_FDT_ABI_VERSION, pv_ipc_abi(vm)) ||
	      fdt_property_u64(fdt, HVRUN_FDT_HC_PAGE, PV_HC_PAGE) ||
	      fdt_property_string(fdt, HVRUN_FDT_HC_METHOD, vmcall ? "vmcall" : "mmio") ||
	      fdt_property_u32(fdt, HVRUN_FDT_CPUS, (uint32_t)vm->nr_vcpus) ||
	      devices(fdt, vm) ||
	      fdt_end_node(fdt) ||
	      fdt_end_node(fdt) ||
	      fdt_finish(fdt);
	if (err) {
		log_err("cannot build the device tree (more than %llu bytes?)",
			(unsigned long long)PV_FDT_SIZE);
		return -1;
	}
	return 0;
}
