// SPDX-License-Identifier: MIT
/*
 * Host tests for on-demand init in mm/buddy.c (strategy=ondemand), against
 * the contract in mm/buddy.h: the block classes agree with the layout and
 * with themselves however the span is cut into aligned chunks; the boot's
 * marks, first touches and the drain write every struct page exactly once,
 * also when threads drain and allocate at once; and what is left at the end
 * is the mem_map every other strategy leaves (verification, digest).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "mm/buddy.h"
#include "mm/memmap.h"
#include "mm/verify.h"
#include "tests/host/check.h"
#include "tests/host/fake_machine.h"

#define BLOCK MAX_ORDER_NR_PAGES

static struct fixture *standard_layout(void)
{
	struct fixture *f = fx_new();

	fx_standard(f);
	fx_setup_buddy(f);
	return f;
}

/* ---- the block classes ------------------------------------------------------------- */

/* What a block must be, from the reference: its free pages among its pfns inside [lo, hi). */
static enum block_class ref_class(const struct fixture *f, unsigned node, const uint8_t *kinds, uint64_t block)
{
	const struct node_memmap *nm = &f->mm.nodes[node];
	uint64_t lo = block > nm->start_pfn ? block : nm->start_pfn;
	uint64_t hi = block + BLOCK < nm->end_pfn ? block + BLOCK : nm->end_pfn, free = 0;

	for (uint64_t pfn = lo; pfn < hi; pfn++)
		free += pfn_to_page(&f->mm, pfn) && kinds[pfn - nm->start_pfn] == RUN_FREE;
	return free == BLOCK ? BLOCK_FREE : free ? BLOCK_MIXED : BLOCK_NONFREE;
}

struct seen {
	enum block_class *cls; /* per block of the span, from its aligned start; -1: not reported */
	uint64_t base;         /* the span's first block */
	uint64_t last_end;
	int last_cls;
	unsigned ranges;
	bool ordered;
};

static void record_range(void *cookie, int node, uint64_t start, uint64_t end, enum block_class cls)
{
	struct seen *s = cookie;

	(void)node;
	/* In pfn order; two neighbours touching must differ in class (ranges are maximal). */
	s->ordered &= start < end && start >= s->last_end && !(start == s->last_end && (int)cls == s->last_cls);
	for (uint64_t b = start & ~(BLOCK - 1); b < end; b += BLOCK)
		s->cls[(b - s->base) / BLOCK] = cls;
	s->last_end = end;
	s->last_cls = (int)cls;
	s->ranges++;
}

static void walk(const struct fixture *f, unsigned node, uint64_t chunk, struct seen *s, uint64_t blocks)
{
	const struct node_memmap *nm = &f->mm.nodes[node];

	*s = (struct seen){ .cls = malloc(blocks * sizeof(*s->cls)), .base = nm->start_pfn & ~(BLOCK - 1),
			    .last_cls = -1, .ordered = true };
	CHECK(s->cls != NULL);
	for (uint64_t i = 0; i < blocks; i++)
		s->cls[i] = (enum block_class)-1;
	for (uint64_t from = nm->start_pfn; from < nm->end_pfn;) {
		uint64_t to = ((from & ~(BLOCK - 1)) + chunk) < nm->end_pfn ? (from & ~(BLOCK - 1)) + chunk : nm->end_pfn;

		s->last_cls = -1; /* ranges are maximal within one call, not across calls */
		buddy_for_each_block_class(&f->mm, (int)node, from, to, record_range, s);
		from = to;
	}
}

/* Every block of every node as the reference says, whole span or in aligned chunks of any size. */
static void test_block_classes_match_layout(void)
{
	struct fixture *f = standard_layout();
	uint64_t counted[3] = { 0 };

	for (unsigned n = 0; n < f->mm.node_count; n++) {
		const struct node_memmap *nm = &f->mm.nodes[n];
		uint8_t *kinds = ref_kinds(f, n);
		uint64_t base = nm->start_pfn & ~(BLOCK - 1), blocks = (nm->end_pfn - base + BLOCK - 1) / BLOCK;
		const uint64_t chunks[] = { nm->end_pfn - base + BLOCK, BLOCK, 3 * BLOCK, 64 * BLOCK };

		for (unsigned c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			struct seen s;

			walk(f, n, chunks[c], &s, blocks);
			CHECK(s.ordered);
			for (uint64_t i = 0; i < blocks; i++) {
				uint64_t block = base + i * BLOCK;
				bool present = false;

				for (uint64_t p = block > nm->start_pfn ? block : nm->start_pfn;
				     p < block + BLOCK && p < nm->end_pfn && !present; p++)
					present = pfn_to_page(&f->mm, p) != NULL;
				if (!present) {
					CHECK((int)s.cls[i] == -1);
					continue;
				}
				CHECK_EQ_U64(s.cls[i], ref_class(f, n, kinds, block));
				if (c == 0)
					counted[s.cls[i]]++;
			}
			free(s.cls);
		}
		free(kinds);
	}
	/* The standard layout has all three kinds: the test sees each. */
	CHECK(counted[BLOCK_FREE] && counted[BLOCK_MIXED] && counted[BLOCK_NONFREE]);
	fx_free(f);
}

/* ---- marks, touches and the drain ------------------------------------------------ */

struct boot_walk {
	struct fixture *f;
	uint64_t written, marked;
};

/* What ondemand's run() does with each class at boot. */
static void boot_range(void *cookie, int node, uint64_t start, uint64_t end, enum block_class cls)
{
	struct boot_walk *w = cookie;

	if (cls == BLOCK_MIXED) {
		memmap_init_range(&w->f->mm, node, start, end);
		memmap_free_range(&w->f->b, node, start, end);
		w->written += memmap_present_pages_in(&w->f->mm, node, start, end);
	} else if (cls == BLOCK_FREE) {
		w->written += buddy_add_uninit_blocks(&w->f->b, node, start, end);
		w->marked += (end - start) / BLOCK;
	}
}

static void boot_part(struct fixture *f, struct boot_walk *w)
{
	*w = (struct boot_walk){ .f = f };
	f->b.ondemand = true;
	for (unsigned n = 0; n < f->mm.node_count; n++)
		buddy_for_each_block_class(&f->mm, (int)n, f->mm.nodes[n].start_pfn, f->mm.nodes[n].end_pfn,
					   boot_range, w);
}

struct drain_walk {
	struct fixture *f;
	uint64_t written;
	bool nonfree; /* this walker owns the blocks without free RAM (the engine's claim) */
};

static void drain_range(void *cookie, int node, uint64_t start, uint64_t end, enum block_class cls)
{
	struct drain_walk *d = cookie;

	if (cls == BLOCK_FREE) {
		d->written += buddy_drain_blocks(&d->f->b, node, start, end);
	} else if (cls == BLOCK_NONFREE && d->nonfree) {
		memmap_init_range(&d->f->mm, node, start, end);
		d->written += memmap_present_pages_in(&d->f->mm, node, start, end);
	}
}

static void *drain_all(void *p)
{
	struct drain_walk *d = p;

	for (unsigned n = 0; n < d->f->mm.node_count; n++)
		buddy_for_each_block_class(&d->f->mm, (int)n, d->f->mm.nodes[n].start_pfn,
					   d->f->mm.nodes[n].end_pfn, drain_range, d);
	return NULL;
}

/* The mem_map every other strategy leaves: its digest. */
static uint64_t reference_digest(void)
{
	struct fixture *f = standard_layout();
	uint64_t d;

	fx_init_all(f);
	fx_free_all(f);
	d = memmap_digest(&f->mm);
	fx_free(f);
	return d;
}

static void check_verified(struct fixture *f)
{
	struct verify_result v;

	CHECK(memmap_verify(&f->mm, &f->b, VERIFY_FULL, &v));
	CHECK_EQ_U64(v.total_pages, v.free_pages + v.reserved_pages + v.allocated_pages);
}

/* The boot marks; the free count is whole at once; a touch writes its block; the drain the rest. */
static void test_marks_touch_and_drain(void)
{
	struct fixture *f = standard_layout();
	struct boot_walk w;
	struct drain_walk d;
	struct page *p[3];
	uint64_t free_before;

	f->mm.generation = 7;
	fx_garbage(f);
	boot_part(f, &w);
	CHECK(w.marked > 0);
	/* The marked blocks are on the lists: the free count says everything is there already. */
	free_before = buddy_free_pages(&f->b, -1);
	f->b.ondemand = true;
	/* A max-order allocation can only take a marked block: it writes the other 1023 struct pages. */
	p[0] = alloc_pages(&f->b, 2, MAX_ORDER);
	CHECK(p[0] != NULL);
	CHECK_EQ_U64(f->b.touched_blocks, 1);
	CHECK_EQ_U64(f->b.touched_pages, BLOCK - 1);
	for (uint64_t i = 0; p[0] && i < BLOCK; i++)
		CHECK_EQ_U64(p[0][i].init_gen, 7);
	/* Given back, it is written: taking it again (the front of its list) touches nothing. */
	free_pages(&f->b, p[0], MAX_ORDER);
	p[1] = alloc_pages(&f->b, 2, MAX_ORDER);
	CHECK(p[1] == p[0]);
	CHECK_EQ_U64(f->b.touched_blocks, 1);
	p[2] = alloc_pages(&f->b, 2, 3);
	CHECK_EQ_U64(buddy_free_pages(&f->b, -1), free_before - BLOCK - 8);
	/* The drain writes everything else, the touched block not again. */
	d = (struct drain_walk){ .f = f, .nonfree = true };
	drain_all(&d);
	CHECK_EQ_U64(w.written + f->b.touched_pages + d.written, memmap_present_pages(&f->mm));
	free_pages(&f->b, p[1], MAX_ORDER);
	free_pages(&f->b, p[2], 3);
	check_verified(f);
	CHECK_EQ_U64(memmap_digest(&f->mm), reference_digest());
	fx_free(f);
}

/* ---- the claim under contention: threads drain while one allocates -------------- */

#define DRAINERS 4

struct churner {
	struct fixture *f;
	volatile bool *stop;
	unsigned long rounds;
};

/* Allocate blocks of every order on every node and give them back, until the drain is over. */
static void *churn(void *p)
{
	struct churner *c = p;
	struct page *held[64];
	unsigned orders[64];

	while (!*c->stop || c->rounds < 4) {
		unsigned n = 0;

		for (unsigned i = 0; i < 64; i++) {
			unsigned order = (unsigned)rnd(MAX_ORDER + 1);
			struct page *pg = alloc_pages(&c->f->b, (int)rnd(c->f->mm.node_count), order);

			if (pg) {
				held[n] = pg;
				orders[n++] = order;
			}
		}
		while (n--)
			free_pages(&c->f->b, held[n], orders[n]);
		c->rounds++;
	}
	return NULL;
}

static void test_threads_write_each_page_once(void)
{
	for (unsigned trial = 0; trial < 8; trial++) {
		struct fixture *f = standard_layout();
		struct boot_walk w;
		struct drain_walk d[DRAINERS];
		pthread_t t[DRAINERS], ct;
		volatile bool stop = false;
		struct churner c = { .f = NULL, .stop = &stop };
		uint64_t drained = 0;

		f->mm.generation = 100 + trial;
		boot_part(f, &w);
		c.f = f;
		CHECK(pthread_create(&ct, NULL, churn, &c) == 0);
		/* Every drainer walks everything: only the mark under the zone lock keeps writes single. */
		for (unsigned i = 0; i < DRAINERS; i++) {
			d[i] = (struct drain_walk){ .f = f, .nonfree = i == 0 };
			CHECK(pthread_create(&t[i], NULL, drain_all, &d[i]) == 0);
		}
		for (unsigned i = 0; i < DRAINERS; i++) {
			pthread_join(t[i], NULL);
			drained += d[i].written;
		}
		stop = true;
		pthread_join(ct, NULL);
		CHECK_EQ_U64(w.written + f->b.touched_pages + drained, memmap_present_pages(&f->mm));
		check_verified(f);
		CHECK_EQ_U64(memmap_digest(&f->mm), reference_digest());
		fx_free(f);
	}
}

CHECK_MAIN(CHECK_TEST(test_block_classes_match_layout), CHECK_TEST(test_marks_touch_and_drain),
	   CHECK_TEST(test_threads_write_each_page_once))
