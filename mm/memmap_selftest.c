// SPDX-License-Identifier: MIT
/*
 * selftest=memmap_speed: what one struct page costs to write with the
 * kernel's own loops (__memmap_fill, plain and streaming stores, and
 * __memmap_fill_template with each memmap.template_store) next to a plain
 * memset of the same bytes, in the same boot, on the same memory,
 * alternating them all so host noise hits them alike. Prints one @fill
 * record per variant; the @test record checks only that the loop wrote
 * what it should.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/string.h"
#include "arch/x86_64/tsc.h"
#include "init/format.h"
#include "init/record.h"
#include "init/selftest.h"
#include "init/sort.h"
#include "mm/memmap_boot.h"

#define SCRATCH_BLOCKS 8 /* of MAX_ORDER: 8 x 4 MiB = 512 Ki struct pages */
#define ROUNDS 5

/* The template variants follow in enum template_store's order. */
enum fill_variant { FILL_MEMSET, FILL_LOOP, FILL_LOOP_STREAMING, FILL_TEMPLATE,
		    FILL_VARIANTS = FILL_TEMPLATE + TEMPLATE_STORES };

static const char *const variant_names[FILL_VARIANTS] = {
	"memset", "memmap_fill", "memmap_fill_streaming",
	[FILL_TEMPLATE + TEMPLATE_PLAIN] = "template_plain",
	[FILL_TEMPLATE + TEMPLATE_MOVNTI] = "template_movnti",
	[FILL_TEMPLATE + TEMPLATE_SSE] = "template_sse",
	[FILL_TEMPLATE + TEMPLATE_MOVNTDQ] = "template_movntdq",
};

struct scratch {
	struct page *blocks[SCRATCH_BLOCKS];
	unsigned count;
	uint64_t pages_per_block;
};

/* The memory of an allocated block, to be written as if it were struct pages. */
static struct page *block_memory(struct page *head)
{
	return phys_to_virt(page_to_pfn(&boot_memmap, head) << PAGE_SHIFT);
}

static uint64_t fill_once(const struct scratch *s, enum fill_variant v, const struct page *tmpl)
{
	uint64_t t0 = rdtsc_ordered();

	for (unsigned b = 0; b < s->count; b++) {
		/* The block's own memory, seen as struct pages. */
		struct page *arr = block_memory(s->blocks[b]);

		if (v == FILL_MEMSET)
			memset(arr, 0, s->pages_per_block * sizeof(struct page));
		else if (v >= FILL_TEMPLATE)
			__memmap_fill_template(arr, s->pages_per_block, tmpl,
					       (enum template_store)(v - FILL_TEMPLATE));
		else
			__memmap_fill(arr, s->pages_per_block, tmpl, v == FILL_LOOP_STREAMING);
	}
	return tsc_to_ns(rdtsc_ordered() - t0);
}

static void report_fill(enum fill_variant v, uint64_t pages, uint64_t *ns)
{
	struct record r;

	sort_u64(ns, ROUNDS);
	record_begin(&r, "fill");
	rec_str(&r, "what", variant_names[v]);
	rec_u64(&r, "pages", pages);
	rec_u64(&r, "rounds", ROUNDS);
	rec_u64(&r, "ns_per_page_min", ns[0] / pages);
	rec_u64(&r, "ns_per_page_median", ns[ROUNDS / 2] / pages);
	rec_u64(&r, "ns_per_page_min_x100", ns[0] * 100 / pages);
	record_end(&r);
}

/* Did the loop write the template with each lru pointing at itself? */
static bool check_filled(const struct scratch *s, const struct page *tmpl, char *detail, size_t len)
{
	for (unsigned b = 0; b < s->count; b++) {
		struct page *arr = block_memory(s->blocks[b]);

		for (uint64_t i = 0; i < s->pages_per_block; i += 4099) {
			const struct page *p = &arr[i];

			if (p->flags != tmpl->flags || p->lru.next != &p->lru || p->lru.prev != &p->lru ||
			    p->mapcount != tmpl->mapcount) {
				ksnprintf(detail, len, "block %u page %llu not as written", b,
					  (unsigned long long)i);
				return false;
			}
		}
	}
	return true;
}

static bool test_memmap_speed(char *detail, size_t len)
{
	struct scratch s = { .pages_per_block = MAX_ORDER_NR_PAGES * PAGE_SIZE / sizeof(struct page) };
	struct page tmpl = memmap_initial_page(0, ZONE_NORMAL, RUN_FREE);
	uint64_t ns[FILL_VARIANTS][ROUNDS];
	bool ok;

	while (s.count < SCRATCH_BLOCKS &&
	       (s.blocks[s.count] = alloc_pages(&boot_buddy, 0, MAX_ORDER)))
		s.count++;
	if (!s.count) {
		ksnprintf(detail, len, "no free 4 MiB block to measure on");
		return false;
	}
	fill_once(&s, FILL_MEMSET, &tmpl); /* warm-up: the host backs guest memory on first touch */
	for (unsigned r = 0; r < ROUNDS; r++)
		for (unsigned v = 0; v < FILL_VARIANTS; v++)
			ns[v][r] = fill_once(&s, (enum fill_variant)v, &tmpl);
	ok = check_filled(&s, &tmpl, detail, len);
	for (unsigned v = 0; v < FILL_VARIANTS; v++)
		report_fill((enum fill_variant)v, s.count * s.pages_per_block, ns[v]);
	for (unsigned b = 0; b < s.count; b++)
		free_pages(&boot_buddy, s.blocks[b], MAX_ORDER);
	if (ok)
		ksnprintf(detail, len, "%llu struct pages, %u rounds: see @fill",
			  (unsigned long long)(s.count * s.pages_per_block), ROUNDS);
	return ok;
}
SELFTEST("memmap_speed", test_memmap_speed);
