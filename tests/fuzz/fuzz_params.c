// SPDX-License-Identifier: MIT
/*
 * fuzz_params - init/params.c's tokenizer, dispatcher and setter helpers on
 * any command line.
 *
 * Input: the command line (cut at MB2_CMDLINE_MAX - 1 bytes and
 * NUL-terminated, as the multiboot2 parser hands it on). A local table of
 * parameters stands in for the kernel's: its setters feed each value to the
 * helpers setters use and check what the dispatcher promises a setter.
 */
#include "init/multiboot2.h" /* MB2_CMDLINE_MAX */
#include "init/params.h"
#include "tests/fuzz/fuzz.h"

/* Every value a setter gets fits in the dispatcher's buffer, terminated. */
static void check_value(const char *value)
{
	if (value)
		FUZZ_CHECK(strlen(value) < PARAM_VALUE_MAX);
}

static const char *set_plain(const char *value)
{
	check_value(value);
	return NULL;
}

static const char *set_u64(const char *value)
{
	unsigned long long v;

	check_value(value);
	return param_parse_u64(value, &v) ? NULL : "expected a number";
}

static const char *set_range(const char *value)
{
	unsigned long long v = 0;

	check_value(value);
	if (!param_parse_u64_in(value, 1, 64, &v))
		return "expected 1-64";
	FUZZ_CHECK(v >= 1 && v <= 64);
	return NULL;
}

static const char *set_bool(const char *value)
{
	bool b;

	check_value(value);
	return param_parse_bool(value, &b) ? NULL : "expected a boolean";
}

static const char *const choices[] = { "none", NULL, "bsp", "migrate", "xcall", "async" };

static const char *set_choice(const char *value)
{
	int k;

	check_value(value);
	k = param_parse_choice(value, choices, sizeof(choices) / sizeof(choices[0]));
	FUZZ_CHECK(k != 1 && k < (int)(sizeof(choices) / sizeof(choices[0])));
	return k < 0 ? "unknown choice" : NULL;
}

static const char *set_refuse(const char *value)
{
	check_value(value);
	return "never takes anything";
}

static const struct kernel_param table[] = {
	{ "plain", set_plain, "any value" },
	{ "n", set_u64, "a number" },
	{ "numa.nodes", set_range, "1-64" },
	{ "flag", set_bool, "a boolean" },
	{ "strategy", set_choice, "a choice" },
	{ "refuse", set_refuse, "refuses" },
	{ "", set_plain, "an empty name" },
};

#define TABLE_END (table + sizeof(table) / sizeof(table[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char cmdline[MB2_CMDLINE_MAX];
	size_t len = size < sizeof(cmdline) - 1 ? size : sizeof(cmdline) - 1;
	unsigned long long v;
	bool b;

	memcpy(cmdline, data, len);
	cmdline[len] = '\0';
	params_parse(cmdline, table, TABLE_END, fuzz_problem, NULL);
	/* The helpers on the whole line too: setters may be handed anything. */
	(void)param_parse_u64(cmdline, &v);
	(void)param_parse_bool(cmdline, &b);
	(void)params_find(table, TABLE_END, cmdline, strlen(cmdline));
	return 0;
}
