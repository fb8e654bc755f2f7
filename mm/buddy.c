// SPDX-License-Identifier: MIT
/* The buddy page allocator (buddy.h). */
#include "mm/buddy.h"

/* A block never straddles two arrays of struct pages: head + i is the block's page i. */
_Static_assert(MAX_ORDER <= MEMMAP_PIECE_MIN_SHIFT, "mem_map pieces are cut inside buddy blocks");

void buddy_init(struct buddy *b, const struct memmap *mm)
{
	b->mm = mm;
	b->node_count = mm->node_count;
	b->node_fallbacks = 0;
	b->grow = 0;
	b->grow_cookie = 0;
	b->ondemand = false;
	b->uninit_mm = mm;
	b->touched_pages = b->touched_blocks = 0;
	for (unsigned n = 0; n < mm->node_count; n++) {
		for (unsigned z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &b->nodes[n].zones[z];

			zone->lock.locked = 0;
			zone->free_pages = zone->allocated_pages = 0;
			for (unsigned o = 0; o <= MAX_ORDER; o++) {
				list_init(&zone->free_area[o].free_list);
				zone->free_area[o].nr_free = 0;
			}
		}
		numa_nodes_by_distance(mm->topo, (int)n, b->fallback[n]);
	}
}

/* Make @head the first page of a free block of @order on its zone's list (zone lock held). */
static void add_free_block(struct zone *zone, struct page *head, unsigned order)
{
	head->flags |= PG_buddy;
	head->private = order;
	list_add(&head->lru, &zone->free_area[order].free_list);
	zone->free_area[order].nr_free++;
}

static void del_free_block(struct zone *zone, struct page *head, unsigned order)
{
	list_del_init(&head->lru);
	head->flags &= ~PG_buddy;
	head->private = 0;
	zone->free_area[order].nr_free--;
}

/* The largest order a block starting at @pfn may have and still end by @end. */
static unsigned block_order(uint64_t pfn, uint64_t end)
{
	unsigned order = pfn ? (unsigned)__builtin_ctzll(pfn) : MAX_ORDER;

	if (order > MAX_ORDER)
		order = MAX_ORDER;
	while (pfn + (1ull << order) > end)
		order--;
	return order;
}

void free_range_to_buddy(struct buddy *b, int node, uint64_t start_pfn, uint64_t end_pfn)
{
	struct zone *zone;
	unsigned long flags;

	if (start_pfn >= end_pfn)
		return;
	zone = &b->nodes[node].zones[zone_of_pfn(start_pfn)];
	flags = spin_lock_irqsave(&zone->lock);
	for (uint64_t pfn = start_pfn; pfn < end_pfn;) {
		unsigned order = block_order(pfn, end_pfn);

		add_free_block(zone, pfn_to_page(b->mm, pfn), order);
		zone->free_pages += 1ull << order;
		pfn += 1ull << order;
	}
	spin_unlock_irqrestore(&zone->lock, flags);
}

static void free_run(void *cookie, int node, uint64_t start_pfn, uint64_t end_pfn,
		     enum page_run_kind kind, enum zone_type zone)
{
	(void)zone;
	if (kind == RUN_FREE)
		free_range_to_buddy(cookie, node, start_pfn, end_pfn);
}

void memmap_free_range(struct buddy *b, int node, uint64_t start_pfn, uint64_t end_pfn)
{
	memmap_for_each_run(b->mm, node, start_pfn, end_pfn, free_run, b);
}

/*
 * The allocator is built twice from one body (ALWAYS_INLINE, @test a
 * compile-time constant): with the on-demand test (strategy=ondemand) and
 * without it (every other strategy), so selftest=alloc_speed prices the
 * test in one kernel, in one boot. The test is the RFC's: one flag of the
 * block's head, read where the allocator reads that struct page anyway.
 */
#define ALWAYS_INLINE inline __attribute__((always_inline))

/*
 * First touch of a marked block (zone lock held): write its other struct
 * pages with the per-page code every strategy uses, then clear the mark.
 * Returns the struct pages written.
 */
static uint64_t write_marked_block(const struct buddy *b, struct page *head)
{
	uint64_t pfn = page_to_pfn(b->mm, head);

	memmap_init_range(b->uninit_mm, page_node(head), pfn + 1, pfn + MAX_ORDER_NR_PAGES);
	head->flags &= ~PG_uninit;
	return MAX_ORDER_NR_PAGES - 1;
}

/* Out of line and cold: the fast paths keep only the test, not this code's registers. */
__attribute__((noinline, cold)) static void touch_block(struct buddy *b, struct page *head)
{
	__atomic_add_fetch(&b->touched_pages, write_marked_block(b, head), __ATOMIC_RELAXED);
	__atomic_add_fetch(&b->touched_blocks, 1, __ATOMIC_RELAXED);
}

/* Take a block of at least @order from @zone, split it down, mark the head allocated. */
static ALWAYS_INLINE struct page *take_from_zone(struct buddy *b, struct zone *zone, unsigned order,
						 bool test)
{
	unsigned long flags = spin_lock_irqsave(&zone->lock);
	struct page *head = 0;

	for (unsigned o = order; o <= MAX_ORDER; o++) {
		struct free_area *area = &zone->free_area[o];

		if (list_empty(&area->free_list))
			continue;
		head = container_of(area->free_list.next, struct page, lru);
		del_free_block(zone, head, o);
		/* Marked blocks are only ever whole MAX_ORDER blocks: written before they are split. */
		if (test && __builtin_expect(head->flags & PG_uninit, 0))
			touch_block(b, head);
		/* Give back the upper halves until the block is the size asked for. */
		while (o > order) {
			o--;
			add_free_block(zone, head + (1ull << o), o);
		}
		head->flags |= PG_head;
		head->private = order;
		head->refcount = 1;
		zone->free_pages -= 1ull << order;
		zone->allocated_pages += 1ull << order;
		break;
	}
	spin_unlock_irqrestore(&zone->lock, flags);
	return head;
}

static ALWAYS_INLINE struct page *take_from_node(struct buddy *b, int node, unsigned order, bool test)
{
	/* Highest zone first: low memory is scarce and some devices need it. */
	for (int z = MAX_NR_ZONES - 1; z >= 0; z--) {
		struct page *p = take_from_zone(b, &b->nodes[node].zones[z], order, test);

		if (p)
			return p;
	}
	return 0;
}

static ALWAYS_INLINE struct page *alloc_pages_body(struct buddy *b, int node, unsigned order, bool test)
{
	if (order > MAX_ORDER || node < 0 || (unsigned)node >= b->node_count)
		return 0;
	/* The grow hook is read only on the way to failing: the fast path tests nothing per page. */
	do {
		for (unsigned i = 0; i < b->node_count; i++) {
			int n = b->fallback[node][i];

			do {
				struct page *p = take_from_node(b, n, order, test);

				if (p) {
					if (n != node)
						__atomic_add_fetch(&b->node_fallbacks, 1, __ATOMIC_RELAXED);
					return p;
				}
			} while (b->grow && b->grow(b->grow_cookie, n));
		}
	} while (b->grow && b->grow(b->grow_cookie, -1));
	return 0;
}

static ALWAYS_INLINE void free_pages_body(struct buddy *b, struct page *page, unsigned order, bool test)
{
	/* The caller owns @page: its flags hold still, one read serves node, zone and the test. */
	uint64_t page_flags = page->flags;
	int node = (int)(page_flags >> PAGE_NODE_SHIFT);
	struct zone *zone = &b->nodes[node].zones[page_flags >> PAGE_ZONE_SHIFT & 3];
	uint64_t pfn = page_to_pfn(b->mm, page);
	unsigned long flags = spin_lock_irqsave(&zone->lock);

	/*
	 * The RFC's free-path test: there a boot-time free was a page's first
	 * touch. Here every freed block was written when it was allocated, so
	 * the test never fires; it is kept to be priced as the RFC built it.
	 */
	if (test && __builtin_expect(page_flags & PG_uninit, 0))
		touch_block(b, page);
	page->flags &= ~PG_head;
	page->private = 0;
	page->refcount = 0;
	zone->allocated_pages -= 1ull << order;
	zone->free_pages += 1ull << order;
	/* Merge while the buddy is a free block of the same order in the same node and zone. */
	while (order < MAX_ORDER) {
		uint64_t buddy_pfn = pfn ^ (1ull << order);
		struct page *buddy;

		buddy = pfn_to_page(b->mm, buddy_pfn); /* NULL outside the spans and present sections */
		if (!buddy || !(buddy->flags & PG_buddy) || buddy->private != order ||
		    page_zone(buddy) != page_zone(page) || page_node(buddy) != node)
			break;
		del_free_block(zone, buddy, order);
		pfn &= ~(1ull << order);
		order++;
	}
	add_free_block(zone, pfn_to_page(b->mm, pfn), order);
	spin_unlock_irqrestore(&zone->lock, flags);
}

__attribute__((noinline)) struct page *alloc_pages_tested(struct buddy *b, int node, unsigned order)
{
	return alloc_pages_body(b, node, order, true);
}

__attribute__((noinline)) struct page *alloc_pages_untested(struct buddy *b, int node, unsigned order)
{
	return alloc_pages_body(b, node, order, false);
}

__attribute__((noinline)) void free_pages_tested(struct buddy *b, struct page *page, unsigned order)
{
	free_pages_body(b, page, order, true);
}

__attribute__((noinline)) void free_pages_untested(struct buddy *b, struct page *page, unsigned order)
{
	free_pages_body(b, page, order, false);
}

struct page *alloc_pages(struct buddy *b, int node, unsigned order)
{
	return b->ondemand ? alloc_pages_tested(b, node, order) : alloc_pages_untested(b, node, order);
}

void free_pages(struct buddy *b, struct page *page, unsigned order)
{
	if (b->ondemand)
		free_pages_tested(b, page, order);
	else
		free_pages_untested(b, page, order);
}

/* ---- on-demand init ---- */

/* Blocks seen so far, merged into ranges of one class before @fn hears of them. */
struct block_walk {
	block_range_fn fn;
	void *cookie;
	int node;
	uint64_t start, end;     /* the walk's range: blocks are clipped to it */
	uint64_t block;          /* the block being counted (its aligned first pfn), or NO_BLOCK */
	uint64_t free;           /* its free pages so far */
	uint64_t run_start, run_end; /* consecutive blocks of one class, not yet reported */
	enum block_class run_cls;
};

#define NO_BLOCK UINT64_MAX

static void walk_emit(struct block_walk *w)
{
	if (w->run_end > w->run_start)
		w->fn(w->cookie, w->node, w->run_start, w->run_end, w->run_cls);
	w->run_start = w->run_end = 0;
}

/* The block being counted is complete: classify it, extend or close the pending range. */
static void walk_close_block(struct block_walk *w)
{
	uint64_t lo, hi;
	enum block_class cls;

	if (w->block == NO_BLOCK)
		return;
	lo = w->block > w->start ? w->block : w->start;
	hi = w->block + MAX_ORDER_NR_PAGES < w->end ? w->block + MAX_ORDER_NR_PAGES : w->end;
	cls = w->free == MAX_ORDER_NR_PAGES ? BLOCK_FREE : w->free ? BLOCK_MIXED : BLOCK_NONFREE;
	if (w->run_end != lo || w->run_cls != cls)
		walk_emit(w);
	if (w->run_end == w->run_start)
		w->run_start = lo;
	w->run_end = hi;
	w->run_cls = cls;
	w->block = NO_BLOCK;
}

static void walk_run(void *cookie, int node, uint64_t start_pfn, uint64_t end_pfn,
		     enum page_run_kind kind, enum zone_type zone)
{
	struct block_walk *w = cookie;

	(void)node;
	(void)zone; /* zone boundaries are multiples of MAX_ORDER_NR_PAGES: a block has one zone */
	while (start_pfn < end_pfn) {
		uint64_t block = start_pfn & ~(MAX_ORDER_NR_PAGES - 1);
		uint64_t piece_end = block + MAX_ORDER_NR_PAGES < end_pfn ? block + MAX_ORDER_NR_PAGES : end_pfn;

		if (block != w->block) {
			walk_close_block(w);
			w->block = block;
			w->free = 0;
		}
		if (kind == RUN_FREE)
			w->free += piece_end - start_pfn;
		start_pfn = piece_end;
	}
}

void buddy_for_each_block_class(const struct memmap *mm, int node, uint64_t start_pfn,
				uint64_t end_pfn, block_range_fn fn, void *cookie)
{
	struct block_walk w = { .fn = fn, .cookie = cookie, .node = node, .start = start_pfn,
				.end = end_pfn, .block = NO_BLOCK };

	memmap_for_each_run(mm, node, start_pfn, end_pfn, walk_run, &w);
	walk_close_block(&w);
	walk_emit(&w);
}

uint64_t buddy_add_uninit_blocks(struct buddy *b, int node, uint64_t start_pfn, uint64_t end_pfn)
{
	uint64_t written = 0;

	/* One lock per zone the range crosses: nothing else allocates while the boot marks. */
	while (start_pfn < end_pfn) {
		uint64_t zone_end = zone_end_pfn(start_pfn) < end_pfn ? zone_end_pfn(start_pfn) : end_pfn;
		enum zone_type z = zone_of_pfn(start_pfn);
		struct zone *zone = &b->nodes[node].zones[z];
		struct page tmpl = memmap_initial_page(node, z, RUN_FREE);
		unsigned long flags = spin_lock_irqsave(&zone->lock);

		/*
		 * Each head by the per-page loop with the template memmap_init_range()
		 * would use (the class says the block is free RAM of one zone, so the
		 * run walk is skipped), then straight onto its list: one pass, so
		 * each head's page is looked up once (under TCG, a softmmu TLB miss
		 * per 4 MiB block is most of the cost). Cached stores: the list
		 * insertion reads the head at once.
		 */
		tmpl.init_gen = b->uninit_mm->generation;
		for (; start_pfn < zone_end; start_pfn += MAX_ORDER_NR_PAGES, written++) {
			struct page *head = pfn_to_page(b->mm, start_pfn);

			__memmap_fill(head, 1, &tmpl, false);
			add_free_block(zone, head, MAX_ORDER);
			head->flags |= PG_uninit;
			zone->free_pages += MAX_ORDER_NR_PAGES;
		}
		spin_unlock_irqrestore(&zone->lock, flags);
	}
	return written;
}

uint64_t buddy_drain_blocks(struct buddy *b, int node, uint64_t start_pfn, uint64_t end_pfn)
{
	uint64_t written = 0;

	for (uint64_t pfn = start_pfn; pfn < end_pfn; pfn += MAX_ORDER_NR_PAGES) {
		struct page *head = pfn_to_page(b->mm, pfn);
		struct zone *zone = &b->nodes[node].zones[zone_of_pfn(pfn)];
		unsigned long flags = spin_lock_irqsave(&zone->lock);

		/* The head was written at boot: its flags say whether anybody wrote the rest since. */
		if (head->flags & PG_uninit)
			written += write_marked_block(b, head);
		spin_unlock_irqrestore(&zone->lock, flags);
	}
	return written;
}

static uint64_t sum_zones(const struct buddy *b, int node, bool free)
{
	uint64_t total = 0;

	for (unsigned n = 0; n < b->node_count; n++) {
		if (node >= 0 && (unsigned)node != n)
			continue;
		for (unsigned z = 0; z < MAX_NR_ZONES; z++)
			total += free ? b->nodes[n].zones[z].free_pages : b->nodes[n].zones[z].allocated_pages;
	}
	return total;
}

uint64_t buddy_free_pages(const struct buddy *b, int node)
{
	return sum_zones(b, node, true);
}

uint64_t buddy_allocated_pages(const struct buddy *b, int node)
{
	return sum_zones(b, node, false);
}
