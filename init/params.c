// SPDX-License-Identifier: MIT
/*
 * The command-line tokenizer and parameter dispatcher. See params.h.
 * No allocation: each word is copied into fixed buffers on the stack, so a
 * hostile command line can only be refused, never overflow anything.
 */
#include "init/params.h"

#include <stdint.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static bool names_equal(const char *a, const char *b, size_t b_len)
{
	size_t i;

	for (i = 0; i < b_len; i++)
		if (a[i] != b[i])
			return false;
	return a[b_len] == '\0';
}

const struct kernel_param *params_find(const struct kernel_param *begin,
				       const struct kernel_param *end, const char *name,
				       size_t name_len)
{
	const struct kernel_param *p;

	for (p = begin; p < end; p++)
		if (names_equal(p->name, name, name_len))
			return p;
	return NULL;
}

/* One word of the command line, split into its name and value. */
struct param_word {
	char name[PARAM_NAME_MAX];
	char value[PARAM_VALUE_MAX];
	bool has_value;
	bool quote_open;     /* the word ended inside a quoted stretch */
	const char *problem; /* why the word is malformed, or NULL */
};

/* Copy at most cap-1 bytes; returns false (and copies nothing useful) if it would not fit. */
static bool copy_bounded(char *dst, size_t cap, const char *src, size_t len)
{
	size_t i;

	if (len >= cap)
		return false;
	for (i = 0; i < len; i++)
		dst[i] = src[i];
	dst[len] = '\0';
	return true;
}

/*
 * Scan one word starting at *pos (not blank); advance *pos past it.
 * Shell-like: a double quote starts or ends a quoted stretch in which
 * blanks belong to the word, and a backslash takes the next character
 * literally except that \" still quotes. That is what GRUB's multiboot2
 * loader produces: it escapes quotes and backslashes in each argument and
 * wraps an argument holding blanks in quotes. The name ends at the first '='.
 */
static void scan_word(const char **pos, struct param_word *w)
{
	char cooked[PARAM_NAME_MAX + PARAM_VALUE_MAX];
	size_t len = 0, eq = 0;
	const char *s = *pos;
	bool quoted = false, has_eq = false, too_long = false;

	w->problem = NULL;
	w->has_value = false;
	w->name[0] = w->value[0] = '\0';

	for (; *s && (quoted || !is_blank(*s)); s++) {
		char c = *s;

		if (c == '\\' && s[1]) {
			c = *++s;
			if (c == '"') {
				quoted = !quoted;
				continue;
			}
		} else if (c == '"') {
			quoted = !quoted;
			continue;
		} else if (c == '=' && !has_eq) {
			has_eq = true;
			eq = len;
		}
		if (len < sizeof(cooked))
			cooked[len++] = c;
		else
			too_long = true;
	}
	*pos = s;
	w->quote_open = quoted;
	if (quoted)
		w->problem = "unterminated quote";

	w->has_value = has_eq;
	if (!copy_bounded(w->name, sizeof(w->name), cooked, has_eq ? eq : len)) {
		copy_bounded(w->name, sizeof(w->name), cooked, sizeof(w->name) - 1);
		w->problem = "name too long";
		w->has_value = false; /* the value was never copied */
		return;
	}
	if (!w->name[0] && !w->problem)
		w->problem = "empty name";
	if (has_eq && (too_long || !copy_bounded(w->value, sizeof(w->value), cooked + eq + 1,
						   len - eq - 1))) {
		w->problem = "value too long";
		w->value[0] = '\0'; /* nothing half-copied is echoed back */
	}
}

/* Longest part of a refused value echoed back; the rest becomes "...". */
#define ECHO_VALUE_MAX 40

static size_t append(char *buf, size_t n, size_t size, const char *s)
{
	while (s && *s && n < size - 1)
		buf[n++] = *s++;
	buf[n] = '\0';
	return n;
}

/*
 * Report the word as given and the reason as the detail, cut to fit:
 * NAME="VALUE": reason, NAME (no value): reason, or NAME alone. The value is
 * echoed so that a typo is seen in the record, not guessed at.
 */
static void report(param_problem_fn problem, void *cookie, const char *what,
		   const struct param_word *w, const char *reason, const char *action)
{
	char detail[PARAM_NAME_MAX + ECHO_VALUE_MAX + 96];
	size_t n = append(detail, 0, sizeof(detail), w->name);

	if (w->has_value) {
		size_t start = n = append(detail, n, sizeof(detail), "=\"");

		for (const char *v = w->value; *v && n < sizeof(detail) - 1; v++) {
			if (n - start == ECHO_VALUE_MAX) {
				n = append(detail, n, sizeof(detail), "...");
				break;
			}
			detail[n++] = *v;
		}
		n = append(detail, n, sizeof(detail), "\"");
	} else if (reason) {
		n = append(detail, n, sizeof(detail), " (no value)");
	}
	if (reason) {
		n = append(detail, n, sizeof(detail), ": ");
		append(detail, n, sizeof(detail), reason);
	}
	problem(cookie, what, detail, action);
}

unsigned params_parse(const char *cmdline, const struct kernel_param *begin,
		      const struct kernel_param *end, param_problem_fn problem,
		      void *cookie)
{
	const char *pos = cmdline;
	unsigned problems = 0;
	struct param_word w;
	char why[PARAM_REASON_MAX];

	if (!cmdline)
		return 0;
	for (;;) {
		const struct kernel_param *p;
		const char *reason;

		while (is_blank(*pos))
			pos++;
		if (!*pos)
			break;
		scan_word(&pos, &w);
		if (w.problem) {
			report(problem, cookie, "malformed parameter", &w, w.problem,
			       "word ignored");
			problems++;
			continue;
		}
		p = params_find(begin, end, w.name, str_len(w.name));
		if (!p) {
			report(problem, cookie, "unknown parameter", &w, NULL,
			       "ignored; 'help' lists the parameters");
			problems++;
			continue;
		}
		reason = param_set(p, w.has_value ? w.value : NULL, why);
		if (reason) {
			report(problem, cookie, "bad parameter value", &w, reason,
			       "ignored, setting unchanged (the default unless given before)");
			problems++;
		}
	}
	return problems;
}

bool params_drop_cut_word(char *cmdline, char cut_at, param_problem_fn problem, void *cookie)
{
	char *pos = cmdline, *last = NULL;
	const char *after = NULL;
	struct param_word w;

	if (!cmdline || !cut_at)
		return false;
	for (;;) {
		const char *p;

		while (is_blank(*pos))
			pos++;
		if (!*pos)
			break;
		last = pos;
		p = pos;
		scan_word(&p, &w);
		after = p;
		pos = cmdline + (p - cmdline);
	}
	/*
	 * The last word runs into the cut if nothing follows it and the cut
	 * went on with it: a byte that is not a blank, or a quoted stretch.
	 */
	if (!last || *after || (!w.quote_open && is_blank(cut_at)))
		return false;
	report(problem, cookie, "malformed parameter", &w, "cut by the command line's length limit",
	       "word ignored");
	*last = '\0';
	return true;
}

/* ---- typed parameters -------------------------------------------------- */

static size_t append_u64(char *buf, size_t n, size_t size, uint64_t v)
{
	char digits[20];
	unsigned count = 0;

	do
		digits[count++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (count && n < size - 1)
		buf[n++] = digits[--count];
	buf[n] = '\0';
	return n;
}

/* "a|b|c", or "a, b or c" with @last_sep " or ": the choices, NULL entries left out. */
static size_t append_choices(char *buf, size_t n, size_t size, const struct kernel_param *p,
			     const char *sep, const char *last_sep)
{
	unsigned left = 0;

	for (unsigned i = 0; i < p->name_count; i++)
		left += p->names[i] != NULL;
	for (unsigned i = 0; i < p->name_count; i++) {
		if (!p->names[i])
			continue;
		n = append(buf, n, size, p->names[i]);
		if (--left)
			n = append(buf, n, size, left == 1 ? last_sep : sep);
	}
	return n;
}

/* The whole range of a u64: no bounds worth naming. */
static bool any_number(const struct kernel_param *p)
{
	return p->kind == PARAM_KIND_U64 && p->lo == 0 && p->hi == UINT64_MAX;
}

static const char *refusal(const struct kernel_param *p, char why[PARAM_REASON_MAX])
{
	size_t n;

	switch (p->kind) {
	case PARAM_KIND_BOOL:
		return "expected on or off";
	case PARAM_KIND_FLAG:
		return "takes no value";
	case PARAM_KIND_ENUM:
		n = append(why, 0, PARAM_REASON_MAX, "expected ");
		append_choices(why, n, PARAM_REASON_MAX, p, ", ", " or ");
		return why;
	default:
		if (any_number(p))
			return "expected a number";
		n = append(why, 0, PARAM_REASON_MAX, "expected a number from ");
		n = append_u64(why, n, PARAM_REASON_MAX, p->lo);
		n = append(why, n, PARAM_REASON_MAX, " to ");
		append_u64(why, n, PARAM_REASON_MAX, p->hi);
		return why;
	}
}

/* Parse @value as @p's kind into its variable; false (the variable untouched) if refused. */
static bool set_typed(const struct kernel_param *p, const char *value)
{
	unsigned long long v;
	bool b;
	int choice;

	switch (p->kind) {
	case PARAM_KIND_UINT:
	case PARAM_KIND_INT:
	case PARAM_KIND_U64:
		if (!param_parse_u64_in(value, p->lo, p->hi, &v))
			return false;
		if (p->kind == PARAM_KIND_UINT)
			*p->var.uint = (unsigned)v;
		else if (p->kind == PARAM_KIND_INT)
			*p->var.sint = (int)v;
		else
			*p->var.u64 = v;
		return true;
	case PARAM_KIND_BOOL:
		if (!param_parse_bool(value, &b))
			return false;
		*p->var.flag = b;
		return true;
	case PARAM_KIND_FLAG:
		if (value)
			return false;
		*p->var.flag = true;
		return true;
	case PARAM_KIND_ENUM:
		choice = param_parse_choice(value, p->names, p->name_count);
		if (choice < 0)
			return false;
		*p->var.uint = (unsigned)choice;
		return true;
	default:
		return false;
	}
}

const char *param_set(const struct kernel_param *p, const char *value, char why[PARAM_REASON_MAX])
{
	if (p->kind == PARAM_KIND_SETTER)
		return p->set(value);
	if (!set_typed(p, value))
		return refusal(p, why);
	if (p->then)
		p->then();
	return NULL;
}

const char *param_describe(const struct kernel_param *p, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	switch (p->kind) {
	case PARAM_KIND_UINT:
	case PARAM_KIND_INT:
	case PARAM_KIND_U64:
		if (!any_number(p)) {
			n = append_u64(buf, n, size, p->lo);
			n = append(buf, n, size, "-");
			append_u64(buf, n, size, p->hi);
		}
		return "number";
	case PARAM_KIND_BOOL:
		append(buf, n, size, "on|off");
		return "bool";
	case PARAM_KIND_FLAG:
		return "flag";
	case PARAM_KIND_ENUM:
		append_choices(buf, n, size, p, "|", "|");
		return "choice";
	default:
		return "custom";
	}
}

/* ---- helpers for setters ------------------------------------------------ */

bool param_parse_u64_in(const char *value, unsigned long long lo, unsigned long long hi,
			unsigned long long *out)
{
	unsigned long long v;

	if (!param_parse_u64(value, &v) || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

bool param_parse_u64(const char *value, unsigned long long *out)
{
	unsigned long long v = 0, base = 10, digit, shift = 0;
	const char *s = value;

	if (!s || !*s)
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return false;
	}
	for (; *s; s++) {
		char c = *s;

		if (c >= '0' && c <= '9')
			digit = (unsigned long long)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			digit = (unsigned long long)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			digit = (unsigned long long)(c - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - digit) / base)
			return false;
		v = v * base + digit;
	}
	if (s == value || (base == 16 && s == value + 2))
		return false;
	switch (*s) {
	case '\0': break;
	case 'k': case 'K': shift = 10; s++; break;
	case 'm': case 'M': shift = 20; s++; break;
	case 'g': case 'G': shift = 30; s++; break;
	default: return false;
	}
	if (*s || (shift && v > (UINT64_MAX >> shift)))
		return false;
	*out = v << shift;
	return true;
}

static bool word_is(const char *value, const char *word)
{
	return names_equal(word, value, str_len(value));
}

int param_parse_choice(const char *value, const char *const *names, unsigned count)
{
	if (!value)
		return -1;
	for (unsigned i = 0; i < count; i++)
		if (names[i] && word_is(value, names[i]))
			return (int)i;
	return -1;
}

bool param_parse_bool(const char *value, bool *out)
{
	if (!value || word_is(value, "1") || word_is(value, "on") || word_is(value, "yes") ||
	    word_is(value, "true")) {
		*out = true;
		return true;
	}
	if (word_is(value, "0") || word_is(value, "off") || word_is(value, "no") ||
	    word_is(value, "false")) {
		*out = false;
		return true;
	}
	return false;
}
