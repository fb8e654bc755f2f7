// SPDX-License-Identifier: MIT
/* Host tests for mm/carve.c: memmap=SIZE$START parsing and the holes it cuts. */
#include <string.h>

#include "mm/carve.h"
#include "tests/host/check.h"

#define U FW_MEM_USABLE
#define R FW_MEM_RESERVED

static void test_parse_forms(void)
{
	struct carve_list l = { 0 };

	CHECK(!carve_parse(&l, "64M$256M"));
	CHECK(!carve_parse(&l, "4K$0x1000,0x2000$0x5800"));
	CHECK_EQ_U64(l.count, 3);
	CHECK_EQ_U64(l.range[0].start, 256ull << 20);
	CHECK_EQ_U64(l.range[0].end, 320ull << 20);
	CHECK_EQ_U64(l.range[0].type, R);
	CHECK_EQ_U64(l.range[1].start, 0x1000);
	CHECK_EQ_U64(l.range[1].end, 0x2000);
	/* Unaligned: outward to whole pages. */
	CHECK_EQ_U64(l.range[2].start, 0x5000);
	CHECK_EQ_U64(l.range[2].end, 0x8000);
}

static void test_refused_values_add_nothing(void)
{
	static const char *const bad[] = { "", "64M", "$1G", "64M$", "0$1G", "1M@2M", "1M#2M", "1M!2M",
					   "64M$1G,", ",64M$1G", "64M$1G,junk", "1x$1G", "64M$1Gx",
					   "4503599627370497$0", "1$4503599627370496", "99999999999999999999$0" };
	struct carve_list l = { 0 };

	CHECK(!carve_parse(&l, "1M$1G"));
	for (size_t i = 0; i < COUNT_OF(bad); i++) {
		CHECK(carve_parse(&l, bad[i]) != NULL);
		CHECK_EQ_U64(l.count, 1);
	}
	CHECK(carve_parse(&l, NULL) != NULL);
}

static void test_as_many_as_a_command_line_holds(void)
{
	struct carve_list l = { 0 };
	char line[MB2_CMDLINE_MAX];
	size_t len = 0;

	/* The densest command line: "1$0," repeated; every range it names is kept. */
	while (len + 4 < sizeof(line)) {
		memcpy(line + len, "1$0,", 4);
		len += 4;
	}
	line[len - 1] = '\0';
	CHECK(!carve_parse(&l, line));
	CHECK_EQ_U64(l.count, len / 4);
	l.count = 0;

	for (int i = 0; i < CARVE_MAX; i++)
		CHECK(!carve_parse(&l, "4K$0x100000"));
	CHECK(carve_parse(&l, "4K$0x100000") != NULL);
	CHECK_EQ_U64(l.count, CARVE_MAX);
	/* A list that would pass the limit midway adds none of it. */
	l.count = CARVE_MAX - 1;
	CHECK(carve_parse(&l, "4K$0,4K$0x1000") != NULL);
	CHECK_EQ_U64(l.count, CARVE_MAX - 1);
}

static void test_apply_mid_range_and_across(void)
{
	struct fw_mem_range map[16] = {
		{ 0, 0x9f000, U }, { 0x9f000, 0x100000, R }, { 0x100000, 0x40000000, U },
		{ 0x40000000, 0x80000000, U + 2 /* ACPI NVS: must stay NVS */ },
	};
	struct carve_list l = { 0 };
	unsigned dropped;
	size_t n;

	map[3].type = FW_MEM_ACPI_NVS;
	CHECK(!carve_parse(&l, "1M$0x200000,2M$0x3ff00000"));
	n = carve_apply(map, 4, COUNT_OF(map), &l, &dropped);
	CHECK_EQ_U64(dropped, 0);
	CHECK_EQ_U64(n, 7);
	CHECK_EQ_U64(fwmap_total(map, n, U), 0x9f000 + (0x40000000 - 0x100000) - 0x100000 - 0x100000);
	/* The hole mid-range, and the one across the usable/NVS boundary. */
	CHECK(map[2].start == 0x100000 && map[2].end == 0x200000 && map[2].type == U);
	CHECK(map[3].start == 0x200000 && map[3].end == 0x300000 && map[3].type == R);
	CHECK(map[4].start == 0x300000 && map[4].end == 0x3ff00000 && map[4].type == U);
	CHECK(map[5].start == 0x3ff00000 && map[5].end == 0x40000000 && map[5].type == R);
	CHECK(map[6].start == 0x40000000 && map[6].type == FW_MEM_ACPI_NVS);
}

static void test_apply_thousand_ranges(void)
{
	/*
	 * A firmware map of 1000 usable ranges (1 MiB each, 1 MiB apart) and a
	 * carve in the middle of each of the first CARVE_MAX: every carve cuts,
	 * none is dropped, the usable total is exact.
	 */
	static struct fw_mem_range map[2 * (1000 + 2 * CARVE_MAX)];
	struct carve_list l = { 0 };
	unsigned dropped;
	size_t n;

	for (unsigned i = 0; i < 1000; i++)
		map[i] = (struct fw_mem_range){ i * 2 * MiB, i * 2 * MiB + MiB, U };
	for (unsigned i = 0; i < CARVE_MAX; i++)
		l.range[l.count++] = (struct fw_mem_range){ i * 2 * MiB + 0x80000, i * 2 * MiB + 0x81000, R };
	n = carve_apply(map, 1000, COUNT_OF(map), &l, &dropped);
	CHECK_EQ_U64(dropped, 0);
	CHECK_EQ_U64(n, 1000 + 2 * CARVE_MAX);
	CHECK_EQ_U64(fwmap_total(map, n, U), 1000 * MiB - CARVE_MAX * 0x1000ull);
	CHECK_EQ_U64(fwmap_total(map, n, R), CARVE_MAX * 0x1000ull);
}

static void test_apply_without_room(void)
{
	struct fw_mem_range map[3] = { { 0, 0x100000, U } };
	struct carve_list l = { 0 };
	unsigned dropped;

	CHECK(!carve_parse(&l, "4K$0x1000,4K$0x3000,4K$0x5000"));
	carve_apply(map, 1, COUNT_OF(map), &l, &dropped);
	CHECK(dropped > 0);
}

CHECK_MAIN(CHECK_TEST(test_parse_forms), CHECK_TEST(test_refused_values_add_nothing),
	   CHECK_TEST(test_as_many_as_a_command_line_holds),
	   CHECK_TEST(test_apply_thousand_ranges), CHECK_TEST(test_apply_mid_range_and_across),
	   CHECK_TEST(test_apply_without_room))
