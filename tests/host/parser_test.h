/* SPDX-License-Identifier: MIT */
/*
 * parser_test - what the tests of the parsers of firmware input (multiboot2,
 * ACPI tables) share: writing the little-endian fields of crafted input,
 * handing the parser an exact-size heap copy of it, and recording every
 * problem the parser reports so a test can insist on the ones it provokes.
 *
 *	static struct problems probs;
 *	...
 *	memset(&probs, 0, sizeof(probs));
 *	parse(data, len, on_problem, &probs);
 *	CHECK(reported(&probs, "acpi madt", "bad checksum", "table ignored"));
 */
#ifndef MEMINIT_TESTS_HOST_PARSER_TEST_H
#define MEMINIT_TESTS_HOST_PARSER_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/host/check.h"

/* ---- writing fields (x86 is little-endian, like the formats) ----------- */

static inline void put_u16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void put_u64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/*
 * A copy of @len bytes at @shift bytes into a heap block, nothing readable
 * after it: a read past the input trips AddressSanitizer, and an odd @shift
 * catches misaligned reads. *@data is the copy; free() the block returned.
 */
static inline uint8_t *heap_copy(const void *src, size_t len, size_t shift, const uint8_t **data)
{
	uint8_t *mem = malloc(len + shift ? len + shift : 1);

	if (!mem)
		abort();
	memcpy(mem + shift, src, len);
	*data = mem + shift;
	return mem;
}

/* ---- recording problems ------------------------------------------------ */

#define PROBLEMS_KEPT 32

struct problems {
	unsigned count; /* all reports, kept or not */
	char what[PROBLEMS_KEPT][64];
	char detail[PROBLEMS_KEPT][160];
	char action[PROBLEMS_KEPT][64];
};

/* The problem callback; @cookie is a struct problems. */
static inline void on_problem(void *cookie, const char *what, const char *detail,
			      const char *action)
{
	struct problems *p = cookie;

	CHECK(what && detail && action);
	if (!what || !detail || !action)
		return;
	if (p->count < PROBLEMS_KEPT) {
		copy_text(p->what[p->count], sizeof(p->what[0]), what);
		copy_text(p->detail[p->count], sizeof(p->detail[0]), detail);
		copy_text(p->action[p->count], sizeof(p->action[0]), action);
	} else {
		(void)strlen(what);
		(void)strlen(detail);
		(void)strlen(action);
	}
	p->count++;
}

static inline void dump_problems(const struct problems *p)
{
	for (unsigned i = 0; i < p->count && i < PROBLEMS_KEPT; i++)
		fprintf(stderr, "    %s | %s | %s\n", p->what[i], p->detail[i], p->action[i]);
}

/* Was a problem reported whose what is @what, detail contains @detail, action contains @action? */
static inline bool reported(const struct problems *p, const char *what, const char *detail,
			    const char *action)
{
	for (unsigned i = 0; i < p->count && i < PROBLEMS_KEPT; i++)
		if (!strcmp(p->what[i], what) && strstr(p->detail[i], detail) &&
		    strstr(p->action[i], action))
			return true;
	if (check_should_print()) {
		fprintf(stderr, "  wanted: %s | ...%s... | ...%s...\n  got %u:\n", what, detail,
			action, p->count);
		dump_problems(p);
	}
	return false;
}

static inline bool no_problems(const struct problems *p)
{
	if (p->count && check_should_print()) {
		fprintf(stderr, "  unexpected problems:\n");
		dump_problems(p);
	}
	return p->count == 0;
}

#endif
