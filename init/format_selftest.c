// SPDX-License-Identifier: MIT
/* Self-test of kvsnprintf in the kernel's own build (freestanding, -mno-sse). */
#include "arch/x86_64/string.h"
#include "init/format.h"
#include "init/selftest.h"

struct format_case {
	const char *expect;
	int len;
	char got[64];
};

static bool expect(struct format_case *c, char *detail, size_t detail_len)
{
	if (strcmp(c->got, c->expect) == 0 && c->len == (int)strlen(c->expect))
		return true;
	ksnprintf(detail, detail_len, "got \"%s\" (%d), expected \"%s\"", c->got, c->len, c->expect);
	return false;
}

static bool test_format(char *detail, size_t detail_len)
{
	struct format_case c;
	char small[4];
	int n;

#define CASE(want, ...)                                                  \
	do {                                                             \
		c.expect = want;                                         \
		c.len = ksnprintf(c.got, sizeof(c.got), __VA_ARGS__);    \
		if (!expect(&c, detail, detail_len))                     \
			return false;                                    \
	} while (0)

	CASE("42 -7 0", "%d %i %u", 42, -7, 0u);
	CASE("ffffffffffffffff", "%lx", ~0ul);
	CASE("0x1f 0", "%#x %#x", 31u, 0u);
	CASE("[  abc][abc  ][ab]", "[%5s][%-5s][%.2s]", "abc", "abc", "abc");
	CASE("00042|-42|+5", "%05d|%d|%+d", 42, -42, 5);
	CASE("-9223372036854775808", "%lld", (long long)(-9223372036854775807ll - 1));
	CASE("18446744073709551615", "%llu", 18446744073709551615ull);
	CASE("100% x", "100%% %c", 'x');
	{
		const char *volatile null_string = 0; /* volatile: a literal NULL is a compile-time warning */

		CASE("(null)", "%s", null_string);
	}
#undef CASE
	n = ksnprintf(small, sizeof(small), "%s", "truncated");
	if (n != 9 || strcmp(small, "tru") != 0) {
		ksnprintf(detail, detail_len, "truncation: %d \"%s\"", n, small);
		return false;
	}
	ksnprintf(detail, detail_len, "10 formats");
	return true;
}
SELFTEST("format", test_format);
