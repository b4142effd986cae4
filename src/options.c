/* hvrun's command line → struct vm_config. Errors are one line naming the
 * option and the value. */
#include <config.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hvrun/abi.h>

#include "vm_config.h"
#include "log.h"
#include "mem.h"
#include "options.h"

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_size(const char *s, unsigned bare_shift, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	switch (*end) {
	case '\0': shift = bare_shift; break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: return -EINVAL;
	}
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

int parse_seconds(const char *s, uint64_t *ms)
{
	char *end;
	double v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0)
		return -EINVAL;
	if (v > 1e9)	/* ~31 years: beyond that, a typo */
		return -ERANGE;
	*ms = (uint64_t)ceil(v * 1000.0);
	return 0;
}

/* A limit from board.h, spelled out in a message. */
#define STR_(x) #x
#define STR(x) STR_(x)

static void usage(FILE *f)
{
	fputs("Usage: hvrun [OPTION]... IMAGE [-- GUEST-ARGS...]\n"
	      "Run a guest image on KVM.\n"
	      "\n"
	      "  -m, --memory SIZE      guest RAM, K/M/G/T suffix, bare number in MiB (default 256M)\n"
	      "  -c, --cpus N           number of vCPUs, 1 to 255 (default 1)\n"
	      "      --timeout SECONDS  stop the guest after SECONDS; exit status 124\n"
	      "      --console KIND     stdio (default), none, or file:PATH\n", f);
	/* The devices' own options (struct config_option). */
	for (int i = 0; config_option(i); i++)
		fputs(config_option(i)->help, f);
	fputs("      --irqchip kernel|split|off  interrupt controllers: all in KVM, local\n"
	      "                         APICs in KVM and IOAPIC/PIC/PIT in hvrun, or none\n"
	      "                         (default: split where KVM offers it, else kernel)\n"
	      "      --load ADDR        raw images: load address (default 0x7c00)\n"
	      "      --entry ADDR       raw images: entry address (default: load address)\n"
	      "      --initrd FILE      Linux/PVH: initial ramdisk; multiboot: module 0\n"
	      "      --debug-exit-port PORT  a second debug-exit port (QEMU's 0xf4):\n"
	      "                         a write ends the run, status = the low byte\n"
	      "      --append STRING    guest command line, before GUEST-ARGS\n"
	      "      --disk PATH[,ro]   a raw disk image: virtio-blk, or PV (repeatable)\n"
	      "      --net tap=IFNAME|socket=PATH  a network device: virtio-net, or PV\n"
	      "                         (repeatable); limits: PV 8 of each, others 7\n"
	      "                         --disk and --net in all, 6 with --virtio-console\n"
	      "      --chan PATH        PV guests: a message channel to the other hvrun\n"
	      "                         naming PATH (repeatable, at most 8)\n"
	      "      --shm PATH,size=SIZE  PV guests: memory shared with every hvrun\n"
	      "                         naming PATH (repeatable, at most 8)\n"
	      "      --share HOSTDIR[,tag=TAG][,ro]  non-PV guests: share HOSTDIR through\n"
	      "                         virtio-fs and a virtiofsd hvrun starts; the guest\n"
	      "                         mounts it with mount -t virtiofs TAG DIR (default\n"
	      "                         TAG: HOSTDIR's basename; repeatable, at most 4)\n"
	      "      --vhost-user-fs SOCKET[,tag=TAG]  the same, served by a vhost-user\n"
	      "                         back-end listening on SOCKET\n"
	      "      --virtiofsd PATH   the virtiofsd --share runs (default: PATH, then\n"
	      "                         /usr/lib/qemu/virtiofsd)\n"
	      "      --gdb [HOST:]PORT|unix:PATH  serve gdb's remote protocol (HOST default\n"
	      "                         127.0.0.1; PATH: a socket file, mode 0600)\n"
	      "      --gdb-wait         with --gdb: stop before the first instruction\n"
	      "      --gdb-step-breakpoints  with --gdb: always emulate breakpoints and\n"
	      "                         watchpoints by single-stepping (else: where a\n"
	      "                         probe finds KVM's debug traps miss)\n"
	      "      --core FILE        on a guest crash, write an ELF core to FILE\n"
	      "      --report FILE      when the run ends, write how it ended to FILE (JSON)\n"
	      "      --cpu-features -F1,-F2  hide CPUID features from the guest\n"
	      "                         (/proc/cpuinfo names, kvm-pv-ipi, ...)\n"
	      "      --snapshot FILE    save the whole VM to FILE when --snapshot-at's\n"
	      "                         string appears on the console, or the guest asks;\n"
	      "                         then exit 0\n"
	      "      --snapshot-at STRING  with --snapshot: the console output to wait for\n"
	      "      --restore FILE     resume the VM saved in FILE (no IMAGE; --disk,\n"
	      "                         --net, --console, --timeout, --gdb, --report may\n"
	      "                         be given again)\n"
	      "      --no-sandbox       do not confine hvrun with seccomp (debugging)\n"
	      "  -v, --verbose          more messages; repeat for more\n"
	      "  -h, --help             show this help and exit\n"
	      "  -V, --version          show the version and exit\n"
	      "\n"
	      "Exit status: the guest's status (0-123), 124 timeout, 125 hvrun could not\n"
	      "run the guest, 126 the guest crashed, 128+N killed by signal N.\n"
	      "See hvrun(1).\n", f);
}

enum {
	OPT_TIMEOUT = 256,
	OPT_CONSOLE,
	OPT_IRQCHIP,
	OPT_LOAD,
	OPT_ENTRY,
	OPT_DISK,
	OPT_NET,
	OPT_CHAN,
	OPT_SHM,
	OPT_GDB,
	OPT_GDB_WAIT,
	OPT_GDB_STEP_BP,
	OPT_NO_SANDBOX,
	OPT_CORE,
	OPT_INITRD,
	OPT_APPEND,
	OPT_CPU_FEATURES,
	OPT_REPORT,
	OPT_DEBUG_EXIT_PORT,
	OPT_SHARE,
	OPT_VHOST_USER_FS,
	OPT_VIRTIOFSD,
	OPT_SNAPSHOT,
	OPT_SNAPSHOT_AT,
	OPT_RESTORE,
	OPT_DEVICE,		/* + i: the i-th config_option */
};

static const struct option long_opts[] = {
	{ "memory",  required_argument, NULL, 'm' },
	{ "cpus",    required_argument, NULL, 'c' },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "irqchip", required_argument, NULL, OPT_IRQCHIP },
	{ "load",    required_argument, NULL, OPT_LOAD },
	{ "entry",   required_argument, NULL, OPT_ENTRY },
	{ "disk",    required_argument, NULL, OPT_DISK },
	{ "net",     required_argument, NULL, OPT_NET },
	{ "chan",    required_argument, NULL, OPT_CHAN },
	{ "shm",     required_argument, NULL, OPT_SHM },
	{ "share",   required_argument, NULL, OPT_SHARE },
	{ "vhost-user-fs", required_argument, NULL, OPT_VHOST_USER_FS },
	{ "virtiofsd", required_argument, NULL, OPT_VIRTIOFSD },
	{ "gdb",     required_argument, NULL, OPT_GDB },
	{ "gdb-wait", no_argument,      NULL, OPT_GDB_WAIT },
	{ "gdb-step-breakpoints", no_argument, NULL, OPT_GDB_STEP_BP },
	{ "core",    required_argument, NULL, OPT_CORE },
	{ "report",  required_argument, NULL, OPT_REPORT },
	{ "initrd",  required_argument, NULL, OPT_INITRD },
	{ "append",  required_argument, NULL, OPT_APPEND },
	{ "cpu-features", required_argument, NULL, OPT_CPU_FEATURES },
	{ "no-sandbox", no_argument,    NULL, OPT_NO_SANDBOX },
	{ "debug-exit-port", required_argument, NULL, OPT_DEBUG_EXIT_PORT },
	{ "snapshot", required_argument, NULL, OPT_SNAPSHOT },
	{ "snapshot-at", required_argument, NULL, OPT_SNAPSHOT_AT },
	{ "restore", required_argument, NULL, OPT_RESTORE },
	{ "verbose", no_argument,       NULL, 'v' },
	{ "help",    no_argument,       NULL, 'h' },
	{ "version", no_argument,       NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

#define NR_LONG_OPTS (sizeof(long_opts) / sizeof(long_opts[0]) - 1)

/* long_opts and the devices' options, for getopt_long. */
static const struct option *all_opts(void)
{
	static struct option all[NR_LONG_OPTS + CONFIG_MAX_DEV_OPTIONS + 1];
	const struct config_option *o;
	size_t n = NR_LONG_OPTS;

	memcpy(all, long_opts, sizeof(long_opts[0]) * NR_LONG_OPTS);
	for (int i = 0; (o = config_option(i)); i++)
		all[n++] = (struct option){ o->name, o->has_arg ?
			required_argument : no_argument, NULL, OPT_DEVICE + i };
	all[n] = (struct option){ NULL, 0, NULL, 0 };
	return all;
}

static int bad_value(const char *opt, const char *val, const char *why)
{
	log_err("invalid %s '%s': %s", opt, val, why);
	return -1;
}

static int set_memory(struct vm_config *cfg, const char *v)
{
	uint64_t sz;
	int r = parse_size(v, 20, &sz);

	if (r == -ERANGE)
		return bad_value("--memory", v, "too large");
	if (r)
		return bad_value("--memory", v, "expected a size like 256M or 1G");
	if (sz < MEM_MIN_SIZE)
		return bad_value("--memory", v, "at least 1M is needed");
	if (sz > MEM_MAX_SIZE)
		return bad_value("--memory", v, "at most 1T is supported");
	if (sz % 4096)
		return bad_value("--memory", v, "must be a multiple of 4K");
	cfg->mem_size = sz;
	return 0;
}

static int set_cpus(struct vm_config *cfg, const char *v)
{
	uint64_t n;

	if (parse_u64(v, &n) || n == 0 || n > CONFIG_MAX_CPUS)
		return bad_value("--cpus", v, "expected a number from 1 to " STR(CONFIG_MAX_CPUS));
	cfg->ncpus = (int)n;
	return 0;
}

static int set_console(struct vm_config *cfg, const char *v)
{
	if (!strcmp(v, "stdio")) {
		cfg->console = CONSOLE_STDIO;
	} else if (!strcmp(v, "none")) {
		cfg->console = CONSOLE_NONE;
	} else if (!strncmp(v, "file:", 5) && v[5]) {
		cfg->console = CONSOLE_FILE;
		cfg->console_path = v + 5;
	} else {
		return bad_value("--console", v, "expected stdio, none or file:PATH");
	}
	return 0;
}

static int set_addr(const char *opt, const char *v, uint64_t *out, bool *has)
{
	if (parse_u64(v, out))
		return bad_value(opt, v, "expected an address like 0x7c00");
	*has = true;
	return 0;
}

/* PATH or PATH,ro; the file itself is opened by the block backend. */
static int add_disk(struct vm_config *cfg, const char *v)
{
	const char *comma = strrchr(v, ',');

	if (cfg->nr_disks == CONFIG_MAX_DISKS)
		return bad_value("--disk", v, "at most " STR(CONFIG_MAX_DISKS) " disks");
	if (!*v || *v == ',' || (comma && strcmp(comma, ",ro")))
		return bad_value("--disk", v, "expected PATH or PATH,ro");
	cfg->disks[cfg->nr_disks++] = v;
	return 0;
}

static int add_net(struct vm_config *cfg, const char *v)
{
	if (cfg->nr_nets == CONFIG_MAX_NETS)
		return bad_value("--net", v, "at most " STR(CONFIG_MAX_NETS) " network devices");
	if ((strncmp(v, "tap=", 4) || !v[4]) && (strncmp(v, "socket=", 7) || !v[7]))
		return bad_value("--net", v, "expected tap=IFNAME or socket=PATH");
	cfg->nets[cfg->nr_nets++] = v;
	return 0;
}

static int add_chan(struct vm_config *cfg, const char *v)
{
	if (cfg->nr_chans == CONFIG_MAX_CHANS)
		return bad_value("--chan", v, "at most 8 channels");
	if (!*v)
		return bad_value("--chan", v, "expected PATH");
	cfg->chans[cfg->nr_chans++] = v;
	return 0;
}

/* The default tag: the path's last component ("root" for /). */
static void default_tag(char *tag, const char *path, size_t len)
{
	size_t start;

	while (len > 1 && path[len - 1] == '/')
		len--;
	start = len;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (len - start == 0 || (len == 1 && path[0] == '/')) {
		strcpy(tag, "root");
		return;
	}
	if (len - start > CONFIG_TAG_MAX)
		len = start + CONFIG_TAG_MAX;
	memcpy(tag, path + start, len - start);
	tag[len - start] = 0;
}

/* One ,tag=TAG or ,ro (--share only) after the path. */
static int share_option(struct config_share *sh, const char *opt,
			const char *v, const char *o, size_t n, bool socket)
{
	if (n == 2 && !strncmp(o, "ro", 2) && !socket) {
		sh->ro = true;
		return 0;
	}
	if (n > 4 && !strncmp(o, "tag=", 4)) {
		if (n - 4 > CONFIG_TAG_MAX)
			return bad_value(opt, v, "a tag is at most 36 bytes");
		memcpy(sh->tag, o + 4, n - 4);
		sh->tag[n - 4] = 0;
		return 0;
	}
	return bad_value(opt, v, socket ? "expected SOCKET[,tag=TAG]" :
			 "expected HOSTDIR[,tag=TAG][,ro]");
}

/* HOSTDIR[,tag=TAG][,ro] or SOCKET[,tag=TAG]; the directory itself is
 * checked when virtiofsd starts. */
static int add_share(struct vm_config *cfg, const char *opt, const char *v,
		     bool socket)
{
	struct config_share *sh = &cfg->shares[cfg->nr_shares];
	size_t len = strcspn(v, ",");
	char *path;

	if (cfg->nr_shares == CONFIG_MAX_SHARES)
		return bad_value(opt, v, "at most 4 shared directories");
	if (len == 0)
		return bad_value(opt, v, socket ? "expected SOCKET[,tag=TAG]" :
				 "expected HOSTDIR[,tag=TAG][,ro]");
	memset(sh, 0, sizeof(*sh));
	default_tag(sh->tag, v, len);
	for (const char *o = v + len; *o == ',';) {
		size_t n = strcspn(o + 1, ",");

		if (share_option(sh, opt, v, o + 1, n, socket) < 0)
			return -1;
		o += 1 + n;
	}
	for (int i = 0; i < cfg->nr_shares; i++)
		if (!strcmp(cfg->shares[i].tag, sh->tag))
			return bad_value(opt, v, "two shares with one tag (give tag=TAG)");
	path = strndup(v, len);
	if (!path)
		return bad_value(opt, v, "out of memory");
	if (socket)
		sh->socket = path;
	else
		sh->dir = path;
	cfg->nr_shares++;
	return 0;
}

/* PATH,size=SIZE: SIZE a whole number of 4K pages, the regions at most
 * the 256M window together (checked when they are placed). */
static int add_shm(struct vm_config *cfg, const char *v)
{
	const char *comma = strrchr(v, ',');
	uint64_t size;
	int r;

	if (cfg->nr_shms == CONFIG_MAX_SHMS)
		return bad_value("--shm", v, "at most 8 shared regions");
	if (!comma || comma == v || strncmp(comma, ",size=", 6))
		return bad_value("--shm", v, "expected PATH,size=SIZE");
	r = parse_size(comma + 6, 20, &size);
	if (r == -ERANGE)
		return bad_value("--shm", v, "too large");
	if (r)
		return bad_value("--shm", v, "expected a size like 4K or 16M");
	if (size == 0 || size % 4096)
		return bad_value("--shm", v, "size must be a nonzero multiple of 4K");
	if (size > HVRUN_SHM_END - HVRUN_SHM_BASE)
		return bad_value("--shm", v, "at most 256M");
	cfg->shms[cfg->nr_shms++] = (struct config_shm){
		.spec = v, .path_len = (size_t)(comma - v), .size = size,
	};
	return 0;
}

/* PORT, :PORT or IPV4:PORT. Loopback unless an address is given, so a
 * debugger port is never open to the network by accident. Or unix:PATH,
 * a socket file only its owner may connect to. */
static int set_gdb(struct vm_config *cfg, const char *v)
{
	const char *colon = strrchr(v, ':');
	const char *port = colon ? colon + 1 : v;
	size_t hlen = colon ? (size_t)(colon - v) : 0;
	struct in_addr a;
	uint64_t n;

	if (!strncmp(v, "unix:", 5)) {
		if (!v[5])
			return bad_value("--gdb", v, "expected unix:PATH");
		cfg->gdb_unix = v + 5;
		cfg->gdb = true;
		return 0;
	}
	if (parse_u64(port, &n) || n == 0 || n > 65535 || *port == '0')
		return bad_value("--gdb", v, "expected [HOST:]PORT with PORT from 1 to 65535, or unix:PATH");
	if (hlen >= sizeof(cfg->gdb_host))
		return bad_value("--gdb", v, "HOST must be an IPv4 address");
	if (hlen) {
		memcpy(cfg->gdb_host, v, hlen);
		cfg->gdb_host[hlen] = '\0';
	} else {
		strcpy(cfg->gdb_host, "127.0.0.1");
	}
	if (inet_pton(AF_INET, cfg->gdb_host, &a) != 1)
		return bad_value("--gdb", v, "HOST must be an IPv4 address");
	cfg->gdb_port = (uint16_t)n;
	cfg->gdb = true;
	return 0;
}

/*
 * Ports KVM's in-kernel PICs, ELCR and PIT (and the speaker gate beside
 * it) answer without an exit: a debug-exit register there would never
 * see a write.
 */
static bool port_in_kernel(uint64_t port)
{
	return (port >= 0x20 && port <= 0x21) || (port >= 0xa0 && port <= 0xa1) ||
	       (port >= 0x40 && port <= 0x43) || port == 0x61 ||
	       (port >= 0x4d0 && port <= 0x4d1);
}

/* Once: a second port would be a second device nobody asked to explain. */
static int set_debug_exit_port(struct vm_config *cfg, const char *v)
{
	uint64_t n;

	if (cfg->debug_exit_port)
		return bad_value("--debug-exit-port", v, "given more than once");
	if (parse_u64(v, &n) || n == 0 || n > 0xffff)
		return bad_value("--debug-exit-port", v,
				 "expected an I/O port from 1 to 0xffff, like 0xf4");
	if (port_in_kernel(n))
		return bad_value("--debug-exit-port", v,
				 "the in-kernel PIC/PIT answers that port");
	cfg->debug_exit_port = (uint16_t)n;
	return 0;
}

/* One entry of --cpu-features: "-name". */
static int drop_feature(struct vm_config *cfg, const char *list,
			const char *entry, size_t len)
{
	char name[64];
	int i;

	if (len == 0)
		return bad_value("--cpu-features", list, "empty entry");
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, entry, len);
	name[len] = '\0';
	if (name[0] == '+') {
		log_err("invalid --cpu-features entry '%s': features can only "
			"be removed (-NAME)", name);
		return -1;
	}
	if (name[0] != '-') {
		log_err("invalid --cpu-features entry '%s': expected -NAME", name);
		return -1;
	}
	i = cpu_feature_find(name + 1);
	if (i < 0) {
		log_err("invalid --cpu-features entry '%s': unknown feature '%s'",
			name, name + 1);
		return -1;
	}
	cfg->cpu_drop[i / 64] |= 1ULL << (i % 64);
	return 0;
}

/* -name[,-name]...: the features accumulate over repeated options. */
static int set_cpu_features(struct vm_config *cfg, const char *v)
{
	const char *p = v;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (drop_feature(cfg, v, p, len) < 0)
			return -1;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

/* Options that shape the machine, which --restore takes from the
 * snapshot: the name of one given, for its refusal. */
static const char *machine_option(int c)
{
	switch (c) {
	case 'm': return "-m/--memory";
	case 'c': return "-c/--cpus";
	case OPT_IRQCHIP: return "--irqchip";
	case OPT_LOAD: return "--load";
	case OPT_ENTRY: return "--entry";
	case OPT_INITRD: return "--initrd";
	case OPT_APPEND: return "--append";
	case OPT_CPU_FEATURES: return "--cpu-features";
	case OPT_DEBUG_EXIT_PORT: return "--debug-exit-port";
	case OPT_CHAN: return "--chan";
	case OPT_SHM: return "--shm";
	case OPT_SHARE: return "--share";
	case OPT_VHOST_USER_FS: return "--vhost-user-fs";
	default:	/* a device's own option: "virtio-console" */
		if (c >= OPT_DEVICE && config_option(c - OPT_DEVICE))
			return config_option(c - OPT_DEVICE)->name;
		return NULL;
	}
}

static int set_option(struct vm_config *cfg, int c, const char *arg)
{
	uint64_t ms;

	if (machine_option(c))
		cfg->machine_option = machine_option(c);

	switch (c) {
	case 'm':
		return set_memory(cfg, arg);
	case 'c':
		return set_cpus(cfg, arg);
	case OPT_TIMEOUT:
		if (parse_seconds(arg, &ms))
			return bad_value("--timeout", arg, "expected a positive number of seconds");
		cfg->timeout_ms = ms;
		return 0;
	case OPT_CONSOLE:
		return set_console(cfg, arg);
	case OPT_IRQCHIP:
		if (!strcmp(arg, "kernel"))
			cfg->irqchip = IRQCHIP_KERNEL;
		else if (!strcmp(arg, "split"))
			cfg->irqchip = IRQCHIP_SPLIT;
		else if (!strcmp(arg, "off"))
			cfg->irqchip = IRQCHIP_OFF;
		else if (!strcmp(arg, "on"))	/* the old spelling: default */
			cfg->irqchip = IRQCHIP_AUTO;
		else
			return bad_value("--irqchip", arg,
					 "expected kernel, split or off");
		return 0;
	case OPT_LOAD:
		return set_addr("--load", arg, &cfg->load_addr, &cfg->has_load);
	case OPT_ENTRY:
		return set_addr("--entry", arg, &cfg->entry_addr, &cfg->has_entry);
	case OPT_DISK:
		return add_disk(cfg, arg);
	case OPT_NET:
		return add_net(cfg, arg);
	case OPT_CHAN:
		return add_chan(cfg, arg);
	case OPT_SHM:
		return add_shm(cfg, arg);
	case OPT_SHARE:
		return add_share(cfg, "--share", arg, false);
	case OPT_VHOST_USER_FS:
		return add_share(cfg, "--vhost-user-fs", arg, true);
	case OPT_VIRTIOFSD:
		if (!*arg)
			return bad_value("--virtiofsd", arg, "expected PATH");
		cfg->virtiofsd = arg;
		return 0;
	case OPT_GDB:
		return set_gdb(cfg, arg);
	case OPT_GDB_WAIT:
		cfg->gdb_wait = true;
		return 0;
	case OPT_GDB_STEP_BP:
		cfg->gdb_step_bp = true;
		return 0;
	case OPT_NO_SANDBOX:
		cfg->no_sandbox = true;
		return 0;
	case OPT_SNAPSHOT:
		if (!*arg)
			return bad_value("--snapshot", arg, "expected a file name");
		cfg->snapshot_path = arg;
		return 0;
	case OPT_SNAPSHOT_AT:
		if (!*arg)
			return bad_value("--snapshot-at", arg, "expected a string");
		cfg->snapshot_at = arg;
		return 0;
	case OPT_RESTORE:
		if (!*arg)
			return bad_value("--restore", arg, "expected a file name");
		cfg->restore_path = arg;
		return 0;
	case OPT_CORE:
		if (!*arg)
			return bad_value("--core", arg, "expected a file name");
		cfg->core_path = arg;
		return 0;
	case OPT_REPORT:
		if (!*arg)
			return bad_value("--report", arg, "expected a file name");
		cfg->report_path = arg;
		return 0;
	case OPT_INITRD:
		if (!*arg)
			return bad_value("--initrd", arg, "expected a file name");
		cfg->initrd = arg;
		return 0;
	case OPT_APPEND:
		cfg->append = arg;
		return 0;
	case OPT_CPU_FEATURES:
		return set_cpu_features(cfg, arg);
	case OPT_DEBUG_EXIT_PORT:
		return set_debug_exit_port(cfg, arg);
	case 'v':
		cfg->verbose++;
		return 0;
	}
	if (c >= OPT_DEVICE && config_option(c - OPT_DEVICE))
		return config_dev_add(cfg, config_option(c - OPT_DEVICE)->name, arg);
	return -1;
}

/*
 * Words QEMU users type out of habit, with one dash: getopt would read
 * "-kernel" as -k and say only "unknown option '-k'".
 */
static const struct {
	const char *word, *hint;
} qemu_words[] = {
	{ "-kernel", "hvrun takes the kernel as IMAGE: hvrun [OPTION]... KERNEL" },
	{ "-initrd", "did you mean --initrd?" },
	{ "-append", "did you mean --append?" },
	{ "-smp", "did you mean -c/--cpus?" },
	{ "-nographic", "not needed: COM1 is on standard input and output by default" },
	{ "-serial", "did you mean --console?" },
	{ "-drive", "did you mean --disk?" },
	{ "-hda", "did you mean --disk?" },
	{ "-netdev", "did you mean --net?" },
	{ "-nic", "did you mean --net?" },
	{ "-net", "did you mean --net?" },
	{ "-gdb", "did you mean --gdb PORT?" },
	{ "-cpu", "did you mean --cpu-features?" },
	{ "-enable-kvm", "not needed: hvrun always runs on KVM" },
	{ "-no-reboot", "not needed: a guest reset ends hvrun" },
};

/* "--NAME" when word is "-NAME" or "-NAME=..." for one of our long options. */
static const char *long_with_one_dash(const char *word)
{
	const char *name = word + 1;
	size_t len = strcspn(name, "=");

	for (const struct option *o = all_opts(); o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o->name;
	return NULL;
}

/*
 * A single-dash word longer than one option that is a QEMU spelling or
 * one of our long options: refuse it with the right spelling. Clusters
 * getopt reads as intended (-m512, -c4, -vv) are none of these.
 */
static int refuse_one_dash(const char *word)
{
	const char *name;

	if (word[0] != '-' || word[1] == '-' || !word[1] || !word[2])
		return 0;
	for (size_t i = 0; i < sizeof(qemu_words) / sizeof(qemu_words[0]); i++)
		if (!strcmp(word, qemu_words[i].word)) {
			log_err("unknown option '%s': %s", word, qemu_words[i].hint);
			return -1;
		}
	name = long_with_one_dash(word);
	if (!name)
		return 0;
	log_err("unknown option '%s': did you mean --%s?", word, name);
	return -1;
}

/* The first bytes of path, if it can be read: 0 or -1. */
static int peek_file(const char *path, uint8_t *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/*
 * A second word after IMAGE without "--": "hvrun bzImage initrd.cpio" once
 * passed the file name as the kernel command line. Name the likely intent.
 */
static void refuse_extra_word(const char *image, const char *word)
{
	uint8_t m[6];
	bool archive = peek_file(word, m, sizeof(m)) == 0 &&
		       ((m[0] == 0x1f && m[1] == 0x8b) ||
			!memcmp(m, "070701", 6) || !memcmp(m, "070702", 6));

	if (archive)
		log_err("unexpected argument '%s' after the image '%s': did you "
			"mean --initrd %s?", word, image, word);
	else
		log_err("unexpected argument '%s' after the image '%s': guest "
			"arguments follow '--' (hvrun IMAGE -- ARGS)", word, image);
}

static void refuse_unknown_option(char **argv, int word, int optopt_char)
{
	const char *w = argv[word];

	if (optopt_char && w && w[0] == '-' && w[1] != '-' && w[1] && w[2])
		log_err("unknown option '-%c' in '%s' (long options start with "
			"'--'; try --help)", optopt_char, w);
	else if (optopt_char)
		log_err("unknown option '-%c' (try --help)", optopt_char);
	else
		log_err("unknown option '%s' (try --help)", argv[optind - 1]);
}

/* Join first (if not NULL) and the guest's arguments with single spaces. */
static char *join_args(const char *first, int n, char **args)
{
	size_t len = first ? strlen(first) + 2 : 1;
	char *s;

	for (int i = 0; i < n; i++)
		len += strlen(args[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	if (first)
		strcat(s, first);
	for (int i = 0; i < n; i++) {
		if (i || first)
			strcat(s, " ");
		strcat(s, args[i]);
	}
	return s;
}

static void config_defaults(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = CONFIG_DEFAULT_MEM;
	cfg->ncpus = 1;
	cfg->console = CONSOLE_STDIO;
	cfg->irqchip = IRQCHIP_AUTO;
}

/*
 * getopt in order ("-"): each non-option comes back as 1, so the image is
 * the first and a second one is a mistake, while "--" ends the options
 * and leaves the guest's arguments in argv[optind..].
 */
static enum options_result parse_words(int argc, char **argv,
				       struct vm_config *cfg)
{
	const struct option *opts = all_opts();
	bool new_word = true;
	int c, word;

	optind = 0;	/* full reset of getopt's state: tests parse many times */
	for (;;) {
		word = optind ? optind : 1;
		if (new_word && word < argc && refuse_one_dash(argv[word]) < 0)
			return OPTIONS_ERROR;
		c = getopt_long(argc, argv, "-:m:c:vhV", opts, NULL);
		if (c == -1)
			return OPTIONS_RUN;
		new_word = optind != word;	/* not inside "-vv" */
		switch (c) {
		case 1:
			if (cfg->image) {
				refuse_extra_word(cfg->image, optarg);
				return OPTIONS_ERROR;
			}
			cfg->image = optarg;
			break;
		case 'h':
			usage(stdout);
			return OPTIONS_EXIT_OK;
		case 'V':
			printf("hvrun %s\n", PACKAGE_VERSION);
			return OPTIONS_EXIT_OK;
		case ':':
			log_err("option '%s' needs a value (try --help)",
				argv[optind - 1]);
			return OPTIONS_ERROR;
		case '?':
			refuse_unknown_option(argv, word, optopt);
			return OPTIONS_ERROR;
		default:
			if (set_option(cfg, c, optarg))
				return OPTIONS_ERROR;
		}
	}
}

/* --restore resumes the recorded machine: nothing may change it. */
static enum options_result check_restore(const struct vm_config *cfg,
					 int nr_args)
{
	if (cfg->image || nr_args) {
		log_err("--restore takes no image or guest arguments: the "
			"snapshot holds the guest");
		return OPTIONS_ERROR;
	}
	if (cfg->machine_option) {
		log_err("%s%s would change the machine --restore resumes (the "
			"snapshot records it)",
			cfg->machine_option[0] == '-' ? "" : "--",
			cfg->machine_option);
		return OPTIONS_ERROR;
	}
	return OPTIONS_RUN;
}

enum options_result options_parse(int argc, char **argv, struct vm_config *cfg)
{
	enum options_result r;

	config_defaults(cfg);
	opterr = 0;
	r = parse_words(argc, argv, cfg);
	if (r != OPTIONS_RUN)
		return r;
	if (cfg->gdb_step_bp && !cfg->gdb) {
		log_err("--gdb-step-breakpoints needs --gdb");
		return OPTIONS_ERROR;
	}
	if (cfg->gdb_wait && !cfg->gdb) {
		log_err("--gdb-wait needs --gdb");
		return OPTIONS_ERROR;
	}
	if (cfg->snapshot_at && !cfg->snapshot_path) {
		log_err("--snapshot-at needs --snapshot");
		return OPTIONS_ERROR;
	}
	if (cfg->restore_path)
		return check_restore(cfg, argc - optind);
	if (!cfg->image && optind < argc)	/* hvrun [OPTION]... -- IMAGE */
		cfg->image = argv[optind++];
	if (!cfg->image) {
		log_err("no guest image given (try --help)");
		return OPTIONS_ERROR;
	}
	if (optind < argc || cfg->append) {
		cfg->cmdline = join_args(cfg->append, argc - optind,
					 argv + optind);
		if (!cfg->cmdline) {
			log_err("out of memory");
			return OPTIONS_ERROR;
		}
	}
	return OPTIONS_RUN;
}

void options_free(struct vm_config *cfg)
{
	free(cfg->cmdline);
	cfg->cmdline = NULL;
	for (int i = 0; i < cfg->nr_shares; i++) {
		free(cfg->shares[i].dir);
		free(cfg->shares[i].socket);
	}
	cfg->nr_shares = 0;
}
