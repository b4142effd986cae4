/* The options devices declare themselves, and their uses in a vm_config. */
#include <stddef.h>
#include <string.h>

#include "log.h"
#include "vm_config.h"

static const struct config_option *registered[CONFIG_MAX_DEV_OPTIONS];
static int nr_registered;

void config_option_register(const struct config_option *opt)
{
	/* Constructors run before main: a full table is a build mistake. */
	if (nr_registered == CONFIG_MAX_DEV_OPTIONS)
		__builtin_trap();
	registered[nr_registered++] = opt;
}

const struct config_option *config_option(int i)
{
	return i >= 0 && i < nr_registered ? registered[i] : NULL;
}

static const struct config_option *find(const char *name)
{
	for (int i = 0; i < nr_registered; i++)
		if (!strcmp(registered[i]->name, name))
			return registered[i];
	return NULL;
}

int config_dev_add(struct vm_config *cfg, const char *name, const char *value)
{
	const struct config_option *opt = find(name);

	if (!opt)
		return -1;
	if (cfg->nr_dev_args == CONFIG_MAX_DEV_ARGS) {
		log_err("too many device options: at most %d in all",
			CONFIG_MAX_DEV_ARGS);
		return -1;
	}
	cfg->dev_args[cfg->nr_dev_args++] = (struct config_dev_arg){
		.opt = opt, .value = value,
	};
	return 0;
}

int config_dev_count(const struct vm_config *cfg, const char *name)
{
	int n = 0;

	for (int i = 0; i < cfg->nr_dev_args; i++)
		n += !strcmp(cfg->dev_args[i].opt->name, name);
	return n;
}

const char *config_dev_arg(const struct vm_config *cfg, const char *name,
			   int i)
{
	for (int k = 0; k < cfg->nr_dev_args; k++)
		if (!strcmp(cfg->dev_args[k].opt->name, name) && i-- == 0)
			return cfg->dev_args[k].value;
	return NULL;
}
