// SPDX-License-Identifier: MIT
/*
 * Host tests for init/params.c, written against the contract in params.h:
 * a local table whose setters record what they were handed, the helpers
 * for setters, the "kparams" section that PARAM() fills, and the typed
 * declarations (PARAM_UINT and the others): their parse, range check,
 * refusal text and description, each from the declaration alone.
 */
#include <stdbool.h>

#include "init/params.h"
#include "tests/host/check.h"

/* ---- setters that record their calls ----------------------------------- */

#define CALLS_KEPT 16

struct call {
	const char *param;
	bool has_value;
	char value[PARAM_VALUE_MAX + 8];
};

static struct call calls[CALLS_KEPT];
static unsigned call_count;

static void record_call(const char *param, const char *value)
{
	struct call *c;

	if (call_count < CALLS_KEPT) {
		c = &calls[call_count];
		c->param = param;
		c->has_value = value != NULL;
		c->value[0] = '\0';
		if (value) {
			size_t n = strlen(value);

			CHECK(n <= PARAM_VALUE_MAX - 1);
			if (n >= sizeof(c->value))
				n = sizeof(c->value) - 1;
			memcpy(c->value, value, n);
			c->value[n] = '\0';
		}
	}
	call_count++;
}

static const char *set_alpha(const char *value)
{
	record_call("alpha", value);
	return NULL;
}

static const char *set_beta(const char *value)
{
	record_call("beta", value);
	return NULL;
}

static const char *set_picky(const char *value)
{
	record_call("picky", value);
	return value && !strcmp(value, "good") ? NULL : "only 'good' will do";
}

static const char *set_debug(const char *value)
{
	record_call("debug", value);
	return NULL;
}

static const char *set_debug_fault(const char *value)
{
	record_call("debug.fault", value);
	return NULL;
}

static const struct kernel_param table[] = {
	{ .name = "alpha", .set = set_alpha, .help = "first test parameter" },
	{ .name = "beta", .set = set_beta, .help = "second test parameter" },
	{ .name = "picky", .set = set_picky, .help = "refuses all but 'good'" },
	{ .name = "debug", .set = set_debug, .help = "a prefix of the next one" },
	{ .name = "debug.fault", .set = set_debug_fault, .help = "a dotted name" },
};

#define TABLE_END (table + sizeof(table) / sizeof(table[0]))

/* ---- recording problems ------------------------------------------------ */

#define PROBLEMS_KEPT 16

struct problems {
	unsigned count;
	char what[PROBLEMS_KEPT][64];
	char detail[PROBLEMS_KEPT][PARAM_NAME_MAX + 128];
	char action[PROBLEMS_KEPT][64];
};

static struct problems probs;

static void on_problem(void *cookie, const char *what, const char *detail, const char *action)
{
	struct problems *p = cookie;

	CHECK(what && detail && action);
	if (what && detail && action && p->count < PROBLEMS_KEPT) {
		copy_text(p->what[p->count], sizeof(p->what[0]), what);
		copy_text(p->detail[p->count], sizeof(p->detail[0]), detail);
		copy_text(p->action[p->count], sizeof(p->action[0]), action);
	}
	p->count++;
}

/* A problem whose detail contains @detail_part (the name, a reason). */
static bool reported(const char *detail_part)
{
	unsigned i;

	for (i = 0; i < probs.count && i < PROBLEMS_KEPT; i++)
		if (strstr(probs.detail[i], detail_part))
			return true;
	if (check_should_print()) {
		fprintf(stderr, "  wanted a problem mentioning \"%s\"; got %u:\n", detail_part,
			probs.count);
		for (i = 0; i < probs.count && i < PROBLEMS_KEPT; i++)
			fprintf(stderr, "    %s | %s | %s\n", probs.what[i], probs.detail[i],
				probs.action[i]);
	}
	return false;
}

static unsigned parse(const char *cmdline)
{
	memset(calls, 0, sizeof(calls));
	call_count = 0;
	memset(&probs, 0, sizeof(probs));
	return params_parse(cmdline, table, TABLE_END, on_problem, &probs);
}

/* Was call @i to @param with @value (NULL: a bare name)? */
static bool call_is(unsigned i, const char *param, const char *value)
{
	const struct call *c;

	if (i >= call_count || i >= CALLS_KEPT)
		return false;
	c = &calls[i];
	if (strcmp(c->param, param) != 0 || c->has_value != (value != NULL))
		return false;
	return !value || !strcmp(c->value, value);
}

/* ---- the tokenizer and dispatcher -------------------------------------- */

static void test_bare_name(void)
{
	CHECK_EQ_U64(parse("alpha"), 0);
	CHECK_EQ_U64(call_count, 1);
	CHECK(call_is(0, "alpha", NULL));
}

static void test_name_value(void)
{
	CHECK_EQ_U64(parse("alpha=42 beta=x,y:z"), 0);
	CHECK_EQ_U64(call_count, 2);
	CHECK(call_is(0, "alpha", "42"));
	CHECK(call_is(1, "beta", "x,y:z"));
	CHECK_EQ_U64(probs.count, 0);
}

static void test_quoted_value(void)
{
	CHECK_EQ_U64(parse("alpha=\"quoted value with spaces\" beta=\"\""), 0);
	CHECK_EQ_U64(call_count, 2);
	CHECK(call_is(0, "alpha", "quoted value with spaces"));
	CHECK(call_is(1, "beta", ""));

	CHECK_EQ_U64(parse("alpha=\"tab\there\"\tbeta"), 0);
	CHECK(call_is(0, "alpha", "tab\there"));
	CHECK(call_is(1, "beta", NULL));
}

static void test_empty_value(void)
{
	/* NAME= hands over an empty value, not NULL: "set to nothing" differs from "on". */
	CHECK_EQ_U64(parse("alpha= beta"), 0);
	CHECK_EQ_U64(call_count, 2);
	CHECK(call_is(0, "alpha", ""));
	CHECK(call_is(1, "beta", NULL));
}

static void test_unknown_name(void)
{
	CHECK_EQ_U64(parse("alpha=1 nosuch=3 beta"), 1);
	CHECK_EQ_U64(probs.count, 1);
	CHECK(reported("nosuch"));
	CHECK_EQ_U64(call_count, 2); /* the rest of the line still counts */
	CHECK(call_is(0, "alpha", "1"));
	CHECK(call_is(1, "beta", NULL));

	/* A prefix of a known name is not that name, nor is a longer one. */
	CHECK_EQ_U64(parse("alph debug.faults=1 debug.fault.x"), 3);
	CHECK_EQ_U64(call_count, 0);
}

static void test_setter_refusal(void)
{
	CHECK_EQ_U64(parse("picky=bad alpha picky=good"), 1);
	CHECK_EQ_U64(probs.count, 1);
	CHECK(reported("picky"));
	CHECK(reported("only 'good' will do"));
	CHECK_EQ_U64(call_count, 3);
	CHECK(call_is(0, "picky", "bad"));
	CHECK(call_is(1, "alpha", NULL));
	CHECK(call_is(2, "picky", "good"));

	CHECK_EQ_U64(parse("picky"), 1); /* bare: the setter sees NULL and refuses */
	CHECK(call_is(0, "picky", NULL));
}

static void test_unterminated_quote(void)
{
	CHECK_EQ_U64(parse("alpha=1 beta=\"never closed"), 1);
	CHECK_EQ_U64(probs.count, 1);
	CHECK(reported("beta"));
	CHECK_EQ_U64(call_count, 1);
	CHECK(call_is(0, "alpha", "1"));
}

/* A line cut to fit its buffer (@cut_at: the first byte cut off): drop the cut word, parse the rest. */
static bool cut_and_parse(const char *kept, char cut_at, char *line, size_t size)
{
	bool dropped;

	snprintf(line, size, "%s", kept);
	memset(&probs, 0, sizeof(probs));
	dropped = params_drop_cut_word(line, cut_at, on_problem, &probs);
	CHECK_EQ_U64(probs.count, dropped); /* one report for the word dropped, none otherwise */
	parse(line);
	return dropped;
}

static void test_cut_word_dropped(void)
{
	char line[64];

	/* "alpha=1 beta=12" cut after "beta=1": the piece never applies, and is named. */
	CHECK(cut_and_parse("alpha=1 beta=1", '2', line, sizeof(line)));
	CHECK_STR_EQ(line, "alpha=1 ");
	CHECK_EQ_U64(call_count, 1);
	CHECK(call_is(0, "alpha", "1"));
	memset(&probs, 0, sizeof(probs));
	snprintf(line, sizeof(line), "alpha=1 beta=1");
	CHECK(params_drop_cut_word(line, '2', on_problem, &probs));
	CHECK(reported("beta=\"1\": cut by the command line's length limit"));
	CHECK_STR_EQ(probs.what[0], "malformed parameter");
	CHECK_STR_EQ(probs.action[0], "word ignored");

	/* The cut fell on a blank after a whole word, or the line was whole: nothing goes. */
	CHECK(!cut_and_parse("alpha=1 beta=1", ' ', line, sizeof(line)));
	CHECK_STR_EQ(line, "alpha=1 beta=1");
	CHECK(!cut_and_parse("alpha=1 beta=1", '\0', line, sizeof(line)));
	CHECK(!cut_and_parse("alpha=1 beta=1 ", 'g', line, sizeof(line)));
	CHECK_STR_EQ(line, "alpha=1 beta=1 ");
	CHECK_EQ_U64(call_count, 2);

	/* A blank inside quotes is still inside the word. */
	CHECK(cut_and_parse("alpha \"beta=a b", ' ', line, sizeof(line)));
	CHECK_STR_EQ(line, "alpha ");
	CHECK(cut_and_parse("beta=1", 'x', line, sizeof(line))); /* the only word */
	CHECK_STR_EQ(line, "");
	CHECK(!params_drop_cut_word(NULL, 'x', on_problem, &probs));
}

static void test_malformed_words(void)
{
	/* No name at all. */
	CHECK_EQ_U64(parse("=5 alpha"), 1);
	CHECK_EQ_U64(call_count, 1);
	CHECK(call_is(0, "alpha", NULL));

	/* Quoting is shell-like: text glued to a closing quote joins the word. */
	CHECK_EQ_U64(parse("beta=\"x\"y alpha"), 0);
	CHECK_EQ_U64(call_count, 2);
	CHECK(call_is(0, "beta", "xy"));
	CHECK(call_is(1, "alpha", NULL));
}

/* GRUB's multiboot2 loader escapes quotes and backslashes and quotes words with blanks. */
static void test_grub_escaped_words(void)
{
	CHECK_EQ_U64(parse("beta=\\\"quoted value\\\" alpha"), 0); /* beta=\"quoted value\" */
	CHECK_EQ_U64(call_count, 2);
	CHECK(call_is(0, "beta", "quoted value"));
	CHECK(call_is(1, "alpha", NULL));

	CHECK_EQ_U64(parse("\"beta=a b\""), 0); /* a whole word in quotes */
	CHECK(call_is(0, "beta", "a b"));

	CHECK_EQ_U64(parse("beta=back\\\\slash"), 0); /* beta=back\\slash */
	CHECK(call_is(0, "beta", "back\\slash"));

	CHECK_EQ_U64(parse("beta=it\\'s"), 0); /* beta=it\'s */
	CHECK(call_is(0, "beta", "it's"));
}

static void test_overlong_name_and_value(void)
{
	char line[2 * PARAM_VALUE_MAX + 64];
	char name[PARAM_NAME_MAX + 8];
	size_t n;

	/* A name of PARAM_NAME_MAX characters does not fit its buffer (NUL). */
	memset(name, 'n', PARAM_NAME_MAX);
	name[PARAM_NAME_MAX] = '\0';
	snprintf(line, sizeof(line), "%s=1 alpha", name);
	CHECK_EQ_U64(parse(line), 1);
	CHECK_EQ_U64(probs.count, 1);
	CHECK_EQ_U64(call_count, 1);
	CHECK(call_is(0, "alpha", NULL));

	/* One shorter fits: reported as unknown, not as too long. */
	name[PARAM_NAME_MAX - 1] = '\0';
	snprintf(line, sizeof(line), "%s=1", name);
	CHECK_EQ_U64(parse(line), 1);
	CHECK(reported(name));

	/* The longest value that fits, and one byte more. */
	n = (size_t)snprintf(line, sizeof(line), "alpha=");
	memset(line + n, 'v', PARAM_VALUE_MAX - 1);
	line[n + PARAM_VALUE_MAX - 1] = '\0';
	CHECK_EQ_U64(parse(line), 0);
	CHECK_EQ_U64(call_count, 1);
	CHECK_EQ_U64(strlen(calls[0].value), PARAM_VALUE_MAX - 1);

	line[n + PARAM_VALUE_MAX - 1] = 'v';
	line[n + PARAM_VALUE_MAX] = '\0';
	strcat(line, " beta");
	CHECK_EQ_U64(parse(line), 1);
	CHECK(reported("alpha"));
	CHECK_EQ_U64(call_count, 1);
	CHECK(call_is(0, "beta", NULL));

	/* Too long inside quotes as well. */
	n = (size_t)snprintf(line, sizeof(line), "alpha=\"");
	memset(line + n, ' ', PARAM_VALUE_MAX + 10);
	line[n + PARAM_VALUE_MAX + 10] = '"';
	line[n + PARAM_VALUE_MAX + 11] = '\0';
	CHECK_EQ_U64(parse(line), 1);
	CHECK_EQ_U64(call_count, 0);
}

static void test_repeated_name_last_wins(void)
{
	CHECK_EQ_U64(parse("alpha=1 beta alpha=2"), 0);
	CHECK_EQ_U64(call_count, 3);
	CHECK(call_is(0, "alpha", "1"));
	CHECK(call_is(2, "alpha", "2")); /* the last call is the one that stays */
}

static void test_blanks(void)
{
	CHECK_EQ_U64(parse("   alpha=1\t\tbeta  \t debug.fault=pf   \t"), 0);
	CHECK_EQ_U64(call_count, 3);
	CHECK(call_is(0, "alpha", "1"));
	CHECK(call_is(1, "beta", NULL));
	CHECK(call_is(2, "debug.fault", "pf"));
}

static void test_empty_cmdline(void)
{
	CHECK_EQ_U64(parse(""), 0);
	CHECK_EQ_U64(call_count, 0);
	CHECK_EQ_U64(parse(" \t  \t"), 0);
	CHECK_EQ_U64(call_count, 0);
	CHECK_EQ_U64(probs.count, 0);
	/* No command line at all (no cmdline tag): nothing to do. */
	CHECK_EQ_U64(parse(NULL), 0);
	CHECK_EQ_U64(call_count, 0);
}

static void test_dotted_names(void)
{
	CHECK_EQ_U64(parse("debug.fault=pf debug"), 0);
	CHECK_EQ_U64(call_count, 2);
	CHECK(call_is(0, "debug.fault", "pf"));
	CHECK(call_is(1, "debug", NULL));
}

static void test_params_find(void)
{
	CHECK(params_find(table, TABLE_END, "beta", 4) == &table[1]);
	CHECK(params_find(table, TABLE_END, "debug.fault", 11) == &table[4]);
	/* name_len bounds the name: "debug" out of "debug.fault". */
	CHECK(params_find(table, TABLE_END, "debug.fault", 5) == &table[3]);
	CHECK(params_find(table, TABLE_END, "alphabet", 8) == NULL);
	CHECK(params_find(table, TABLE_END, "alp", 3) == NULL);
	CHECK(params_find(table, table, "alpha", 5) == NULL);
}

static void test_empty_table(void)
{
	memset(&probs, 0, sizeof(probs));
	CHECK_EQ_U64(params_parse("alpha beta", table, table, on_problem, &probs), 2);
	CHECK_EQ_U64(probs.count, 2);
}

/* ---- helpers for setters ----------------------------------------------- */

static bool u64_is(const char *s, unsigned long long want)
{
	unsigned long long v = 0xdeadbeef;

	return param_parse_u64(s, &v) && v == want;
}

static bool u64_rejects(const char *s)
{
	unsigned long long v;

	return !param_parse_u64(s, &v);
}

static void test_parse_u64(void)
{
	CHECK(u64_is("0", 0));
	CHECK(u64_is("123", 123));
	CHECK(u64_is("0x1f", 0x1f));
	CHECK(u64_is("0X1F", 0x1f));
	CHECK(u64_is("0xdeadBEEF", 0xdeadbeefull));
	CHECK(u64_is("4K", 4096));
	CHECK(u64_is("4k", 4096));
	CHECK(u64_is("2M", 2ull << 20));
	CHECK(u64_is("3G", 3ull << 30));
	CHECK(u64_is("0x10K", 0x10ull << 10));
	CHECK(u64_is("18446744073709551615", UINT64_MAX));
	CHECK(u64_is("0xffffffffffffffff", UINT64_MAX));
	CHECK(u64_is("17179869183G", 17179869183ull << 30));

	/* Overflow, with and without a suffix. */
	CHECK(u64_rejects("18446744073709551616"));
	CHECK(u64_rejects("99999999999999999999999"));
	CHECK(u64_rejects("0x10000000000000000"));
	CHECK(u64_rejects("17179869184G"));
	CHECK(u64_rejects("18014398509481984K"));

	/* Garbage. */
	CHECK(u64_rejects("abc"));
	CHECK(u64_rejects("12abc"));
	CHECK(u64_rejects("0x"));
	CHECK(u64_rejects("0xg"));
	CHECK(u64_rejects("-1"));
	CHECK(u64_rejects("+1"));
	CHECK(u64_rejects(" 1"));
	CHECK(u64_rejects("1 "));
	CHECK(u64_rejects("1KB"));
	CHECK(u64_rejects("1T"));
	CHECK(u64_rejects("K"));
	CHECK(u64_rejects("12.5"));

	/* Nothing. */
	CHECK(u64_rejects(""));
	CHECK(u64_rejects(NULL));
}

static bool bool_is(const char *s, bool want)
{
	bool v = !want;

	return param_parse_bool(s, &v) && v == want;
}

static bool bool_rejects(const char *s)
{
	bool v;

	return !param_parse_bool(s, &v);
}

static void test_parse_bool(void)
{
	CHECK(bool_is(NULL, true)); /* a bare NAME turns it on */
	CHECK(bool_is("1", true));
	CHECK(bool_is("on", true));
	CHECK(bool_is("yes", true));
	CHECK(bool_is("true", true));
	CHECK(bool_is("0", false));
	CHECK(bool_is("off", false));
	CHECK(bool_is("no", false));
	CHECK(bool_is("false", false));
	CHECK(bool_rejects(""));
	CHECK(bool_rejects("maybe"));
	CHECK(bool_rejects("2"));
	CHECK(bool_rejects("tru"));
	CHECK(bool_rejects("yess"));
	CHECK(bool_rejects("on "));
}

static void test_parse_choice(void)
{
	static const char *const names[] = { NULL, "full", "sample", "off" };

	CHECK_EQ_U64(param_parse_choice("full", names, 4), 1);
	CHECK_EQ_U64(param_parse_choice("off", names, 4), 3);
	CHECK(param_parse_choice("off", names, 3) == -1); /* beyond count */
	CHECK(param_parse_choice(NULL, names, 4) == -1);  /* a bare NAME is no choice */
	CHECK(param_parse_choice("", names, 4) == -1);
	CHECK(param_parse_choice("ful", names, 4) == -1);
	CHECK(param_parse_choice("fulll", names, 4) == -1);
	CHECK(param_parse_choice("Full", names, 4) == -1);
}

/* ---- the section PARAM() fills ----------------------------------------- */

static const char *set_section_one(const char *value)
{
	record_call("test.section_one", value);
	return NULL;
}
PARAM("test.section_one", set_section_one, "first parameter declared with PARAM()");

static const char *set_section_two(const char *value)
{
	record_call("test.section_two", value);
	return NULL;
}
PARAM("test.section_two", set_section_two, "second parameter declared with PARAM()");

/* GNU ld defines these for any section whose name is a C identifier. */
extern const struct kernel_param __start_kparams[];
extern const struct kernel_param __stop_kparams[];

static void test_section(void)
{
	const struct kernel_param *one, *two;

	CHECK(__stop_kparams - __start_kparams >= 2);
	one = params_find(__start_kparams, __stop_kparams, "test.section_one", 16);
	two = params_find(__start_kparams, __stop_kparams, "test.section_two", 16);
	CHECK(one != NULL);
	CHECK(two != NULL);
	if (!one || !two)
		return;
	CHECK(one->set == set_section_one);
	CHECK(two->set == set_section_two);
	CHECK_STR_EQ(one->help, "first parameter declared with PARAM()");

	call_count = 0;
	memset(&probs, 0, sizeof(probs));
	CHECK_EQ_U64(params_parse("test.section_two=2 test.section_one", __start_kparams,
				  __stop_kparams, on_problem, &probs),
		     0);
	CHECK_EQ_U64(call_count, 2);
	CHECK(call_is(0, "test.section_two", "2"));
	CHECK(call_is(1, "test.section_one", NULL));
}

static void test_parse_u64_in(void)
{
	unsigned long long v = 77;

	CHECK(param_parse_u64_in("1", 1, 64, &v) && v == 1);
	CHECK(param_parse_u64_in("64", 1, 64, &v) && v == 64);
	v = 77;
	CHECK(!param_parse_u64_in("0", 1, 64, &v) && v == 77);   /* below: refused, untouched */
	CHECK(!param_parse_u64_in("65", 1, 64, &v) && v == 77);  /* above */
	CHECK(!param_parse_u64_in("4x", 1, 64, &v) && v == 77);  /* trailing garbage */
	CHECK(!param_parse_u64_in(NULL, 0, 64, &v) && v == 77);  /* a bare name */
	CHECK(param_parse_u64_in("1K", 0, 1ull << 20, &v) && v == 1024);
}

/* ---- typed declarations ------------------------------------------------ */

/*
 * Each typed kind declared as the kernel declares its parameters, into the
 * same section, and driven through params_parse as the kernel drives them.
 * The limits are named constants: the refusal texts are checked against
 * text built from the same constants, so a limit changes in one place.
 */
#define TEST_ROUNDS_MAX 64
#define TEST_CPUS 256
#define TEST_TIMEOUT_MAX_MS 3600000

static unsigned typed_rounds = 5;
PARAM_UINT("typed.rounds", typed_rounds, 1, TEST_ROUNDS_MAX, "rounds");

static int typed_cpu = -1; /* -1: not asked */
PARAM_INT("typed.cpu", typed_cpu, 1, TEST_CPUS - 1, "an application processor");

static uint64_t typed_timeout_ms;
PARAM_U64("typed.timeout_ms", typed_timeout_ms, 1, TEST_TIMEOUT_MAX_MS, "a timeout");

static uint64_t typed_pfn = UINT64_MAX;
PARAM_U64("typed.pfn", typed_pfn, 0, UINT64_MAX, "any number");

static unsigned thens;

static void count_then(void)
{
	thens++;
}

static bool typed_steal = true;
PARAM_BOOL_THEN("typed.steal", typed_steal, count_then, "on or off, with a side effect");

/* A bool field of a struct, as memmap.streaming is. */
static struct {
	unsigned other;
	bool streaming;
} typed_memmap = { 0, true };
PARAM_BOOL("typed.streaming", typed_memmap.streaming, "a field");

static bool typed_nosmp;
PARAM_FLAG("typed.nosmp", typed_nosmp, "a bare word");

enum typed_fault { TYPED_NONE, TYPED_PF, TYPED_GP, TYPED_DF };
static const char *const typed_fault_names[] = { [TYPED_PF] = "pf", [TYPED_GP] = "gp", [TYPED_DF] = "df" };
static enum typed_fault typed_fault;
PARAM_ENUM("typed.fault", typed_fault, typed_fault_names, "NULL names are no choice");

static const char *const typed_model_names[] = { "off", "slit" };
static unsigned typed_model;
PARAM_ENUM_THEN("typed.model", typed_model, typed_model_names, count_then, "two choices, a side effect");

static const char *const typed_one_name[] = { "only" };
static unsigned typed_one;
PARAM_ENUM("typed.one", typed_one, typed_one_name, "one choice");

/* So many long names that the refusal is cut at PARAM_REASON_MAX. */
static const char *const typed_many_names[] = {
	"aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccc", "dddddddddddddddddddd",
	"eeeeeeeeeeeeeeeeeeee", "ffffffffffffffffffff", "gggggggggggggggggggg", "hhhhhhhhhhhhhhhhhhhh",
};
static unsigned typed_many;
PARAM_ENUM("typed.many", typed_many, typed_many_names, "many long choices");

static unsigned parse_section(const char *cmdline)
{
	memset(&probs, 0, sizeof(probs));
	return params_parse(cmdline, __start_kparams, __stop_kparams, on_problem, &probs);
}

/* @cmdline (one word) refused with exactly @detail, the variable kept (checked by the caller). */
static bool refused_with(const char *cmdline, const char *detail)
{
	if (parse_section(cmdline) != 1 || probs.count != 1)
		return false;
	if (strcmp(probs.detail[0], detail) != 0 || strcmp(probs.what[0], "bad parameter value") != 0) {
		if (check_should_print())
			fprintf(stderr, "  %s: got \"%s\" (%s), wanted \"%s\"\n", cmdline, probs.detail[0],
				probs.what[0], detail);
		return false;
	}
	return true;
}

static void test_typed_uint(void)
{
	char want[PARAM_NAME_MAX + PARAM_REASON_MAX];

	CHECK_EQ_U64(parse_section("typed.rounds=1"), 0);
	CHECK_EQ_U64(typed_rounds, 1);
	CHECK_EQ_U64(parse_section("typed.rounds=64"), 0);
	CHECK_EQ_U64(typed_rounds, TEST_ROUNDS_MAX);
	CHECK_EQ_U64(parse_section("typed.rounds=0x20"), 0); /* the number syntax of param_parse_u64 */
	CHECK_EQ_U64(typed_rounds, 32);

	snprintf(want, sizeof(want), "typed.rounds=\"0\": expected a number from 1 to %d", TEST_ROUNDS_MAX);
	CHECK(refused_with("typed.rounds=0", want));
	snprintf(want, sizeof(want), "typed.rounds=\"65\": expected a number from 1 to %d", TEST_ROUNDS_MAX);
	CHECK(refused_with("typed.rounds=65", want));
	CHECK(refused_with("typed.rounds=1K", "typed.rounds=\"1K\": expected a number from 1 to 64"));
	CHECK(refused_with("typed.rounds=-1", "typed.rounds=\"-1\": expected a number from 1 to 64"));
	CHECK(refused_with("typed.rounds=", "typed.rounds=\"\": expected a number from 1 to 64"));
	CHECK(refused_with("typed.rounds", "typed.rounds (no value): expected a number from 1 to 64"));
	CHECK_EQ_U64(typed_rounds, 32); /* every refusal left it alone */
}

static void test_typed_int(void)
{
	char want[PARAM_NAME_MAX + PARAM_REASON_MAX], word[PARAM_NAME_MAX];

	CHECK(typed_cpu == -1);
	snprintf(want, sizeof(want), "typed.cpu=\"0\": expected a number from 1 to %d", TEST_CPUS - 1);
	CHECK(refused_with("typed.cpu=0", want));
	CHECK(typed_cpu == -1);
	snprintf(word, sizeof(word), "typed.cpu=%d", TEST_CPUS);
	snprintf(want, sizeof(want), "typed.cpu=\"%d\": expected a number from 1 to %d", TEST_CPUS, TEST_CPUS - 1);
	CHECK(refused_with(word, want));
	CHECK(refused_with("typed.cpu=4294967297", "typed.cpu=\"4294967297\": expected a number from 1 to 255"));
	CHECK(typed_cpu == -1);
	CHECK_EQ_U64(parse_section("typed.cpu=255"), 0);
	CHECK(typed_cpu == TEST_CPUS - 1);
	CHECK_EQ_U64(parse_section("typed.cpu=1"), 0);
	CHECK(typed_cpu == 1);
}

static void test_typed_u64(void)
{
	CHECK_EQ_U64(parse_section("typed.timeout_ms=3600000"), 0);
	CHECK_EQ_U64(typed_timeout_ms, TEST_TIMEOUT_MAX_MS);
	CHECK(refused_with("typed.timeout_ms=3600001",
			   "typed.timeout_ms=\"3600001\": expected a number from 1 to 3600000"));
	CHECK(refused_with("typed.timeout_ms=0", "typed.timeout_ms=\"0\": expected a number from 1 to 3600000"));
	CHECK_EQ_U64(typed_timeout_ms, TEST_TIMEOUT_MAX_MS);

	/* The whole range: nothing to name but that it is a number. */
	CHECK_EQ_U64(parse_section("typed.pfn=0"), 0);
	CHECK_EQ_U64(typed_pfn, 0);
	CHECK_EQ_U64(parse_section("typed.pfn=18446744073709551615"), 0);
	CHECK_EQ_U64(typed_pfn, UINT64_MAX);
	CHECK(refused_with("typed.pfn=18446744073709551616",
			   "typed.pfn=\"18446744073709551616\": expected a number"));
	CHECK(refused_with("typed.pfn=x", "typed.pfn=\"x\": expected a number"));
	CHECK_EQ_U64(typed_pfn, UINT64_MAX);
}

static void test_typed_bool(void)
{
	thens = 0;
	CHECK_EQ_U64(parse_section("typed.steal=off"), 0);
	CHECK(!typed_steal);
	CHECK_EQ_U64(thens, 1); /* after the variable changed */
	CHECK_EQ_U64(parse_section("typed.steal"), 0); /* bare: on */
	CHECK(typed_steal);
	CHECK_EQ_U64(thens, 2);
	CHECK(refused_with("typed.steal=maybe", "typed.steal=\"maybe\": expected on or off"));
	CHECK(typed_steal);
	CHECK_EQ_U64(thens, 2); /* a refusal has no side effect */

	CHECK_EQ_U64(parse_section("typed.streaming=no"), 0);
	CHECK(!typed_memmap.streaming);
	CHECK_EQ_U64(typed_memmap.other, 0);
	CHECK_EQ_U64(parse_section("typed.streaming=1"), 0);
	CHECK(typed_memmap.streaming);
}

static void test_typed_flag(void)
{
	CHECK(refused_with("typed.nosmp=1", "typed.nosmp=\"1\": takes no value"));
	CHECK(refused_with("typed.nosmp=", "typed.nosmp=\"\": takes no value"));
	CHECK(!typed_nosmp);
	CHECK_EQ_U64(parse_section("typed.nosmp"), 0);
	CHECK(typed_nosmp);
}

static void test_typed_enum(void)
{
	CHECK_EQ_U64(parse_section("typed.fault=gp"), 0);
	CHECK(typed_fault == TYPED_GP);
	CHECK_EQ_U64(parse_section("typed.fault=df"), 0);
	CHECK(typed_fault == TYPED_DF);
	/* The choices named in order, the NULL one left out of the list and of the choices. */
	CHECK(refused_with("typed.fault=none", "typed.fault=\"none\": expected pf, gp or df"));
	CHECK(refused_with("typed.fault", "typed.fault (no value): expected pf, gp or df"));
	CHECK(refused_with("typed.fault=", "typed.fault=\"\": expected pf, gp or df"));
	CHECK(typed_fault == TYPED_DF);

	thens = 0;
	CHECK_EQ_U64(parse_section("typed.model=slit"), 0);
	CHECK_EQ_U64(typed_model, 1);
	CHECK_EQ_U64(thens, 1);
	CHECK(refused_with("typed.model=on", "typed.model=\"on\": expected off or slit"));
	CHECK_EQ_U64(thens, 1);
	CHECK_EQ_U64(typed_model, 1);

	CHECK(refused_with("typed.one=two", "typed.one=\"two\": expected only"));
	CHECK_EQ_U64(parse_section("typed.one=only"), 0);
	CHECK_EQ_U64(typed_one, 0);

	/* A refusal longer than PARAM_REASON_MAX is cut, never overflows (ASan watches). */
	CHECK_EQ_U64(parse_section("typed.many=z"), 1);
	CHECK(reported("typed.many=\"z\": expected aaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbb"));
	CHECK_EQ_U64(parse_section("typed.many=hhhhhhhhhhhhhhhhhhhh"), 0);
	CHECK_EQ_U64(typed_many, 7);
}

/* What "help" and @param say of a parameter. */
static bool described(const char *name, const char *type, const char *values)
{
	const struct kernel_param *p = params_find(__start_kparams, __stop_kparams, name, strlen(name));
	char buf[PARAM_REASON_MAX];
	const char *got;

	if (!p)
		return false;
	memset(buf, 'x', sizeof(buf));
	got = param_describe(p, buf, sizeof(buf));
	if (strcmp(got, type) == 0 && strcmp(buf, values) == 0)
		return true;
	if (check_should_print())
		fprintf(stderr, "  %s: described as %s \"%s\", wanted %s \"%s\"\n", name, got, buf, type, values);
	return false;
}

static void test_typed_describe(void)
{
	char buf[8];
	const struct kernel_param *p;

	CHECK(described("typed.rounds", "number", "1-64"));
	CHECK(described("typed.cpu", "number", "1-255"));
	CHECK(described("typed.timeout_ms", "number", "1-3600000"));
	CHECK(described("typed.pfn", "number", ""));
	CHECK(described("typed.steal", "bool", "on|off"));
	CHECK(described("typed.nosmp", "flag", ""));
	CHECK(described("typed.fault", "choice", "pf|gp|df"));
	CHECK(described("typed.model", "choice", "off|slit"));
	CHECK(described("test.section_one", "custom", ""));

	/* A small buffer: cut, terminated. */
	p = params_find(__start_kparams, __stop_kparams, "typed.timeout_ms", 16);
	CHECK(p != NULL);
	if (p) {
		param_describe(p, buf, sizeof(buf));
		CHECK_STR_EQ(buf, "1-36000");
	}
}

/* param_set on its own: a hand setter's reason comes back as it is. */
static void test_param_set(void)
{
	char why[PARAM_REASON_MAX];

	CHECK(param_set(&table[2], "bad", why) != NULL);
	CHECK_STR_EQ(param_set(&table[2], "bad", why), "only 'good' will do");
	CHECK(param_set(&table[2], "good", why) == NULL);
	CHECK(param_set(params_find(__start_kparams, __stop_kparams, "typed.rounds", 12), "7", why) == NULL);
	CHECK_EQ_U64(typed_rounds, 7);
}

CHECK_MAIN(CHECK_TEST(test_bare_name), CHECK_TEST(test_name_value), CHECK_TEST(test_quoted_value),
	   CHECK_TEST(test_empty_value), CHECK_TEST(test_unknown_name),
	   CHECK_TEST(test_setter_refusal), CHECK_TEST(test_unterminated_quote), CHECK_TEST(test_cut_word_dropped), CHECK_TEST(test_grub_escaped_words),
	   CHECK_TEST(test_malformed_words), CHECK_TEST(test_overlong_name_and_value),
	   CHECK_TEST(test_repeated_name_last_wins), CHECK_TEST(test_blanks),
	   CHECK_TEST(test_empty_cmdline), CHECK_TEST(test_dotted_names),
	   CHECK_TEST(test_params_find), CHECK_TEST(test_empty_table),
	   CHECK_TEST(test_parse_u64), CHECK_TEST(test_parse_u64_in), CHECK_TEST(test_parse_bool), CHECK_TEST(test_parse_choice),
	   CHECK_TEST(test_section), CHECK_TEST(test_typed_uint), CHECK_TEST(test_typed_int),
	   CHECK_TEST(test_typed_u64), CHECK_TEST(test_typed_bool), CHECK_TEST(test_typed_flag),
	   CHECK_TEST(test_typed_enum), CHECK_TEST(test_typed_describe), CHECK_TEST(test_param_set))
