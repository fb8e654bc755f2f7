// SPDX-License-Identifier: MIT
/*
 * slit - the distance matrix of the SLIT (ACPI 6.4, 5.2.17).
 *
 * All or nothing: a matrix with one impossible value says the firmware got
 * the whole table wrong, and 10 local / 20 remote is a better guess than a
 * half-believed matrix. So the table is checked completely before @out is
 * written, and a rejected table leaves @out untouched and *@n at 0.
 * @out gets the table's own layout, N x N with rows N wide, which is what
 * numa_build() indexes; bytes of @out past N*N are left alone.
 */
#include "smp/acpi_tables.h"

#include "arch/x86_64/unaligned.h"
#include "init/detail.h"

/* 5.2.17: header, u64 Number of System Localities N, then N*N u8 entries, row-major. */
#define SLIT_COUNT_OFF 36
#define SLIT_ENTRIES_OFF 44

#define SLIT_REJECTED "using 10/20 distances"

static void reject(acpi_problem_fn problem, void *cookie, const struct detail *d)
{
	if (problem)
		problem(cookie, "acpi slit", d->buf, SLIT_REJECTED);
}

/* Does the table hold N*N entries, and do they fit in @max_n x @max_n? */
static bool size_ok(uint64_t count, uint32_t length, unsigned max_n, struct detail *d)
{
	uint64_t room = length - SLIT_ENTRIES_OFF;

	if (count == 0) {
		detail_add(d, "no localities");
		return false;
	}
	/* count <= room < 2^32 first, so count * count cannot overflow. */
	if (count > room || count * count > room) {
		detail_add(d, "N ");
		detail_num(d, count);
		detail_add(d, " needs N*N entries, table holds ");
		detail_num(d, room);
		return false;
	}
	if (count > max_n) {
		detail_add(d, "N ");
		detail_num(d, count);
		detail_add(d, " above the ");
		detail_num(d, max_n);
		detail_add(d, " domains kept");
		return false;
	}
	return true;
}

/*
 * 5.2.17: a locality's distance to itself is 10; values 0-9 are reserved,
 * 255 means unreachable (allowed), and the matrix need not be symmetric.
 */
static bool distances_ok(const uint8_t *m, unsigned count, struct detail *d)
{
	for (unsigned i = 0; i < count; i++) {
		for (unsigned j = 0; j < count; j++) {
			uint8_t v = m[(size_t)i * count + j];

			if (i == j ? v == SLIT_LOCAL : v >= SLIT_LOCAL)
				continue;
			detail_add(d, "entry [");
			detail_num(d, i);
			detail_add(d, "][");
			detail_num(d, j);
			detail_add(d, "] is ");
			detail_num(d, v);
			detail_add(d, i == j ? ", not 10" : ", below 10");
			return false;
		}
	}
	return true;
}

bool slit_parse(const struct acpi_header *slit, uint8_t *out, unsigned max_n, unsigned *n,
		acpi_problem_fn problem, void *problem_cookie)
{
	const uint8_t *t = (const uint8_t *)slit, *m;
	struct detail d = { .len = 0 };
	unsigned count;

	*n = 0;
	if (!acpi_table_usable(slit, "SLIT", SLIT_ENTRIES_OFF, "acpi slit", SLIT_REJECTED,
			       SLIT_REJECTED, problem, problem_cookie))
		return false;
	if (!size_ok(get_le64(t + SLIT_COUNT_OFF), get_le32(t + 4), max_n, &d)) {
		reject(problem, problem_cookie, &d);
		return false;
	}
	count = (unsigned)get_le64(t + SLIT_COUNT_OFF);
	m = t + SLIT_ENTRIES_OFF;
	if (!distances_ok(m, count, &d)) {
		reject(problem, problem_cookie, &d);
		return false;
	}
	for (size_t i = 0; i < (size_t)count * count; i++)
		out[i] = m[i];
	*n = count;
	return true;
}
