/* SPDX-License-Identifier: MIT */
/*
 * selftest - in-kernel self-tests, declared beside the code they test.
 *
 *	static bool test_printk(char *detail, size_t len) { ... }
 *	SELFTEST("printk", test_printk);
 *
 * `selftest=NAME` runs one, `selftest=all` runs every one, each printing
 * @test {"name", "ok", "detail"}. A test fills @detail (a short reason on
 * failure, a measurement or a summary on success) and returns its verdict.
 */
#ifndef MEMINIT_INIT_SELFTEST_H
#define MEMINIT_INIT_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>

typedef bool (*selftest_fn)(char *detail, size_t detail_len);

struct selftest {
	const char *name;
	selftest_fn run;
};

#define SELFTEST_CONCAT_(a, b) a##b
#define SELFTEST_CONCAT(a, b) SELFTEST_CONCAT_(a, b)
#define SELFTEST(tname, fn)                                                     \
	static const struct selftest SELFTEST_CONCAT(selftest_, __LINE__)      \
		__attribute__((used, section("selftests"), aligned(8))) = {     \
			.name = (tname), .run = (fn)                            \
		}

/* Run what selftest= asked for (nothing if it was not given). Returns false if any failed. */
bool selftests_run(void);

#endif
