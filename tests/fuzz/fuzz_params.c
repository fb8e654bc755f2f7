// SPDX-License-Identifier: MIT
/*
 * fuzz_params - init/params.c's tokenizer, dispatcher and setter helpers on
 * any command line.
 *
 * Input: the command line (cut at MB2_CMDLINE_MAX - 1 bytes and
 * NUL-terminated, as the multiboot2 parser hands it on). A local table of
 * parameters stands in for the kernel's: its setters feed each value to the
 * helpers setters use and check what the dispatcher promises a setter, and
 * its typed entries must end holding their default or a value in range.
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

/* Typed parameters: whatever the line says, each variable holds its default or a value in range. */
#define ROUNDS_DEFAULT 5
#define ROUNDS_MAX 64

static unsigned rounds = ROUNDS_DEFAULT;
static int cpu = -1;
static uint64_t timeout_ms;
static bool steal = true, nosmp;
static const char *const faults[] = { NULL, "pf", "gp", "df" };
static unsigned fault;
static unsigned thens;

static void count_then(void)
{
	thens++;
}

static const struct kernel_param table[] = {
	{ .name = "plain", .set = set_plain, .help = "any value" },
	{ .name = "n", .set = set_u64, .help = "a number" },
	{ .name = "numa.nodes", .set = set_range, .help = "1-64" },
	{ .name = "flag", .set = set_bool, .help = "a boolean" },
	{ .name = "strategy", .set = set_choice, .help = "a choice" },
	{ .name = "refuse", .set = set_refuse, .help = "refuses" },
	{ .name = "", .set = set_plain, .help = "an empty name" },
	{ .name = "rounds", .help = "uint", .kind = PARAM_KIND_UINT, .var.uint = &rounds, .lo = 1,
	  .hi = ROUNDS_MAX, .then = count_then },
	{ .name = "cpu", .help = "int", .kind = PARAM_KIND_INT, .var.sint = &cpu, .lo = 1, .hi = 255 },
	{ .name = "timeout_ms", .help = "u64", .kind = PARAM_KIND_U64, .var.u64 = &timeout_ms, .lo = 1,
	  .hi = 3600000 },
	{ .name = "steal", .help = "bool", .kind = PARAM_KIND_BOOL, .var.flag = &steal },
	{ .name = "nosmp", .help = "flag", .kind = PARAM_KIND_FLAG, .var.flag = &nosmp },
	{ .name = "fault", .help = "enum", .kind = PARAM_KIND_ENUM, .var.uint = &fault, .names = faults,
	  .name_count = sizeof(faults) / sizeof(faults[0]) },
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
	rounds = ROUNDS_DEFAULT;
	cpu = -1;
	timeout_ms = 0;
	fault = 0;
	thens = 0;
	params_parse(cmdline, table, TABLE_END, fuzz_problem, NULL);
	FUZZ_CHECK(rounds >= 1 && rounds <= ROUNDS_MAX);
	FUZZ_CHECK(thens || rounds == ROUNDS_DEFAULT); /* a changed value always ran its hook */
	FUZZ_CHECK(cpu == -1 || (cpu >= 1 && cpu <= 255));
	FUZZ_CHECK(timeout_ms <= 3600000);
	FUZZ_CHECK(fault < 4 && (fault == 0 || faults[fault]));
	for (const struct kernel_param *p = table; p < TABLE_END; p++) {
		char values[PARAM_REASON_MAX], why[PARAM_REASON_MAX];
		const char *reason;

		FUZZ_CHECK(strlen(param_describe(p, values, sizeof(values))) > 0);
		FUZZ_CHECK(strlen(values) < sizeof(values));
		if (p->kind == PARAM_KIND_SETTER)
			continue; /* the dispatcher never hands a setter more than PARAM_VALUE_MAX */
		reason = param_set(p, cmdline, why); /* the whole line as one value */
		if (reason)
			FUZZ_CHECK(strlen(reason) < PARAM_REASON_MAX);
	}
	/* The helpers on the whole line too: setters may be handed anything. */
	(void)param_parse_u64(cmdline, &v);
	(void)param_parse_bool(cmdline, &b);
	(void)params_find(table, TABLE_END, cmdline, strlen(cmdline));
	return 0;
}
