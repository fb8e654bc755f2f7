// SPDX-License-Identifier: MIT
#include "mm/carve.h"

#include "init/params.h"

/* "SIZE$START" in [s, end): one range, or false. */
static bool parse_one(const char *s, const char *end, struct fw_mem_range *out)
{
	char size_text[32], start_text[32];
	unsigned long long size, start;
	const char *dollar = s;
	size_t n;

	while (dollar < end && *dollar != '$')
		dollar++;
	if (dollar == end || dollar - s >= (long)sizeof(size_text) || end - dollar - 1 >= (long)sizeof(start_text))
		return false;
	for (n = 0; s + n < dollar; n++)
		size_text[n] = s[n];
	size_text[n] = '\0';
	for (n = 0; dollar + 1 + n < end; n++)
		start_text[n] = dollar[1 + n];
	start_text[n] = '\0';
	if (!param_parse_u64(size_text, &size) || !param_parse_u64(start_text, &start) || !size ||
	    start >= FWMAP_PHYS_LIMIT || size > FWMAP_PHYS_LIMIT - start)
		return false;
	/* Outward to whole pages: a partly carved page is not RAM either. */
	out->start = start & ~(PAGE_SIZE - 1);
	out->end = (start + size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	out->type = FW_MEM_RESERVED;
	return true;
}

const char *carve_parse(struct carve_list *list, const char *value)
{
	struct carve_list next = *list;
	const char *s = value;

	if (!value || !*value)
		return "expected SIZE$START[,SIZE$START...], e.g. 64M$0x40000000";
	for (;;) {
		const char *end = s;

		while (*end && *end != ',')
			end++;
		if (next.count == CARVE_MAX)
			return "at most " PARAM_STR(CARVE_MAX) " ranges";
		if (!parse_one(s, end, &next.range[next.count]))
			return "expected SIZE$START (reserve; the @, # and ! forms are not supported), "
			       "SIZE > 0, below 2^52";
		next.count++;
		if (!*end)
			break;
		s = end + 1;
	}
	*list = next;
	return NULL;
}

size_t carve_apply(struct fw_mem_range *map, size_t count, size_t capacity,
		   const struct carve_list *list, unsigned *dropped)
{
	struct fwmap_repairs repairs = { 0 };
	size_t i;

	for (i = 0; i < list->count && count < capacity; i++)
		map[count++] = list->range[i];
	*dropped = (unsigned)(list->count - i);
	/* Reserved is stricter than usable: normalizing again cuts the holes. */
	count = fwmap_normalize(map, count, capacity, &repairs);
	*dropped += repairs.dropped;
	return count;
}
