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

/* Take a block of at least @order from @zone, split it down, mark the head allocated. */
static struct page *take_from_zone(struct zone *zone, unsigned order)
{
	unsigned long flags = spin_lock_irqsave(&zone->lock);
	struct page *head = 0;

	for (unsigned o = order; o <= MAX_ORDER; o++) {
		struct free_area *area = &zone->free_area[o];

		if (list_empty(&area->free_list))
			continue;
		head = container_of(area->free_list.next, struct page, lru);
		del_free_block(zone, head, o);
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

static struct page *take_from_node(struct buddy *b, int node, unsigned order)
{
	/* Highest zone first: low memory is scarce and some devices need it. */
	for (int z = MAX_NR_ZONES - 1; z >= 0; z--) {
		struct page *p = take_from_zone(&b->nodes[node].zones[z], order);

		if (p)
			return p;
	}
	return 0;
}

struct page *alloc_pages(struct buddy *b, int node, unsigned order)
{
	if (order > MAX_ORDER || node < 0 || (unsigned)node >= b->node_count)
		return 0;
	/* The grow hook is read only on the way to failing: the fast path tests nothing per page. */
	do {
		for (unsigned i = 0; i < b->node_count; i++) {
			int n = b->fallback[node][i];

			do {
				struct page *p = take_from_node(b, n, order);

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

void free_pages(struct buddy *b, struct page *page, unsigned order)
{
	int node = page_node(page);
	struct zone *zone = &b->nodes[node].zones[page_zone(page)];
	uint64_t pfn = page_to_pfn(b->mm, page);
	unsigned long flags = spin_lock_irqsave(&zone->lock);

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
