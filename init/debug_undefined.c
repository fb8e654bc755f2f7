// SPDX-License-Identifier: MIT
/*
 * debug.undefined=KIND: commit one kind of undefined behaviour after @boot,
 * so tests can see the sanitized kernel catch it (an @error with file,
 * line and kind, and a failed boot). The measured kernel has no checks:
 * there the same code computes garbage, says so, and the boot goes on.
 */
#include <stdint.h>

#include "init/console.h"
#include "init/debug.h"
#include "init/params.h"

enum undefined_kind { UB_NONE, UB_SHIFT, UB_OVERFLOW, UB_INDEX, UB_SMASH };

static const char *const undefined_names[] = {
	[UB_SHIFT] = "shift", [UB_OVERFLOW] = "overflow", [UB_INDEX] = "index", [UB_SMASH] = "smash",
};

static enum undefined_kind requested;

PARAM_ENUM("debug.undefined", requested, undefined_names,
	   "commit undefined behaviour after @boot (smash: a stack buffer); the sanitized kernel stops");

/* Values the compiler cannot see through, so the checks stay in. */
static volatile int opaque_int = 40;
static volatile unsigned opaque_index = 9;

/* Out of line, so no bounds check knows how big @p is: only the canary can catch it. */
static void __attribute__((noinline)) fill(volatile char *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (char)i;
}

static int __attribute__((noinline)) smash_stack(unsigned n)
{
	char buf[16];

	fill(buf, n); /* past buf: the canary above it goes first */
	return buf[0];
}

void debug_undefined_if_asked(void)
{
	int table[8] = { 0 };
	int x = 0;

	switch (requested) {
	case UB_SHIFT:
		x = 1 << opaque_int;
		break;
	case UB_OVERFLOW:
		x = INT32_MAX - 1 + opaque_int;
		break;
	case UB_INDEX:
		x = table[opaque_index];
		break;
	case UB_SMASH:
		x = smash_stack(opaque_index * 4);
		break;
	default:
		return;
	}
	printk("meminit: debug.undefined=%s went unchecked (%d): this kernel is not sanitized\n",
	       undefined_names[requested], x);
}
