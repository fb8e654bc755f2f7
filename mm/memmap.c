// SPDX-License-Identifier: MIT
/* The mem_map's layout and its initialization (memmap.h). */
#include "mm/memmap.h"

/* 128 MiB, like Linux's sections: the largest section, and the stretch without RAM that has no struct pages. */
#define PRESENCE_SHIFT 15
#define SECTION_SHIFT_MAX PRESENCE_SHIFT
#define PFN_OF(addr) ((addr) >> PAGE_SHIFT)
#define PFN_UP(addr) (((addr) + PAGE_SIZE - 1) >> PAGE_SHIFT)

uint64_t memmap_node_bytes(const struct numa_topology *topo, unsigned node)
{
	const struct numa_node *n = &topo->nodes[node];

	return (n->end_pfn - n->start_pfn) * sizeof(struct page);
}

static unsigned ctz_pfn(uint64_t pfn)
{
	return pfn ? (unsigned)__builtin_ctzll(pfn) : 63;
}

/* The pfn in [lo, hi] with the most trailing zero bits: the best place to cut between nodes. */
static uint64_t most_aligned_in(uint64_t lo, uint64_t hi)
{
	for (unsigned shift = 63; shift > 0; shift--) {
		uint64_t step = 1ull << shift;
		uint64_t cand = (lo + step - 1) & ~(step - 1);

		if (cand >= lo && cand <= hi)
			return cand;
	}
	return lo;
}

/*
 * Every node's RAM ranges in address order: a merge of the nodes' sorted
 * lists, one cursor per node, so no copy of the ranges (however many) is
 * made on the stack.
 */
struct range_ref {
	uint64_t start_pfn, end_pfn;
	int node;
};

struct range_walk {
	unsigned next[MAX_NODES]; /* node n's next range */
};

static bool next_range(const struct numa_topology *topo, struct range_walk *w, struct range_ref *out)
{
	const struct fw_mem_range *best = (const struct fw_mem_range *)0;
	unsigned best_node = 0;

	for (unsigned node = 0; node < topo->node_count; node++) {
		const struct numa_node *n = &topo->nodes[node];
		const struct fw_mem_range *r;

		if (w->next[node] >= n->range_count)
			continue;
		r = &n->ranges[w->next[node]];
		if (!best || r->start < best->start) {
			best = r;
			best_node = node;
		}
	}
	if (!best)
		return false;
	w->next[best_node]++;
	*out = (struct range_ref){ PFN_OF(best->start), PFN_OF(best->end), (int)best_node };
	return true;
}

/* Where the owning node changes between @prev and @next: the most aligned pfn of the gap. */
static uint64_t node_cut(const struct range_ref *prev, const struct range_ref *next)
{
	return most_aligned_in(prev->end_pfn, next->start_pfn);
}

unsigned memmap_section_shift(const struct numa_topology *topo)
{
	struct range_walk w = { { 0 } };
	struct range_ref prev, cur;
	unsigned shift = SECTION_SHIFT_MAX;

	if (!next_range(topo, &w, &prev))
		return shift;
	while (next_range(topo, &w, &cur)) {
		if (cur.node != prev.node && ctz_pfn(node_cut(&prev, &cur)) < shift)
			shift = ctz_pfn(node_cut(&prev, &cur));
		prev = cur;
	}
	return shift;
}

static uint64_t max_span_pfn(const struct numa_topology *topo)
{
	uint64_t max = 0;

	for (unsigned n = 0; n < topo->node_count; n++)
		if (topo->nodes[n].end_pfn > max)
			max = topo->nodes[n].end_pfn;
	return max;
}

static uint64_t section_count(const struct numa_topology *topo, unsigned shift)
{
	return (max_span_pfn(topo) + (1ull << shift) - 1) >> shift;
}

/* Per section a base and a node, and room for a block per section (the most pieces there can be). */
uint64_t memmap_section_table_bytes(const struct numa_topology *topo)
{
	uint64_t sections = section_count(topo, memmap_section_shift(topo));

	return sections * (sizeof(uintptr_t) + sizeof(struct memmap_block) + 1);
}

/* Sections from the cut before a node's ranges to the cut after them belong to that node. */
static void assign_nodes(struct memmap *mm, const struct numa_topology *topo, uint64_t sections)
{
	struct range_walk w = { { 0 } };
	struct range_ref prev, cur;
	uint64_t s = 0;

	for (uint64_t i = 0; i < sections; i++)
		mm->section_node[i] = SECTION_NO_NODE;
	if (!next_range(topo, &w, &prev))
		return;
	while (next_range(topo, &w, &cur)) {
		if (cur.node != prev.node)
			for (uint64_t cut = node_cut(&prev, &cur) >> mm->section_shift; s < cut; s++)
				mm->section_node[s] = (uint8_t)prev.node;
		prev = cur;
	}
	for (; s < sections; s++)
		mm->section_node[s] = (uint8_t)prev.node;
}

/*
 * Presence is decided per 128 MiB (PRESENCE_SHIFT) like Linux's sections,
 * even where node boundaries force smaller sections: a small hole stays
 * struct pages (reserved), only a 128 MiB stretch without RAM goes. The
 * section bases, not yet set, mark the present sections meanwhile.
 */
static void drop_absent(struct memmap *mm, const struct numa_topology *topo, uint64_t sections)
{
	const unsigned grain = PRESENCE_SHIFT; /* >= section_shift */

	for (uint64_t i = 0; i < sections; i++)
		mm->section_base[i] = 0;
	for (unsigned node = 0; node < topo->node_count; node++) {
		const struct numa_node *n = &topo->nodes[node];

		for (unsigned r = 0; r < n->range_count; r++) {
			uint64_t s, e;

			if (n->ranges[r].end <= n->ranges[r].start)
				continue;
			s = (PFN_OF(n->ranges[r].start) >> grain) << (grain - mm->section_shift);
			e = ((PFN_UP(n->ranges[r].end) + (1ull << grain) - 1) >> grain) << (grain - mm->section_shift);
			for (; s < e && s < sections; s++)
				mm->section_base[s] = 1;
		}
	}
	for (uint64_t i = 0; i < sections; i++) {
		if (!mm->section_base[i])
			mm->section_node[i] = SECTION_NO_NODE;
		mm->section_base[i] = 0;
	}
}

void memmap_setup(struct memmap *mm, const struct numa_topology *topo, const struct memblock *mb,
		  uint8_t *section_table)
{
	uint64_t sections;

	mm->node_count = topo->node_count;
	mm->topo = topo;
	mm->mb = mb;
	mm->max_pfn = max_span_pfn(topo);
	mm->section_shift = memmap_section_shift(topo);
	sections = section_count(topo, mm->section_shift);
	/* The widest entries first: each array stays aligned. */
	mm->section_base = (uintptr_t *)(void *)section_table;
	mm->blocks = (struct memmap_block *)(void *)(section_table + sections * sizeof(uintptr_t));
	mm->section_node = section_table + sections * (sizeof(uintptr_t) + sizeof(struct memmap_block));
	mm->block_count = 0;
	for (unsigned n = 0; n < topo->node_count; n++) {
		mm->nodes[n].start_pfn = topo->nodes[n].start_pfn;
		mm->nodes[n].end_pfn = topo->nodes[n].end_pfn;
	}
	assign_nodes(mm, topo, sections);
	drop_absent(mm, topo, sections);
	mm->present_pages = 0;
	for (unsigned n = 0; n < topo->node_count; n++)
		mm->present_pages += memmap_present_pages_in(mm, (int)n, 0, mm->max_pfn);
}

/* ---- present sections and their storage ---- */

bool memmap_next_extent(const struct memmap *mm, int node, uint64_t from, uint64_t to,
			struct memmap_extent *out)
{
	const struct node_memmap *nm = &mm->nodes[node];
	uint64_t s, e;

	if (from < nm->start_pfn)
		from = nm->start_pfn;
	if (to > nm->end_pfn)
		to = nm->end_pfn;
	if (from >= to)
		return false;
	s = from >> mm->section_shift;
	e = ((to - 1) >> mm->section_shift) + 1;
	while (s < e && mm->section_node[s] != node)
		s++;
	if (s == e)
		return false;
	out->start_pfn = s << mm->section_shift > from ? s << mm->section_shift : from;
	while (s < e && mm->section_node[s] == node)
		s++;
	out->end_pfn = s << mm->section_shift < to ? s << mm->section_shift : to;
	return true;
}

uint64_t memmap_present_pages_in(const struct memmap *mm, int node, uint64_t from, uint64_t to)
{
	struct memmap_extent x;
	uint64_t pages = 0;

	for (; memmap_next_extent(mm, node, from, to, &x); from = x.end_pfn)
		pages += x.end_pfn - x.start_pfn;
	return pages;
}

void memmap_add_storage(struct memmap *mm, uint64_t start_pfn, uint64_t end_pfn, struct page *map)
{
	uintptr_t base = (uintptr_t)map - (uintptr_t)(start_pfn * sizeof(struct page));
	struct memmap_block blk = { (uintptr_t)map, (uintptr_t)(map + (end_pfn - start_pfn)), start_pfn };
	unsigned i = mm->block_count++;

	for (uint64_t s = start_pfn >> mm->section_shift; s << mm->section_shift < end_pfn; s++)
		mm->section_base[s] = base;
	/* Kept in address order: blocks come mostly in order, so the insertion is short. */
	for (; i > 0 && mm->blocks[i - 1].map_start > blk.map_start; i--)
		mm->blocks[i] = mm->blocks[i - 1];
	mm->blocks[i] = blk;
}

bool memmap_next_piece(const struct memmap *mm, int node, uint64_t from, uint64_t to,
		       struct memmap_extent *out)
{
	uint64_t s, base;

	if (!memmap_next_extent(mm, node, from, to, out))
		return false;
	s = out->start_pfn >> mm->section_shift;
	base = mm->section_base[s];
	while (++s << mm->section_shift < out->end_pfn)
		if (mm->section_base[s] != base) {
			out->end_pfn = s << mm->section_shift;
			break;
		}
	return true;
}

bool memmap_page_pfn(const struct memmap *mm, const struct page *p, uint64_t *pfn)
{
	uintptr_t a = (uintptr_t)p;
	unsigned lo = 0, hi = mm->block_count;

	while (lo < hi) { /* the first block that ends after @a */
		unsigned mid = lo + (hi - lo) / 2;

		if (mm->blocks[mid].map_end <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == mm->block_count || a < mm->blocks[lo].map_start ||
	    (a - mm->blocks[lo].map_start) % sizeof(struct page))
		return false;
	*pfn = mm->blocks[lo].start_pfn + (a - mm->blocks[lo].map_start) / sizeof(struct page);
	return true;
}

/* ---- runs: the layout of one node's span, in pieces of one kind and one zone ---- */

struct run_emitter {
	page_run_fn fn;
	void *cookie;
	int node;
	uint64_t start, end; /* the pending run; start == end: none */
	enum page_run_kind kind;
	enum zone_type zone;
};

static void emit_flush(struct run_emitter *em)
{
	if (em->end > em->start)
		em->fn(em->cookie, em->node, em->start, em->end, em->kind, em->zone);
	em->start = em->end;
}

/* Add [s, e) of @kind, cut at zone boundaries, merged with the pending run when alike. */
static void emit(struct run_emitter *em, uint64_t s, uint64_t e, enum page_run_kind kind)
{
	while (s < e) {
		enum zone_type zone = zone_of_pfn(s);
		uint64_t ze = zone_end_pfn(s), piece_end = e < ze ? e : ze;

		if (em->end == s && em->kind == kind && em->zone == zone && em->end > em->start) {
			em->end = piece_end;
		} else {
			emit_flush(em);
			em->start = s;
			em->end = piece_end;
			em->kind = kind;
			em->zone = zone;
		}
		s = piece_end;
	}
}

/* Inside one RAM range: reserved and free pieces of [s, e). A page with any reserved byte is reserved. */
static void emit_ram(struct run_emitter *em, const struct memblock *mb, uint64_t s, uint64_t e)
{
	const struct memblock_type *res = &mb->reserved;
	uint64_t cur = s;

	for (size_t i = 0; i < res->count && cur < e; i++) {
		uint64_t rs = PFN_OF(res->regions[i].start), re = PFN_UP(res->regions[i].end);

		if (re <= cur)
			continue;
		if (rs >= e)
			break;
		if (rs > cur)
			emit(em, cur, rs, RUN_FREE);
		if (rs < cur)
			rs = cur;
		emit(em, rs, re < e ? re : e, RUN_RESERVED);
		cur = re;
	}
	if (cur < e)
		emit(em, cur, e, RUN_FREE);
}

/* The runs of [start_pfn, end_pfn), one stretch of present sections of the node. */
static void emit_extent(struct run_emitter *em, const struct memmap *mm, const struct numa_node *n,
			uint64_t start_pfn, uint64_t end_pfn)
{
	uint64_t cur = start_pfn;

	for (unsigned r = 0; r < n->range_count && cur < end_pfn; r++) {
		uint64_t rs = PFN_OF(n->ranges[r].start), re = PFN_OF(n->ranges[r].end);

		if (re <= cur)
			continue;
		if (rs >= end_pfn)
			break;
		if (rs > cur)
			emit(em, cur, rs, RUN_HOLE);
		if (rs < cur)
			rs = cur;
		emit_ram(em, mm->mb, rs, re < end_pfn ? re : end_pfn);
		cur = re;
	}
	if (cur < end_pfn)
		emit(em, cur, end_pfn, RUN_HOLE);
}

void memmap_for_each_run(const struct memmap *mm, int node, uint64_t start_pfn, uint64_t end_pfn,
			 page_run_fn fn, void *cookie)
{
	const struct numa_node *n = &mm->topo->nodes[node];
	struct run_emitter em = { fn, cookie, node, 0, 0, RUN_HOLE, ZONE_DMA };
	struct memmap_extent x;

	for (; memmap_next_extent(mm, node, start_pfn, end_pfn, &x); start_pfn = x.end_pfn) {
		emit_extent(&em, mm, n, x.start_pfn, x.end_pfn);
		emit_flush(&em); /* a run never spans an absent section */
	}
}

/* ---- initialization ---- */

struct page memmap_initial_page(int node, enum zone_type zone, enum page_run_kind kind)
{
	static const uint64_t kind_flags[] = {
		[RUN_HOLE] = PG_reserved | PG_hole,
		[RUN_RESERVED] = PG_reserved,
		[RUN_FREE] = 0,
	};
	struct page p = { 0 };

	p.flags = page_flags_make(node, zone, kind_flags[kind]);
	p.refcount = kind == RUN_FREE ? 0 : 1; /* free pages are nobody's; the rest are the kernel's */
	p.mapcount = -1;
	return p;
}

static inline void store_nt(uint64_t *dst, uint64_t v)
{
	__asm__ volatile("movnti %1, %0" : "=m"(*dst) : "r"(v));
}

/* The eight words of a page: the template's, but the lru pointing at the page itself. */
#define FILL_PAGE(store, p)                                                   \
	do {                                                                  \
		uint64_t self_ = (uint64_t)(uintptr_t)&(p)->lru;              \
		store(&(p)->flags, flags);                                    \
		store((uint64_t *)(void *)&(p)->refcount, counts);            \
		store((uint64_t *)(void *)&(p)->lru.next, self_);             \
		store((uint64_t *)(void *)&(p)->lru.prev, self_);             \
		store(&(p)->private, priv);                                   \
		store(&(p)->mapping, mapping);                                \
		store(&(p)->index, index);                                    \
		store(&(p)->init_gen, init_gen);                                    \
	} while (0)

static inline void store_plain(uint64_t *dst, uint64_t v)
{
	*(volatile uint64_t *)dst = v; /* volatile: 8-byte stores, never a memset call or rep stos */
}

void __memmap_fill(struct page *first, uint64_t n, const struct page *tmpl, bool streaming)
{
	/* The template in registers: the stores below must not make the compiler reload it. */
	const uint64_t flags = tmpl->flags, priv = tmpl->private, mapping = tmpl->mapping;
	const uint64_t index = tmpl->index, init_gen = tmpl->init_gen;
	uint64_t counts; /* refcount and mapcount: one 8-byte store */
	struct page *p = first, *end = first + n;

	__builtin_memcpy(&counts, &tmpl->refcount, sizeof(counts));
	if (streaming) {
		for (; p < end; p++)
			FILL_PAGE(store_nt, p);
		__asm__ volatile("sfence" ::: "memory"); /* order the streaming stores before any later use */
	} else {
		for (; p < end; p++)
			FILL_PAGE(store_plain, p);
	}
}

const char *const memmap_method_names[MEMMAP_METHODS] = {
	[MEMMAP_FIELDS] = "fields", [MEMMAP_TEMPLATE] = "template",
};
const char *const template_store_names[TEMPLATE_STORES] = {
	[TEMPLATE_PLAIN] = "plain", [TEMPLATE_MOVNTI] = "movnti",
	[TEMPLATE_SSE] = "sse", [TEMPLATE_MOVNTDQ] = "movntdq",
};

void memmap_fill_pages(const struct memmap *mm, struct page *first, uint64_t n,
		       const struct page *tmpl)
{
	if (mm->method == MEMMAP_TEMPLATE)
		__memmap_fill_template(first, n, tmpl, mm->template_store);
	else
		__memmap_fill(first, n, tmpl, mm->streaming);
}

/* Pages from @pfn (present) up to @end whose struct pages are one array. */
static uint64_t contiguous_pages(const struct memmap *mm, uint64_t pfn, uint64_t end)
{
	uint64_t s = pfn >> mm->section_shift, base = mm->section_base[s];

	while (++s << mm->section_shift < end)
		if (mm->section_base[s] != base)
			return (s << mm->section_shift) - pfn;
	return end - pfn;
}

/* @tmpl into the struct pages of [start_pfn, end_pfn) (present sections), array by array. */
static void fill_present(const struct memmap *mm, uint64_t start_pfn, uint64_t end_pfn,
			 const struct page *tmpl)
{
	while (start_pfn < end_pfn) {
		uint64_t n = contiguous_pages(mm, start_pfn, end_pfn);

		memmap_fill_pages(mm, pfn_to_page(mm, start_pfn), n, tmpl);
		start_pfn += n;
	}
}

static void init_run(void *cookie, int node, uint64_t start_pfn, uint64_t end_pfn,
		     enum page_run_kind kind, enum zone_type zone)
{
	const struct memmap *mm = cookie;
	struct page tmpl = memmap_initial_page(node, zone, kind);

	tmpl.init_gen = mm->generation;
	fill_present(mm, start_pfn, end_pfn, &tmpl);
}

void memmap_init_range(const struct memmap *mm, int node, uint64_t start_pfn, uint64_t end_pfn)
{
	memmap_for_each_run(mm, node, start_pfn, end_pfn, init_run, (void *)mm);
}

void memmap_fill_raw(const struct memmap *mm, int node, uint64_t start_pfn, uint64_t end_pfn)
{
	/* No run's generation: whatever a later run fails to write cannot pass for its own. */
	const struct page blank = { .init_gen = ~mm->generation };
	struct memmap_extent x;

	for (; memmap_next_extent(mm, node, start_pfn, end_pfn, &x); start_pfn = x.end_pfn)
		fill_present(mm, x.start_pfn, x.end_pfn, &blank);
}

uint64_t memmap_node_ram_pages(const struct memmap *mm, int node)
{
	return mm->topo->nodes[node].pages;
}
