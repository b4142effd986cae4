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
#define CONFIG_MAX_DEV_ARGS 16
#define CONFIG_MAX_DEV_OPTIONS 16

/*
 * An option a device declares in its own file, with
 * CONFIG_OPTION_REGISTER: options.c offers it and prints its help, and
 * keeps each use, in order, in vm_config's dev_args, which the device
 * reads with config_dev_count and config_dev_arg. Device options are for
 * non-PV guests: vm.c refuses them for a PV guest, saying pv_hint.
 */
struct config_option {
	const char *name;		/* the long option, without "--" */
	bool has_arg;
	const char *help;		/* its --help lines, as printed */
	const char *pv_hint;		/* what a PV guest has instead */
};

/* One use of a device option: value is NULL for a flag. */
struct config_dev_arg {
	const struct config_option *opt;
	const char *value;
};

void config_option_register(const struct config_option *opt);

#define CONFIG_OPTION_REGISTER(opt)					\
	static void __attribute__((constructor)) register_##opt(void)	\
	{								\
		config_option_register(&(opt));				\
	}

/* The registered device options, in registration order; NULL past the
 * end. */
const struct config_option *config_option(int i);

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
	const char *snapshot_path;	/* --snapshot FILE */
	const char *snapshot_at;	/* --snapshot-at STRING */
	const char *restore_path;	/* --restore FILE: no image */
	const char *machine_option;	/* one given that --restore refuses */
	/* --cpu-features: bit i set drops cpu_features[i] from every vCPU */
	uint64_t cpu_drop[CPU_FEATURE_WORDS];
	/* Options devices declare (struct config_option), as given. */
	struct config_dev_arg dev_args[CONFIG_MAX_DEV_ARGS];
	int nr_dev_args;
};

#define CONFIG_DEFAULT_MEM (256ULL << 20)
#define CONFIG_MAX_CPUS BOARD_MAX_CPUS

/*
 * Keep one use of the device option called name: -1 when there is no such
 * option or the table is full (logged).
 */
int config_dev_add(struct vm_config *cfg, const char *name, const char *value);
/* How often the device option called name was given, and its i-th value
 * (NULL when there is none). */
int config_dev_count(const struct vm_config *cfg, const char *name);
const char *config_dev_arg(const struct vm_config *cfg, const char *name,
			   int i);

#endif
