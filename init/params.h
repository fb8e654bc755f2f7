/* SPDX-License-Identifier: MIT */
/*
 * params - the kernel command line, as a registry of parameters.
 *
 * Each parameter is declared right under its parser with PARAM(), which
 * places a struct kernel_param in the "kparams" section; nobody edits a
 * central list to add one. The tokenizer and dispatcher here are pure C and
 * take the table as a [begin, end) pair, so host tests can hand it their own.
 *
 * Syntax: words separated by blanks; a word is NAME, NAME=VALUE or
 * NAME="VALUE WITH BLANKS" (a backslash escapes the next character, but
 * \" still quotes, as GRUB passes it). The last occurrence of a name wins.
 */
#ifndef MEMINIT_INIT_PARAMS_H
#define MEMINIT_INIT_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#define PARAM_NAME_MAX 48
#define PARAM_VALUE_MAX 256

/*
 * A setter gets the value (NULL for a bare NAME) and returns NULL when it
 * took it, or a short reason when it refused it. A setter that refuses
 * must leave its setting as it was: the registry then reports that the
 * parameter was ignored and the default kept.
 */
typedef const char *(*param_set_fn)(const char *value);

struct kernel_param {
	const char *name;
	param_set_fn set;
	const char *help; /* one line, printed by "help" */
};

#define PARAM_CONCAT_(a, b) a##b
#define PARAM_CONCAT(a, b) PARAM_CONCAT_(a, b)

/* Register a parameter; put it directly under its setter. */
#define PARAM(pname, setter, help_text)                                        \
	static const struct kernel_param PARAM_CONCAT(kparam_, __LINE__)      \
		__attribute__((used, section("kparams"), aligned(8))) = {      \
			.name = (pname), .set = (setter), .help = (help_text)  \
		}

typedef void (*param_problem_fn)(void *cookie, const char *what, const char *detail,
				 const char *action);

/*
 * params_parse - split @cmdline into words and hand each to its parameter.
 * Unknown names, refused values and malformed words (unterminated quote,
 * over-long name or value) are reported through @problem and skipped; the
 * rest of the line is still parsed. Returns the number of problems.
 */
unsigned params_parse(const char *cmdline, const struct kernel_param *begin,
		      const struct kernel_param *end, param_problem_fn problem,
		      void *cookie);

/* Find a parameter by name in [begin, end), or NULL. */
const struct kernel_param *params_find(const struct kernel_param *begin,
				       const struct kernel_param *end, const char *name,
				       size_t name_len);

/* Small helpers for setters (pure C, tested on the host). */
bool param_parse_u64(const char *value, unsigned long long *out); /* decimal or 0x hex, K/M/G suffix */
/* param_parse_u64, and @lo <= value <= @hi. */
bool param_parse_u64_in(const char *value, unsigned long long lo, unsigned long long hi,
			unsigned long long *out);
bool param_parse_bool(const char *value, bool *out);              /* NULL/1/on/yes/true, 0/off/no/false */
/* The index of @value in @names[0..count), or -1 (also for NULL values and NULL names). */
int param_parse_choice(const char *value, const char *const *names, unsigned count);

/* Kernel only: print every registered parameter with its help, if "help" was given. */
void params_print_help_if_asked(void);

#endif
