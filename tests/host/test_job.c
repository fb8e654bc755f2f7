// SPDX-License-Identifier: MIT
/*
 * Host tests for strategies/job.c, the work splitting every parallel
 * strategy shares: for any node span, thread count, alignment and minimum
 * chunk, the chunks cover every pfn exactly once, every boundary between
 * two chunks is aligned, and CPUs claiming at once (threads here) never
 * get the same chunk. Then the point of the alignment: a mem_map built
 * chunk by chunk, in any order, leaves the same pages and the same buddy
 * blocks as one pass over each node.
 */
#include <pthread.h>
#include <stdlib.h>

#include "mm/verify.h"
#include "strategies/job.h"
#include "tests/host/check.h"
#include "tests/host/fake_machine.h"

static uint64_t rnd_pow2(unsigned max_shift)
{
	return 1ull << rnd(max_shift + 1);
}

/* Claim everything from @j on one thread, checking each chunk; counts[pfn - start] += 1. */
static uint64_t claim_all(struct memmap_job *j, uint64_t align, uint8_t *counts)
{
	uint64_t s, e, n = 0;

	while (memmap_job_claim(j, &s, &e)) {
		CHECK(s < e);
		CHECK(s >= j->start && e <= j->end);
		CHECK(e - s <= j->chunk);
		CHECK(s == j->start || s % align == 0); /* only the span's own ends may be unaligned */
		CHECK(e == j->end || e % align == 0);
		for (uint64_t p = s; p < e; p++)
			counts[p - j->start]++;
		n++;
	}
	return n;
}

static void test_every_pfn_exactly_once(void)
{
	for (unsigned iter = 0; iter < 3000; iter++) {
		uint64_t align = rnd_pow2(12), start = rnd(1ull << 22), size = rnd(iter % 3 ? 100000 : 5000);
		uint64_t min_chunk = rnd(iter % 2 ? 4096 : 1);
		unsigned threads = 1 + (unsigned)rnd(64);
		struct memmap_job j;
		uint8_t *counts = calloc(size + 1, 1);

		memmap_job_init(&j, 3, start, start + size, align, min_chunk, threads);
		CHECK(j.chunk % align == 0 && j.chunk >= min_chunk && j.chunk > 0);
		CHECK_EQ_U64(claim_all(&j, align, counts), j.nr_chunks);
		for (uint64_t p = 0; p < size; p++)
			CHECK_EQ_U64(counts[p], 1);
		CHECK(!memmap_job_has_work(&j));
		free(counts);
	}
}

static void test_chunk_size(void)
{
	/* A sixteenth of one thread's share, at least min_chunk, aligned up. */
	CHECK_EQ_U64(memmap_job_chunk_pages(1 << 20, 1024, 1024, 2), 1 << 15);
	CHECK_EQ_U64(memmap_job_chunk_pages(1 << 20, 1024, 1 << 18, 2), 1 << 18);
	CHECK_EQ_U64(memmap_job_chunk_pages(1000, 1024, 1, 1), 1024);
	CHECK_EQ_U64(memmap_job_chunk_pages(0, 1024, 0, 4), 1024);
	CHECK_EQ_U64(memmap_job_chunk_pages(1000000, 1024, 1, 0), 63488); /* 0 threads counts as 1: 62500 up */
}

static void test_empty_and_tiny(void)
{
	struct memmap_job j;
	uint64_t s, e;

	memmap_job_init(&j, 0, 5000, 5000, 1024, 1024, 4);
	CHECK_EQ_U64(j.nr_chunks, 0);
	CHECK(!memmap_job_claim(&j, &s, &e));
	memmap_job_init(&j, 0, 5000, 4000, 1024, 1024, 4); /* end before start: empty, not huge */
	CHECK_EQ_U64(j.nr_chunks, 0);
	memmap_job_init(&j, 0, 1023, 1025, 1024, 1024, 4); /* two pages across one boundary */
	CHECK(memmap_job_claim(&j, &s, &e) && s == 1023 && e == 1024);
	CHECK(memmap_job_claim(&j, &s, &e) && s == 1024 && e == 1025);
	CHECK(!memmap_job_claim(&j, &s, &e));
	CHECK(!memmap_job_claim(&j, &s, &e)); /* asking again after the end stays false */
}

/* ---- CPUs claiming at once ---- */

struct claimer {
	struct memmap_job *jobs;
	unsigned nr_jobs;
	unsigned first;             /* the job this thread starts with (its "node") */
	unsigned char *counts;      /* per pfn of all jobs, bumped atomically */
	uint64_t claimed;
};

static void *claimer_main(void *arg)
{
	struct claimer *c = arg;
	uint64_t s, e;

	for (unsigned k = 0; k < c->nr_jobs; k++) {
		struct memmap_job *j = &c->jobs[(c->first + k) % c->nr_jobs];

		while (memmap_job_claim(j, &s, &e)) {
			for (uint64_t p = s; p < e; p++)
				__atomic_add_fetch(&c->counts[p], 1, __ATOMIC_RELAXED);
			c->claimed++;
		}
	}
	return NULL;
}

static void test_concurrent_claims(void)
{
	enum { THREADS = 6, JOBS = 3, NODE_PAGES = 1 << 18 };
	for (unsigned iter = 0; iter < 40; iter++) {
		struct memmap_job jobs[JOBS];
		struct claimer c[THREADS];
		pthread_t t[THREADS];
		unsigned char *counts = calloc((size_t)JOBS * NODE_PAGES, 1);
		uint64_t total = 0, claimed = 0;

		for (unsigned n = 0; n < JOBS; n++) {
			uint64_t start = n * NODE_PAGES + rnd(3000), end = (n + 1) * NODE_PAGES - rnd(3000);

			memmap_job_init(&jobs[n], (int)n, start, end, 1024, 1 + rnd(8192), 1 + (unsigned)rnd(8));
			total += jobs[n].nr_chunks;
		}
		for (unsigned i = 0; i < THREADS; i++) {
			c[i] = (struct claimer){ jobs, JOBS, i % JOBS, counts, 0 };
			CHECK(pthread_create(&t[i], NULL, claimer_main, &c[i]) == 0);
		}
		for (unsigned i = 0; i < THREADS; i++) {
			pthread_join(t[i], NULL);
			claimed += c[i].claimed;
		}
		CHECK_EQ_U64(claimed, total);
		for (unsigned n = 0; n < JOBS; n++)
			for (uint64_t p = n * NODE_PAGES; p < (n + 1) * (uint64_t)NODE_PAGES; p++)
				CHECK_EQ_U64(counts[p], p >= jobs[n].start && p < jobs[n].end);
		free(counts);
	}
}

/* ---- chunked init leaves what one pass leaves ---- */

struct buddy_shape {
	uint64_t nr_free[MAX_NODES][MAX_NR_ZONES][MAX_ORDER + 1];
};

static void shape_of(const struct buddy *b, struct buddy_shape *s)
{
	for (unsigned n = 0; n < b->node_count; n++)
		for (unsigned z = 0; z < MAX_NR_ZONES; z++)
			for (unsigned o = 0; o <= MAX_ORDER; o++)
				s->nr_free[n][z][o] = b->nodes[n].zones[z].free_area[o].nr_free;
}

static void test_chunked_matches_one_pass(void)
{
	struct fixture *f = fx_new();
	struct buddy_shape whole, chunked;
	struct verify_result v;
	uint64_t digest;

	fx_standard(f);
	fx_setup_buddy(f);
	fx_init_all(f);
	fx_free_all(f);
	CHECK(memmap_verify(&f->mm, &f->b, VERIFY_FULL, &v));
	digest = memmap_digest(&f->mm);
	memset(&whole, 0, sizeof(whole));
	shape_of(&f->b, &whole);

	for (unsigned iter = 0; iter < 30; iter++) {
		static struct chunk c[4096];
		unsigned n = 0;

		fx_garbage(f);
		buddy_init(&f->b, &f->mm);
		for (unsigned node = 0; node < f->mm.node_count; node++) {
			const struct node_memmap *nm = &f->mm.nodes[node];
			struct memmap_job j;
			uint64_t s, e;

			memmap_job_init(&j, (int)node, nm->start_pfn, nm->end_pfn, MAX_ORDER_NR_PAGES,
					1 + rnd(4 * MAX_ORDER_NR_PAGES), 1 + (unsigned)rnd(16));
			while (n < 4096 && memmap_job_claim(&j, &s, &e))
				c[n++] = (struct chunk){ node, s, e };
			CHECK(!memmap_job_has_work(&j));
		}
		shuffle_chunks(c, n); /* CPUs finish chunks in any order */
		for (unsigned i = 0; i < n; i++) {
			memmap_init_range(&f->mm, (int)c[i].node, c[i].start, c[i].end);
			memmap_free_range(&f->b, (int)c[i].node, c[i].start, c[i].end);
		}
		CHECK(memmap_verify(&f->mm, &f->b, VERIFY_FULL, &v));
		CHECK_EQ_U64(memmap_digest(&f->mm), digest);
		memset(&chunked, 0, sizeof(chunked));
		shape_of(&f->b, &chunked);
		CHECK(memcmp(&whole, &chunked, sizeof(whole)) == 0);
	}
	fx_free(f);
}

CHECK_MAIN(CHECK_TEST(test_chunk_size), CHECK_TEST(test_empty_and_tiny),
	   CHECK_TEST(test_every_pfn_exactly_once), CHECK_TEST(test_concurrent_claims),
	   CHECK_TEST(test_chunked_matches_one_pass));
