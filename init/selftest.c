// SPDX-License-Identifier: MIT
#include "init/selftest.h"

#include "init/params.h"
#include "init/record.h"
#include "arch/x86_64/string.h"

extern const struct selftest __start_selftests[], __stop_selftests[];

#define SELFTEST_NAMES_MAX 128

/* What selftest= asked for: a comma-separated list of names, or "all". */
static char selftest_request[SELFTEST_NAMES_MAX];

static bool name_in_list(const char *name, const char *list)
{
	size_t n = strlen(name);

	for (const char *p = list; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if ((len == n && memcmp(p, name, n) == 0) || (len == 3 && memcmp(p, "all", 3) == 0))
			return true;
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}

static const char *set_selftest(const char *value)
{
	if (!value || !*value)
		return "needs a test name or 'all'";
	if (strlen(value) >= sizeof(selftest_request))
		return "list too long (under " PARAM_STR(SELFTEST_NAMES_MAX) " characters)";
	/* Every name must exist, or a typo would silently run nothing. */
	for (const char *p = value; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		bool known = len == 3 && memcmp(p, "all", 3) == 0;

		for (const struct selftest *t = __start_selftests; t < __stop_selftests && !known; t++)
			known = strlen(t->name) == len && memcmp(t->name, p, len) == 0;
		if (!known)
			return "no such self-test (selftest=all lists them as @test records)";
		if (!comma)
			break;
		p = comma + 1;
	}
	strcpy(selftest_request, value);
	return NULL;
}
PARAM("selftest", set_selftest, "run in-kernel self-tests: NAME[,NAME...] or all");

bool selftests_run(void)
{
	bool all_ok = true;

	if (!selftest_request[0])
		return true;
	for (const struct selftest *t = __start_selftests; t < __stop_selftests; t++) {
		char detail[256] = "";
		struct record r;
		bool ok;

		if (!name_in_list(t->name, selftest_request))
			continue;
		ok = t->run(detail, sizeof(detail));
		all_ok &= ok;
		record_begin(&r, "test");
		rec_str(&r, "name", t->name);
		rec_bool(&r, "ok", ok);
		rec_str(&r, "detail", detail);
		record_end(&r);
	}
	return all_ok;
}
