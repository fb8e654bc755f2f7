// SPDX-License-Identifier: MIT
/*
 * numa - building the node table (see smp/numa.h for the rules).
 *
 * Everything works on the caller's arrays and on @t itself: no heap, no
 * large stack buffers (this runs on the boot stack), no recursion. Usable
 * RAM is visited as a sweep in ascending address order, so every page is
 * seen exactly once and each node's ranges come out sorted and merged.
 *
 * The nodes are built twice: a first pass only counts each node's ranges,
 * which cuts the caller's range store into one slice per node; the second
 * pass, the same walk, fills the slices. So a node has as many ranges as the
 * firmware gives it, held in storage sized from the map, not a fixed table.
 */
#include "smp/numa.h"

#include "mm/memblock.h"

/* memblock's fallback rows are indexed by node id: the two limits must agree. */
_Static_assert(MEMBLOCK_MAX_NODES == MAX_NODES, "memblock fallback rows are node ids");

#define PAGE_MASK (PAGE_SIZE - 1)
#define HUGE_SIZE (2ull << 20)              /* fake-node cuts prefer 2 MiB boundaries */
#define HUGE_PAGES (HUGE_SIZE >> PAGE_SHIFT)
#define NO_ENTRY 0xffffffffu                /* no SRAT memory entry covers an address */

struct ctx {
	const struct numa_input *in;
	struct numa_topology *t;
	numa_problem_fn problem;
	void *cookie;
	size_t ram_count;       /* in->ram_count, 0 when in->ram is NULL */
	unsigned mem_count;     /* in->srat_mem_count, 0 when the array is NULL */
	unsigned srat_cpu_count;
	bool too_many_domains;  /* SRAT names more than MAX_NODES domains with content */
	bool counting;          /* the first pass: count each node's ranges, store and report nothing */
	struct fw_mem_range *slice[MAX_NODES]; /* node n's ranges in the range store */
	size_t room[MAX_NODES];                /* entries of slice[n] */
};

/* ---- reports: a detail line built without snprintf ---- */

struct msg {
	char buf[128];
	unsigned len;
};

static void msg_str(struct msg *m, const char *s)
{
	while (*s && m->len + 1 < sizeof(m->buf))
		m->buf[m->len++] = *s++;
	m->buf[m->len] = '\0';
}

static void msg_digits(struct msg *m, uint64_t v, unsigned base)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[20]; /* 2^64 has 20 decimal digits, 16 hex */
	unsigned n = 0;

	do {
		tmp[n++] = digits[base == 16 ? (v & 15) : (v % 10)];
		v = base == 16 ? v >> 4 : v / 10;
	} while (v && n < sizeof(tmp));
	while (n && m->len + 1 < sizeof(m->buf))
		m->buf[m->len++] = tmp[--n];
	m->buf[m->len] = '\0';
}

static void msg_dec(struct msg *m, uint64_t v)
{
	msg_digits(m, v, 10);
}

static void msg_hex(struct msg *m, uint64_t v)
{
	msg_str(m, "0x");
	msg_digits(m, v, 16);
}

static void report(const struct ctx *c, const struct msg *detail, const char *action)
{
	if (c->problem && !c->counting)
		c->problem(c->cookie, "numa", detail->buf, action);
}

/* ---- usable RAM, visited in address order ---- */

static uint64_t page_down(uint64_t v)
{
	return v & ~PAGE_MASK;
}

/*
 * The lowest usable RAM at or above @from, as whole pages [*lo, *hi).
 * The map should be normalized, but nothing here relies on it being sorted
 * or disjoint: an address is visited once however often the map lists it.
 */
static bool next_usable(const struct ctx *c, uint64_t from, uint64_t *lo, uint64_t *hi)
{
	bool found = false;

	for (size_t i = 0; i < c->ram_count; i++) {
		const struct fw_mem_range *r = &c->in->ram[i];
		uint64_t s, e;

		if (r->type != FW_MEM_USABLE || r->start > UINT64_MAX - PAGE_MASK)
			continue;
		s = page_down(r->start + PAGE_MASK);
		e = page_down(r->end);
		if (s < from)
			s = from;
		if (e <= s)
			continue;
		if (!found || s < *lo || (s == *lo && e > *hi)) {
			*lo = s;
			*hi = e;
			found = true;
		}
	}
	return found;
}

/* Each step of a walk ends at a distinct range end, so this many steps always suffice. */
static size_t usable_walk_bound(const struct ctx *c)
{
	return c->ram_count + 1;
}

static uint64_t usable_pages(const struct ctx *c)
{
	uint64_t from = 0, lo, hi, pages = 0;

	for (size_t step = 0; step < usable_walk_bound(c) && next_usable(c, from, &lo, &hi); step++) {
		pages += (hi - lo) >> PAGE_SHIFT;
		from = hi;
	}
	return pages;
}

/* Usable pages below @addr. */
static uint64_t pages_below(const struct ctx *c, uint64_t addr)
{
	uint64_t from = 0, lo, hi, pages = 0;

	for (size_t step = 0; step < usable_walk_bound(c) && next_usable(c, from, &lo, &hi); step++) {
		if (lo >= addr)
			break;
		pages += ((hi < addr ? hi : addr) - lo) >> PAGE_SHIFT;
		from = hi;
	}
	return pages;
}

/* The address of usable page number @page (counting from 0 in address order). */
static uint64_t page_address(const struct ctx *c, uint64_t page)
{
	uint64_t from = 0, lo, hi;

	for (size_t step = 0; step < usable_walk_bound(c) && next_usable(c, from, &lo, &hi); step++) {
		uint64_t pages = (hi - lo) >> PAGE_SHIFT;

		if (page < pages)
			return lo + (page << PAGE_SHIFT);
		page -= pages;
		from = hi;
	}
	return from;
}

/* ---- nodes ---- */

static bool is_memoryless(const struct numa_node *n)
{
	return n->pages == 0;
}

/*
 * Give [start, end) to node @id. Pieces arrive in ascending address order,
 * so appending keeps the list sorted and a piece that touches the node's
 * last one extends it. range_count counts every range; only the first
 * room[id] are stored (all of them when the store is sized as numa.h says):
 * the pages of the others still count, never lost, but go unlisted.
 */
static void node_add_ram(struct ctx *c, unsigned id, uint64_t start, uint64_t end)
{
	struct numa_node *n = &c->t->nodes[id];
	bool extends_last;

	if (end <= start)
		return;
	extends_last = !is_memoryless(n) && n->end_pfn << PAGE_SHIFT == start;
	if (is_memoryless(n))
		n->start_pfn = start >> PAGE_SHIFT;
	n->end_pfn = end >> PAGE_SHIFT;
	n->pages += (end - start) >> PAGE_SHIFT;
	if (extends_last) {
		if (n->range_count <= c->room[id])
			c->slice[id][n->range_count - 1].end = end;
		return;
	}
	if (n->range_count < c->room[id])
		c->slice[id][n->range_count] = (struct fw_mem_range){ start, end, FW_MEM_USABLE };
	else if (!c->counting)
		n->ranges_truncated = true;
	n->range_count++;
}

static void place_cpu(struct numa_topology *t, unsigned cpu, unsigned node)
{
	t->cpus[cpu].node = (int)node;
	t->nodes[node].cpu_count++;
}

static void default_distances(struct numa_topology *t)
{
	for (unsigned i = 0; i < t->node_count; i++)
		for (unsigned j = 0; j < t->node_count; j++)
			t->distance[i][j] = i == j ? SLIT_LOCAL : SLIT_REMOTE_DEFAULT;
	t->slit_used = false;
}

/* Clear what a failed attempt may have left, keeping the CPU list. */
static void reset_nodes(struct numa_topology *t)
{
	for (unsigned i = 0; i < MAX_NODES; i++)
		t->nodes[i] = (struct numa_node){ 0 };
	for (unsigned i = 0; i < t->cpu_count; i++)
		t->cpus[i].node = 0;
	t->node_count = 0;
}

/* One node with all usable RAM and every CPU. */
static void build_one(struct ctx *c, const char *source)
{
	struct numa_topology *t = c->t;
	uint64_t from = 0, lo, hi;

	reset_nodes(t);
	t->node_count = 1;
	for (size_t step = 0; step < usable_walk_bound(c) && next_usable(c, from, &lo, &hi); step++) {
		node_add_ram(c, 0, lo, hi);
		from = hi;
	}
	for (unsigned i = 0; i < t->cpu_count; i++)
		place_cpu(t, i, 0);
	default_distances(t);
	t->source = source;
}

/* ---- numa=fake=N ---- */

static bool fake_cut_ok(uint64_t cand, uint64_t ideal, uint64_t prev, uint64_t next)
{
	uint64_t moved = cand > ideal ? cand - ideal : ideal - cand;

	/* Move less than 2 MiB, and leave every node (this one and the next) a page. */
	return moved < HUGE_PAGES && cand > prev && cand < next;
}

/*
 * Where node @k ends, as a count of usable pages below the cut. The ideal
 * cut moves to the nearer 2 MiB boundary (so nodes can be mapped with large
 * pages) unless that costs 2 MiB or more of balance or empties a node.
 * Between @prev (the last cut) and the next ideal cut there is always room:
 * total >= n makes consecutive ideal cuts at least one page apart.
 */
static uint64_t fake_cut(const struct ctx *c, uint64_t total, unsigned n, unsigned k,
			 uint64_t prev)
{
	uint64_t ideal = total * (k + 1) / n;
	uint64_t next = k + 2 < n ? total * (k + 2) / n : total;
	uint64_t addr = page_address(c, ideal);
	uint64_t down = addr & ~(HUGE_SIZE - 1);
	uint64_t up = down == addr ? addr : down + HUGE_SIZE;
	uint64_t pd = pages_below(c, down), pu = pages_below(c, up);
	bool down_first = ideal - pd <= pu - ideal;
	uint64_t first = down_first ? pd : pu, second = down_first ? pu : pd;

	if (fake_cut_ok(first, ideal, prev, next))
		return first;
	if (fake_cut_ok(second, ideal, prev, next))
		return second;
	return ideal;
}

static void build_fake(struct ctx *c)
{
	struct numa_topology *t = c->t;
	uint64_t total = usable_pages(c), done = 0, cut, from = 0, lo, hi;
	unsigned n = c->in->fake_nodes, k = 0;
	struct msg m = { 0 };

	if (n > MAX_NODES) {
		msg_str(&m, "numa=fake=");
		msg_dec(&m, n);
		msg_str(&m, " asks for more than ");
		msg_dec(&m, MAX_NODES);
		msg_str(&m, " nodes");
		report(c, &m, "using the maximum");
		n = MAX_NODES;
	}
	if (n > total) {
		m.len = 0;
		msg_str(&m, "numa=fake=");
		msg_dec(&m, c->in->fake_nodes);
		msg_str(&m, " but only ");
		msg_dec(&m, total);
		msg_str(&m, " usable pages");
		report(c, &m, total ? "one node per page" : "one node");
		n = total ? (unsigned)total : 1;
	}
	reset_nodes(t);
	t->node_count = n;
	for (unsigned i = 0; i < n; i++)
		t->nodes[i].pxm = i;
	cut = n > 1 ? fake_cut(c, total, n, 0, 0) : total;
	/* Each step ends at a range end or at one of the n - 1 cuts. */
	for (size_t step = 0; step < usable_walk_bound(c) + n && next_usable(c, from, &lo, &hi);
	     step++) {
		uint64_t take = (hi - lo) >> PAGE_SHIFT;

		if (take > cut - done)
			take = cut - done;
		node_add_ram(c, k, lo, lo + (take << PAGE_SHIFT));
		done += take;
		from = lo + (take << PAGE_SHIFT);
		if (done == cut && k + 1 < n) {
			k++;
			cut = k + 1 < n ? fake_cut(c, total, n, k, cut) : total;
		}
	}
	for (unsigned i = 0; i < t->cpu_count; i++)
		place_cpu(t, i, i % n);
	default_distances(t);
	t->source = "fake";
}

/* ---- SRAT ---- */

/* SRAT ranges are taken at page granularity: a page belongs where its first byte does. */
static bool mem_range(const struct ctx *c, unsigned i, uint64_t *s, uint64_t *e)
{
	*s = page_down(c->in->srat_mems[i].start);
	*e = page_down(c->in->srat_mems[i].end);
	return *e > *s;
}

/*
 * The first memory entry in table order that covers @x (NO_ENTRY if none),
 * and in *@until the next address where the answer may change: the set of
 * entries covering an address only changes at an entry's start or end.
 */
static unsigned owner_at(const struct ctx *c, uint64_t x, uint64_t *until)
{
	unsigned owner = NO_ENTRY;

	for (unsigned i = 0; i < c->mem_count; i++) {
		uint64_t s, e;

		if (!mem_range(c, i, &s, &e))
			continue;
		if (s > x) {
			if (s < *until)
				*until = s;
			continue;
		}
		if (e <= x)
			continue;
		if (e < *until)
			*until = e;
		if (owner == NO_ENTRY)
			owner = i;
	}
	return owner;
}

/* The domain SRAT gives the CPU with @apic_id (first entry wins); false if none. */
static bool srat_cpu_pxm(const struct ctx *c, uint32_t apic_id, uint32_t *pxm, bool *conflict)
{
	bool found = false;

	for (unsigned i = 0; i < c->srat_cpu_count; i++) {
		const struct srat_cpu *s = &c->in->srat_cpus[i];

		if (s->apic_id != apic_id)
			continue;
		if (!found) {
			*pxm = s->pxm;
			found = true;
		} else if (s->pxm != *pxm) {
			*conflict = true;
		}
	}
	return found;
}

/* Node ids are the indexes of the (sorted) pxm list in t->nodes; -1 if absent. */
static int node_of_pxm(const struct numa_topology *t, uint32_t pxm)
{
	for (unsigned i = 0; i < t->node_count; i++)
		if (t->nodes[i].pxm == pxm)
			return (int)i;
	return -1;
}

static void add_domain(struct ctx *c, uint32_t pxm)
{
	struct numa_topology *t = c->t;

	if (node_of_pxm(t, pxm) >= 0)
		return;
	if (t->node_count == MAX_NODES) {
		c->too_many_domains = true;
		return;
	}
	t->nodes[t->node_count++].pxm = pxm;
}

static void sort_domains(struct numa_topology *t)
{
	for (unsigned i = 1; i < t->node_count; i++) {
		uint32_t pxm = t->nodes[i].pxm;
		unsigned j = i;

		for (; j > 0 && t->nodes[j - 1].pxm > pxm; j--)
			t->nodes[j].pxm = t->nodes[j - 1].pxm;
		t->nodes[j].pxm = pxm;
	}
}

/*
 * Sweep usable RAM in address order, cutting it where SRAT ranges start or
 * end. With @assign false, only note which domains own usable RAM; with
 * @assign true, hand every piece to its node, uncovered pieces to the node
 * of the covered RAM just below (node 0 before any), and return the
 * uncovered bytes. Steps end at distinct range or entry boundaries, so
 * 2 * (ranges + entries) + 1 steps always finish the sweep.
 */
static uint64_t srat_sweep(struct ctx *c, bool assign)
{
	size_t bound = 2 * (c->ram_count + c->mem_count) + 1;
	uint64_t from = 0, lo, hi, uncovered = 0;
	unsigned last = 0;

	for (size_t step = 0; step < bound && next_usable(c, from, &lo, &hi); step++) {
		uint64_t until = hi;
		unsigned owner = owner_at(c, lo, &until);

		if (owner != NO_ENTRY && !assign) {
			add_domain(c, c->in->srat_mems[owner].pxm);
		} else if (owner != NO_ENTRY) {
			int node = node_of_pxm(c->t, c->in->srat_mems[owner].pxm);

			last = node >= 0 ? (unsigned)node : last; /* always found: pass one added it */
			node_add_ram(c, last, lo, until);
		} else if (assign) {
			uncovered += until - lo;
			node_add_ram(c, last, lo, until);
		}
		from = until;
	}
	return uncovered;
}

static void report_overlaps(struct ctx *c)
{
	unsigned pairs = 0;
	struct msg m = { 0 };

	for (unsigned i = 0; i < c->mem_count; i++) {
		uint64_t si, ei;

		if (!mem_range(c, i, &si, &ei))
			continue;
		for (unsigned j = i + 1; j < c->mem_count; j++) {
			uint64_t sj, ej;

			if (mem_range(c, j, &sj, &ej) && si < ej && sj < ei)
				pairs++;
		}
	}
	if (!pairs)
		return;
	msg_dec(&m, pairs);
	msg_str(&m, " overlapping pairs of SRAT memory ranges");
	report(c, &m, "the first range in table order wins");
}

static void srat_place_cpus(struct ctx *c)
{
	struct numa_topology *t = c->t;
	unsigned unplaced = 0, conflicts = 0;
	uint32_t first_unplaced = 0;

	for (unsigned i = 0; i < t->cpu_count; i++) {
		uint32_t pxm = 0;
		bool conflict = false;
		int node = -1;

		if (srat_cpu_pxm(c, t->cpus[i].apic_id, &pxm, &conflict))
			node = node_of_pxm(t, pxm);
		conflicts += conflict;
		if (node < 0) {
			if (!unplaced)
				first_unplaced = t->cpus[i].apic_id;
			unplaced++;
			node = 0;
		}
		place_cpu(t, i, (unsigned)node);
	}
	if (unplaced) {
		struct msg m = { 0 };

		msg_dec(&m, unplaced);
		msg_str(&m, " CPUs not in SRAT, first APIC id ");
		msg_hex(&m, first_unplaced);
		report(c, &m, "placed on node 0");
	}
	if (conflicts) {
		struct msg m = { 0 };

		msg_dec(&m, conflicts);
		msg_str(&m, " CPUs in more than one SRAT domain");
		report(c, &m, "the first entry in table order wins");
	}
}

/* Why the SLIT cannot give every pair of nodes a distance; NULL when it can. */
static const char *slit_problem(const struct ctx *c, struct msg *m)
{
	const struct numa_topology *t = c->t;
	unsigned n = c->in->slit_n;

	for (unsigned i = 0; i < t->node_count; i++) {
		if (t->nodes[i].pxm >= n) {
			msg_str(m, "SLIT covers ");
			msg_dec(m, n);
			msg_str(m, " domains, node ");
			msg_dec(m, i);
			msg_str(m, " is domain ");
			msg_dec(m, t->nodes[i].pxm);
			return m->buf;
		}
	}
	for (unsigned i = 0; i < t->node_count; i++) {
		for (unsigned j = 0; j < t->node_count; j++) {
			uint8_t d = c->in->slit[(uint64_t)t->nodes[i].pxm * n + t->nodes[j].pxm];

			if (i == j ? d == SLIT_LOCAL : d >= SLIT_LOCAL)
				continue;
			msg_str(m, "SLIT distance ");
			msg_dec(m, d);
			msg_str(m, " from domain ");
			msg_dec(m, t->nodes[i].pxm);
			msg_str(m, " to ");
			msg_dec(m, t->nodes[j].pxm);
			return m->buf;
		}
	}
	return NULL;
}

static void srat_distances(struct ctx *c)
{
	struct numa_topology *t = c->t;
	struct msg m = { 0 };
	unsigned n = c->in->slit_n;

	default_distances(t);
	if (!c->in->slit || !n)
		return;
	if (slit_problem(c, &m)) {
		report(c, &m, "distances 10 local, 20 remote");
		return;
	}
	for (unsigned i = 0; i < t->node_count; i++)
		for (unsigned j = 0; j < t->node_count; j++)
			t->distance[i][j] =
				c->in->slit[(uint64_t)t->nodes[i].pxm * n + t->nodes[j].pxm];
	t->slit_used = true;
}

/* Domains with usable RAM or an input CPU become nodes. False: SRAT unusable. */
static bool collect_domains(struct ctx *c)
{
	struct numa_topology *t = c->t;
	struct msg m = { 0 };

	reset_nodes(t);
	srat_sweep(c, false);
	for (unsigned i = 0; i < t->cpu_count; i++) {
		uint32_t pxm = 0;
		bool conflict = false;

		if (srat_cpu_pxm(c, t->cpus[i].apic_id, &pxm, &conflict))
			add_domain(c, pxm);
	}
	if (c->too_many_domains) {
		msg_str(&m, "SRAT has more than ");
		msg_dec(&m, MAX_NODES);
		msg_str(&m, " domains with RAM or CPUs");
		report(c, &m, "one node");
		return false;
	}
	if (!t->node_count) {
		msg_str(&m, "SRAT places no usable RAM and none of the ");
		msg_dec(&m, t->cpu_count);
		msg_str(&m, " CPUs");
		report(c, &m, "one node");
		return false;
	}
	sort_domains(t);
	return true;
}

static bool build_srat(struct ctx *c)
{
	uint64_t uncovered;

	if (!collect_domains(c))
		return false;
	report_overlaps(c);
	uncovered = srat_sweep(c, true);
	if (uncovered) {
		struct msg m = { 0 };

		msg_dec(&m, uncovered);
		msg_str(&m, " bytes of usable RAM outside every SRAT memory range");
		report(c, &m, "given to the node of the nearest covered RAM below (node 0 if none)");
	}
	srat_place_cpus(c);
	srat_distances(c);
	c->t->source = "srat";
	return true;
}

/* ---- the interface ---- */

static void take_cpus(struct ctx *c)
{
	const struct numa_input *in = c->in;
	unsigned n = in->cpu_apic_ids ? in->cpu_count : 0;

	if (n > MAX_CPUS) {
		struct msg m = { 0 };

		msg_dec(&m, n);
		msg_str(&m, " CPUs, room for ");
		msg_dec(&m, MAX_CPUS);
		report(c, &m, "the CPUs past the limit are not placed");
		n = MAX_CPUS;
	}
	for (unsigned i = 0; i < n; i++)
		c->t->cpus[i] = (struct numa_cpu){ in->cpu_apic_ids[i], 0 };
	c->t->cpu_count = n;
}

size_t numa_ranges_needed(const struct numa_input *in)
{
	size_t usable = 0, srat = in->srat_mems ? in->srat_mem_count : 0;

	for (size_t i = 0; in->ram && i < in->ram_count; i++)
		usable += in->ram[i].type == FW_MEM_USABLE;
	/* Each SRAT entry cuts RAM at its two ends at most; numa=fake cuts it MAX_NODES - 1 times. */
	return usable + 2 * srat + MAX_NODES;
}

/* After the counting pass: one slice of the store per node, in node order. */
static void plan_range_store(struct ctx *c)
{
	size_t cap = c->in->range_store ? c->in->range_store_cap : 0, used = 0;

	for (unsigned i = 0; i < c->t->node_count; i++) {
		size_t want = c->t->nodes[i].range_count;

		c->slice[i] = cap ? c->in->range_store + used : NULL;
		c->room[i] = want < cap - used ? want : cap - used;
		used += c->room[i];
	}
}

/* After the second pass: each node lists the ranges its slice holds. */
static void attach_ranges(const struct ctx *c)
{
	for (unsigned i = 0; i < c->t->node_count; i++) {
		struct numa_node *n = &c->t->nodes[i];

		n->ranges = c->room[i] ? c->slice[i] : NULL;
		if (n->range_count > c->room[i])
			n->range_count = (unsigned)c->room[i];
	}
}

static void report_truncated(const struct ctx *c)
{
	for (unsigned i = 0; i < c->t->node_count; i++) {
		const struct numa_node *n = &c->t->nodes[i];
		uint64_t listed = 0;
		struct msg m = { 0 };

		if (!n->ranges_truncated)
			continue;
		for (unsigned r = 0; r < n->range_count; r++)
			listed += (n->ranges[r].end - n->ranges[r].start) >> PAGE_SHIFT;
		msg_str(&m, "node ");
		msg_dec(&m, i);
		msg_str(&m, " has more RAM ranges than the range store holds (");
		msg_dec(&m, c->in->range_store ? c->in->range_store_cap : 0);
		msg_str(&m, "), ");
		msg_dec(&m, n->pages - listed);
		msg_str(&m, " pages unlisted");
		report(c, &m, "pages counted in the node; unlisted addresses have no node");
	}
}

/* A node needs RAM or a CPU; with neither in the input there is nothing to describe. */
static bool built_anything(const struct numa_topology *t)
{
	for (unsigned i = 0; i < t->node_count; i++)
		if (t->nodes[i].pages)
			return true;
	return t->cpu_count > 0;
}

bool numa_build(const struct numa_input *in, struct numa_topology *t, numa_problem_fn problem,
		void *cookie)
{
	static const struct numa_input empty;
	struct ctx c = { .in = in ? in : &empty, .t = t, .problem = problem, .cookie = cookie };
	bool has_srat;

	in = c.in;
	c.ram_count = in->ram ? in->ram_count : 0;
	c.mem_count = in->srat_mems ? in->srat_mem_count : 0;
	c.srat_cpu_count = in->srat_cpus ? in->srat_cpu_count : 0;
	has_srat = c.mem_count || c.srat_cpu_count;

	t->cpu_count = 0;
	t->source = "none";
	take_cpus(&c);
	for (int pass = 0; pass < 2; pass++) {
		c.counting = pass == 0;
		c.too_many_domains = false;
		if (in->numa_off)
			build_one(&c, "off");
		else if (in->fake_nodes)
			build_fake(&c);
		else if (!has_srat || !build_srat(&c))
			build_one(&c, "none");
		if (c.counting)
			plan_range_store(&c);
	}
	attach_ranges(&c);
	report_truncated(&c);
	return built_anything(t);
}

int numa_node_of_addr(const struct numa_topology *t, uint64_t addr)
{
	uint64_t pfn = addr >> PAGE_SHIFT;

	for (unsigned i = 0; i < t->node_count && i < MAX_NODES; i++) {
		const struct numa_node *n = &t->nodes[i];

		if (is_memoryless(n) || pfn < n->start_pfn || pfn >= n->end_pfn)
			continue;
		for (unsigned r = 0; r < n->range_count; r++)
			if (addr >= n->ranges[r].start && addr < n->ranges[r].end)
				return (int)i;
	}
	return -1;
}

unsigned numa_nodes_by_distance(const struct numa_topology *t, int from, int *order)
{
	unsigned count = 1;

	if (from < 0 || (unsigned)from >= t->node_count || t->node_count > MAX_NODES)
		return 0;
	order[0] = from; /* itself first, even if a SLIT puts another node at 10 too */
	/* Ids arrive ascending and an equal distance never passes an earlier one: stable. */
	for (unsigned id = 0; id < t->node_count; id++) {
		uint8_t d = t->distance[from][id];
		unsigned j = count;

		if ((int)id == from)
			continue;
		for (; j > 1 && t->distance[from][order[j - 1]] > d; j--)
			order[j] = order[j - 1];
		order[j] = (int)id;
		count++;
	}
	return count;
}

unsigned numa_nodes_nearest_to(const struct numa_topology *t, int to, int *order)
{
	unsigned count = 1;

	if (to < 0 || (unsigned)to >= t->node_count || t->node_count > MAX_NODES)
		return 0;
	order[0] = to; /* its own CPUs first: no write is nearer than a local one */
	/* SLIT_UNREACHABLE is the largest distance: such nodes sort after every reachable one. */
	for (unsigned id = 0; id < t->node_count; id++) {
		uint8_t d = t->distance[id][to];
		unsigned j = count;

		if ((int)id == to)
			continue;
		for (; j > 1 && t->distance[order[j - 1]][to] > d; j--)
			order[j] = order[j - 1];
		order[j] = (int)id;
		count++;
	}
	return count;
}
