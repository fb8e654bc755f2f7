/* SPDX-License-Identifier: MIT */
/*
 * check - the smallest test framework that does the job.
 *
 * A test is a void function that uses CHECK()/CHECK_EQ_U64()/CHECK_STR_EQ();
 * a failed check prints file:line and the values, and the test goes on, so
 * one run shows every failure. Each test program ends with
 *
 *	CHECK_MAIN(CHECK_TEST(test_one), CHECK_TEST(test_two));
 *
 * which runs the tests in order, prints "N passed, M failed" (tests, not
 * checks) and exits nonzero if anything failed. A few helpers every test
 * may want (sizes, COUNT_OF, compare_u64, copy_text) come along.
 */
#ifndef MEMINIT_TESTS_HOST_CHECK_H
#define MEMINIT_TESTS_HOST_CHECK_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Property tests run thousands of checks; past this many failures, stay quiet. */
#define CHECK_PRINT_MAX 40

static unsigned long check_failed_checks;
static unsigned long check_total_checks;

static inline int check_should_print(void)
{
	return check_failed_checks <= CHECK_PRINT_MAX;
}

static inline void check_fail_header(const char *file, int line)
{
	check_failed_checks++;
	if (check_should_print())
		fprintf(stderr, "%s:%d: ", file, line);
}

#define CHECK(cond)                                                                \
	do {                                                                       \
		check_total_checks++;                                              \
		if (!(cond)) {                                                     \
			check_fail_header(__FILE__, __LINE__);                     \
			if (check_should_print())                                  \
				fprintf(stderr, "CHECK(%s) failed\n", #cond);      \
		}                                                                  \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                         \
	do {                                                                       \
		uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);       \
		check_total_checks++;                                              \
		if (check_a_ != check_b_) {                                        \
			check_fail_header(__FILE__, __LINE__);                     \
			if (check_should_print())                                  \
				fprintf(stderr,                                    \
					"CHECK_EQ_U64(%s, %s) failed: 0x%" PRIx64  \
					" (%" PRIu64 ") != 0x%" PRIx64 " (%" PRIu64 \
					")\n",                                     \
					#a, #b, check_a_, check_a_, check_b_,      \
					check_b_);                                 \
		}                                                                  \
	} while (0)

#define CHECK_STR_EQ(a, b)                                                         \
	do {                                                                       \
		const char *check_a_ = (a), *check_b_ = (b);                       \
		check_total_checks++;                                              \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {   \
			check_fail_header(__FILE__, __LINE__);                     \
			if (check_should_print())                                  \
				fprintf(stderr,                                    \
					"CHECK_STR_EQ(%s, %s) failed: \"%s\" != "  \
					"\"%s\"\n",                                \
					#a, #b, check_a_ ? check_a_ : "(null)",    \
					check_b_ ? check_b_ : "(null)");           \
		}                                                                  \
	} while (0)

/* ---- small helpers the tests share ------------------------------------- */

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* qsort() order of uint64_t values. */
static inline int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* @src into @dst[@cap], cut to fit and terminated. */
static inline void copy_text(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src); /* under ASan: proves the string is terminated */

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---- running the tests ------------------------------------------------- */

struct check_test {
	const char *name;
	void (*run)(void);
};

#define CHECK_TEST(fn) { #fn, fn }

static inline int check_run_all(const struct check_test *tests, size_t n)
{
	unsigned passed = 0, failed = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned long before = check_failed_checks;

		tests[i].run();
		if (check_failed_checks == before) {
			passed++;
		} else {
			failed++;
			fprintf(stderr, "FAIL %s (%lu failed checks)\n", tests[i].name,
				check_failed_checks - before);
		}
	}
	printf("%lu checks, %lu failed\n", check_total_checks, check_failed_checks);
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

#define CHECK_MAIN(...)                                                            \
	int main(void)                                                             \
	{                                                                          \
		static const struct check_test check_tests_[] = { __VA_ARGS__ };   \
		return check_run_all(check_tests_,                                 \
				     sizeof(check_tests_) / sizeof(check_tests_[0])); \
	}

#endif
