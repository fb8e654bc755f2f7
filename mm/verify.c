// SPDX-License-Identifier: MIT
/*
 * verify - check the mem_map against the layout and the buddy allocator,
 * and hash it.
 *
 * What each page must be comes from memmap_for_each_run() over each node's
 * whole span; the states themselves are encoded here, independently of
 * memmap.c and buddy.c, from their contract:
 *
 *   hole       flags = node|zone|PG_reserved|PG_hole, refcount 1
 *   reserved   flags = node|zone|PG_reserved,         refcount 1
 *   free       flags = node|zone,                     refcount 0
 *   all three: mapcount -1, lru self-linked, private/mapping/index 0, and
 *   init_gen the mem_map's generation (the run that must have written it).
 *
 * In a free run the pages form aligned blocks of 2^k pages that never leave
 * the run: the head is either in the buddy allocator (PG_buddy, private k,
 * refcount 0, lru on free_area[k] of its node and zone) or allocated
 * (PG_head, private k, refcount >= 1, lru self-linked); the 2^k - 1 tails
 * keep the free state. Any other page of a free run is lost - or sits
 * after an allocated head whose order was corrupted to less: the memory
 * cannot tell these apart, the zones' allocated_pages can, so the first
 * such page is judged after the walk (stray_page(), resolve_stray()).
 * With no buddy allocator (b == NULL: right after initialization) every
 * page of a free run must still be in the free state.
 *
 * Order of the checks, so that the first mismatch names the right page:
 *   1. the free lists (VERIFY_SAMPLE, VERIFY_FULL): every entry is a page of
 *      its node's mem_map with the list's node, zone and order, linked both
 *      ways; blocks == nr_free, pages == zone->free_pages. A list is trusted
 *      only after its links are checked, so a corrupted link is reported,
 *      never followed outside the mem_map.
 *   2. the page walk, run by run: FULL checks every field of every page;
 *      SAMPLE checks every block head in full (the walk over a free run
 *      steps block by block anyway) and every pfn that is a multiple of
 *      VERIFY_SAMPLE_STRIDE; OFF walks no page.
 *   3. accounting: pages the walk found free == pages on the lists, pages it
 *      found allocated == the zones' allocated_pages, total == free +
 *      reserved + allocated == the topology's RAM pages. OFF takes free and
 *      allocated from the zones' counters (and checks nr_free against
 *      free_pages), reserved and holes from the runs.
 *
 * Errors that name no page (a counter, a list head) set bad_pfn to
 * VERIFY_NO_PFN. Checking stops at the first mismatch; counting does not:
 * the runs of every node are still added up, free and allocated then come
 * from the zones' counters, so a failed check still accounts every page.
 *
 * Pure C, one pass, no call per page: the per-page test of a hole, reserved
 * or free page is one OR of XORs against a template, and the field is only
 * worked out once a page has failed it.
 */
#include "mm/verify.h"

#include <stddef.h>

#define VERIFY_SAMPLE_STRIDE 509 /* prime: no alignment of the layout hides from it */
#define VERIFY_NO_PFN UINT64_MAX

/* ---- the detail string, without snprintf ---------------------------------- */

struct dstr {
	char *buf;
	unsigned len, cap;
};

static void put_str(struct dstr *d, const char *s)
{
	while (*s && d->len + 1 < d->cap)
		d->buf[d->len++] = *s++;
	d->buf[d->len] = '\0';
}

/* @v in @base (10 or 16), digits only. */
static void put_num(struct dstr *d, uint64_t v, unsigned base)
{
	char t[21];
	int i = 20;

	t[i] = '\0';
	do {
		t[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	put_str(d, t + i);
}

static void put_hex(struct dstr *d, uint64_t v)
{
	put_str(d, "0x");
	put_num(d, v, 16);
}

static void put_dec(struct dstr *d, uint64_t v)
{
	put_num(d, v, 10);
}

static void put_sdec(struct dstr *d, int64_t v)
{
	if (v < 0) {
		put_str(d, "-");
		put_dec(d, (uint64_t)0 - (uint64_t)v);
	} else {
		put_dec(d, (uint64_t)v);
	}
}

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* A value of @field as the detail prints it: counts in decimal, the rest in hex. */
static void put_value(struct dstr *d, const char *field, uint64_t v)
{
	if (streq(field, "refcount") || streq(field, "mapcount"))
		put_sdec(d, (int64_t)v);
	else if (streq(field, "private") || streq(field, "free lists") || streq(field, "accounting"))
		put_dec(d, v);
	else
		put_hex(d, v);
}

/* ---- the walk's state ------------------------------------------------------ */

struct vctx {
	const struct memmap *mm;
	const struct buddy *b;
	enum verify_mode mode;
	struct verify_result *out;
	/* The node being walked, and the piece of it whose struct pages are one array (map). */
	int node;
	const struct page *map;
	uint64_t node_start, node_end; /* the piece's pfns */
	uint64_t next_run_pfn; /* runs must tile the piece */
	uint64_t next_sample;  /* SAMPLE: the next pfn to check in full */
	int list_zone, list_order; /* the free list being walked, for the detail; -1: none */
	/* What the walk found. */
	uint64_t free_run_pages, walk_free, walk_alloc;
	/* The first free-state page where a block head should be (stray_page()). */
	uint64_t stray_pfn, stray_head_pfn, stray_pages, stray_base;
	int stray_node;
};

/*
 * Record the first mismatch. @what names the page (or the list, or the
 * counter); @pfn is VERIFY_NO_PFN when no page is to blame.
 */
static void fail(struct vctx *c, uint64_t pfn, const char *field, uint64_t bad, uint64_t expected,
		 const char *what)
{
	struct verify_result *r = c->out;
	struct dstr d = { r->detail, 0, sizeof(r->detail) };

	if (!r->ok)
		return;
	r->ok = false;
	r->bad_pfn = pfn;
	r->bad_field = field;
	r->bad_value = bad;
	r->expected_value = expected;
	put_str(&d, what);
	if (pfn != VERIFY_NO_PFN) {
		put_str(&d, " at pfn ");
		put_hex(&d, pfn);
		put_str(&d, " node ");
		put_dec(&d, (uint64_t)c->node);
		put_str(&d, " ");
		put_str(&d, zone_name(zone_of_pfn(pfn)));
	} else if (c->list_zone >= 0) {
		put_str(&d, " (node ");
		put_dec(&d, (uint64_t)c->node);
		put_str(&d, " ");
		put_str(&d, zone_name((enum zone_type)c->list_zone));
		if (c->list_order >= 0) {
			put_str(&d, " order ");
			put_dec(&d, (uint64_t)c->list_order);
		}
		put_str(&d, ")");
	}
	put_str(&d, ": ");
	put_str(&d, field);
	put_str(&d, " ");
	put_value(&d, field, bad);
	put_str(&d, ", expected ");
	put_value(&d, field, expected);
}

static inline const struct page *page_at(const struct vctx *c, uint64_t pfn)
{
	return c->map + (pfn - c->node_start);
}

static inline bool self_linked(const struct page *p)
{
	return p->lru.next == &p->lru && p->lru.prev == &p->lru;
}

/*
 * Is @t a list_head a free block of @c's node may link to: @head (its free
 * list) or the lru of a struct page of the node? Checked before any pointer
 * found in a page is followed; the pfn of the page is left in @pfn.
 */
static inline bool link_target_ok(const struct vctx *c, const struct list_head *t,
				  const struct list_head *head, uint64_t *pfn)
{
	uintptr_t p = (uintptr_t)t - offsetof(struct page, lru);

	if (t == head)
		return true;
	return memmap_page_pfn(c->mm, (const struct page *)p, pfn) &&
	       c->mm->section_node[*pfn >> c->mm->section_shift] == c->node &&
	       pfn_to_page(c->mm, *pfn) == (const struct page *)p;
}

/*
 * Does @q differ from the template (@flags, @refcount, mapcount -1, lru
 * self-linked, the rest 0)? One OR of XORs: the hottest test of the walk.
 */
static inline bool page_differs(const struct page *q, uint64_t flags, int32_t refcount, uint64_t gen)
{
	uintptr_t self = (uintptr_t)&q->lru;

	return ((q->flags ^ flags) | (uint32_t)(q->refcount ^ refcount) | (uint32_t)(q->mapcount ^ -1) |
		((uintptr_t)q->lru.next ^ self) | ((uintptr_t)q->lru.prev ^ self) | q->private |
		q->mapping | q->index | (q->init_gen ^ gen)) != 0;
}

/* The index of the first page of @p[0, @n) that differs from the template, or @n. */
static inline uint64_t first_mismatch(const struct page *p, uint64_t n, uint64_t flags,
				      int32_t refcount, uint64_t gen)
{
	for (uint64_t i = 0; i < n; i++)
		if (page_differs(p + i, flags, refcount, gen))
			return i;
	return n;
}

/* The fields every state ends with: mapping and index 0, this run's init_gen. Reports the first that is not. */
static void report_unused(struct vctx *c, const struct page *p, uint64_t pfn, const char *what)
{
	if (p->mapping)
		fail(c, pfn, "mapping", p->mapping, 0, what);
	else if (p->index)
		fail(c, pfn, "index", p->index, 0, what);
	else if (p->init_gen != c->mm->generation)
		fail(c, pfn, "init_gen", p->init_gen, c->mm->generation, what);
}

/*
 * Name the field in which @p differs from the template of page_differs(),
 * with private @private instead of 0 (a block head's order).
 */
static void report_template(struct vctx *c, const struct page *p, uint64_t pfn, uint64_t flags,
			    int32_t refcount, uint64_t private, const char *what)
{
	if (p->flags != flags)
		fail(c, pfn, "flags", p->flags, flags, what);
	else if (p->refcount != refcount)
		fail(c, pfn, "refcount", (uint64_t)(int64_t)p->refcount, (uint64_t)(int64_t)refcount,
		     what);
	else if (p->mapcount != -1)
		fail(c, pfn, "mapcount", (uint64_t)(int64_t)p->mapcount, (uint64_t)-1, what);
	else if (!self_linked(p))
		fail(c, pfn, "lru", (uintptr_t)(p->lru.next != &p->lru ? p->lru.next : p->lru.prev),
		     (uintptr_t)&p->lru, what);
	else if (p->private != private)
		fail(c, pfn, "private", p->private, private, what);
	else
		report_unused(c, p, pfn, what);
}

/* Check one page against the template (SAMPLE, and single pages). */
static inline void check_one(struct vctx *c, uint64_t pfn, uint64_t flags, int32_t refcount,
			     const char *what)
{
	const struct page *p = page_at(c, pfn);

	c->out->pages_checked++;
	if (page_differs(p, flags, refcount, c->mm->generation))
		report_template(c, p, pfn, flags, refcount, 0, what);
}

/* Check [s, e) against the template: every page (FULL) or the sample pfns (SAMPLE). */
static void check_uniform(struct vctx *c, uint64_t s, uint64_t e, uint64_t flags, int32_t refcount,
			  const char *what)
{
	if (c->mode == VERIFY_FULL) {
		uint64_t i = first_mismatch(page_at(c, s), e - s, flags, refcount, c->mm->generation);

		c->out->pages_checked += i;
		if (i < e - s) {
			c->out->pages_checked++;
			report_template(c, page_at(c, s + i), s + i, flags, refcount, 0, what);
		}
		return;
	}
	for (; c->next_sample < e && c->out->ok; c->next_sample += VERIFY_SAMPLE_STRIDE)
		if (c->next_sample >= s)
			check_one(c, c->next_sample, flags, refcount, what);
}

/* The largest order of an aligned block at @pfn that ends by @end (at most MAX_ORDER). */
static unsigned order_fitting(uint64_t pfn, uint64_t end)
{
	unsigned k = 0;

	while (k < MAX_ORDER && !(pfn & ((2ull << k) - 1)) && pfn + (2ull << k) <= end)
		k++;
	return k;
}

static inline bool order_fits(uint64_t pfn, uint64_t order, uint64_t end)
{
	return order <= MAX_ORDER && !(pfn & ((1ull << order) - 1)) && pfn + (1ull << order) <= end;
}

/* Does @p look like the head of a block of its own (so a head before it claims too much)? */
static bool plausible_head(const struct page *p, uint64_t pfn, uint64_t end)
{
	if (!order_fits(pfn, p->private, end))
		return false;
	if (p->flags & PG_buddy)
		return p->refcount == 0 && !self_linked(p);
	return (p->flags & PG_head) && p->refcount >= 1 && self_linked(p);
}

/*
 * A page of a free run where a block head should be, but neither PG_buddy
 * nor PG_head. If it is not in the free state it is a head that lost its
 * flag: report it now. If it is, either it is lost, or the block head
 * before it (an allocated one: a free one was checked against its list)
 * claims too small an order; the memory alone cannot tell which, the zones'
 * allocated_pages can, so the first such page is kept for resolve_stray()
 * and the walk goes on page by page.
 */
static void stray_page(struct vctx *c, uint64_t pfn, uint64_t last_head, uint64_t base)
{
	const struct page *p = page_at(c, pfn);

	if (page_differs(p, base, 0, c->mm->generation)) {
		if ((p->flags & ~(PG_buddy | PG_head)) != base)
			report_template(c, p, pfn, base, 0, 0, "free page");
		else
			fail(c, pfn, "flags", p->flags, base | (p->refcount >= 1 ? PG_head : PG_buddy),
			     "block head with neither PG_buddy nor PG_head");
		return;
	}
	if (c->stray_pfn == VERIFY_NO_PFN) {
		c->stray_pfn = pfn;
		c->stray_head_pfn = last_head;
		c->stray_node = c->node;
		c->stray_base = base;
	}
	c->stray_pages++;
}

static void resolve_stray(struct vctx *c, uint64_t zone_alloc)
{
	const struct page *h = c->stray_head_pfn == VERIFY_NO_PFN ? 0 :
			       pfn_to_page(c->mm, c->stray_head_pfn);

	c->node = c->stray_node;
	if (h && (h->flags & PG_head) && zone_alloc > c->walk_alloc) {
		uint64_t need = zone_alloc - c->walk_alloc + (1ull << h->private);
		unsigned k = 0;

		while ((2ull << k) <= need)
			k++;
		fail(c, c->stray_head_pfn, "private", h->private, k,
		     "allocated block head whose order does not cover its block");
		return;
	}
	fail(c, c->stray_pfn, "flags", pfn_to_page(c->mm, c->stray_pfn)->flags,
	     c->stray_base | PG_buddy,
	     "free page neither in the buddy allocator nor allocated (lost)");
}

/* The head of a free block (PG_buddy) at @pfn of order @k (already known to fit). */
static void check_buddy_head(struct vctx *c, const struct page *p, uint64_t pfn, uint64_t base,
			     enum zone_type zone, unsigned k)
{
	const char *what = "buddy block head";
	const struct list_head *head = &c->b->nodes[c->node].zones[zone].free_area[k].free_list;
	const struct list_head *self = &p->lru;
	uint64_t pfn_of_link;

	c->out->pages_checked++;
	if (p->flags != (base | PG_buddy))
		fail(c, pfn, "flags", p->flags, base | PG_buddy, what);
	else if (p->refcount != 0)
		fail(c, pfn, "refcount", (uint64_t)(int64_t)p->refcount, 0, what);
	else if (p->mapcount != -1)
		fail(c, pfn, "mapcount", (uint64_t)(int64_t)p->mapcount, (uint64_t)-1, what);
	else if (self_linked(p))
		fail(c, pfn, "lru", (uintptr_t)self, (uintptr_t)head,
		     "free block on no free list (lost)");
	else if (!link_target_ok(c, p->lru.next, head, &pfn_of_link) || p->lru.next->prev != self)
		fail(c, pfn, "lru", (uintptr_t)p->lru.next, (uintptr_t)head,
		     "free block not on its free list (lost)");
	else if (!link_target_ok(c, p->lru.prev, head, &pfn_of_link) || p->lru.prev->next != self)
		fail(c, pfn, "lru", (uintptr_t)p->lru.prev, (uintptr_t)head,
		     "free block not on its free list (lost)");
	else
		report_unused(c, p, pfn, what);
}

/* The head of an allocated block (PG_head) at @pfn. */
static void check_alloc_head(struct vctx *c, const struct page *p, uint64_t pfn, uint64_t base)
{
	const char *what = "allocated block head";

	c->out->pages_checked++;
	if (p->flags == (base | PG_head) && p->refcount < 1)
		fail(c, pfn, "refcount", (uint64_t)(int64_t)p->refcount, 1, what);
	else /* the template, but any refcount from 1 up and private the order (already fitted) */
		report_template(c, p, pfn, base | PG_head, p->refcount, p->private, what);
}

/* Tails [s, e) of the block headed at @head_pfn must be free pages. */
static void check_tails(struct vctx *c, uint64_t head_pfn, uint64_t s, uint64_t e, uint64_t base,
			uint64_t run_end)
{
	uint64_t pfn;

	if (c->mode == VERIFY_FULL) {
		uint64_t i = first_mismatch(page_at(c, s), e - s, base, 0, c->mm->generation);

		c->out->pages_checked += i;
		if (i == e - s)
			return;
		pfn = s + i;
	} else {
		for (pfn = VERIFY_NO_PFN; c->next_sample < e; c->next_sample += VERIFY_SAMPLE_STRIDE) {
			if (c->next_sample < s)
				continue;
			c->out->pages_checked++;
			if (page_differs(page_at(c, c->next_sample), base, 0, c->mm->generation)) {
				pfn = c->next_sample;
				break;
			}
		}
		if (pfn == VERIFY_NO_PFN)
			return;
	}
	/* A tail that is a head of its own: the head before it claims too much. */
	if (plausible_head(page_at(c, pfn), pfn, run_end)) {
		unsigned j = 0;

		while ((2ull << j) <= pfn - head_pfn)
			j++;
		fail(c, head_pfn, "private", page_at(c, head_pfn)->private, j,
		     "block head whose order covers other blocks");
		return;
	}
	report_template(c, page_at(c, pfn), pfn, base, 0, 0, "free page inside a block");
}

/* A free run [s, e) with a buddy allocator: block by block. */
static void walk_free_run(struct vctx *c, uint64_t s, uint64_t e, enum zone_type zone)
{
	const uint64_t base = page_flags_make(c->node, zone, 0);
	uint64_t pfn = s, last_head = VERIFY_NO_PFN;

	while (pfn < e && c->out->ok) {
		const struct page *p = page_at(c, pfn);
		uint64_t k = p->private, n;

		if (!(p->flags & (PG_buddy | PG_head))) {
			stray_page(c, pfn, last_head, base);
			if (c->mode == VERIFY_SAMPLE && c->next_sample == pfn)
				c->next_sample += VERIFY_SAMPLE_STRIDE;
			pfn++;
			continue;
		}
		if (!order_fits(pfn, k, e)) {
			fail(c, pfn, "private", k, order_fitting(pfn, e),
			     p->flags & PG_buddy ? "buddy block head whose block does not fit"
						 : "allocated block head whose block does not fit");
			return;
		}
		n = 1ull << k;
		if (p->flags & PG_buddy) {
			check_buddy_head(c, p, pfn, base, zone, (unsigned)k);
			c->walk_free += n;
		} else {
			check_alloc_head(c, p, pfn, base);
			c->walk_alloc += n;
		}
		if (c->mode == VERIFY_SAMPLE && c->next_sample == pfn)
			c->next_sample += VERIFY_SAMPLE_STRIDE; /* the head was checked in full */
		if (n > 1 && c->out->ok)
			check_tails(c, pfn, pfn + 1, pfn + n, base, e);
		last_head = pfn;
		pfn += n;
	}
}

static void run_cb(void *cookie, int node, uint64_t s, uint64_t e, enum page_run_kind kind,
		   enum zone_type zone)
{
	struct vctx *c = cookie;
	struct verify_result *r = c->out;
	uint64_t n = e - s;

	/*
	 * Runs come from the layout, not from the struct pages: they are counted
	 * even after a mismatch, so a failed check still accounts every page.
	 */
	switch (kind) {
	case RUN_HOLE:
		r->hole_pages += n;
		break;
	case RUN_RESERVED:
		r->reserved_pages += n;
		break;
	case RUN_FREE:
		c->free_run_pages += n;
		break;
	default:
		fail(c, s, "accounting", (uint64_t)kind, RUN_FREE, "run of no known kind");
		return;
	}
	if (!r->ok)
		return;
	if (node != c->node || s != c->next_run_pfn || e <= s || e > c->node_end) {
		fail(c, s, "accounting", s, c->next_run_pfn, "runs do not tile the node's present sections");
		return;
	}
	if (zone != zone_of_pfn(s) || e > zone_end_pfn(s)) {
		fail(c, s, "accounting", zone, zone_of_pfn(s), "run not inside its zone");
		return;
	}
	c->next_run_pfn = e;
	if (c->mode == VERIFY_OFF)
		return;
	if (c->mode == VERIFY_SAMPLE && c->next_sample < s)
		c->next_sample = s + (VERIFY_SAMPLE_STRIDE - s % VERIFY_SAMPLE_STRIDE) %
					     VERIFY_SAMPLE_STRIDE;
	switch (kind) {
	case RUN_HOLE:
		check_uniform(c, s, e, page_flags_make(node, zone, PG_reserved | PG_hole), 1,
			      "hole page");
		break;
	case RUN_RESERVED:
		check_uniform(c, s, e, page_flags_make(node, zone, PG_reserved), 1, "reserved page");
		break;
	case RUN_FREE:
		if (c->b)
			walk_free_run(c, s, e, zone);
		else
			check_uniform(c, s, e, page_flags_make(node, zone, 0), 0, "free page");
		break;
	}
}

/* ---- the free lists -------------------------------------------------------- */

static uint64_t walk_lists(struct vctx *c)
{
	const struct buddy *b = c->b;
	uint64_t total = 0;

	for (unsigned node = 0; node < c->mm->node_count && c->out->ok; node++) {
		const struct node_memmap *nm = &c->mm->nodes[node];
		uint64_t span = nm->end_pfn - nm->start_pfn;

		c->node = (int)node;
		for (int z = 0; z < MAX_NR_ZONES && c->out->ok; z++) {
			const struct zone *zone = &b->nodes[node].zones[z];
			const uint64_t flags = page_flags_make((int)node, (enum zone_type)z, PG_buddy);
			uint64_t pages = 0;

			c->list_zone = z;
			for (unsigned k = 0; k <= MAX_ORDER && c->out->ok; k++) {
				const struct free_area *fa = &zone->free_area[k];
				const struct list_head *head = &fa->free_list, *prev = head, *e;
				uint64_t blocks = 0, prev_pfn = VERIFY_NO_PFN;

				c->list_order = (int)k;

				for (e = head->next; e != head; prev = e, e = e->next) {
					const struct page *p;
					uint64_t pfn;

					if (!link_target_ok(c, e, head, &pfn)) {
						fail(c, prev_pfn, prev_pfn == VERIFY_NO_PFN ? "free lists" : "lru",
						     (uintptr_t)e, (uintptr_t)head,
						     "free list link out of the node's mem_map");
						return total;
					}
					p = container_of(e, struct page, lru);
					if (e->prev != prev) {
						fail(c, pfn, "lru", (uintptr_t)e->prev, (uintptr_t)prev,
						     "free list entry with a broken back link");
						return total;
					}
					if (p->flags != flags) {
						fail(c, pfn, "flags", p->flags, flags,
						     "free list entry of another kind, node or zone");
						return total;
					}
					if (p->private != k) {
						fail(c, pfn, "private", p->private, k,
						     "free list entry of another order");
						return total;
					}
					if (pfn & ((1ull << k) - 1) || zone_of_pfn(pfn) != (enum zone_type)z) {
						fail(c, pfn, "free lists", pfn, pfn & ~((1ull << k) - 1),
						     "free block misaligned or outside its zone");
						return total;
					}
					if (++blocks > span) {
						fail(c, pfn, "free lists", blocks, fa->nr_free,
						     "free list that does not end (a cycle)");
						return total;
					}
					prev_pfn = pfn;
				}
				if (head->prev != prev) {
					fail(c, VERIFY_NO_PFN, "free lists", (uintptr_t)head->prev,
					     (uintptr_t)prev, "free list head with a broken back link");
					return total;
				}
				if (blocks != fa->nr_free) {
					fail(c, VERIFY_NO_PFN, "free lists", fa->nr_free, blocks,
					     "nr_free is not the blocks on the list");
					return total;
				}
				pages += blocks << k;
			}
			c->list_order = -1;
			if (pages != zone->free_pages) {
				fail(c, VERIFY_NO_PFN, "free lists", zone->free_pages, pages,
				     "zone free_pages is not the pages on its lists");
				return total;
			}
			total += pages;
		}
	}
	c->list_zone = c->list_order = -1;
	return total;
}

/* VERIFY_OFF: the counters alone. */
static void sum_counters(struct vctx *c, uint64_t *free_pages, uint64_t *alloc_pages)
{
	*free_pages = *alloc_pages = 0;
	for (unsigned node = 0; node < c->mm->node_count; node++) {
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			const struct zone *zone = &c->b->nodes[node].zones[z];
			uint64_t pages = 0;

			for (unsigned k = 0; k <= MAX_ORDER; k++)
				pages += zone->free_area[k].nr_free << k;
			if (pages != zone->free_pages) {
				c->node = (int)node;
				c->list_zone = z;
				fail(c, VERIFY_NO_PFN, "free lists", zone->free_pages, pages,
				     "zone free_pages is not the sum of nr_free");
			}
			*free_pages += zone->free_pages;
			*alloc_pages += zone->allocated_pages;
		}
	}
}

bool memmap_verify(const struct memmap *mm, const struct buddy *b, enum verify_mode mode,
		   struct verify_result *out)
{
	struct vctx c = { .mm = mm, .b = b, .mode = mode, .out = out, .list_zone = -1,
			  .list_order = -1, .stray_pfn = VERIFY_NO_PFN };
	uint64_t list_free = 0, topo_pages = 0;

	*out = (struct verify_result){ .ok = true, .bad_pfn = VERIFY_NO_PFN };
	if (b && (b->mm != mm || b->node_count != mm->node_count)) {
		fail(&c, VERIFY_NO_PFN, "free lists", b->node_count, mm->node_count,
		     "buddy allocator of another mem_map");
		return false;
	}
	if (b && mode != VERIFY_OFF)
		list_free = walk_lists(&c);

	/*
	 * Every node, even after a mismatch: its runs are still counted (run_cb).
	 * Piece by piece, each one array of struct pages; absent sections have none.
	 */
	for (unsigned node = 0; node < mm->node_count; node++) {
		struct memmap_extent x;

		c.node = (int)node;
		c.next_sample = 0;
		for (uint64_t from = 0; memmap_next_piece(mm, (int)node, from, mm->max_pfn, &x);
		     from = x.end_pfn) {
			c.map = pfn_to_page(mm, x.start_pfn);
			c.node_start = c.next_run_pfn = x.start_pfn;
			c.node_end = x.end_pfn;
			memmap_for_each_run(mm, (int)node, x.start_pfn, x.end_pfn, run_cb, &c);
			if (out->ok && c.next_run_pfn != x.end_pfn)
				fail(&c, c.next_run_pfn, "accounting", c.next_run_pfn, x.end_pfn,
				     "runs end before the piece of the node's span");
		}
	}
	c.node = 0;
	out->total_pages = c.free_run_pages + out->reserved_pages;
	if (!b) {
		out->free_pages = c.free_run_pages;
	} else if (mode != VERIFY_OFF && out->ok) {
		uint64_t zone_alloc = 0;

		out->free_pages = c.walk_free;
		out->allocated_pages = c.walk_alloc;
		for (unsigned node = 0; node < mm->node_count; node++)
			for (int z = 0; z < MAX_NR_ZONES; z++)
				zone_alloc += b->nodes[node].zones[z].allocated_pages;
		if (c.stray_pfn != VERIFY_NO_PFN)
			resolve_stray(&c, zone_alloc);
		else if (list_free != c.walk_free)
			fail(&c, VERIFY_NO_PFN, "free lists", list_free, c.walk_free,
			     "pages on the free lists are not the free blocks of the mem_map");
		else if (zone_alloc != c.walk_alloc)
			fail(&c, VERIFY_NO_PFN, "accounting", zone_alloc, c.walk_alloc,
			     "zones' allocated_pages is not the allocated blocks of the mem_map");
	}
	/* What OFF reads; and after a mismatch the walk's counts are not to be trusted, the zones' are. */
	if (b && (mode == VERIFY_OFF || !out->ok))
		sum_counters(&c, &out->free_pages, &out->allocated_pages);
	for (unsigned node = 0; node < mm->topo->node_count; node++)
		topo_pages += mm->topo->nodes[node].pages;
	if (out->total_pages != out->free_pages + out->reserved_pages + out->allocated_pages)
		fail(&c, VERIFY_NO_PFN, "accounting",
		     out->free_pages + out->reserved_pages + out->allocated_pages, out->total_pages,
		     "free + reserved + allocated is not the RAM pages");
	else if (out->total_pages != topo_pages)
		fail(&c, VERIFY_NO_PFN, "accounting", out->total_pages, topo_pages,
		     "RAM pages of the mem_map are not the topology's");
	return out->ok;
}

/* ---- the digest ------------------------------------------------------------ */

/*
 * Two independent lanes, so the multiplies of one page overlap:
 *   lane a: flags, private, index;  lane b: refcount|mapcount, mapping
 * (not init_gen: the digest says what the mem_map holds, the same for every
 * run, and the generation is what differs between runs),
 * each word absorbed as h = (h ^ w) * P (P odd), and after each page
 * a ^= (a >> 29) ^ selflinked; b ^= b >> 32 (bringing high bits down).
 * Every step is a bijection of the lane for a fixed input word, so a change
 * of one field of one page always changes its lane's end state; the final
 * fmix64(fmix64(a) + b) then always changes. Each node first absorbs its
 * id and span.
 */
#define DIGEST_PA 0x100000001b3ull      /* the 64-bit FNV prime */
#define DIGEST_PB 0x9e3779b97f4a7c15ull /* 2^64 / golden ratio, odd */

static inline uint64_t fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

/* Absorb @n struct pages from @p into the lanes. */
static inline void digest_pages(uint64_t *lane_a, uint64_t *lane_b, const struct page *p, uint64_t n)
{
	uint64_t a = *lane_a, b = *lane_b;

	for (uint64_t i = 0; i < n; i++, p++) {
		uint64_t self = (p->lru.next == &p->lru) & (p->lru.prev == &p->lru);
		uint64_t counts = (uint64_t)(uint32_t)p->refcount | (uint64_t)(uint32_t)p->mapcount << 32;

		a = (a ^ p->flags) * DIGEST_PA;
		b = (b ^ counts) * DIGEST_PB;
		a = (a ^ p->private) * DIGEST_PA;
		b = (b ^ p->mapping) * DIGEST_PB;
		a = (a ^ p->index) * DIGEST_PA;
		a ^= (a >> 29) ^ self;
		b ^= b >> 32;
	}
	*lane_a = a;
	*lane_b = b;
}

uint64_t memmap_digest(const struct memmap *mm)
{
	uint64_t a = 0xcbf29ce484222325ull, b = 0x6a09e667f3bcc908ull;

	for (unsigned node = 0; node < mm->node_count; node++) {
		const struct node_memmap *nm = &mm->nodes[node];
		struct memmap_extent x;

		a = (a ^ node) * DIGEST_PA;
		a = (a ^ nm->start_pfn) * DIGEST_PA;
		b = (b ^ nm->end_pfn) * DIGEST_PB;
		/* Present sections only, in pfn order: without absent sections, every page of the span as before. */
		for (uint64_t from = 0; memmap_next_piece(mm, (int)node, from, mm->max_pfn, &x);
		     from = x.end_pfn)
			digest_pages(&a, &b, pfn_to_page(mm, x.start_pfn), x.end_pfn - x.start_pfn);
	}
	return fmix64(fmix64(a) + b);
}
