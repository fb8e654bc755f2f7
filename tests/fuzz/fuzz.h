/* SPDX-License-Identifier: MIT */
/*
 * fuzz - what the libFuzzer targets share: a check that aborts (so libFuzzer
 * keeps the input) with the broken property, and a problem callback that
 * reads every string it is handed, so a report built from unterminated or
 * freed memory trips AddressSanitizer instead of passing unseen.
 */
#ifndef MEMINIT_TESTS_FUZZ_FUZZ_H
#define MEMINIT_TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                  \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, \
				#cond);                                                   \
			abort();                                                          \
		}                                                                         \
	} while (0)

/* Matches every parser's problem callback type. */
static inline void fuzz_problem(void *cookie, const char *what, const char *detail,
				const char *action)
{
	volatile size_t n = strlen(what) + strlen(detail) + strlen(action);

	(void)cookie;
	(void)n;
}

#endif
