// SPDX-License-Identifier: MIT
/*
 * sanitize - the runtime of the sanitized kernel (meminit-san.elf): what
 * -fsanitize=undefined and -fstack-protector-strong call when they catch
 * something. Only that build links this file; the measured kernel has no
 * checks at all.
 *
 * Every report becomes one @error naming the CPU, the file, line and kind,
 * and the boot ends with failure: undefined behaviour in a kernel that
 * measures itself leaves nothing after it worth measuring. The compiler
 * passes each handler a pointer to a record that starts with the source
 * location; the values involved are not decoded (the location and the kind
 * say where to look).
 */
#include <stdint.h>

#include "init/exit.h"
#include "init/format.h"
#include "init/record.h"
#include "smp/percpu.h"

struct source_location {
	const char *file;
	uint32_t line;
	uint32_t column;
};

static void __attribute__((noreturn)) sanitizer_failure(const char *what, const char *detail)
{
	static volatile int reporting;

	/* A report that itself trips a check would recurse: the first one is the one that matters. */
	if (__atomic_exchange_n(&reporting, 1, __ATOMIC_ACQ_REL)) {
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	record_errorf(what, "boot stopped with failure status", "cpu %u: %s", smp_processor_id(), detail);
	machine_exit(false);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/*
 * The file as the repository names it: the compiler records the path it was
 * given (absolute, under CMake), and the build machine's directories are
 * nobody's business.
 */
static const char *repository_path(const char *file)
{
	static const char *const tops[] = { "arch/", "init/", "mm/", "smp/", "strategies/" };

	for (const char *s = file; *s; s++) {
		if (s != file && s[-1] != '/')
			continue;
		for (unsigned i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
			const char *a = s, *b = tops[i];

			while (*b && *a == *b)
				a++, b++;
			if (!*b)
				return s;
		}
	}
	return file;
}

static void __attribute__((noreturn)) ubsan_report(const void *data, const char *kind)
{
	const struct source_location *loc = data;
	char detail[160];

	ksnprintf(detail, sizeof(detail), "%s:%u:%u: %s", loc->file ? repository_path(loc->file) : "?",
		  loc->line, loc->column, kind);
	sanitizer_failure("undefined behaviour", detail);
}

/* One handler per check the compiler emits; the arguments after the location are not read. */
#define UBSAN_HANDLER(name, kind, ...)                                  \
	void __ubsan_handle_##name(void *data, ##__VA_ARGS__);         \
	void __ubsan_handle_##name(void *data, ##__VA_ARGS__)          \
	{                                                               \
		ubsan_report(data, kind);                               \
	}

UBSAN_HANDLER(type_mismatch_v1, "misaligned or null access, or too small an object", void *p)
UBSAN_HANDLER(add_overflow, "signed addition overflow", void *a, void *b)
UBSAN_HANDLER(sub_overflow, "signed subtraction overflow", void *a, void *b)
UBSAN_HANDLER(mul_overflow, "signed multiplication overflow", void *a, void *b)
UBSAN_HANDLER(negate_overflow, "signed negation overflow", void *a)
UBSAN_HANDLER(divrem_overflow, "division by zero or overflow", void *a, void *b)
UBSAN_HANDLER(shift_out_of_bounds, "shift out of bounds", void *a, void *b)
UBSAN_HANDLER(out_of_bounds, "index out of bounds", void *index)
UBSAN_HANDLER(load_invalid_value, "load of an invalid value (bool or enum)", void *value)
UBSAN_HANDLER(vla_bound_not_positive, "variable-length array bound not positive", void *bound)
UBSAN_HANDLER(pointer_overflow, "pointer arithmetic overflow", void *base, void *result)
UBSAN_HANDLER(nonnull_arg, "null passed as a nonnull argument")
UBSAN_HANDLER(invalid_builtin, "invalid argument to a builtin")
UBSAN_HANDLER(builtin_unreachable, "unreachable code reached")
UBSAN_HANDLER(missing_return, "end of a value-returning function reached")
UBSAN_HANDLER(alignment_assumption, "alignment assumption violated", void *p, void *align, void *offset)

/* nonnull_return's location comes second: the first is the attribute's. */
void __ubsan_handle_nonnull_return_v1(void *data, void *loc);
void __ubsan_handle_nonnull_return_v1(void *data, void *loc)
{
	(void)data;
	ubsan_report(loc, "null returned from a returns_nonnull function");
}

/*
 * -fstack-protector-strong with -mstack-protector-guard=global: one canary
 * for every CPU. A constant, not a secret: it is here to catch overflows,
 * and it must already hold when the first protected function (kmain) is
 * entered, long before any entropy.
 */
uintptr_t __stack_chk_guard = 0x595e9fbd94fda766ull;

void __attribute__((noreturn)) __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	sanitizer_failure("stack protector", "a function's stack canary was overwritten (stack buffer overflow)");
}
