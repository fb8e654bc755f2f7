// SPDX-License-Identifier: MIT
/*
 * Host tests for mm/buddy.c, written against the contract in mm/buddy.h:
 * what memmap_free_range() and free_range_to_buddy() build (the largest
 * aligned blocks, never across a zone, a node or a reserved page), split
 * and merge through alloc_pages()/free_pages() back to the same mem_map,
 * exhaustion, and the fallback to the nearest node.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "mm/buddy.h"
#include "mm/memmap.h"
#include "tests/host/check.h"
#include "tests/host/fake_machine.h"

/* The standard layout (fake_machine.h), set up with an empty buddy allocator. */
static struct fixture *standard_layout(void)
{
	struct fixture *f = fx_new();

	fx_standard(f);
	fx_setup_buddy(f);
	return f;
}

/* ---- what the buddy allocator must hold ------------------------------------------ */

static uint64_t pfn_of(const struct fixture *f, const struct page *p)
{
	return page_to_pfn(&f->mm, p);
}

/* The order of the block free_range_to_buddy() must put at @pfn when freeing up to @end. */
static unsigned greedy_order(uint64_t pfn, uint64_t end)
{
	unsigned k = 0;

	while (k < MAX_ORDER && !(pfn & ((2ull << k) - 1)) && pfn + (2ull << k) <= end)
		k++;
	return k;
}

/* Free pages of the reference, per node (all zones). */
static uint64_t ref_free_pages(const struct fixture *f, int node)
{
	uint64_t pages = 0;

	for (unsigned n = 0; n < f->topo.node_count; n++) {
		const struct numa_node *nn = &f->topo.nodes[n];

		if (node >= 0 && (unsigned)node != n)
			continue;
		for (uint64_t pfn = nn->start_pfn; pfn < nn->end_pfn; pfn++)
			pages += ref_kind(f, n, pfn) == RUN_FREE;
	}
	return pages;
}

/*
 * The free lists: every entry a PG_buddy head of its list's node, zone and
 * order, aligned, every page of its block free RAM of that zone; blocks ==
 * nr_free, pages == free_pages. Returns the blocks of order MAX_ORDER.
 */
static uint64_t check_free_lists(const struct fixture *f)
{
	uint64_t top = 0, bad = 0;

	for (unsigned n = 0; n < f->mm.node_count; n++) {
		const struct node_memmap *nm = &f->mm.nodes[n];
		uint8_t *kinds = nm->end_pfn > nm->start_pfn ? ref_kinds(f, n) : NULL;

		for (unsigned z = 0; z < MAX_NR_ZONES; z++) {
			const struct zone *zone = &f->b.nodes[n].zones[z];
			uint64_t pages = 0;

			for (unsigned k = 0; k <= MAX_ORDER; k++) {
				const struct list_head *head = &zone->free_area[k].free_list;
				uint64_t blocks = 0;

				for (const struct list_head *e = head->next; e != head; e = e->next) {
					const struct page *p = container_of(e, struct page, lru);
					uint64_t pfn;

					CHECK(p >= f->maps[n] && p < f->maps[n] + (nm->end_pfn - nm->start_pfn));
					if (!(p >= f->maps[n] && p < f->maps[n] + (nm->end_pfn - nm->start_pfn)))
						return top;
					pfn = pfn_of(f, p);
					CHECK(e->next->prev == e);
					bad += p->flags != page_flags_make((int)n, z, PG_buddy);
					bad += p->private != k || p->refcount != 0 || p->mapcount != -1;
					bad += (pfn & ((1ull << k) - 1)) != 0;
					bad += pfn + (1ull << k) > nm->end_pfn;
					for (uint64_t q = pfn; q < pfn + (1ull << k) && q < nm->end_pfn; q++)
						bad += kinds[q - nm->start_pfn] != RUN_FREE || zone_of_pfn(q) != z;
					blocks++;
					CHECK(blocks <= nm->end_pfn - nm->start_pfn);
					if (blocks > nm->end_pfn - nm->start_pfn)
						return top;
				}
				CHECK_EQ_U64(blocks, zone->free_area[k].nr_free);
				pages += blocks << k;
				if (k == MAX_ORDER)
					top += blocks;
			}
			CHECK_EQ_U64(pages, zone->free_pages);
		}
		free(kinds);
	}
	CHECK_EQ_U64(bad, 0);
	return top;
}

/*
 * After memmap_free_range() over whole spans, with nothing allocated: each
 * maximal stretch of free RAM of one zone is cut into the largest aligned
 * blocks, heads PG_buddy, every other page untouched.
 */
static void check_greedy_blocks(const struct fixture *f)
{
	uint64_t bad = 0;

	for (unsigned n = 0; n < f->mm.node_count; n++) {
		const struct node_memmap *nm = &f->mm.nodes[n];
		uint8_t *kinds;
		uint64_t pfn = nm->start_pfn;

		if (nm->end_pfn == nm->start_pfn)
			continue;
		kinds = ref_kinds(f, n);
		while (pfn < nm->end_pfn) {
			uint64_t end = pfn;

			if (kinds[pfn - nm->start_pfn] != RUN_FREE) {
				bad += (f->maps[n][pfn - nm->start_pfn].flags & PG_buddy) != 0;
				pfn++;
				continue;
			}
			while (end < nm->end_pfn && kinds[end - nm->start_pfn] == RUN_FREE &&
			       zone_of_pfn(end) == zone_of_pfn(pfn))
				end++;
			while (pfn < end) {
				unsigned k = greedy_order(pfn, end);
				const struct page *p = &f->maps[n][pfn - nm->start_pfn];

				if (!(p->flags & PG_buddy) || p->private != k) {
					if (!bad && check_should_print())
						fprintf(stderr, "  node %u pfn %#llx: flags %#llx order %llu, want order %u\n",
							n, (unsigned long long)pfn, (unsigned long long)p->flags,
							(unsigned long long)p->private, k);
					bad++;
				}
				for (uint64_t q = pfn + 1; q < pfn + (1ull << k); q++) {
					const struct page *t = &f->maps[n][q - nm->start_pfn];

					bad += t->flags != page_flags_make((int)n, zone_of_pfn(q), 0) ||
					       t->private || t->lru.next != &t->lru;
				}
				pfn += 1ull << k;
			}
		}
		free(kinds);
	}
	CHECK_EQ_U64(bad, 0);
}

/* Pages equal in every field; of the lru only whether it is self-linked. */
static uint64_t pages_differ(const struct fixture *f, const struct snapshot *s)
{
	uint64_t bad = 0;

	for (unsigned n = 0; n < f->topo.node_count; n++) {
		const struct node_memmap *nm = &f->mm.nodes[n];

		for (uint64_t i = 0; i < nm->end_pfn - nm->start_pfn; i++) {
			const struct page *p = &f->maps[n][i], *q = &s->maps[n][i];
			bool p_self = p->lru.next == &p->lru && p->lru.prev == &p->lru;
			bool q_self = q->lru.next == &p->lru && q->lru.prev == &p->lru; /* same address */

			bad += p->flags != q->flags || p->refcount != q->refcount ||
			       p->mapcount != q->mapcount || p->private != q->private ||
			       p->mapping != q->mapping || p->index != q->index || p->init_gen != q->init_gen ||
			       p_self != q_self;
		}
	}
	return bad;
}

static void check_counters(const struct fixture *f, uint64_t nfree, uint64_t allocated)
{
	CHECK_EQ_U64(buddy_free_pages(&f->b, -1), nfree);
	CHECK_EQ_U64(buddy_allocated_pages(&f->b, -1), allocated);
}

/* An allocated block: the head's state, aligned, inside free RAM of one zone. */
static void check_allocated(const struct fixture *f, const struct page *p, unsigned order)
{
	uint64_t pfn = pfn_of(f, p);
	int node = page_node(p);

	CHECK(p->flags & PG_head);
	CHECK(!(p->flags & PG_buddy));
	CHECK_EQ_U64(p->flags & PG_reserved, 0);
	CHECK_EQ_U64(p->private, order);
	CHECK_EQ_U64(p->refcount, 1);
	CHECK_EQ_U64(p->mapcount, (uint64_t)-1);
	CHECK(p->lru.next == &p->lru && p->lru.prev == &p->lru);
	CHECK_EQ_U64(pfn & ((1ull << order) - 1), 0);
	CHECK(pfn_to_page(&f->mm, pfn) == p);
	for (uint64_t q = pfn; q < pfn + (1ull << order); q++) {
		CHECK_EQ_U64(ref_kind(f, (unsigned)node, q), RUN_FREE);
		CHECK_EQ_U64(zone_of_pfn(q), page_zone(p));
		if (q > pfn) {
			const struct page *t = pfn_to_page(&f->mm, q);

			CHECK(t && t->flags == page_flags_make(node, page_zone(p), 0) && t->refcount == 0 &&
			      t->private == 0 && t->lru.next == &t->lru);
		}
	}
}

/* One node of DMA32 RAM [16 MiB, 16 MiB + @mib MiB), nothing reserved. */
static struct fixture *plain_node(uint64_t mib)
{
	struct fixture *f = fx_new();

	fx_ram(f, 0, 16 * MiB, 16 * MiB + mib * MiB);
	fx_setup_buddy(f);
	fx_init_all(f);
	fx_free_all(f);
	return f;
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_free_range_builds_greedy_blocks(void)
{
	struct fixture *f = standard_layout();
	uint64_t nfree = ref_free_pages(f, -1);

	fx_init_all(f);
	check_counters(f, 0, 0);
	fx_free_all(f);
	check_counters(f, nfree, 0);
	for (int n = 0; n < 3; n++)
		CHECK_EQ_U64(buddy_free_pages(&f->b, n), ref_free_pages(f, n));
	CHECK(check_free_lists(f) > 0); /* order 10 where the layout allows */
	check_greedy_blocks(f);
	CHECK_EQ_U64(f->b.node_count, 3);
	CHECK(f->b.mm == &f->mm);
	CHECK_EQ_U64(f->b.node_fallbacks, 0);
	fx_free(f);
}

static void test_free_range_unaligned_ends(void)
{
	struct fixture *f = standard_layout();
	static const uint64_t want[][2] = { /* pfn, order in [4100, 9000) */
		{ 4100, 2 }, { 4104, 3 }, { 4112, 4 }, { 4128, 5 }, { 4160, 6 }, { 4224, 7 },
		{ 4352, 8 }, { 4608, 9 }, { 5120, 10 }, { 6144, 10 }, { 7168, 10 }, { 8192, 9 },
		{ 8704, 8 }, { 8960, 5 }, { 8992, 3 },
	};
	const struct zone *dma32 = &f->b.nodes[0].zones[ZONE_DMA32];

	fx_init_all(f);
	free_range_to_buddy(&f->b, 0, 4100, 9000);
	CHECK_EQ_U64(dma32->free_pages, 9000 - 4100);
	CHECK_EQ_U64(buddy_free_pages(&f->b, -1), 9000 - 4100);
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct page *p = &f->maps[0][want[i][0]];

		CHECK(p->flags & PG_buddy);
		CHECK_EQ_U64(p->private, want[i][1]);
	}
	CHECK_EQ_U64(dma32->free_area[10].nr_free, 3);
	CHECK_EQ_U64(dma32->free_area[0].nr_free, 0);
	CHECK(!(f->maps[0][4099].flags & PG_buddy));
	CHECK(!(f->maps[0][9000].flags & PG_buddy));
	check_free_lists(f);

	/* Up to the reservation at 9029, and a range ending at the zone's end. */
	free_range_to_buddy(&f->b, 0, 9000, 9029);
	CHECK_EQ_U64(dma32->free_pages, 9029 - 4100);
	free_range_to_buddy(&f->b, 0, 4001, 4094);
	CHECK_EQ_U64(f->b.nodes[0].zones[ZONE_DMA].free_pages, 93);
	CHECK_EQ_U64(f->maps[0][4088].private, 2); /* 4088 + 4 <= 4094 < 4088 + 8 */
	CHECK_EQ_U64(f->maps[0][4092].private, 1);
	free_range_to_buddy(&f->b, 0, 5000, 5000); /* empty */
	CHECK_EQ_U64(buddy_free_pages(&f->b, -1), 9029 - 4100 + 93);
	check_free_lists(f);
	fx_free(f);
}

static void test_alloc_split_and_merge(void)
{
	struct fixture *f = plain_node(8); /* two order-10 blocks */
	const struct zone *z = &f->b.nodes[0].zones[ZONE_DMA32];
	struct snapshot s;

	snap_take(f, &s);
	CHECK_EQ_U64(z->free_area[10].nr_free, 2);
	for (unsigned order = 0; order <= MAX_ORDER; order++) {
		struct page *p = alloc_pages(&f->b, 0, order);

		CHECK(p != NULL);
		if (!p)
			continue;
		check_allocated(f, p, order);
		check_counters(f, 2048 - (1ull << order), 1ull << order);
		CHECK_EQ_U64(z->allocated_pages, 1ull << order);
		/* Split: one block of each order from @order to 9 is left over. */
		for (unsigned k = 0; k <= MAX_ORDER; k++)
			CHECK_EQ_U64(z->free_area[k].nr_free,
				     k == MAX_ORDER ? 1 : k >= order);
		check_free_lists(f);
		free_pages(&f->b, p, order);
		check_counters(f, 2048, 0);
		CHECK_EQ_U64(z->free_area[10].nr_free, 2);
		CHECK_EQ_U64(pages_differ(f, &s), 0);
	}
	snap_free(&s);
	fx_free(f);
}

static void test_alloc_free_random_back_to_same(void)
{
	struct fixture *f = standard_layout();
	static struct {
		struct page *p;
		unsigned order;
	} held[600];
	unsigned nheld = 0;
	uint64_t nfree, allocated = 0;
	struct snapshot s;

	fx_init_all(f);
	fx_free_all(f);
	nfree = buddy_free_pages(&f->b, -1);
	snap_take(f, &s);
	for (unsigned round = 0; round < 3; round++) {
		while (nheld < 600) {
			unsigned order = rnd(16) ? (unsigned)rnd(3) : (unsigned)rnd(MAX_ORDER + 1);
			int node = (int)rnd(3);
			struct page *p = alloc_pages(&f->b, node, order);

			CHECK(p != NULL);
			if (!p)
				break;
			CHECK_EQ_U64(page_node(p), node); /* every node has room */
			check_allocated(f, p, order);
			held[nheld].p = p;
			held[nheld++].order = order;
			allocated += 1ull << order;
		}
		check_counters(f, nfree - allocated, allocated);
		check_free_lists(f);
		for (unsigned i = nheld; i > 1; i--) { /* free in random order, most of them */
			unsigned j = (unsigned)rnd(i);
			__typeof__(held[0]) t = held[i - 1];

			held[i - 1] = held[j];
			held[j] = t;
		}
		while (nheld > (round == 2 ? 0 : 200)) {
			nheld--;
			free_pages(&f->b, held[nheld].p, held[nheld].order);
			allocated -= 1ull << held[nheld].order;
		}
		check_counters(f, nfree - allocated, allocated);
		check_free_lists(f);
	}
	CHECK_EQ_U64(f->b.node_fallbacks, 0);
	CHECK_EQ_U64(pages_differ(f, &s), 0); /* merged back to the blocks free_range built */
	check_greedy_blocks(f);
	snap_free(&s);
	fx_free(f);
}

static void test_highest_zone_first(void)
{
	struct fixture *f = standard_layout();
	struct page *p;

	fx_init_all(f);
	fx_free_all(f);
	p = alloc_pages(&f->b, 0, 0);
	CHECK(p && page_zone(p) == ZONE_DMA32 && page_node(p) == 0);
	if (p)
		free_pages(&f->b, p, 0);
	p = alloc_pages(&f->b, 1, 3);
	CHECK(p && page_zone(p) == ZONE_NORMAL && page_node(p) == 1);
	if (p)
		free_pages(&f->b, p, 3);
	p = alloc_pages(&f->b, 1, MAX_ORDER + 1);
	CHECK(p == NULL);
	p = alloc_pages(&f->b, 3, 0); /* no such node */
	CHECK(p == NULL);
	p = alloc_pages(&f->b, -1, 0);
	CHECK(p == NULL);
	check_counters(f, ref_free_pages(f, -1), 0);
	fx_free(f);
}

static void test_exhaustion(void)
{
	struct fixture *f = fx_new();
	static struct page *held[8192];
	unsigned n = 0;
	uint64_t total;
	struct snapshot s;

	fx_ram(f, 0, 12 * MiB, 20 * MiB); /* DMA and DMA32 */
	fx_reserve(f, 13 * MiB + 0x5000, 13 * MiB + 0x9000);
	fx_setup_buddy(f);
	fx_init_all(f);
	fx_free_all(f);
	total = buddy_free_pages(&f->b, -1);
	CHECK_EQ_U64(total, 2048 - 4);
	snap_take(f, &s);

	/* Order 10 until none is left: the rest is in smaller blocks. */
	while (n < 8192 && (held[n] = alloc_pages(&f->b, 0, MAX_ORDER)) != NULL)
		check_allocated(f, held[n++], MAX_ORDER);
	CHECK_EQ_U64(n, 1); /* [16 MiB, 20 MiB) has one aligned 4 MiB block; 12..16 MiB is cut */
	check_counters(f, total - 1024 * n, 1024 * n);
	CHECK(alloc_pages(&f->b, 0, MAX_ORDER) == NULL);
	check_counters(f, total - 1024 * n, 1024 * n);
	while (n > 0)
		free_pages(&f->b, held[--n], MAX_ORDER);
	CHECK_EQ_U64(pages_differ(f, &s), 0);

	/* Order 0 until nothing is left. */
	while (n < 8192 && (held[n] = alloc_pages(&f->b, 0, 0)) != NULL)
		n++;
	CHECK_EQ_U64(n, total);
	check_counters(f, 0, total);
	for (unsigned order = 0; order <= MAX_ORDER; order++)
		CHECK(alloc_pages(&f->b, 0, order) == NULL);
	check_counters(f, 0, total);
	for (unsigned z = 0; z < MAX_NR_ZONES; z++)
		for (unsigned k = 0; k <= MAX_ORDER; k++)
			CHECK(list_empty(&f->b.nodes[0].zones[z].free_area[k].free_list));
	CHECK_EQ_U64(f->b.node_fallbacks, 0);
	for (unsigned i = n; i > 1; i--) {
		unsigned j = (unsigned)rnd(i);
		struct page *t = held[i - 1];

		held[i - 1] = held[j];
		held[j] = t;
	}
	while (n > 0)
		free_pages(&f->b, held[--n], 0);
	check_counters(f, total, 0);
	CHECK_EQ_U64(pages_differ(f, &s), 0);
	check_free_lists(f);
	snap_free(&s);
	fx_free(f);
}

/* Nodes 0 and 1 with memory, node 2 with none; @d20, @d21: distances from node 2. */
static struct fixture *fallback_layout(uint8_t d20, uint8_t d21)
{
	struct fixture *f = fx_new();

	fx_ram(f, 0, 16 * MiB, 20 * MiB);
	fx_ram(f, 1, 32 * MiB, 36 * MiB);
	f->topo.node_count = 3;
	f->topo.distance[2][0] = f->topo.distance[0][2] = d20;
	f->topo.distance[2][1] = f->topo.distance[1][2] = d21;
	f->topo.slit_used = true;
	fx_setup_buddy(f);
	CHECK_EQ_U64(f->mm.node_count, 3);
	CHECK_EQ_U64(f->mm.nodes[2].end_pfn - f->mm.nodes[2].start_pfn, 0);
	fx_init_all(f);
	fx_free_all(f);
	return f;
}

static void test_node_fallback(void)
{
	struct fixture *f = fallback_layout(40, 25);
	struct page *p, *q;
	unsigned taken = 0;

	CHECK_EQ_U64(f->b.fallback[2][0], 2);
	CHECK_EQ_U64(f->b.fallback[2][1], 1);
	CHECK_EQ_U64(f->b.fallback[2][2], 0);
	p = alloc_pages(&f->b, 2, 0);
	CHECK(p && page_node(p) == 1);
	CHECK_EQ_U64(f->b.node_fallbacks, 1);
	q = alloc_pages(&f->b, 0, 2);
	CHECK(q && page_node(q) == 0);
	CHECK_EQ_U64(f->b.node_fallbacks, 1);
	CHECK_EQ_U64(buddy_allocated_pages(&f->b, 1), 1);
	CHECK_EQ_U64(buddy_allocated_pages(&f->b, 0), 4);
	CHECK_EQ_U64(buddy_allocated_pages(&f->b, 2), 0);

	/* Empty node 1: then node 2's next nearest is node 0, and node 1 borrows too. */
	while (buddy_free_pages(&f->b, 1) && taken < 1024) {
		struct page *r = alloc_pages(&f->b, 1, 0);

		CHECK(r && page_node(r) == 1);
		taken++;
	}
	CHECK_EQ_U64(taken, 1023);
	CHECK_EQ_U64(f->b.node_fallbacks, 1);
	p = alloc_pages(&f->b, 2, 0);
	CHECK(p && page_node(p) == 0);
	CHECK_EQ_U64(f->b.node_fallbacks, 2);
	p = alloc_pages(&f->b, 1, 1);
	CHECK(p && page_node(p) == 0);
	CHECK_EQ_U64(f->b.node_fallbacks, 3);
	CHECK_EQ_U64(buddy_free_pages(&f->b, 1), 0);
	CHECK_EQ_U64(buddy_free_pages(&f->b, -1), 1024 - 4 - 1 - 2);
	check_free_lists(f);
	fx_free(f);

	/* Node 0 nearer to node 2. */
	f = fallback_layout(15, 30);
	p = alloc_pages(&f->b, 2, 5);
	CHECK(p && page_node(p) == 0);
	CHECK_EQ_U64(f->b.node_fallbacks, 1);
	fx_free(f);
}

CHECK_MAIN(CHECK_TEST(test_free_range_builds_greedy_blocks),
	   CHECK_TEST(test_free_range_unaligned_ends), CHECK_TEST(test_alloc_split_and_merge),
	   CHECK_TEST(test_alloc_free_random_back_to_same), CHECK_TEST(test_highest_zone_first),
	   CHECK_TEST(test_exhaustion), CHECK_TEST(test_node_fallback))
