/* hvrun: run a guest image on KVM. The command line becomes a vm_config,
 * vm_run runs it, and the guest's fate becomes the exit status. */
#include <signal.h>

#include "log.h"
#include "options.h"
#include "report.h"
#include "sandbox.h"
#include "status.h"
#include "vm.h"

int main(int argc, char **argv)
{
	struct vm_config cfg;
	int status;

	report_start();
	switch (options_parse(argc, argv, &cfg)) {
	case OPTIONS_EXIT_OK:
		return 0;
	case OPTIONS_ERROR:
		return STATUS_CANNOT_RUN;
	case OPTIONS_RUN:
		break;
	}
	log_verbosity = cfg.verbose;
	if (cfg.report_path && report_open(cfg.report_path) < 0) {
		options_free(&cfg);
		return STATUS_CANNOT_RUN;
	}
	if (cfg.report_path) {	/* the loop renames it into place at the end */
		sandbox_allow_rename(report_temp_path());
		sandbox_allow_unlink(report_temp_path());
	}
	report_vcpus(cfg.ncpus);
	/* A console reader that goes away is an error on write, not a kill. */
	signal(SIGPIPE, SIG_IGN);
	/* A stalled stderr reader must not hold up a stop or the exit. */
	log_open();
	status = vm_run(&cfg);
	/* A report that cannot be written is said on stderr; the status
	 * stays the guest's. */
	/* A restored run has no image: the snapshot stands for it. */
	report_finish(status, cfg.image ? cfg.image : cfg.restore_path);
	log_close();
	options_free(&cfg);
	return status;
}
