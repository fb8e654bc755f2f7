// SPDX-License-Identifier: MIT
/*
 * Host tests for mm/verify.c, written against the contract in mm/verify.h:
 * a clean mem_map verifies with exact accounting in every mode; one wrong
 * field of one page is reported with its pfn and field, wherever the page
 * is (hole, reserved run, free block head or tail, allocated block); lost
 * blocks and wrong counters are caught; the digest depends on the layout
 * and the allocator's state only, not on the order the pages were written
 * or freed in. Then random layouts and random alloc/free sequences, and the
 * speed of verify and digest on a 1M-page layout (printed, not asserted).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "mm/buddy.h"
#include "mm/memmap.h"
#include "mm/verify.h"
#include "tests/host/check.h"
#include "tests/host/fake_machine.h"

#define NO_PFN UINT64_MAX
#define STRIDE 509 /* verify.c's sample stride */

/* The standard layout (fake_machine.h) and 2 MiB more; set up with an empty buddy allocator. */
static struct fixture *standard_layout(void)
{
	struct fixture *f = fx_new();

	fx_standard(f);
	fx_reserve(f, 40 * MiB, 42 * MiB); /* holds a sampled pfn */
	fx_setup_buddy(f);
	return f;
}

/* ---- helpers ------------------------------------------------------------------ */

struct ref_counts {
	uint64_t ram, free, reserved, hole, span;
};

static struct ref_counts ref_count(const struct fixture *f)
{
	struct ref_counts c = { 0, 0, 0, 0, 0 };

	for (unsigned n = 0; n < f->topo.node_count; n++) {
		const struct numa_node *nn = &f->topo.nodes[n];
		uint8_t *kinds = ref_kinds(f, n);

		for (uint64_t i = 0; i < nn->end_pfn - nn->start_pfn; i++) {
			c.free += kinds[i] == RUN_FREE;
			c.reserved += kinds[i] == RUN_RESERVED;
			c.hole += kinds[i] == RUN_HOLE;
		}
		c.span += nn->end_pfn - nn->start_pfn;
		free(kinds);
	}
	c.ram = c.free + c.reserved;
	return c;
}

static struct page *page_of(struct fixture *f, uint64_t pfn)
{
	struct page *p = pfn_to_page(&f->mm, pfn);

	CHECK(p != NULL);
	return p;
}

/* Verify in @mode, expect success and these numbers. */
static void expect_ok(struct fixture *f, const struct buddy *b, enum verify_mode mode,
		      const struct ref_counts *c, uint64_t allocated, int line)
{
	struct verify_result r;
	bool ok = memmap_verify(&f->mm, b, mode, &r);

	CHECK(ok);
	CHECK(r.ok);
	if (!r.ok && check_should_print())
		fprintf(stderr, "  (line %d, mode %d) %s\n", line, (int)mode, r.detail);
	CHECK_EQ_U64(r.total_pages, c->ram);
	CHECK_EQ_U64(r.free_pages, c->free - allocated);
	CHECK_EQ_U64(r.reserved_pages, c->reserved);
	CHECK_EQ_U64(r.allocated_pages, allocated);
	CHECK_EQ_U64(r.hole_pages, c->hole);
	if (mode == VERIFY_FULL)
		CHECK_EQ_U64(r.pages_checked, c->span);
	if (mode == VERIFY_OFF)
		CHECK_EQ_U64(r.pages_checked, 0);
}

#define EXPECT_OK(f, b, mode, c, allocated) expect_ok(f, b, mode, c, allocated, __LINE__)

/* Verify in @mode, expect the first mismatch at @pfn in @field. */
static void expect_bad(struct fixture *f, const struct buddy *b, enum verify_mode mode, uint64_t pfn,
		       const char *field, int line)
{
	struct verify_result r;
	bool ok = memmap_verify(&f->mm, b, mode, &r);

	CHECK(!ok);
	CHECK(!r.ok);
	CHECK_EQ_U64(r.bad_pfn, pfn);
	CHECK_STR_EQ(r.bad_field, field);
	CHECK(r.detail[0] != '\0');
	if ((r.bad_pfn != pfn || !r.bad_field || strcmp(r.bad_field, field)) && check_should_print())
		fprintf(stderr, "  (line %d, mode %d) %s\n", line, (int)mode, r.detail);
}

#define EXPECT_BAD(f, b, mode, pfn, field) expect_bad(f, b, mode, pfn, field, __LINE__)

static void expect_not_ok(struct fixture *f, const struct buddy *b, enum verify_mode mode, int line)
{
	struct verify_result r;

	CHECK(!memmap_verify(&f->mm, b, mode, &r));
	if (r.ok && check_should_print())
		fprintf(stderr, "  (line %d, mode %d) verified\n", line, (int)mode);
}

#define EXPECT_NOT_OK(f, b, mode) expect_not_ok(f, b, mode, __LINE__)

/* A ready machine: the standard layout, initialized and handed to the buddy allocator. */
static struct fixture *ready_layout(void)
{
	struct fixture *f = standard_layout();

	fx_init_all(f);
	fx_free_all(f);
	return f;
}

/* The first pfn >= @from of @node with @kind, a multiple of STRIDE if @sampled; NO_PFN if none. */
static uint64_t find_pfn(const struct fixture *f, unsigned node, uint64_t from, enum page_run_kind kind,
			 bool sampled)
{
	const struct numa_node *n = &f->topo.nodes[node];

	for (uint64_t pfn = from > n->start_pfn ? from : n->start_pfn; pfn < n->end_pfn; pfn++)
		if ((!sampled || pfn % STRIDE == 0) && ref_kind(f, node, pfn) == kind)
			return pfn;
	return NO_PFN;
}

/* The first free block head of @node of order >= @min_order. */
static uint64_t find_buddy_head(struct fixture *f, unsigned node, unsigned min_order)
{
	const struct node_memmap *nm = &f->mm.nodes[node];

	for (uint64_t pfn = nm->start_pfn; pfn < nm->end_pfn; pfn++) {
		const struct page *p = pfn_to_page(&f->mm, pfn);

		if (p && (p->flags & PG_buddy) && p->private >= min_order)
			return pfn;
	}
	return NO_PFN;
}

/* ---- corruptions ---------------------------------------------------------------- */

enum op { OP_FLAGS, OP_REFCOUNT, OP_MAPCOUNT, OP_LRU_NEXT, OP_LRU_PREV, OP_PRIVATE, OP_MAPPING,
	  OP_INDEX, OP_INIT_GEN, OP_COUNT };

static const char *const op_field[OP_COUNT] = { "flags", "refcount", "mapcount", "lru", "lru",
						 "private", "mapping", "index", "init_gen" };

static void corrupt(struct page *p, enum op op)
{
	switch (op) {
	case OP_FLAGS:
		p->flags ^= 1ull << 7; /* a flag nobody sets */
		break;
	case OP_REFCOUNT:
		p->refcount = p->refcount ? 0 : 2;
		break;
	case OP_MAPCOUNT:
		p->mapcount = 0;
		break;
	case OP_LRU_NEXT:
		p->lru.next = (struct list_head *)(uintptr_t)0x1000; /* never followed */
		break;
	case OP_LRU_PREV:
		p->lru.prev = (struct list_head *)(uintptr_t)0x2000;
		break;
	case OP_PRIVATE:
		p->private ^= 1;
		break;
	case OP_MAPPING:
		p->mapping ^= 0xdead0000ull;
		break;
	case OP_INDEX:
		p->index ^= 42;
		break;
	case OP_INIT_GEN:
		p->init_gen ^= 1ull << 63;
		break;
	case OP_COUNT:
		break;
	}
}

/*
 * A check that failed still accounts every page (the layout's real totals):
 * total = free + reserved + allocated, reserved and holes as the layout has them.
 */
static void expect_accounted_when_bad(struct fixture *f, enum verify_mode mode, const struct ref_counts *c)
{
	struct verify_result r;

	CHECK(!memmap_verify(&f->mm, &f->b, mode, &r));
	CHECK_EQ_U64(r.total_pages, c->ram);
	CHECK_EQ_U64(r.free_pages + r.reserved_pages + r.allocated_pages, r.total_pages);
	CHECK_EQ_U64(r.reserved_pages, c->reserved);
	CHECK_EQ_U64(r.hole_pages, c->hole);
}

/*
 * Corrupt each field of the page at @pfn in turn: FULL must name the pfn
 * and the field; SAMPLE too when @sampled, else (a head whose order is
 * wrong) it must at least fail. The page is restored after each.
 */
static void corrupt_each_field(struct fixture *f, uint64_t pfn, bool sampled, bool sample_exact,
			       const char *what)
{
	struct page *p = page_of(f, pfn);
	struct ref_counts c = ref_count(f);
	struct page saved;

	if (!p)
		return;
	saved = *p;
	for (int op = 0; op < OP_COUNT; op++) {
		unsigned long before = check_failed_checks;

		corrupt(p, (enum op)op);
		EXPECT_BAD(f, &f->b, VERIFY_FULL, pfn, op_field[op]);
		expect_accounted_when_bad(f, VERIFY_FULL, &c);
		if (sampled)
			expect_accounted_when_bad(f, VERIFY_SAMPLE, &c);
		if (sampled && (sample_exact || op != OP_PRIVATE))
			EXPECT_BAD(f, &f->b, VERIFY_SAMPLE, pfn, op_field[op]);
		else if (sampled)
			EXPECT_NOT_OK(f, &f->b, VERIFY_SAMPLE);
		*p = saved;
		if (check_failed_checks != before && check_should_print())
			fprintf(stderr, "  ^ %s at pfn %#llx, field %s\n", what, (unsigned long long)pfn,
				op_field[op]);
	}
	CHECK(memmap_verify(&f->mm, &f->b, VERIFY_FULL, &(struct verify_result){ 0 }));
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_clean_verifies(void)
{
	struct fixture *f = standard_layout();
	struct ref_counts c = ref_count(f);
	struct verify_result r;
	struct page *held[4];
	uint64_t allocated = 0;

	CHECK_EQ_U64(c.ram, f->topo.nodes[0].pages + f->topo.nodes[1].pages + f->topo.nodes[2].pages);
	fx_init_all(f);
	/* Right after initialization, with no buddy allocator: every RAM page is free or reserved. */
	EXPECT_OK(f, NULL, VERIFY_FULL, &c, 0);
	EXPECT_OK(f, NULL, VERIFY_SAMPLE, &c, 0);
	EXPECT_OK(f, NULL, VERIFY_OFF, &c, 0);
	/* With an empty buddy allocator every free page is lost: the first is pfn 0x100. */
	EXPECT_BAD(f, &f->b, VERIFY_FULL, 0x100, "flags");
	memmap_verify(&f->mm, &f->b, VERIFY_FULL, &r);
	CHECK(strstr(r.detail, "lost") != NULL);
	EXPECT_BAD(f, &f->b, VERIFY_OFF, NO_PFN, "accounting");

	fx_free_all(f);
	EXPECT_OK(f, &f->b, VERIFY_FULL, &c, 0);
	EXPECT_OK(f, &f->b, VERIFY_SAMPLE, &c, 0);
	EXPECT_OK(f, &f->b, VERIFY_OFF, &c, 0);
	memmap_verify(&f->mm, &f->b, VERIFY_SAMPLE, &r);
	CHECK(r.pages_checked > c.span / STRIDE && r.pages_checked < c.span / 20);
	CHECK_EQ_U64(r.bad_pfn, NO_PFN);
	CHECK(r.bad_field == NULL);

	held[0] = alloc_pages(&f->b, 0, 3);
	held[1] = alloc_pages(&f->b, 1, 0);
	held[2] = alloc_pages(&f->b, 2, MAX_ORDER);
	held[3] = alloc_pages(&f->b, 1, 7);
	for (int i = 0; i < 4; i++)
		CHECK(held[i] != NULL);
	allocated = 8 + 1 + 1024 + 128;
	EXPECT_OK(f, &f->b, VERIFY_FULL, &c, allocated);
	EXPECT_OK(f, &f->b, VERIFY_SAMPLE, &c, allocated);
	EXPECT_OK(f, &f->b, VERIFY_OFF, &c, allocated);
	free_pages(&f->b, held[0], 3);
	free_pages(&f->b, held[2], MAX_ORDER);
	EXPECT_OK(f, &f->b, VERIFY_FULL, &c, 129);
	free_pages(&f->b, held[1], 0);
	free_pages(&f->b, held[3], 7);
	EXPECT_OK(f, &f->b, VERIFY_FULL, &c, 0);
	fx_free(f);
}

static void test_corrupt_one_field(void)
{
	struct fixture *f = ready_layout();
	struct page *a3 = alloc_pages(&f->b, 0, 3), *a2 = alloc_pages(&f->b, 1, 2);
	struct page *a0 = alloc_pages(&f->b, 2, 0);
	uint64_t head0 = find_buddy_head(f, 0, 3), head1 = find_buddy_head(f, 1, 10);
	uint64_t big = find_buddy_head(f, 1, 10), sampled_tail = NO_PFN;

	CHECK(a3 && a2 && a0);
	CHECK(head0 != NO_PFN && head1 != NO_PFN);
	if (!a3 || !a2 || !a0 || head0 == NO_PFN || head1 == NO_PFN) {
		fx_free(f);
		return;
	}
	/* A tail at a sampled pfn: inside an order-10 block, not its head. */
	for (uint64_t h = big; h != NO_PFN && sampled_tail == NO_PFN; h = find_buddy_head(f, 1, 10)) {
		for (uint64_t q = h + 1; q < h + 1024; q++)
			if (q % STRIDE == 0) {
				sampled_tail = q;
				break;
			}
		break;
	}
	CHECK(sampled_tail != NO_PFN);

	/* Holes: the real-mode hole, one inside node 1's span, a sampled one. */
	corrupt_each_field(f, 0x9f, false, false, "hole");
	corrupt_each_field(f, (4 * GiB - 20 * MiB) / PAGE_SIZE, false, false, "hole");
	corrupt_each_field(f, find_pfn(f, 1, 0, RUN_HOLE, true), true, true, "sampled hole");
	/* Reserved runs. */
	corrupt_each_field(f, 5, false, false, "reserved");
	corrupt_each_field(f, 0x2350, false, false, "reserved (unaligned run)");
	corrupt_each_field(f, (4 * GiB - 60 * MiB) / PAGE_SIZE, false, false, "reserved (sub-page)");
	corrupt_each_field(f, find_pfn(f, 0, 0, RUN_RESERVED, true), true, true, "sampled reserved");
	/* Free block heads: SAMPLE checks every head in full. */
	corrupt_each_field(f, head0, true, true, "buddy head");
	corrupt_each_field(f, head1, true, true, "buddy head order 10");
	/* Tails of free blocks. */
	corrupt_each_field(f, head0 + 5, false, false, "buddy tail");
	corrupt_each_field(f, head1 + 1023, false, false, "last buddy tail");
	corrupt_each_field(f, sampled_tail, true, true, "sampled buddy tail");
	/* Allocated blocks: heads (a wrong order shows in the accounting), tails. */
	corrupt_each_field(f, page_to_pfn(&f->mm, a3), true, false, "allocated head");
	corrupt_each_field(f, page_to_pfn(&f->mm, a2), true, false, "allocated head");
	corrupt_each_field(f, page_to_pfn(&f->mm, a0), true, false, "allocated head order 0");
	corrupt_each_field(f, page_to_pfn(&f->mm, a3) + 7, false, false, "allocated tail");
	fx_free(f);
}

static void test_corrupt_more(void)
{
	struct fixture *f = ready_layout();
	uint64_t head = find_buddy_head(f, 0, 4);
	struct page *p = page_of(f, head), saved = *p;
	struct page *a = alloc_pages(&f->b, 1, 4);
	uint64_t apfn = a ? page_to_pfn(&f->mm, a) : 0;
	struct page asaved;

	CHECK(a != NULL);
	if (!a) {
		fx_free(f);
		return;
	}
	asaved = *a;
	/* A free head on the list of another order, or claiming a block that does not fit. */
	p->private = 20;
	EXPECT_BAD(f, &f->b, VERIFY_FULL, head, "private");
	*p = saved;
	/* A reserved page marked free. */
	page_of(f, 5)->flags ^= PG_buddy;
	EXPECT_BAD(f, &f->b, VERIFY_FULL, 5, "flags");
	page_of(f, 5)->flags ^= PG_buddy;
	/* A page of another node or zone. */
	page_of(f, 0x2400)->flags ^= 1ull << PAGE_NODE_SHIFT;
	EXPECT_BAD(f, &f->b, VERIFY_FULL, 0x2400, "flags");
	page_of(f, 0x2400)->flags ^= 1ull << PAGE_NODE_SHIFT;
	page_of(f, 0x2400)->flags ^= 1ull << PAGE_ZONE_SHIFT;
	EXPECT_BAD(f, &f->b, VERIFY_FULL, 0x2400, "flags");
	page_of(f, 0x2400)->flags ^= 1ull << PAGE_ZONE_SHIFT;
	/* An allocated head that lost PG_head, one claiming more than its block, one far too much. */
	a->flags &= ~PG_head;
	EXPECT_BAD(f, &f->b, VERIFY_FULL, apfn, "flags");
	EXPECT_BAD(f, &f->b, VERIFY_SAMPLE, apfn, "flags");
	*a = asaved;
	a->private = 5;
	EXPECT_BAD(f, &f->b, VERIFY_FULL, apfn, "private");
	a->private = 11;
	EXPECT_BAD(f, &f->b, VERIFY_FULL, apfn, "private");
	EXPECT_BAD(f, &f->b, VERIFY_SAMPLE, apfn, "private");
	a->private = 2;
	EXPECT_BAD(f, &f->b, VERIFY_FULL, apfn, "private");
	EXPECT_BAD(f, &f->b, VERIFY_SAMPLE, apfn, "private");
	*a = asaved;
	a->refcount = 7; /* more users is fine */
	CHECK(memmap_verify(&f->mm, &f->b, VERIFY_FULL, &(struct verify_result){ 0 }));
	*a = asaved;
	free_pages(&f->b, a, 4);
	CHECK(memmap_verify(&f->mm, &f->b, VERIFY_FULL, &(struct verify_result){ 0 }));
	fx_free(f);
}

/* Take the block at @pfn off its list by hand; @fix_counters: as if the allocator meant to. */
static void unlink_block(struct fixture *f, uint64_t pfn, bool init, bool fix_counters)
{
	struct page *p = page_of(f, pfn);
	struct zone *z = &f->b.nodes[page_node(p)].zones[page_zone(p)];

	if (init) {
		list_del_init(&p->lru);
	} else {
		p->lru.prev->next = p->lru.next;
		p->lru.next->prev = p->lru.prev;
	}
	if (fix_counters) {
		z->free_area[p->private].nr_free--;
		z->free_pages -= 1ull << p->private;
	}
}

static void test_lost_blocks(void)
{
	struct ref_counts c;
	struct fixture *f;
	uint64_t head;

	for (int variant = 0; variant < 5; variant++) {
		struct verify_result r;

		f = ready_layout();
		c = ref_count(f);
		head = find_buddy_head(f, 1, 5);
		switch (variant) {
		case 0: /* unlinked, links left pointing at the old neighbours */
			unlink_block(f, head, false, true);
			EXPECT_BAD(f, &f->b, VERIFY_FULL, head, "lru");
			EXPECT_BAD(f, &f->b, VERIFY_SAMPLE, head, "lru");
			break;
		case 1: /* unlinked and self-linked */
			unlink_block(f, head, true, true);
			EXPECT_BAD(f, &f->b, VERIFY_FULL, head, "lru");
			EXPECT_BAD(f, &f->b, VERIFY_SAMPLE, head, "lru");
			break;
		case 2: /* unlinked, counters not fixed */
			unlink_block(f, head, true, false);
			EXPECT_BAD(f, &f->b, VERIFY_FULL, NO_PFN, "free lists");
			EXPECT_OK(f, &f->b, VERIFY_OFF, &c, 0); /* the counters alone still add up */
			break;
		case 3: /* forgotten altogether: back in the free state, off every list */
			unlink_block(f, head, true, true);
			page_of(f, head)->flags &= ~PG_buddy;
			page_of(f, head)->private = 0;
			EXPECT_BAD(f, &f->b, VERIFY_FULL, head, "flags");
			EXPECT_BAD(f, &f->b, VERIFY_SAMPLE, head, "flags");
			memmap_verify(&f->mm, &f->b, VERIFY_FULL, &r);
			CHECK(strstr(r.detail, "lost") != NULL);
			/* OFF sees the counters only: one block short. */
			EXPECT_BAD(f, &f->b, VERIFY_OFF, NO_PFN, "accounting");
			break;
		case 4: /* the lost block next to an allocated one */
		{
			struct page *a, *next = NULL;
			uint64_t apfn = 0;

			/* An order-0 block split off an order-1 one: its buddy is free, just above it. */
			for (int i = 0; i < 200 && !next; i++) {
				a = alloc_pages(&f->b, 0, 0);
				apfn = page_to_pfn(&f->mm, a);
				if (!(apfn & 1) && (page_of(f, apfn + 1)->flags & PG_buddy))
					next = page_of(f, apfn + 1);
			}
			CHECK(next && next->private == 0);
			if (!next)
				break;
			unlink_block(f, apfn + 1, true, true);
			next->flags &= ~PG_buddy;
			EXPECT_BAD(f, &f->b, VERIFY_FULL, apfn + 1, "flags");
			break;
		}
		}
		fx_free(f);
	}
}

static void test_wrong_counters(void)
{
	struct fixture *f = ready_layout();
	struct ref_counts c = ref_count(f);
	struct zone *z = &f->b.nodes[1].zones[ZONE_NORMAL];
	struct verify_result r;

	z->free_area[3].nr_free++;
	EXPECT_BAD(f, &f->b, VERIFY_FULL, NO_PFN, "free lists");
	memmap_verify(&f->mm, &f->b, VERIFY_FULL, &r);
	CHECK_EQ_U64(r.bad_value, z->free_area[3].nr_free);
	CHECK_EQ_U64(r.expected_value, z->free_area[3].nr_free - 1);
	EXPECT_BAD(f, &f->b, VERIFY_SAMPLE, NO_PFN, "free lists");
	EXPECT_BAD(f, &f->b, VERIFY_OFF, NO_PFN, "free lists");
	z->free_area[3].nr_free--;
	EXPECT_OK(f, &f->b, VERIFY_FULL, &c, 0);

	z->free_pages++;
	EXPECT_BAD(f, &f->b, VERIFY_FULL, NO_PFN, "free lists");
	EXPECT_BAD(f, &f->b, VERIFY_OFF, NO_PFN, "free lists");
	z->free_pages--;

	z->allocated_pages++;
	EXPECT_BAD(f, &f->b, VERIFY_FULL, NO_PFN, "accounting");
	EXPECT_BAD(f, &f->b, VERIFY_OFF, NO_PFN, "accounting");
	z->allocated_pages--;

	f->topo.nodes[2].pages++; /* the topology disagrees with the mem_map */
	EXPECT_BAD(f, &f->b, VERIFY_FULL, NO_PFN, "accounting");
	EXPECT_BAD(f, &f->b, VERIFY_OFF, NO_PFN, "accounting");
	EXPECT_BAD(f, NULL, VERIFY_OFF, NO_PFN, "accounting");
	f->topo.nodes[2].pages--;
	EXPECT_OK(f, &f->b, VERIFY_OFF, &c, 0);
	fx_free(f);
}

static void test_detail_text(void)
{
	struct fixture *f = ready_layout();
	struct verify_result r;

	page_of(f, 0x9f)->refcount = -3;
	memmap_verify(&f->mm, &f->b, VERIFY_FULL, &r);
	CHECK(strstr(r.detail, "pfn 0x9f") != NULL);
	CHECK(strstr(r.detail, "refcount -3, expected 1") != NULL);
	CHECK(strstr(r.detail, "hole") != NULL);
	CHECK_EQ_U64(r.bad_value, (uint64_t)-3);
	CHECK_EQ_U64(r.expected_value, 1);
	CHECK(strlen(r.detail) < sizeof(r.detail));
	page_of(f, 0x9f)->refcount = 1;
	page_of(f, 0x9f)->init_gen = UINT64_MAX;
	memmap_verify(&f->mm, &f->b, VERIFY_FULL, &r);
	CHECK(strstr(r.detail, "init_gen 0xffffffffffffffff, expected 0x0") != NULL);
	fx_free(f);
}

/* ---- the digest ----------------------------------------------------------------- */

/* Cut every node's span at random pfns. */
static unsigned random_chunks(const struct fixture *f, struct chunk *out, unsigned max_cuts)
{
	unsigned n = 0;

	for (unsigned node = 0; node < f->mm.node_count; node++) {
		const struct node_memmap *nm = &f->mm.nodes[node];
		uint64_t at = nm->start_pfn;
		uint64_t span = nm->end_pfn - nm->start_pfn;

		if (!span)
			continue;
		for (unsigned i = 0; i < max_cuts && at < nm->end_pfn; i++) {
			uint64_t len = 1 + rnd(rnd(2) ? span / 4 + 1 : 40);
			uint64_t end = at + len > nm->end_pfn ? nm->end_pfn : at + len;

			out[n++] = (struct chunk){ node, at, end };
			at = end;
		}
		if (at < nm->end_pfn)
			out[n++] = (struct chunk){ node, at, nm->end_pfn };
	}
	return n;
}

static void init_chunked(struct fixture *f)
{
	static struct chunk c[MAX_NODES * 130];
	unsigned n = random_chunks(f, c, 128);

	shuffle_chunks(c, n);
	fx_init_chunks(f, c, n);
}

/* memmap_free_range() over 1024-aligned pieces of each span, highest first. */
static void free_aligned_chunks_reversed(struct fixture *f)
{
	for (unsigned n = 0; n < f->mm.node_count; n++) {
		const struct node_memmap *nm = &f->mm.nodes[n];
		uint64_t at = nm->end_pfn;

		while (at > nm->start_pfn) {
			uint64_t s = (at - 1) & ~(MAX_ORDER_NR_PAGES - 1);

			if (s < nm->start_pfn)
				s = nm->start_pfn;
			memmap_free_range(&f->b, (int)n, s, at);
			at = s;
		}
	}
}

static void test_digest_order_independent(void)
{
	struct fixture *f = standard_layout();
	uint64_t d_init, d_free;
	struct ref_counts c = ref_count(f);

	fx_init_all(f);
	d_init = memmap_digest(&f->mm);
	CHECK_EQ_U64(memmap_digest(&f->mm), d_init); /* a pure function */
	for (int trial = 0; trial < 4; trial++) {
		fx_garbage(f);
		f->mm.streaming = trial & 1;
		init_chunked(f);
		CHECK_EQ_U64(memmap_digest(&f->mm), d_init);
	}
	fx_garbage(f);
	f->mm.streaming = true;
	fx_init_all(f);
	CHECK_EQ_U64(memmap_digest(&f->mm), d_init);
	f->mm.streaming = false;

	fx_free_all(f);
	d_free = memmap_digest(&f->mm);
	CHECK(d_free != d_init);
	EXPECT_OK(f, &f->b, VERIFY_FULL, &c, 0);

	/* Again, freed in aligned pieces from the top: other list order, same digest. */
	fx_garbage(f);
	init_chunked(f);
	buddy_init(&f->b, &f->mm);
	free_aligned_chunks_reversed(f);
	EXPECT_OK(f, &f->b, VERIFY_FULL, &c, 0);
	CHECK_EQ_U64(memmap_digest(&f->mm), d_free);

	/* Allocations and frees that give everything back leave the same mem_map. */
	{
		struct page *held[64];

		for (int i = 0; i < 64; i++)
			held[i] = alloc_pages(&f->b, i % 3, (unsigned)(i % 7));
		CHECK(memmap_digest(&f->mm) != d_free);
		for (int i = 63; i >= 0; i -= 2)
			free_pages(&f->b, held[i], (unsigned)(i % 7));
		for (int i = 0; i < 64; i += 2)
			free_pages(&f->b, held[i], (unsigned)(i % 7));
		CHECK_EQ_U64(memmap_digest(&f->mm), d_free);
	}
	fx_free(f);
}

/*
 * A ready machine with the standard layout's RAM and @f's reservations, in
 * page arrays of its own; @one_more: and the page at 50 MiB + 0x3000 reserved.
 */
static struct fixture *ready_copy(const struct fixture *f, bool one_more)
{
	struct fixture *h = fx_new();

	fx_standard_ram(h);
	for (size_t i = 0; i < f->mb.reserved.count; i++)
		fx_reserve(h, f->mb.reserved.regions[i].start, f->mb.reserved.regions[i].end);
	if (one_more)
		fx_reserve(h, 50 * MiB + 0x3000, 50 * MiB + 0x4000);
	fx_setup_buddy(h);
	fx_init_all(h);
	fx_free_all(h);
	return h;
}

static void test_digest_sensitive(void)
{
	struct fixture *f = ready_layout();
	uint64_t d = memmap_digest(&f->mm), head = find_buddy_head(f, 0, 2);
	const uint64_t targets[] = { 0x9f, 5, head, head + 1, 0x2400 };
	unsigned missed = 0;

	for (unsigned t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		uint8_t *bytes = (uint8_t *)page_of(f, targets[t]);
		bool linked = !(page_of(f, targets[t])->flags & PG_buddy);

		for (unsigned i = 0; i < sizeof(struct page); i++) {
			bool in_lru = i >= offsetof(struct page, lru) &&
				      i < offsetof(struct page, lru) + sizeof(struct list_head);
			bool in_gen = i >= offsetof(struct page, init_gen) &&
				      i < offsetof(struct page, init_gen) + sizeof(uint64_t);

			for (unsigned bit = 0; bit < 8; bit += 3) {
				bytes[i] ^= (uint8_t)(1u << bit);
				/*
				 * lru links count only as "self-linked or not"; the run's
				 * generation not at all (every run leaves the same digest).
				 */
				if ((in_lru && !linked) || in_gen)
					missed += memmap_digest(&f->mm) != d;
				else
					missed += memmap_digest(&f->mm) == d;
				bytes[i] ^= (uint8_t)(1u << bit);
			}
		}
	}
	CHECK_EQ_U64(missed, 0);
	CHECK_EQ_U64(memmap_digest(&f->mm), d);

	/* Two pages swapping a value is seen too. */
	page_of(f, 0x2400)->index = 1;
	page_of(f, 0x2401)->index = 0;
	{
		uint64_t d1 = memmap_digest(&f->mm);

		page_of(f, 0x2400)->index = 0;
		page_of(f, 0x2401)->index = 1;
		CHECK(memmap_digest(&f->mm) != d1);
		CHECK(memmap_digest(&f->mm) != d);
		page_of(f, 0x2401)->index = 0;
	}

	/* The same layout in other arrays; then with one more reserved page. */
	{
		struct fixture *h = ready_copy(f, false);

		CHECK_EQ_U64(memmap_digest(&h->mm), d); /* same layout, other arrays: same digest */
		fx_free(h);

		h = ready_copy(f, true);
		CHECK(memmap_digest(&h->mm) != d);
		{
			struct ref_counts c = ref_count(h);

			EXPECT_OK(h, &h->b, VERIFY_FULL, &c, 0);
		}
		fx_free(h);
	}
	fx_free(f);
}

/* ---- random layouts, random allocations ------------------------------------------ */

static struct fixture *random_layout(void)
{
	static const uint64_t bases[] = { 0, 15 * MiB, 4 * GiB - 6 * MiB, 64 * MiB, 16 * MiB - 0x3000 };
	struct fixture *f = fx_new();
	unsigned nodes = 1 + (unsigned)rnd(3);
	uint64_t first = bases[rnd(sizeof(bases) / sizeof(bases[0]))] / PAGE_SIZE, at = first;

	for (unsigned n = 0; n < nodes; n++) {
		unsigned ranges = 1 + (unsigned)rnd(3);

		if (nodes > 1 && rnd(6) == 0)
			continue; /* memoryless */
		for (unsigned r = 0; r < ranges; r++) {
			uint64_t len = 1 + rnd(rnd(3) ? 3000 : 64);

			fx_ram(f, n, at * PAGE_SIZE, (at + len) * PAGE_SIZE);
			at += len;
			if (r + 1 < ranges)
				at += 1 + rnd(rnd(2) ? 8 : 700); /* a hole inside the node */
		}
		at += rnd(3) ? 1 + rnd(900) : 0; /* nodes may touch */
	}
	if (!f->topo.node_count)
		fx_ram(f, 0, at * PAGE_SIZE, (at + 100) * PAGE_SIZE), at += 100;
	f->topo.node_count = nodes > f->topo.node_count ? nodes : f->topo.node_count;
	for (unsigned i = 0, k = (unsigned)rnd(9); i < k; i++) {
		uint64_t s = first + rnd(at - first), len = 1 + rnd(rnd(2) ? 4 : 300);

		if (rnd(4) == 0) /* a few bytes: the page is reserved */
			fx_reserve(f, s * PAGE_SIZE + 100, s * PAGE_SIZE + 200);
		else
			fx_reserve(f, s * PAGE_SIZE, (s + len) * PAGE_SIZE);
	}
	for (unsigned i = 0; i < f->topo.node_count; i++)
		for (unsigned j = 0; j < i; j++)
			f->topo.distance[i][j] = f->topo.distance[j][i] = (uint8_t)(11 + rnd(30));
	fx_setup_buddy(f);
	return f;
}

static void test_random_layouts_and_allocations(void)
{
	static struct chunk chunks[MAX_NODES * 40];
	static struct {
		struct page *p;
		unsigned order;
	} held[400];

	rnd_seed(0x5eed1234abcdull);
	for (unsigned iter = 0; iter < 40 && check_failed_checks <= CHECK_PRINT_MAX; iter++) {
		struct fixture *f = random_layout();
		struct ref_counts c = ref_count(f);
		bool whole = rnd(2);
		unsigned nheld = 0, nchunks;
		uint64_t allocated = 0, d_free;

		init_chunked(f);
		EXPECT_OK(f, NULL, VERIFY_FULL, &c, 0);
		if (whole) {
			fx_free_all(f);
		} else { /* in random pieces, in random order: blocks are smaller, still right */
			nchunks = random_chunks(f, chunks, 36);
			shuffle_chunks(chunks, nchunks);
			for (unsigned i = 0; i < nchunks; i++)
				memmap_free_range(&f->b, (int)chunks[i].node, chunks[i].start, chunks[i].end);
		}
		EXPECT_OK(f, &f->b, VERIFY_FULL, &c, 0);
		d_free = memmap_digest(&f->mm);
		for (unsigned step = 0; step < 150; step++) {
			if ((rnd(3) && nheld < 400) || nheld == 0) {
				unsigned order = rnd(4) ? (unsigned)rnd(3) : (unsigned)rnd(MAX_ORDER + 1);
				int node = (int)rnd(f->mm.node_count);
				struct page *p = alloc_pages(&f->b, node, order);

				if (p) {
					CHECK(page_node(p) < (int)f->mm.node_count);
					CHECK_EQ_U64(page_to_pfn(&f->mm, p) & ((1ull << order) - 1), 0);
					held[nheld].p = p;
					held[nheld++].order = order;
					allocated += 1ull << order;
				}
			} else {
				unsigned i = (unsigned)rnd(nheld);

				free_pages(&f->b, held[i].p, held[i].order);
				allocated -= 1ull << held[i].order;
				held[i] = held[--nheld];
			}
			EXPECT_OK(f, &f->b, VERIFY_FULL, &c, allocated);
			if (step % 16 == 0) {
				EXPECT_OK(f, &f->b, VERIFY_SAMPLE, &c, allocated);
				EXPECT_OK(f, &f->b, VERIFY_OFF, &c, allocated);
			}
		}
		while (nheld > 0) {
			nheld--;
			free_pages(&f->b, held[nheld].p, held[nheld].order);
		}
		EXPECT_OK(f, &f->b, VERIFY_FULL, &c, 0);
		if (whole) /* merged back into the blocks memmap_free_range made */
			CHECK_EQ_U64(memmap_digest(&f->mm), d_free);
		fx_free(f);
	}
}

/* ---- speed (printed only) --------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void test_speed_1m_pages(void)
{
	struct fixture *f = fx_new();
	struct verify_result r;
	uint64_t pages, t, d = 0;

	fx_ram(f, 0, 0, 0x9f000);
	fx_ram(f, 0, 1 * MiB, 4 * GiB);
	fx_reserve(f, 0, 1 * MiB);
	fx_reserve(f, 16 * MiB, 48 * MiB);
	fx_setup_buddy(f);
	pages = f->mm.nodes[0].end_pfn - f->mm.nodes[0].start_pfn;
	t = now_ns();
	fx_init_all(f);
	printf("speed: %llu pages: init %.2f ns/page", (unsigned long long)pages,
	       (double)(now_ns() - t) / (double)pages);
	fx_free_all(f);
	for (int mode = VERIFY_FULL; mode >= VERIFY_OFF; mode--) {
		t = now_ns();
		memmap_verify(&f->mm, &f->b, (enum verify_mode)mode, &r);
		t = now_ns() - t;
		CHECK(r.ok);
		printf(", verify %s %.2f ns/page",
		       mode == VERIFY_FULL ? "full" : mode == VERIFY_SAMPLE ? "sample" : "off",
		       (double)t / (double)pages);
	}
	t = now_ns();
	d = memmap_digest(&f->mm);
	t = now_ns() - t;
	printf(", digest %.2f ns/page (%016llx)\n", (double)t / (double)pages, (unsigned long long)d);
	fx_free(f);
}

/*
 * A run that skips a chunk, where the pages left still hold the previous
 * run's correct contents (benchmark mode's case): only the generation
 * stamp tells them apart, and verification names the first skipped pfn.
 * The digest, which ignores the stamp, is that of a full run.
 */
static void test_generation_catches_skipped_chunk(void)
{
	struct fixture *f = fx_new();
	struct verify_result v;
	uint64_t digest, s, e;

	fx_standard(f);
	fx_setup(f);
	f->mm.generation = 1;
	fx_init_all(f);
	CHECK(memmap_verify(&f->mm, NULL, VERIFY_FULL, &v));
	digest = memmap_digest(&f->mm);

	f->mm.generation = 2;
	s = f->mm.nodes[1].start_pfn + 2 * MAX_ORDER_NR_PAGES;
	e = s + MAX_ORDER_NR_PAGES;
	for (unsigned n = 0; n < f->mm.node_count; n++) {
		const struct node_memmap *nm = &f->mm.nodes[n];

		if (n != 1) {
			memmap_init_range(&f->mm, (int)n, nm->start_pfn, nm->end_pfn);
			continue;
		}
		memmap_init_range(&f->mm, 1, nm->start_pfn, s);
		memmap_init_range(&f->mm, 1, e, nm->end_pfn);
	}
	CHECK_EQ_U64(memmap_digest(&f->mm), digest);
	CHECK(!memmap_verify(&f->mm, NULL, VERIFY_FULL, &v));
	CHECK_EQ_U64(v.bad_pfn, s);
	CHECK_STR_EQ(v.bad_field, "init_gen");
	CHECK_EQ_U64(v.bad_value, 1);
	CHECK_EQ_U64(v.expected_value, 2);
	/* Written after all: the run verifies. */
	memmap_init_range(&f->mm, 1, s, e);
	CHECK(memmap_verify(&f->mm, NULL, VERIFY_FULL, &v));
	fx_free(f);
}

CHECK_MAIN(CHECK_TEST(test_clean_verifies), CHECK_TEST(test_generation_catches_skipped_chunk), CHECK_TEST(test_corrupt_one_field),
	   CHECK_TEST(test_corrupt_more), CHECK_TEST(test_lost_blocks), CHECK_TEST(test_wrong_counters),
	   CHECK_TEST(test_detail_text), CHECK_TEST(test_digest_order_independent),
	   CHECK_TEST(test_digest_sensitive), CHECK_TEST(test_random_layouts_and_allocations),
	   CHECK_TEST(test_speed_1m_pages))
