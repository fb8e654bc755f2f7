// SPDX-License-Identifier: MIT
/*
 * Host tests for mm/memmap.c, written against the contract in mm/memmap.h:
 * the section table and pfn_to_page()/page_to_pfn(), the runs a node's span
 * splits into (checked against a page-by-page reference built from the
 * layout), and initialization: every page is memmap_initial_page() of its
 * run, whatever the order and the size of the pieces it is written in, and
 * with or without streaming stores, with either per-page method
 * (memmap.method) and each of the template method's store kinds.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "mm/memmap.h"
#include "tests/host/check.h"
#include "tests/host/fake_machine.h"

/* The standard layout (fake_machine.h), page arrays set up, not initialized. */
static struct fixture *standard_layout(void)
{
	struct fixture *f = fx_new();

	fx_standard(f);
	fx_setup(f);
	return f;
}

/* ---- runs -------------------------------------------------------------------- */

struct run {
	int node;
	uint64_t start, end;
	enum page_run_kind kind;
	enum zone_type zone;
};

struct runs {
	struct run r[4096];
	unsigned count;
};

static void collect_run(void *cookie, int node, uint64_t start, uint64_t end, enum page_run_kind kind,
			enum zone_type zone)
{
	struct runs *rs = cookie;

	CHECK(rs->count < 4096);
	if (rs->count < 4096)
		rs->r[rs->count++] = (struct run){ node, start, end, kind, zone };
}

/* Runs of [start, end) of @node: tile it, in order, one zone each, as the reference says. */
static void check_runs(const struct fixture *f, unsigned node, uint64_t start, uint64_t end,
		       const uint8_t *kinds, struct runs *rs)
{
	uint64_t at = start, bad = 0;

	rs->count = 0;
	memmap_for_each_run(&f->mm, (int)node, start, end, collect_run, rs);
	if (start == end) {
		CHECK_EQ_U64(rs->count, 0);
		return;
	}
	CHECK(rs->count > 0);
	for (unsigned i = 0; i < rs->count; i++) {
		const struct run *r = &rs->r[i];

		CHECK_EQ_U64(r->node, node);
		CHECK_EQ_U64(r->start, at);
		CHECK(r->start < r->end);
		CHECK_EQ_U64(r->zone, zone_of_pfn(r->start));
		CHECK_EQ_U64(zone_of_pfn(r->end - 1), r->zone);
		if (i > 0) /* maximal: neighbours differ */
			CHECK(rs->r[i - 1].kind != r->kind || rs->r[i - 1].zone != r->zone);
		for (uint64_t pfn = r->start; pfn < r->end; pfn++)
			bad += kinds[pfn - f->topo.nodes[node].start_pfn] != r->kind;
		at = r->end;
	}
	CHECK_EQ_U64(at, end);
	CHECK_EQ_U64(bad, 0);
}

static bool has_run_edge(const struct runs *rs, uint64_t pfn)
{
	for (unsigned i = 0; i + 1 < rs->count; i++)
		if (rs->r[i].end == pfn && rs->r[i + 1].start == pfn)
			return true;
	return false;
}

/* ---- tests ------------------------------------------------------------------------ */

static unsigned shift_of(const uint64_t (*ranges)[3], unsigned count)
{
	struct fixture *f = fx_new();
	unsigned shift;
	uint64_t max_pfn = 0;

	for (unsigned i = 0; i < count; i++)
		fx_ram(f, (unsigned)ranges[i][0], ranges[i][1], ranges[i][2]);
	fx_topology(f);
	shift = memmap_section_shift(&f->topo);
	for (unsigned i = 0; i < count; i++)
		if (ranges[i][2] / PAGE_SIZE > max_pfn)
			max_pfn = ranges[i][2] / PAGE_SIZE;
	/* Per section: a base, a node, and room for one block of struct pages. */
	CHECK_EQ_U64(memmap_section_table_bytes(&f->topo),
		     ((max_pfn + (1ull << shift) - 1) >> shift) * (sizeof(uintptr_t) + sizeof(struct memmap_block) + 1));
	fx_free(f);
	return shift;
}

static void test_section_shift(void)
{
	static const uint64_t one[][3] = { { 0, 0, 64 * MiB } };
	static const uint64_t aligned[][3] = { { 0, 0, 64 * MiB }, { 1, 64 * MiB, 128 * MiB } };
	static const uint64_t huge[][3] = { { 0, 0, 2 * GiB }, { 1, 2 * GiB, 4 * GiB } };
	static const uint64_t odd[][3] = { { 0, 0, 64 * MiB + 0x1000 },
					   { 1, 64 * MiB + 0x1000, 128 * MiB } };
	static const uint64_t gap2[][3] = { { 0, 0, 64 * MiB + 0x1000 },
					    { 1, 64 * MiB + 0x3000, 128 * MiB } };
	static const uint64_t wide_gap[][3] = { { 0, 0, 64 * MiB + 0x1000 },
						{ 1, 128 * MiB + 0x1000, 192 * MiB } };
	static const uint64_t three[][3] = { { 0, 0, 64 * MiB },
					     { 1, 64 * MiB, 96 * MiB },
					     { 2, 96 * MiB, 100 * MiB } };
	static const uint64_t same_node_gap[][3] = { { 0, 0, 0x9f000 }, { 0, 1 * MiB, 64 * MiB } };

	CHECK_EQ_U64(shift_of(one, 1), 15);           /* 128 MiB, like Linux's sections */
	CHECK_EQ_U64(shift_of(same_node_gap, 2), 15); /* a hole inside a node is no boundary */
	CHECK_EQ_U64(shift_of(aligned, 2), 14);       /* 64 MiB = 2^14 pages */
	CHECK_EQ_U64(shift_of(huge, 2), 15);          /* 2^19 pages: capped */
	CHECK_EQ_U64(shift_of(odd, 2), 0);            /* pfn 16385 */
	CHECK_EQ_U64(shift_of(gap2, 2), 1);           /* the cut can be 16386 */
	CHECK_EQ_U64(shift_of(wide_gap, 2), 15);      /* 32768 lies in the gap */
	CHECK_EQ_U64(shift_of(three, 3), 13);         /* 96 MiB = 3 * 2^13 pages */
}

static void test_node_bytes(void)
{
	struct fixture *f = fx_new();

	fx_ram(f, 0, 0, 0x9f000);
	fx_ram(f, 0, 1 * MiB, 8 * MiB);
	f->topo.node_count = 2; /* node 1: no memory */
	fx_topology(f);
	CHECK_EQ_U64(memmap_node_bytes(&f->topo, 0), 2048 * sizeof(struct page));
	CHECK_EQ_U64(memmap_node_bytes(&f->topo, 1), 0);
	fx_free(f);
}

static void test_pfn_to_page_round_trip(void)
{
	struct fixture *f = standard_layout();
	uint64_t bad_lookup = 0, bad_back = 0, bad_null = 0, first_bad_null = 0;
	uint64_t top = f->mm.max_pfn + (2ull << f->mm.section_shift);

	CHECK_EQ_U64(f->mm.node_count, 3);
	CHECK_EQ_U64(f->mm.max_pfn, (4 * GiB + 72 * MiB) / PAGE_SIZE);
	fx_init_all(f);
	for (unsigned n = 0; n < f->mm.node_count; n++) {
		const struct node_memmap *nm = &f->mm.nodes[n];

		CHECK(f->maps[n] == f->maps[n]);
		CHECK_EQ_U64(nm->start_pfn, f->topo.nodes[n].start_pfn);
		CHECK_EQ_U64(nm->end_pfn, f->topo.nodes[n].end_pfn);
		for (uint64_t pfn = nm->start_pfn; pfn < nm->end_pfn; pfn++) {
			struct page *p = pfn_to_page(&f->mm, pfn);

			bad_lookup += p != f->maps[n] + (pfn - nm->start_pfn);
			bad_back += p && page_to_pfn(&f->mm, p) != pfn;
		}
	}
	/* Every pfn in no span: before, between and after the nodes. */
	for (uint64_t pfn = 0; pfn < top; pfn++) {
		bool in_span = false;

		for (unsigned n = 0; n < f->mm.node_count; n++)
			in_span |= pfn >= f->mm.nodes[n].start_pfn && pfn < f->mm.nodes[n].end_pfn;
		if (!in_span && pfn_to_page(&f->mm, pfn) != NULL) {
			if (!bad_null)
				first_bad_null = pfn;
			bad_null++;
		}
	}
	CHECK_EQ_U64(bad_lookup, 0);
	CHECK_EQ_U64(bad_back, 0);
	CHECK_EQ_U64(bad_null, 0);
	if (bad_null && check_should_print())
		fprintf(stderr, "  first pfn outside every span with a page: %#llx\n",
			(unsigned long long)first_bad_null);
	CHECK(pfn_to_page(&f->mm, UINT64_MAX) == NULL);
	CHECK(pfn_to_page(&f->mm, 1ull << 40) == NULL);
	fx_free(f);
}

static void test_runs(void)
{
	struct fixture *f = standard_layout();
	static struct runs rs;

	for (unsigned n = 0; n < f->mm.node_count; n++) {
		const struct node_memmap *nm = &f->mm.nodes[n];
		uint8_t *kinds = ref_kinds(f, n);

		check_runs(f, n, nm->start_pfn, nm->end_pfn, kinds, &rs);
		if (n == 0) {
			CHECK(has_run_edge(&rs, ZONE_DMA_END_PFN)); /* reserved DMA | reserved DMA32 */
			CHECK_EQ_U64(rs.r[0].kind, RUN_RESERVED);
			CHECK_EQ_U64(rs.r[0].end, 0x9f);
			CHECK_EQ_U64(rs.r[1].kind, RUN_HOLE);
			CHECK_EQ_U64(rs.r[1].end, 0x100);
		}
		if (n == 1) {
			CHECK(has_run_edge(&rs, ZONE_DMA32_END_PFN)); /* free DMA32 | free Normal */
			/* The sub-page reservation makes its page reserved; the one in the hole is hole. */
			CHECK_EQ_U64(kinds[(4 * GiB - 60 * MiB) / PAGE_SIZE - nm->start_pfn], RUN_RESERVED);
			CHECK_EQ_U64(kinds[(4 * GiB - 60 * MiB) / PAGE_SIZE + 1 - nm->start_pfn], RUN_FREE);
			CHECK_EQ_U64(kinds[(4 * GiB - 24 * MiB) / PAGE_SIZE - nm->start_pfn], RUN_HOLE);
		}
		if (n == 2) {
			CHECK_EQ_U64(rs.r[0].kind, RUN_RESERVED);
			CHECK_EQ_U64(rs.r[rs.count - 1].kind, RUN_RESERVED);
			CHECK_EQ_U64(rs.r[rs.count - 1].end - rs.r[rs.count - 1].start, 1);
		}
		/* Pieces of the span: the same kinds, cut at the piece's ends. */
		for (unsigned i = 0; i < 200; i++) {
			uint64_t a = nm->start_pfn + rnd(nm->end_pfn - nm->start_pfn + 1);
			uint64_t b = nm->start_pfn + rnd(nm->end_pfn - nm->start_pfn + 1);

			if (a > b) {
				uint64_t t = a;

				a = b;
				b = t;
			}
			check_runs(f, n, a, b, kinds, &rs);
		}
		if (n == 0)
			check_runs(f, n, ZONE_DMA_END_PFN - 1, ZONE_DMA_END_PFN + 1, kinds, &rs);
		if (n == 1)
			check_runs(f, n, ZONE_DMA32_END_PFN - 2, ZONE_DMA32_END_PFN + 5, kinds, &rs);
		free(kinds);
	}
	fx_free(f);
}

/* Every page is memmap_initial_page() of its pfn's kind and zone, lru self-linked. */
static uint64_t pages_not_initial(const struct fixture *f)
{
	uint64_t bad = 0;

	for (unsigned n = 0; n < f->mm.node_count; n++) {
		const struct node_memmap *nm = &f->mm.nodes[n];
		uint8_t *kinds = ref_kinds(f, n);

		for (uint64_t pfn = nm->start_pfn; pfn < nm->end_pfn; pfn++) {
			const struct page *p = &f->maps[n][pfn - nm->start_pfn];
			struct page want = memmap_initial_page((int)n, zone_of_pfn(pfn),
							       (enum page_run_kind)kinds[pfn - nm->start_pfn]);
			bool ok = p->flags == want.flags && p->refcount == want.refcount &&
				  p->mapcount == want.mapcount && p->lru.next == &p->lru &&
				  p->lru.prev == &p->lru && p->private == want.private &&
				  p->mapping == want.mapping && p->index == want.index &&
				  p->init_gen == want.init_gen;

			if (!ok && !bad && check_should_print())
				fprintf(stderr, "  node %u pfn %#llx: flags %#llx refcount %d, want %#llx %d\n",
					n, (unsigned long long)pfn, (unsigned long long)p->flags,
					p->refcount, (unsigned long long)want.flags, want.refcount);
			bad += !ok;
		}
		free(kinds);
	}
	return bad;
}

static void test_initial_page_states(void)
{
	struct page h = memmap_initial_page(1, ZONE_DMA32, RUN_HOLE);
	struct page r = memmap_initial_page(2, ZONE_NORMAL, RUN_RESERVED);
	struct page fr = memmap_initial_page(63, ZONE_DMA, RUN_FREE);

	CHECK_EQ_U64(h.flags, page_flags_make(1, ZONE_DMA32, PG_reserved | PG_hole));
	CHECK_EQ_U64(h.refcount, 1);
	CHECK_EQ_U64(r.flags, page_flags_make(2, ZONE_NORMAL, PG_reserved));
	CHECK_EQ_U64(r.refcount, 1);
	CHECK_EQ_U64(fr.flags, page_flags_make(63, ZONE_DMA, 0));
	CHECK_EQ_U64(fr.refcount, 0);
	CHECK_EQ_U64(page_node(&fr), 63);
	CHECK_EQ_U64(page_zone(&r), ZONE_NORMAL);
	CHECK_EQ_U64(page_zone(&h), ZONE_DMA32);
	for (int k = 0; k < 3; k++) {
		struct page p = k == 0 ? h : k == 1 ? r : fr;

		CHECK_EQ_U64(p.mapcount, (uint64_t)-1);
		CHECK_EQ_U64(p.private, 0);
		CHECK_EQ_U64(p.mapping, 0);
		CHECK_EQ_U64(p.index, 0);
		CHECK_EQ_U64(p.init_gen, 0);
	}
}

static void test_init_writes_initial_pages(void)
{
	struct fixture *f = standard_layout();

	fx_init_all(f);
	CHECK_EQ_U64(pages_not_initial(f), 0);
	for (unsigned n = 0; n < f->mm.node_count; n++)
		CHECK_EQ_U64(memmap_node_ram_pages(&f->mm, (int)n), f->topo.nodes[n].pages);
	fx_free(f);
}

/* ---- a sparse mem_map ---- */

static struct fixture *sparse_layout(void)
{
	struct fixture *f = fx_new();

	fx_ram(f, 0, 0, 64 * MiB);                           /* section 0: a hole inside it stays */
	fx_ram(f, 0, 1 * GiB + 16 * MiB, 1 * GiB + 80 * MiB); /* 128 MiB .. 1 GiB: absent */
	fx_ram(f, 1, 2 * GiB, 2 * GiB + 64 * MiB);
	fx_ram(f, 1, 2 * GiB + 660 * MiB, 2 * GiB + 700 * MiB); /* its section starts at 2 GiB + 640 MiB */
	fx_reserve(f, 1 * GiB + 20 * MiB, 1 * GiB + 21 * MiB);
	return f;
}

static bool all_garbage(const struct page *p, uint64_t n)
{
	const unsigned char *b = (const unsigned char *)p;

	for (uint64_t i = 0; i < n * sizeof(*p); i++)
		if (b[i] != GARBAGE)
			return false;
	return true;
}

static void test_sparse_absent_sections(void)
{
	/* Struct pages only for the 128 MiB stretches with RAM; the rest is never written or walked. */
	struct fixture *f = sparse_layout();
	const uint64_t sec = 128 * MiB / PAGE_SIZE;
	struct memmap_extent x;
	uint64_t node0_present = sec + 80 * MiB / PAGE_SIZE, node1_present = sec + 60 * MiB / PAGE_SIZE;

	fx_setup(f);
	fx_init_all(f);
	CHECK_EQ_U64(f->mm.section_shift, 15);
	CHECK_EQ_U64(memmap_present_pages_in(&f->mm, 0, 0, f->mm.max_pfn), node0_present);
	CHECK_EQ_U64(memmap_present_pages_in(&f->mm, 1, 0, f->mm.max_pfn), node1_present);
	CHECK_EQ_U64(memmap_present_pages(&f->mm), node0_present + node1_present);
	CHECK_EQ_U64(memmap_present_pages_in(&f->mm, 0, sec / 2, sec + 1), sec / 2);
	/* Node 0's extents: its first section, then from 1 GiB to its span's end. */
	CHECK(memmap_next_extent(&f->mm, 0, 0, f->mm.max_pfn, &x));
	CHECK_EQ_U64(x.start_pfn, 0);
	CHECK_EQ_U64(x.end_pfn, sec);
	CHECK(memmap_next_extent(&f->mm, 0, x.end_pfn, f->mm.max_pfn, &x));
	CHECK_EQ_U64(x.start_pfn, 8 * sec);
	CHECK_EQ_U64(x.end_pfn, (1 * GiB + 80 * MiB) / PAGE_SIZE);
	CHECK(!memmap_next_extent(&f->mm, 0, x.end_pfn, f->mm.max_pfn, &x));
	/* Absent: no struct page, never written; a hole inside a present section: initialized. */
	for (uint64_t pfn = sec; pfn < 8 * sec; pfn += 777)
		CHECK(pfn_to_page(&f->mm, pfn) == NULL);
	CHECK(pfn_to_page(&f->mm, 8 * sec - 1) == NULL);
	CHECK(pfn_to_page(&f->mm, (2 * GiB + 200 * MiB) / PAGE_SIZE) == NULL);
	CHECK(all_garbage(f->maps[0] + sec, 7 * sec));
	CHECK(all_garbage(f->maps[1] + sec, 4 * sec));
	CHECK(!all_garbage(f->maps[1] + 5 * sec, 1));
	CHECK_EQ_U64(pfn_to_page(&f->mm, 100 * MiB / PAGE_SIZE)->flags,
		     memmap_initial_page(0, ZONE_DMA32, RUN_HOLE).flags);
	CHECK_EQ_U64(pfn_to_page(&f->mm, (1 * GiB + 20 * MiB) / PAGE_SIZE)->flags,
		     memmap_initial_page(0, ZONE_DMA32, RUN_RESERVED).flags);
	CHECK_EQ_U64(page_to_pfn(&f->mm, pfn_to_page(&f->mm, (2 * GiB + 699 * MiB) / PAGE_SIZE)),
		     (2 * GiB + 699 * MiB) / PAGE_SIZE);
	fx_free(f);
}

static void test_sparse_pieces(void)
{
	/*
	 * Each section stored apart, in descending address order (as a
	 * fragmented node gets them): pieces end where storage does, every pfn
	 * finds its page and back, and initialization writes each piece.
	 */
	struct fixture *f = sparse_layout();
	const uint64_t sec = 128 * MiB / PAGE_SIZE;
	struct page *pieces[32] = { 0 };
	unsigned count = 0;
	struct memmap_extent x;
	uint64_t bad = 0;

	fx_topology(f);
	f->sections = aligned_alloc(64, (memmap_section_table_bytes(&f->topo) + 64) & ~63ull);
	memmap_setup(&f->mm, &f->topo, &f->mb, f->sections);
	for (unsigned n = 0; n < 2; n++)
		for (uint64_t pfn = 0; memmap_next_extent(&f->mm, (int)n, pfn, f->mm.max_pfn, &x); pfn = x.end_pfn)
			for (uint64_t s = x.start_pfn, e; s < x.end_pfn; s = e, count++) {
				e = (s / sec + 1) * sec < x.end_pfn ? (s / sec + 1) * sec : x.end_pfn;
				pieces[count] = malloc((e - s) * sizeof(struct page));
				memset(pieces[count], GARBAGE, (e - s) * sizeof(struct page));
				memmap_add_storage(&f->mm, s, e, pieces[count]);
			}
	CHECK_EQ_U64(count, 4);
	fx_init_all(f);
	for (unsigned n = 0; n < 2; n++) {
		unsigned seen = 0;

		for (uint64_t pfn = 0; memmap_next_piece(&f->mm, (int)n, pfn, f->mm.max_pfn, &x); pfn = x.end_pfn) {
			const struct page *p = pfn_to_page(&f->mm, x.start_pfn);

			seen++;
			CHECK(x.end_pfn - x.start_pfn <= sec);
			for (uint64_t q = x.start_pfn; q < x.end_pfn; q++, p++)
				bad += pfn_to_page(&f->mm, q) != p || page_to_pfn(&f->mm, p) != q ||
				       page_node(p) != (int)n || p->init_gen != f->mm.generation ||
				       p->lru.next != &p->lru;
		}
		CHECK_EQ_U64(seen, 2);
	}
	CHECK_EQ_U64(bad, 0);
	{
		uint64_t pfn = 0;
		const struct page *outside = pieces[0] + sec; /* one past a piece */

		CHECK(!memmap_page_pfn(&f->mm, (const struct page *)((const char *)pieces[1] + 8), &pfn));
		CHECK(!memmap_page_pfn(&f->mm, outside, &pfn) || pfn != sec);
	}
	for (unsigned i = 0; i < count; i++)
		free(pieces[i]);
	fx_free(f);
}

static void test_thousand_ranges(void)
{
	/*
	 * 1000 RAM ranges on each of two nodes, interleaved 1 MiB pieces with
	 * 1 MiB holes: every page initialized as its run says, the section
	 * table names each node's pages, nothing lost to a range cap.
	 */
	struct fixture *f = fx_new();
	uint64_t base = 0;

	for (unsigned node = 0; node < 2; node++)
		for (unsigned i = 0; i < 1000; i++, base += 2 * MiB)
			fx_ram(f, node, base, base + MiB);
	fx_reserve(f, 0, MiB);
	fx_reserve(f, 1000 * 2 * MiB - 0x3000, 1000 * 2 * MiB + MiB + 0x1000);
	fx_setup(f);
	fx_init_all(f);
	CHECK_EQ_U64(f->topo.nodes[0].range_count, 1000);
	CHECK_EQ_U64(f->topo.nodes[1].pages, 1000 * MiB / PAGE_SIZE);
	CHECK_EQ_U64(pages_not_initial(f), 0);
	for (unsigned node = 0; node < 2; node++) {
		const struct numa_node *n = &f->topo.nodes[node];

		for (unsigned r = 0; r < n->range_count; r++) {
			uint64_t pfn = n->ranges[r].start / PAGE_SIZE;

			CHECK(pfn_to_page(&f->mm, pfn) != NULL);
			CHECK_EQ_U64(page_node(pfn_to_page(&f->mm, pfn)), node);
			CHECK_EQ_U64(page_to_pfn(&f->mm, pfn_to_page(&f->mm, pfn)), pfn);
		}
	}
	fx_free(f);
}

static void test_streaming_same_bytes(void)
{
	struct fixture *f = standard_layout();
	struct snapshot plain;

	f->mm.streaming = false;
	fx_init_all(f);
	snap_take(f, &plain);
	fx_garbage(f);
	f->mm.streaming = true;
	fx_init_all(f);
	CHECK(snap_same(f, &plain));
	CHECK_EQ_U64(pages_not_initial(f), 0);
	snap_free(&plain);
	fx_free(f);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_chunked_random_order(void)
{
	struct fixture *f = standard_layout();
	struct snapshot whole;
	static struct chunk chunks[MAX_NODES * 80];
	uint64_t cuts[80];

	fx_init_all(f);
	snap_take(f, &whole);
	for (unsigned trial = 0; trial < 12; trial++) {
		unsigned nchunks = 0;

		fx_garbage(f);
		f->mm.streaming = trial & 1;
		for (unsigned n = 0; n < f->mm.node_count; n++) {
			const struct node_memmap *nm = &f->mm.nodes[n];
			unsigned ncuts = 1 + (unsigned)rnd(60), c = 0;

			cuts[c++] = nm->start_pfn;
			for (unsigned i = 0; i < ncuts; i++) /* random pfns, some at zone edges */
				cuts[c++] = rnd(8) ? nm->start_pfn + rnd(nm->end_pfn - nm->start_pfn)
						   : ZONE_DMA_END_PFN + rnd(3) - 1;
			cuts[c++] = nm->end_pfn;
			qsort(cuts, c, sizeof(cuts[0]), cmp_u64);
			for (unsigned i = 0; i + 1 < c; i++) {
				uint64_t s = cuts[i] < nm->start_pfn ? nm->start_pfn : cuts[i];
				uint64_t e = cuts[i + 1] > nm->end_pfn ? nm->end_pfn : cuts[i + 1];

				if (s < e) /* empty and repeated cuts: nothing to do */
					chunks[nchunks++] = (struct chunk){ n, s, e };
			}
		}
		shuffle_chunks(chunks, nchunks);
		fx_init_chunks(f, chunks, nchunks);
		CHECK(snap_same(f, &whole));
	}

	/* One chunk writes its pages and nothing else. */
	fx_garbage(f);
	memmap_init_range(&f->mm, 0, 3000, 5000);
	CHECK_EQ_U64(((const uint8_t *)&f->maps[0][2999])[63], GARBAGE);
	CHECK_EQ_U64(((const uint8_t *)&f->maps[0][5000])[0], GARBAGE);
	CHECK(memcmp(&f->maps[0][3000], &whole.maps[0][3000], 2000 * sizeof(struct page)) == 0);
	memmap_init_range(&f->mm, 0, 4000, 4000); /* empty */
	CHECK_EQ_U64(((const uint8_t *)&f->maps[0][5000])[0], GARBAGE);
	snap_free(&whole);
	fx_free(f);
}

static void test_fill_edges(void)
{
	static struct page buf[6] __attribute__((aligned(64)));
	struct page tmpl = memmap_initial_page(3, ZONE_DMA32, RUN_RESERVED);
	static uint8_t want[sizeof(buf)];

	tmpl.private = 0x1111;
	tmpl.mapping = 0x2222;
	tmpl.index = 0x3333;
	tmpl.init_gen = 0x4444;
	for (int streaming = 0; streaming < 2; streaming++) {
		memset(buf, 0x5a, sizeof(buf));
		memset(want, 0x5a, sizeof(want));
		__memmap_fill(&buf[1], 0, &tmpl, streaming);
		CHECK(memcmp(buf, want, sizeof(buf)) == 0);
		__memmap_fill(&buf[2], 1, &tmpl, streaming);
		CHECK_EQ_U64(buf[2].flags, tmpl.flags);
		CHECK_EQ_U64(buf[2].refcount, 1);
		CHECK_EQ_U64(buf[2].mapcount, (uint64_t)-1);
		CHECK(buf[2].lru.next == &buf[2].lru && buf[2].lru.prev == &buf[2].lru);
		CHECK_EQ_U64(buf[2].private, 0x1111);
		CHECK_EQ_U64(buf[2].mapping, 0x2222);
		CHECK_EQ_U64(buf[2].index, 0x3333);
		CHECK_EQ_U64(buf[2].init_gen, 0x4444);
		CHECK(memcmp(buf, want, 2 * sizeof(struct page)) == 0);
		CHECK(memcmp(&buf[3], want, 3 * sizeof(struct page)) == 0);
		__memmap_fill(&buf[3], 3, &tmpl, streaming);
		for (int i = 3; i < 6; i++)
			CHECK(buf[i].flags == tmpl.flags && buf[i].lru.next == &buf[i].lru &&
			      buf[i].init_gen == 0x4444);
		CHECK(memcmp(buf, want, 2 * sizeof(struct page)) == 0);
	}
}

/*
 * Random pieces of every node's span, in random order, each written by the
 * template method with a random store kind: the same bytes as the field
 * stores writing every span whole.
 */
static void test_template_same_bytes(void)
{
	struct fixture *f = standard_layout();
	struct snapshot fields;
	enum { CHUNKS_MAX = MAX_NODES * 40 };
	static struct chunk chunks[CHUNKS_MAX];

	f->mm.method = MEMMAP_FIELDS;
	fx_init_all(f);
	snap_take(f, &fields);
	for (unsigned store = 0; store < TEMPLATE_STORES; store++) {
		fx_garbage(f);
		f->mm.method = MEMMAP_TEMPLATE;
		f->mm.template_store = (enum template_store)store;
		fx_init_all(f);
		CHECK(snap_same(f, &fields));
	}
	for (unsigned trial = 0; trial < 16; trial++) {
		unsigned nchunks = 0;

		fx_garbage(f);
		for (unsigned n = 0; n < f->mm.node_count; n++) {
			const struct node_memmap *nm = &f->mm.nodes[n];
			uint64_t at = nm->start_pfn;

			while (at < nm->end_pfn) { /* pieces of 1 page to a few thousand, some odd */
				uint64_t len = rnd(4) ? 1 + rnd(3000) : 1 + rnd(3);
				bool last_slot = nchunks + 1 == CHUNKS_MAX; /* then it takes the rest */
				uint64_t e = at + len < nm->end_pfn && !last_slot ? at + len : nm->end_pfn;

				chunks[nchunks++] = (struct chunk){ n, at, e };
				at = e;
			}
		}
		shuffle_chunks(chunks, nchunks);
		for (unsigned i = 0; i < nchunks; i++) {
			f->mm.method = rnd(2) ? MEMMAP_TEMPLATE : MEMMAP_FIELDS;
			f->mm.template_store = (enum template_store)rnd(TEMPLATE_STORES);
			memmap_init_range(&f->mm, (int)chunks[i].node, chunks[i].start, chunks[i].end);
		}
		CHECK(snap_same(f, &fields));
	}
	snap_free(&fields);
	fx_free(f);
}

/*
 * The template loop against the field loop on the same memory, for random
 * templates (any node, zone, kind, field values), counts and offsets (an
 * array 8 bytes off 16 takes the 16-byte kinds' fallback): the same bytes,
 * and nothing outside the pages.
 */
static void test_template_fill_random(void)
{
	enum { SLOTS = 40 };
	static uint8_t mem[SLOTS * sizeof(struct page) + 64] __attribute__((aligned(64)));
	static uint8_t want[sizeof(mem)];

	for (unsigned trial = 0; trial < 2000; trial++) {
		struct page tmpl = memmap_initial_page((int)rnd(MAX_NODES), (enum zone_type)rnd(MAX_NR_ZONES),
						       (enum page_run_kind)rnd(3));
		unsigned offset = rnd(2) ? 0 : 8 * (unsigned)rnd(8); /* bytes past a 64-byte boundary */
		struct page *first = (struct page *)(void *)(mem + offset);
		uint64_t n = rnd(8) ? rnd(SLOTS) : 0;
		enum template_store store = (enum template_store)rnd(TEMPLATE_STORES);

		tmpl.private = xorshift64();
		tmpl.mapping = xorshift64();
		tmpl.index = xorshift64();
		tmpl.init_gen = xorshift64();
		memset(mem, GARBAGE, sizeof(mem));
		__memmap_fill(first, n, &tmpl, rnd(2));
		memcpy(want, mem, sizeof(mem));
		memset(mem, GARBAGE, sizeof(mem));
		__memmap_fill_template(first, n, &tmpl, store);
		CHECK(memcmp(mem, want, sizeof(mem)) == 0);
		for (uint64_t i = 0; i < n; i++)
			CHECK(first[i].lru.next == &first[i].lru && first[i].init_gen == tmpl.init_gen);
		CHECK_EQ_U64(mem[offset + n * sizeof(struct page)], GARBAGE);
		if (offset)
			CHECK_EQ_U64(mem[offset - 1], GARBAGE);
	}
}

CHECK_MAIN(CHECK_TEST(test_section_shift), CHECK_TEST(test_node_bytes),
	   CHECK_TEST(test_pfn_to_page_round_trip), CHECK_TEST(test_runs),
	   CHECK_TEST(test_initial_page_states), CHECK_TEST(test_init_writes_initial_pages),
	   CHECK_TEST(test_thousand_ranges), CHECK_TEST(test_sparse_absent_sections),
	   CHECK_TEST(test_sparse_pieces),
	   CHECK_TEST(test_streaming_same_bytes), CHECK_TEST(test_chunked_random_order),
	   CHECK_TEST(test_fill_edges), CHECK_TEST(test_template_same_bytes),
	   CHECK_TEST(test_template_fill_random))
