/* SPDX-License-Identifier: MIT */
/*
 * params - the kernel command line, as a registry of parameters.
 *
 * Each parameter is declared beside its variable, and each declaration
 * places a struct kernel_param in the "kparams" section; nobody edits a
 * central list to add one. Most are typed (PARAM_UINT, PARAM_ENUM, ...
 * below): the registry parses them and words their refusals from the same
 * limits. A parameter with its own syntax keeps a hand setter, PARAM().
 * The tokenizer and dispatcher here are pure C and take the table as a
 * [begin, end) pair, so host tests can hand it their own.
 *
 * Syntax: words separated by blanks; a word is NAME, NAME=VALUE or
 * NAME="VALUE WITH BLANKS" (a backslash escapes the next character, but
 * \" still quotes, as GRUB passes it). The last occurrence of a name wins.
 */
#ifndef MEMINIT_INIT_PARAMS_H
#define MEMINIT_INIT_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PARAM_NAME_MAX 48
#define PARAM_VALUE_MAX 256
/* Longest refusal a typed parameter writes ("expected pf, gp, ... or df"); longer is cut. */
#define PARAM_REASON_MAX 128

/*
 * A hand setter gets the value (NULL for a bare NAME) and returns NULL when
 * it took it, or a short reason when it refused it. A setter that refuses
 * must leave its setting as it was: the registry then reports that the
 * parameter was ignored and the default kept.
 */
typedef const char *(*param_set_fn)(const char *value);

/* What a parameter's value is; all but PARAM_KIND_SETTER are parsed here. */
enum param_kind {
	PARAM_KIND_SETTER, /* a hand setter: PARAM() */
	PARAM_KIND_UINT,   /* unsigned in [lo, hi] */
	PARAM_KIND_INT,    /* int in [lo, hi] (its default may be negative: "not asked") */
	PARAM_KIND_U64,    /* uint64_t in [lo, hi] */
	PARAM_KIND_BOOL,   /* bool: on|off (and 1/yes/true, 0/no/false); a bare NAME is on */
	PARAM_KIND_FLAG,   /* bool set by a bare NAME; takes no value */
	PARAM_KIND_ENUM,   /* unsigned: the index of the value in names[] */
};

struct kernel_param {
	const char *name;
	param_set_fn set;  /* PARAM_KIND_SETTER only */
	const char *help;  /* one line, printed by "help" */
	enum param_kind kind;
	union {
		unsigned *uint; /* PARAM_KIND_UINT, PARAM_KIND_ENUM */
		int *sint;
		uint64_t *u64;
		bool *flag; /* PARAM_KIND_BOOL, PARAM_KIND_FLAG */
	} var;
	uint64_t lo, hi;           /* numbers: the accepted range */
	const char *const *names;  /* PARAM_KIND_ENUM: NULL entries are no choice */
	unsigned name_count;
	void (*then)(void);        /* typed kinds: called after the variable took a value */
};

#define PARAM_CONCAT_(a, b) a##b
#define PARAM_CONCAT(a, b) PARAM_CONCAT_(a, b)
/* A limit's value as a string, for a hand setter's refusal: PARAM_STR(MAX_NODES) is "64". */
#define PARAM_STR_(x) #x
#define PARAM_STR(x) PARAM_STR_(x)

#define PARAM_ENTRY_(...)                                                      	static const struct kernel_param PARAM_CONCAT(kparam_, __LINE__)      		__attribute__((used, section("kparams"), aligned(8))) = { __VA_ARGS__ }

/* Register a parameter with a hand setter; put it directly under its setter. */
#define PARAM(pname, setter, help_text)                                        	PARAM_ENTRY_(.name = (pname), .set = (setter), .help = (help_text))

/*
 * Typed parameters: one line declares the variable's parameter, and the
 * registry parses the value, checks the range and writes the refusal
 * ("expected a number from LO to HI") from the same constants. A refused
 * value leaves the variable alone. The _THEN forms call @then() after the
 * variable changed, for a setting with a side effect. @var is a variable
 * (or a field of one) with static storage, of the type each names.
 */
#define PARAM_UINT_THEN(pname, var_, lo_, hi_, then_, help_text)               	PARAM_ENTRY_(.name = (pname), .help = (help_text), .kind = PARAM_KIND_UINT, 		     .var.uint = &(var_), .lo = (lo_), .hi = (hi_), .then = (then_))
#define PARAM_UINT(pname, var_, lo_, hi_, help_text)                           	PARAM_UINT_THEN(pname, var_, lo_, hi_, NULL, help_text)

#define PARAM_INT(pname, var_, lo_, hi_, help_text)                            	PARAM_ENTRY_(.name = (pname), .help = (help_text), .kind = PARAM_KIND_INT, 		     .var.sint = &(var_), .lo = (lo_), .hi = (hi_));               	_Static_assert((lo_) >= 0 && (lo_) <= (hi_) && (hi_) <= __INT_MAX__,   		       pname ": a command-line number is never negative")

#define PARAM_U64_THEN(pname, var_, lo_, hi_, then_, help_text)                	PARAM_ENTRY_(.name = (pname), .help = (help_text), .kind = PARAM_KIND_U64, 		     .var.u64 = &(var_), .lo = (lo_), .hi = (hi_), .then = (then_))
#define PARAM_U64(pname, var_, lo_, hi_, help_text)                            	PARAM_U64_THEN(pname, var_, lo_, hi_, NULL, help_text)

#define PARAM_BOOL_THEN(pname, var_, then_, help_text)                         	PARAM_ENTRY_(.name = (pname), .help = (help_text), .kind = PARAM_KIND_BOOL, 		     .var.flag = &(var_), .then = (then_))
#define PARAM_BOOL(pname, var_, help_text) PARAM_BOOL_THEN(pname, var_, NULL, help_text)

#define PARAM_FLAG(pname, var_, help_text)                                     	PARAM_ENTRY_(.name = (pname), .help = (help_text), .kind = PARAM_KIND_FLAG, 		     .var.flag = &(var_))

/* @names_: an array (not a pointer) of the choices' names, indexed by value. */
#define PARAM_ENUM_THEN(pname, var_, names_, then_, help_text)                 	PARAM_ENTRY_(.name = (pname), .help = (help_text), .kind = PARAM_KIND_ENUM, 		     .var.uint = &(var_), .names = (names_),                       		     .name_count = sizeof(names_) / sizeof((names_)[0]), .then = (then_)); 	_Static_assert(sizeof(var_) == sizeof(unsigned), pname ": an enum or unsigned variable")
#define PARAM_ENUM(pname, var_, names_, help_text)                             	PARAM_ENUM_THEN(pname, var_, names_, NULL, help_text)

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

/*
 * params_drop_cut_word - @cmdline was cut to fit its buffer, and @cut_at is
 * the first byte cut off ('\0': the line was whole, nothing to do). A cut
 * inside a word leaves a piece of it that would apply as another setting
 * (smp.maxcpus=12 cut to smp.maxcpus=1): end the line before that word and
 * report the piece as a malformed parameter. Returns true if a word went.
 */
bool params_drop_cut_word(char *cmdline, char cut_at, param_problem_fn problem, void *cookie);

/* Find a parameter by name in [begin, end), or NULL. */
const struct kernel_param *params_find(const struct kernel_param *begin,
				       const struct kernel_param *end, const char *name,
				       size_t name_len);

/*
 * param_set - hand @value (NULL for a bare NAME) to @p: its hand setter, or
 * the parse and range check of its kind. NULL when taken; else why not, a
 * static string or the text written into @why.
 */
const char *param_set(const struct kernel_param *p, const char *value, char why[PARAM_REASON_MAX]);

/*
 * What @p takes, for "help" and @param: its type ("number", "bool", "flag",
 * "choice", or "custom" for a hand setter) and its values into @buf ("1-64",
 * "on|off", "full|sample|off"; empty for a flag or a hand setter).
 */
const char *param_describe(const struct kernel_param *p, char *buf, size_t size);

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
