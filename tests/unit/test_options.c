/* options.c: command line → vm_config, sizes, numbers. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"

#define ARGV(...) ((char *[]){ "hvrun", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "hvrun", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(cfg, ...) options_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), cfg)

static char errbuf[1024];

/* options_parse with stderr caught in errbuf; the result. */
static enum options_result parse_err(int argc, char **argv,
				     struct vm_config *cfg)
{
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	enum options_result r;
	size_t n;

	ck_assert_ptr_nonnull(f);
	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	r = options_parse(argc, argv, cfg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(errbuf, 1, sizeof(errbuf) - 1, f);
	errbuf[n] = '\0';
	fclose(f);
	return r;
}
#define PARSE_ERR(cfg, ...) parse_err(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), cfg)

/* One error line, containing what. */
static void expect_error(enum options_result r, const char *what)
{
	ck_assert_int_eq(r, OPTIONS_ERROR);
	ck_assert_msg(strstr(errbuf, what), "stderr \"%s\" lacks \"%s\"",
		      errbuf, what);
	ck_assert_msg(strchr(errbuf, '\n') == errbuf + strlen(errbuf) - 1,
		      "not one line: \"%s\"", errbuf);
}

START_TEST(sizes)
{
	uint64_t v;

	ck_assert_int_eq(parse_size("256M", 20, &v), 0);
	ck_assert_uint_eq(v, 256ULL << 20);
	ck_assert_int_eq(parse_size("1g", 20, &v), 0);
	ck_assert_uint_eq(v, 1ULL << 30);
	ck_assert_int_eq(parse_size("64K", 20, &v), 0);
	ck_assert_uint_eq(v, 64ULL << 10);
	ck_assert_int_eq(parse_size("2T", 20, &v), 0);
	ck_assert_uint_eq(v, 2ULL << 40);
	ck_assert_int_eq(parse_size("128", 20, &v), 0);
	ck_assert_uint_eq(v, 128ULL << 20);
	ck_assert_int_eq(parse_size("4096", 0, &v), 0);
	ck_assert_uint_eq(v, 4096);
}
END_TEST

START_TEST(bad_sizes)
{
	uint64_t v = 7;

	ck_assert_int_eq(parse_size("12Q", 20, &v), -EINVAL);
	ck_assert_int_eq(parse_size("", 20, &v), -EINVAL);
	ck_assert_int_eq(parse_size("M", 20, &v), -EINVAL);
	ck_assert_int_eq(parse_size("-1M", 20, &v), -EINVAL);
	ck_assert_int_eq(parse_size(" 1M", 20, &v), -EINVAL);
	ck_assert_int_eq(parse_size("1MM", 20, &v), -EINVAL);
	ck_assert_int_eq(parse_size("1.5G", 20, &v), -EINVAL);
	ck_assert_int_eq(parse_size("0x10M", 20, &v), -EINVAL);
	ck_assert_int_eq(parse_size("99999999999999999999", 20, &v), -ERANGE);
	ck_assert_int_eq(parse_size("17179869184T", 20, &v), -ERANGE);
	ck_assert_int_eq(parse_size("17592186044416M", 20, &v), -ERANGE);
	ck_assert_uint_eq(v, 7);
}
END_TEST

START_TEST(numbers_and_seconds)
{
	uint64_t v;

	ck_assert_int_eq(parse_u64("0x7c00", &v), 0);
	ck_assert_uint_eq(v, 0x7c00);
	ck_assert_int_eq(parse_u64("31744", &v), 0);
	ck_assert_uint_eq(v, 31744);
	ck_assert_int_eq(parse_u64("-1", &v), -EINVAL);
	ck_assert_int_eq(parse_u64("0x", &v), -EINVAL);
	ck_assert_int_eq(parse_u64("12abc", &v), -EINVAL);
	ck_assert_int_eq(parse_u64("0x10000000000000000", &v), -ERANGE);
	ck_assert_int_eq(parse_seconds("2", &v), 0);
	ck_assert_uint_eq(v, 2000);
	ck_assert_int_eq(parse_seconds("0.25", &v), 0);
	ck_assert_uint_eq(v, 250);
	ck_assert_int_eq(parse_seconds("0", &v), -EINVAL);
	ck_assert_int_eq(parse_seconds("-3", &v), -EINVAL);
	ck_assert_int_eq(parse_seconds("nan", &v), -EINVAL);
	ck_assert_int_eq(parse_seconds("inf", &v), -EINVAL);
	ck_assert_int_eq(parse_seconds("5s", &v), -EINVAL);
	ck_assert_int_eq(parse_seconds("1e300", &v), -ERANGE);
}
END_TEST

START_TEST(defaults)
{
	struct vm_config cfg;

	ck_assert_int_eq(PARSE(&cfg, "guest.img"), OPTIONS_RUN);
	ck_assert_str_eq(cfg.image, "guest.img");
	ck_assert_uint_eq(cfg.mem_size, 256ULL << 20);
	ck_assert_int_eq(cfg.ncpus, 1);
	ck_assert_uint_eq(cfg.timeout_ms, 0);
	ck_assert_int_eq(cfg.console, CONSOLE_STDIO);
	ck_assert_int_eq(cfg.irqchip, IRQCHIP_AUTO);
	ck_assert_int_eq(config_dev_count(&cfg, "virtio-console"), 0);
	ck_assert(!cfg.has_load && !cfg.has_entry);
	ck_assert_ptr_null(cfg.cmdline);
	ck_assert_int_eq(cfg.verbose, 0);
	ck_assert_ptr_null(cfg.core_path);
}
END_TEST

START_TEST(every_option)
{
	struct vm_config cfg;

	ck_assert_int_eq(PARSE(&cfg, "-m", "64M", "--cpus=4", "--timeout", "1.5",
			       "--console", "file:/tmp/x", "--irqchip", "off",
			       "--virtio-console", "--load", "0x10000", "--entry=0x10010", "-vv",
			       "--verbose", "g.img", "--", "a", "-b", "c d"),
			 OPTIONS_RUN);
	ck_assert_uint_eq(cfg.mem_size, 64ULL << 20);
	ck_assert_int_eq(cfg.ncpus, 4);
	ck_assert_uint_eq(cfg.timeout_ms, 1500);
	ck_assert_int_eq(cfg.console, CONSOLE_FILE);
	ck_assert_str_eq(cfg.console_path, "/tmp/x");
	ck_assert(!cfg.irqchip);
	ck_assert_int_eq(config_dev_count(&cfg, "virtio-console"), 1);
	ck_assert(cfg.has_load && cfg.has_entry);
	ck_assert_uint_eq(cfg.load_addr, 0x10000);
	ck_assert_uint_eq(cfg.entry_addr, 0x10010);
	ck_assert_int_eq(cfg.verbose, 3);
	ck_assert_str_eq(cfg.image, "g.img");
	ck_assert_str_eq(cfg.cmdline, "a -b c d");
	options_free(&cfg);
}
END_TEST

START_TEST(chan_and_shm)
{
	struct vm_config cfg;

	ck_assert_int_eq(PARSE(&cfg, "--chan", "/a", "--chan=/b", "--shm",
			       "/dev/shm/x,y,size=2M", "--shm=/s,size=4K", "g"),
			 OPTIONS_RUN);
	ck_assert_int_eq(cfg.nr_chans, 2);
	ck_assert_str_eq(cfg.chans[1], "/b");
	ck_assert_int_eq(cfg.nr_shms, 2);
	ck_assert_uint_eq(cfg.shms[0].path_len, strlen("/dev/shm/x,y"));
	ck_assert_uint_eq(cfg.shms[0].size, 2ULL << 20);
	ck_assert_uint_eq(cfg.shms[1].size, 4096);
	options_free(&cfg);
	expect_error(PARSE_ERR(&cfg, "--chan", "", "g"), "expected PATH");
	expect_error(PARSE_ERR(&cfg, "--shm", "/s", "g"), "expected PATH,size=SIZE");
	expect_error(PARSE_ERR(&cfg, "--shm", ",size=4K", "g"), "expected PATH,size=SIZE");
	expect_error(PARSE_ERR(&cfg, "--shm", "/s,size=", "g"), "a size like");
	expect_error(PARSE_ERR(&cfg, "--shm", "/s,size=0", "g"), "nonzero multiple of 4K");
	expect_error(PARSE_ERR(&cfg, "--shm", "/s,size=5K", "g"), "nonzero multiple of 4K");
	expect_error(PARSE_ERR(&cfg, "--shm", "/s,size=257M", "g"), "at most 256M");
	expect_error(PARSE_ERR(&cfg, "--shm", "/s,size=99999999999999T", "g"), "too large");
	expect_error(PARSE_ERR(&cfg, "--chan", "1", "--chan", "2", "--chan", "3",
			       "--chan", "4", "--chan", "5", "--chan", "6",
			       "--chan", "7", "--chan", "8", "--chan", "9", "g"),
		     "at most 8 channels");
}
END_TEST

/* --irqchip kernel|split|off, and "on" (the old spelling) is the default. */
START_TEST(irqchip_modes)
{
	struct { char *arg; enum irqchip_mode mode; } t[] = {
		{ "kernel", IRQCHIP_KERNEL }, { "split", IRQCHIP_SPLIT },
		{ "off", IRQCHIP_OFF }, { "on", IRQCHIP_AUTO },
	};
	struct vm_config cfg;

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(PARSE(&cfg, "--irqchip", t[i].arg, "g"),
				 OPTIONS_RUN);
		ck_assert_int_eq(cfg.irqchip, t[i].mode);
		options_free(&cfg);
	}
}
END_TEST

START_TEST(bad_options)
{
	struct vm_config cfg;

	ck_assert_int_eq(PARSE(&cfg, "-m", "0", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "-m", "12Q", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "-m", "4095K", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "-m", "2T", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "-c", "0", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "-c", "256", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "-c", "two", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--timeout", "0", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--console", "tty", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--console", "file:", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--irqchip", "maybe", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--irqchip", "Split", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--load", "here", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--frobnicate", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "-Z", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "g", "--timeout"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "-m"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--core", "", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "g", "--core"), OPTIONS_ERROR);
	ck_assert_int_eq(options_parse(1, (char *[]){ "hvrun", NULL }, &cfg),
			 OPTIONS_ERROR);
}
END_TEST

/* "hvrun bzImage initrd.cpio" took the second word as the command line. */
START_TEST(extra_word_after_image)
{
	struct vm_config cfg;
	char cpio[] = "/tmp/hvrun-test-cpio.XXXXXX";
	char gz[] = "/tmp/hvrun-test-gz.XXXXXX";
	int fd;

	fd = mkstemp(cpio);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "070701000000", 12), 12);
	close(fd);
	fd = mkstemp(gz);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "\x1f\x8b\x08\x00\x00\x00\x00\x00", 8), 8);
	close(fd);

	expect_error(PARSE_ERR(&cfg, "bzImage", cpio), "did you mean --initrd");
	ck_assert_msg(strstr(errbuf, cpio), "%s", errbuf);
	expect_error(PARSE_ERR(&cfg, "bzImage", gz, "--timeout", "5"),
		     "did you mean --initrd");
	expect_error(PARSE_ERR(&cfg, "-m", "64M", "kernel.elf", "console=ttyS0"),
		     "unexpected argument 'console=ttyS0' after the image 'kernel.elf'");
	ck_assert_msg(strstr(errbuf, "'--'"), "%s", errbuf);
	expect_error(PARSE_ERR(&cfg, "a.img", "/nonexistent/b"), "follow '--'");
	unlink(cpio);
	unlink(gz);

	/* After "--" they are the guest's; options may follow the image. */
	ck_assert_int_eq(PARSE(&cfg, "k.elf", "--timeout", "2", "--", "x", "y"),
			 OPTIONS_RUN);
	ck_assert_str_eq(cfg.image, "k.elf");
	ck_assert_str_eq(cfg.cmdline, "x y");
	ck_assert_uint_eq(cfg.timeout_ms, 2000);
	options_free(&cfg);
	ck_assert_int_eq(PARSE(&cfg, "--", "k.elf", "x"), OPTIONS_RUN);
	ck_assert_str_eq(cfg.image, "k.elf");
	ck_assert_str_eq(cfg.cmdline, "x");
	options_free(&cfg);
	ck_assert_int_eq(PARSE(&cfg, "k.elf", "--", "--timeout"), OPTIONS_RUN);
	ck_assert_str_eq(cfg.cmdline, "--timeout");
	ck_assert_uint_eq(cfg.timeout_ms, 0);
	options_free(&cfg);
}
END_TEST

/* QEMU spellings and our long options with one dash get the right one. */
START_TEST(one_dash_long_options)
{
	struct vm_config cfg;

	expect_error(PARSE_ERR(&cfg, "-kernel", "bzImage"), "takes the kernel as IMAGE");
	ck_assert_msg(strstr(errbuf, "'-kernel'"), "%s", errbuf);
	expect_error(PARSE_ERR(&cfg, "k", "-initrd", "i.cpio"), "did you mean --initrd?");
	expect_error(PARSE_ERR(&cfg, "-append", "quiet", "k"), "did you mean --append?");
	expect_error(PARSE_ERR(&cfg, "-smp", "2", "k"), "-c/--cpus");
	expect_error(PARSE_ERR(&cfg, "-nographic", "k"), "not needed");
	expect_error(PARSE_ERR(&cfg, "-memory", "64M", "k"), "did you mean --memory?");
	expect_error(PARSE_ERR(&cfg, "-timeout=3", "k"), "did you mean --timeout?");
	expect_error(PARSE_ERR(&cfg, "-cpus", "2", "k"), "did you mean --cpus?");
	/* Not in any table: the whole word is named. */
	expect_error(PARSE_ERR(&cfg, "-kvm", "k"), "'-k' in '-kvm'");
	ck_assert_msg(strstr(errbuf, "'--'"), "%s", errbuf);
	expect_error(PARSE_ERR(&cfg, "-Z", "k"), "unknown option '-Z'");

	/* What getopt reads as meant stays valid: -m512 is -m 512. */
	ck_assert_int_eq(PARSE(&cfg, "-m512", "-c2", "-vv", "k"), OPTIONS_RUN);
	ck_assert_uint_eq(cfg.mem_size, 512ULL << 20);
	ck_assert_int_eq(cfg.ncpus, 2);
	ck_assert_int_eq(cfg.verbose, 2);
	/* An option's value is not an option, even when it looks like one. */
	ck_assert_int_eq(PARSE(&cfg, "--append", "-kernel", "k"), OPTIONS_RUN);
	ck_assert_str_eq(cfg.cmdline, "-kernel");
	options_free(&cfg);
	ck_assert_int_eq(PARSE(&cfg, "k", "--", "-kernel"), OPTIONS_RUN);
	ck_assert_str_eq(cfg.cmdline, "-kernel");
	options_free(&cfg);
}
END_TEST

START_TEST(help_and_version)
{
	struct vm_config cfg;

	ck_assert_int_eq(PARSE(&cfg, "--help"), OPTIONS_EXIT_OK);
	ck_assert_int_eq(PARSE(&cfg, "-V"), OPTIONS_EXIT_OK);
	ck_assert_int_eq(PARSE(&cfg, "--version", "g"), OPTIONS_EXIT_OK);
}
END_TEST

START_TEST(core_file)
{
	struct vm_config cfg;

	ck_assert_int_eq(PARSE(&cfg, "--core", "/tmp/c", "g"), OPTIONS_RUN);
	ck_assert_str_eq(cfg.core_path, "/tmp/c");
	ck_assert_int_eq(PARSE(&cfg, "--core=x.core", "g"), OPTIONS_RUN);
	ck_assert_str_eq(cfg.core_path, "x.core");
	options_free(&cfg);
}
END_TEST

START_TEST(gdb_endpoints)
{
	struct vm_config cfg;

	ck_assert_int_eq(PARSE(&cfg, "--gdb", "1234", "g"), OPTIONS_RUN);
	ck_assert(cfg.gdb);
	ck_assert_ptr_null(cfg.gdb_unix);
	ck_assert_str_eq(cfg.gdb_host, "127.0.0.1");
	ck_assert_uint_eq(cfg.gdb_port, 1234);
	options_free(&cfg);
	ck_assert_int_eq(PARSE(&cfg, "--gdb", "unix:/run/g.sock", "g"),
			 OPTIONS_RUN);
	ck_assert(cfg.gdb);
	ck_assert_str_eq(cfg.gdb_unix, "/run/g.sock");
	options_free(&cfg);
	ck_assert_int_eq(PARSE(&cfg, "--gdb", "unix:", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--gdb", "unix", "g"), OPTIONS_ERROR);
}
END_TEST

START_TEST(debug_exit_port)
{
	struct vm_config cfg;

	ck_assert_int_eq(PARSE(&cfg, "g"), OPTIONS_RUN);
	ck_assert_uint_eq(cfg.debug_exit_port, 0);
	ck_assert_int_eq(PARSE(&cfg, "--debug-exit-port", "0xf4", "g"), OPTIONS_RUN);
	ck_assert_uint_eq(cfg.debug_exit_port, 0xf4);
	ck_assert_int_eq(PARSE(&cfg, "--debug-exit-port=65535", "g"), OPTIONS_RUN);
	ck_assert_uint_eq(cfg.debug_exit_port, 0xffff);
	ck_assert_int_eq(PARSE(&cfg, "--debug-exit-port", "0", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--debug-exit-port", "0x10000", "g"),
			 OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--debug-exit-port", "f4", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--debug-exit-port", "", "g"), OPTIONS_ERROR);
	/* The in-kernel PIC and PIT answer these without an exit. */
	ck_assert_int_eq(PARSE(&cfg, "--debug-exit-port", "0x20", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--debug-exit-port", "0x43", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--debug-exit-port", "0x4d1", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--debug-exit-port", "0xf4",
			       "--debug-exit-port", "0xf8", "g"), OPTIONS_ERROR);
}
END_TEST

static int dropped(const struct vm_config *cfg, const char *name)
{
	int i = cpu_feature_find(name);

	ck_assert_int_ge(i, 0);
	return (cfg->cpu_drop[i / 64] >> (i % 64)) & 1;
}

static int nr_dropped(const struct vm_config *cfg)
{
	int n = 0;

	for (int w = 0; w < CPU_FEATURE_WORDS; w++)
		n += __builtin_popcountll(cfg->cpu_drop[w]);
	return n;
}

START_TEST(cpu_features_good)
{
	struct vm_config cfg;

	ck_assert_int_eq(PARSE(&cfg, "g"), OPTIONS_RUN);
	ck_assert_int_eq(nr_dropped(&cfg), 0);
	ck_assert_int_eq(PARSE(&cfg, "--cpu-features", "-cx16,-kvm-pv-ipi", "g"),
			 OPTIONS_RUN);
	ck_assert_int_eq(nr_dropped(&cfg), 2);
	ck_assert(dropped(&cfg, "cx16") && dropped(&cfg, "kvm-pv-ipi"));
	ck_assert(!dropped(&cfg, "popcnt"));
	/* Repeated options accumulate; a repeated name is harmless. */
	ck_assert_int_eq(PARSE(&cfg, "--cpu-features=-arch_capabilities",
			       "--cpu-features", "-lm,-lm,-kvm-msi-ext-dest-id",
			       "g"), OPTIONS_RUN);
	ck_assert_int_eq(nr_dropped(&cfg), 3);
	ck_assert(dropped(&cfg, "arch_capabilities") && dropped(&cfg, "lm") &&
		  dropped(&cfg, "kvm-msi-ext-dest-id"));
}
END_TEST

START_TEST(cpu_features_bad)
{
	struct vm_config cfg;

	ck_assert_int_eq(PARSE(&cfg, "--cpu-features", "cx16", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--cpu-features", "+cx16", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--cpu-features", "-nosuch", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--cpu-features", "-cx16,", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--cpu-features", ",-cx16", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--cpu-features", "-cx16,,-lm", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--cpu-features", "", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--cpu-features", "-", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--cpu-features", "-CX16", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--cpu-features", "-cx16 ", "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--cpu-features", "-kvm-pv-ipi,x", "g"),
			 OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "--cpu-features",
			       "-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			       "g"), OPTIONS_ERROR);
	ck_assert_int_eq(PARSE(&cfg, "g", "--cpu-features"), OPTIONS_ERROR);
}
END_TEST

/* Names are unique and every mask has a bit: a typo in the table would
 * silently drop nothing. */
START_TEST(cpu_feature_table)
{
	ck_assert_uint_le(cpu_features_count, CPU_FEATURES_MAX);
	for (unsigned int i = 0; i < cpu_features_count; i++) {
		ck_assert_uint_ne(cpu_features[i].mask, 0);
		ck_assert_int_eq(cpu_feature_find(cpu_features[i].name), (int)i);
	}
	ck_assert_int_eq(cpu_feature_find("nosuch"), -1);
}
END_TEST

START_TEST(shares)
{
	struct vm_config cfg;

	ck_assert_int_eq(PARSE(&cfg, "--share", "/srv/data/", "--share",
			       "/,ro", "--share", "/tmp/x,tag=t1,ro",
			       "--vhost-user-fs", "/run/fs.sock,tag=other",
			       "--virtiofsd", "/opt/virtiofsd", "img"), OPTIONS_RUN);
	ck_assert_int_eq(cfg.nr_shares, 4);
	ck_assert_str_eq(cfg.shares[0].dir, "/srv/data/");
	ck_assert_str_eq(cfg.shares[0].tag, "data");
	ck_assert(!cfg.shares[0].ro);
	ck_assert_str_eq(cfg.shares[1].dir, "/");
	ck_assert_str_eq(cfg.shares[1].tag, "root");
	ck_assert(cfg.shares[1].ro);
	ck_assert_str_eq(cfg.shares[2].tag, "t1");
	ck_assert(cfg.shares[2].ro);
	ck_assert_ptr_null(cfg.shares[3].dir);
	ck_assert_str_eq(cfg.shares[3].socket, "/run/fs.sock");
	ck_assert_str_eq(cfg.shares[3].tag, "other");
	ck_assert_str_eq(cfg.virtiofsd, "/opt/virtiofsd");
	options_free(&cfg);

	expect_error(PARSE_ERR(&cfg, "--share", "", "img"), "expected HOSTDIR[,tag=TAG][,ro]");
	options_free(&cfg);
	expect_error(PARSE_ERR(&cfg, "--share", "/a,rw", "img"), "--share '/a,rw'");
	options_free(&cfg);
	expect_error(PARSE_ERR(&cfg, "--vhost-user-fs", "/s,ro", "img"),
		     "expected SOCKET[,tag=TAG]");
	options_free(&cfg);
	expect_error(PARSE_ERR(&cfg, "--share", "/a/x", "--share", "/b/x", "img"),
		     "two shares with one tag");
	options_free(&cfg);
	expect_error(PARSE_ERR(&cfg, "--share",
			       "/a,tag=0123456789012345678901234567890123456", "img"),
		     "at most 36 bytes");
	options_free(&cfg);
	expect_error(PARSE_ERR(&cfg, "--share", "/a", "--share", "/b",
			       "--share", "/c", "--share", "/d", "--share", "/e",
			       "img"), "at most 4 shared directories");
	options_free(&cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("options");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, sizes);
	tcase_add_test(tc, bad_sizes);
	tcase_add_test(tc, numbers_and_seconds);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, every_option);
	tcase_add_test(tc, irqchip_modes);
	tcase_add_test(tc, bad_options);
	tcase_add_test(tc, chan_and_shm);
	tcase_add_test(tc, help_and_version);
	tcase_add_test(tc, extra_word_after_image);
	tcase_add_test(tc, one_dash_long_options);
	tcase_add_test(tc, core_file);
	tcase_add_test(tc, gdb_endpoints);
	tcase_add_test(tc, debug_exit_port);
	tcase_add_test(tc, cpu_features_good);
	tcase_add_test(tc, cpu_features_bad);
	tcase_add_test(tc, cpu_feature_table);
	tcase_add_test(tc, shares);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
