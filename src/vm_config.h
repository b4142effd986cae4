/* What the command line asks for. Filled by options.c, read by vm.c. */
#ifndef HVRUN_VM_CONFIG_H
#define HVRUN_VM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "board.h"
#include "cpu_features.h"

#define CONFIG_MAX_DISKS BOARD_MAX_DISKS
#define CONFIG_MAX_NETS BOARD_MAX_NETS
#define CONFIG_MAX_CHANS 8
#define CONFIG_MAX_SHMS 8

/* --shm PATH,size=SIZE, as given: PATH is spec's first path_len bytes. */
struct config_shm {
	const char *spec;
	size_t path_len;
	uint64_t size;
};

#define CONFIG_MAX_SHARES 4
#define CONFIG_TAG_MAX 36	/* virtio-fs config space: tag[36] */

/* --share HOSTDIR[,tag=TAG][,ro] or --vhost-user-fs SOCKET[,tag=TAG]. */
struct config_share {
	char *dir;			/* --share: the directory, else NULL */
	char *socket;			/* --vhost-user-fs: the back-end's */
	char tag[CONFIG_TAG_MAX + 1];
	bool ro;
};

enum console_kind { CONSOLE_STDIO, CONSOLE_NONE, CONSOLE_FILE };

/* --irqchip (src/irqchip/irqchip.h). Auto, the default (and "on"), is
 * split where KVM offers it, else kernel. Off is 0: "if (irqchip)". */
enum irqchip_mode { IRQCHIP_OFF, IRQCHIP_AUTO, IRQCHIP_KERNEL, IRQCHIP_SPLIT };

struct vm_config {
	const char *image;
	uint64_t mem_size;
	int ncpus;
	uint64_t timeout_ms;		/* 0: none */
	enum console_kind console;
	const char *console_path;	/* CONSOLE_FILE */
	bool virtio_console;		/* --virtio-console: hvc0, host input */
	int verbose;
	bool no_sandbox;		/* --no-sandbox */
	enum irqchip_mode irqchip;
	bool has_load, has_entry;
	uint64_t load_addr, entry_addr;	/* raw images */
	char *cmdline;			/* --append, then "-- ARGS", joined by
					 * spaces, or NULL */
	const char *append;		/* --append STRING */
	const char *initrd;		/* --initrd FILE: Linux, PVH, multiboot */
	uint16_t debug_exit_port;	/* --debug-exit-port PORT, 0: none */
	const char *disks[CONFIG_MAX_DISKS];	/* --disk PATH[,ro], as given */
	int nr_disks;
	const char *nets[CONFIG_MAX_NETS];	/* --net tap=IF | socket=PATH */
	int nr_nets;
	const char *chans[CONFIG_MAX_CHANS];	/* --chan PATH (PV guests) */
	int nr_chans;
	struct config_shm shms[CONFIG_MAX_SHMS];	/* --shm (PV guests) */
	int nr_shms;
	struct config_share shares[CONFIG_MAX_SHARES];	/* virtio-fs */
	int nr_shares;
	const char *virtiofsd;		/* --virtiofsd PATH, else NULL */
	/* --gdb [HOST:]PORT, --gdb-wait (src/gdb/) */
	bool gdb;
	bool gdb_wait;
	bool gdb_step_bp;		/* --gdb-step-breakpoints */
	char gdb_host[16];		/* IPv4 literal; 127.0.0.1 by default */
	uint16_t gdb_port;
	const char *gdb_unix;		/* --gdb unix:PATH, else NULL */
	const char *core_path;		/* --core FILE: ELF core on a crash */
	const char *report_path;	/* --report FILE: JSON when the run ends */
	/* --cpu-features: bit i set drops cpu_features[i] from every vCPU */
	uint64_t cpu_drop[CPU_FEATURE_WORDS];
};

#define CONFIG_DEFAULT_MEM (256ULL << 20)
#define CONFIG_MAX_CPUS BOARD_MAX_CPUS

#endif
