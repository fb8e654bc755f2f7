// SPDX-License-Identifier: MIT
/* The "help" parameter: list every parameter the kernel knows, with what it takes and its help. */
#include "init/console.h"
#include "init/params.h"
#include "init/record.h"

extern const struct kernel_param __start_kparams[], __stop_kparams[];

static bool help_asked;
PARAM_FLAG("help", help_asked, "print every command-line parameter with its help, then boot on");

void params_print_help_if_asked(void)
{
	char values[PARAM_REASON_MAX];

	if (!help_asked)
		return;
	printk("Command-line parameters:\n");
	for (const struct kernel_param *p = __start_kparams; p < __stop_kparams; p++) {
		param_describe(p, values, sizeof(values));
		printk("  %-22s %s%s%s%s\n", p->name, p->help, values[0] ? " [" : "", values,
		       values[0] ? "]" : "");
	}
	/* The same list for tools: tests feed every parameter bad values. */
	for (const struct kernel_param *p = __start_kparams; p < __stop_kparams; p++) {
		const char *type = param_describe(p, values, sizeof(values));
		struct record r;

		record_begin(&r, "param");
		rec_str(&r, "name", p->name);
		rec_str(&r, "type", type);
		rec_str(&r, "values", values);
		rec_str(&r, "help", p->help);
		record_end(&r);
	}
}
