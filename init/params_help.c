// SPDX-License-Identifier: MIT
/* The "help" parameter: list every parameter the kernel knows, with its one-line help. */
#include "init/console.h"
#include "init/params.h"
#include "init/record.h"

extern const struct kernel_param __start_kparams[], __stop_kparams[];

static bool help_asked;

static const char *set_help(const char *value)
{
	if (value)
		return "takes no value";
	help_asked = true;
	return NULL;
}
PARAM("help", set_help, "print every command-line parameter with its help, then boot on");

void params_print_help_if_asked(void)
{
	if (!help_asked)
		return;
	printk("Command-line parameters:\n");
	for (const struct kernel_param *p = __start_kparams; p < __stop_kparams; p++)
		printk("  %-22s %s\n", p->name, p->help);
	/* The same list for tools: tests feed every parameter bad values. */
	for (const struct kernel_param *p = __start_kparams; p < __stop_kparams; p++) {
		struct record r;

		record_begin(&r, "param");
		rec_str(&r, "name", p->name);
		rec_str(&r, "help", p->help);
		record_end(&r);
	}
}
