// SPDX-License-Identifier: MIT
/*
 * fuzz_fwmap - mm/fwmap.c's normalizer on any memory map.
 *
 * Input: one byte choosing the spare capacity, then 20-byte ranges
 * (u64 start, u64 end, u32 type; end below start is allowed: firmware bugs
 * are what the normalizer is for). The array is a heap block of exactly
 * the capacity, so scratch use past it trips AddressSanitizer. Afterwards
 * the map must keep every promise of fwmap.h, and no byte that any input
 * range called other than usable may come out usable.
 */
#include "mm/fwmap.h"
#include "tests/fuzz/fuzz.h"

#define RANGE_BYTES 20
#define RANGES_MAX 128 /* physmem keeps half of 256 firmware ranges, like this */

static uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* An end below the start reads as reaching the top of the address space (fwmap.c). */
static bool overlaps(const struct fw_mem_range *a, const struct fw_mem_range *b)
{
	uint64_t b_end = b->end < b->start ? UINT64_MAX : b->end;

	return b->start != b->end && a->start < b_end && b->start < a->end;
}

static void check_normalized(const struct fw_mem_range *in, size_t in_count,
			     const struct fw_mem_range *out, size_t n, size_t capacity)
{
	FUZZ_CHECK(n <= capacity);
	for (size_t i = 0; i < n; i++) {
		const struct fw_mem_range *r = &out[i];

		FUZZ_CHECK(r->start < r->end);
		FUZZ_CHECK(r->end <= FWMAP_PHYS_LIMIT);
		FUZZ_CHECK(r->type >= FW_MEM_USABLE && r->type <= FW_MEM_BAD);
		if (i + 1 < n) {
			FUZZ_CHECK(r->end <= out[i + 1].start);
			FUZZ_CHECK(r->end < out[i + 1].start || r->type != out[i + 1].type);
		}
		if (r->type != FW_MEM_USABLE)
			continue;
		FUZZ_CHECK(r->start % PAGE_SIZE == 0 && r->end % PAGE_SIZE == 0);
		for (size_t j = 0; j < in_count; j++)
			FUZZ_CHECK(in[j].type == FW_MEM_USABLE ||
				   !overlaps(r, &in[j]));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fw_mem_range in[RANGES_MAX];
	struct fw_mem_range *ranges;
	struct fwmap_repairs repairs;
	size_t count, capacity, n;

	if (size < 1)
		return 0;
	count = (size - 1) / RANGE_BYTES;
	if (count > RANGES_MAX)
		count = RANGES_MAX;
	/* From no spare slot (ranges get dropped) to the 3x a split can need. */
	capacity = count + data[0] % (2 * count + 1);
	ranges = malloc((capacity ? capacity : 1) * sizeof(*ranges));
	FUZZ_CHECK(ranges);
	for (size_t i = 0; i < count; i++) {
		const uint8_t *p = data + 1 + i * RANGE_BYTES;

		in[i] = (struct fw_mem_range){ .start = le64(p), .end = le64(p + 8),
					       .type = le32(p + 16) };
		ranges[i] = in[i];
	}
	n = fwmap_normalize(ranges, count, capacity, &repairs);
	check_normalized(in, count, ranges, n, capacity);
	free(ranges);
	return 0;
}
