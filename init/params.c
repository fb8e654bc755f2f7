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
	if (quoted)
		w->problem = "unterminated quote";

	w->has_value = has_eq;
	if (!copy_bounded(w->name, sizeof(w->name), cooked, has_eq ? eq : len)) {
		copy_bounded(w->name, sizeof(w->name), cooked, sizeof(w->name) - 1);
		w->problem = "name too long";
		return;
	}
	if (!w->name[0] && !w->problem)
		w->problem = "empty name";
	if (has_eq && (too_long || !copy_bounded(w->value, sizeof(w->value), cooked + eq + 1,
						   len - eq - 1)))
		w->problem = "value too long";
}

/* Report "NAME: reason", or "NAME=VALUE: reason" for a refused value, as the detail, cut to fit. */
static void report(param_problem_fn problem, void *cookie, const char *what,
		   const char *name, const char *value, const char *reason, const char *action)
{
	char detail[PARAM_NAME_MAX + PARAM_VALUE_MAX + 80];
	size_t n = 0;
	const char *s;

	for (s = name; *s && n < sizeof(detail) - 1; s++)
		detail[n++] = *s;
	for (s = value ? "=" : ""; *s && n < sizeof(detail) - 1; s++)
		detail[n++] = *s;
	for (s = value ? value : ""; *s && n < sizeof(detail) - 1; s++)
		detail[n++] = *s;
	for (s = reason ? ": " : ""; *s && n < sizeof(detail) - 1; s++)
		detail[n++] = *s;
	for (s = reason ? reason : ""; *s && n < sizeof(detail) - 1; s++)
		detail[n++] = *s;
	detail[n] = '\0';
	problem(cookie, what, detail, action);
}

unsigned params_parse(const char *cmdline, const struct kernel_param *begin,
		      const struct kernel_param *end, param_problem_fn problem,
		      void *cookie)
{
	const char *pos = cmdline;
	unsigned problems = 0;
	struct param_word w;

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
			report(problem, cookie, "malformed parameter", w.name, NULL, w.problem,
			       "word ignored");
			problems++;
			continue;
		}
		p = params_find(begin, end, w.name, str_len(w.name));
		if (!p) {
			report(problem, cookie, "unknown parameter", w.name, NULL, NULL,
			       "ignored; 'help' lists the parameters");
			problems++;
			continue;
		}
		reason = p->set(w.has_value ? w.value : NULL);
		if (reason) {
			report(problem, cookie, "bad parameter value", w.name,
			       w.has_value ? w.value : NULL, reason,
			       "ignored, default kept");
			problems++;
		}
	}
	return problems;
}

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
