// SPDX-License-Identifier: MIT
/*
 * Host tests for mm/slab.c against mm/slab.h's contract: every size class
 * and large objects aligned and disjoint, frees without a size, per-CPU
 * caches that refill and flush, the class table, the path past the caches
 * (the kernel's interrupt context), objects of another node, pages served
 * off their node, exhaustion, pointers that are not objects, and two threads
 * as two CPUs on two nodes freeing each other's objects.
 *
 * The pages come from one arena, so a page's node is a table lookup.
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "mm/slab.h"
#include "tests/host/check.h"

#define RNG_SEED 0x5eed51ab5eed51abull
#include "tests/host/rng.h"

#define ARENA_PAGES 8192 /* 32 MiB */
#define NODES 2
#define CPUS 2

static uint8_t *arena;
static bool page_used[ARENA_PAGES];
static int page_node_of[ARENA_PAGES];
static bool node_empty[NODES]; /* pages_alloc serves such a node from another */
static size_t pages_limit = ARENA_PAGES;
static size_t pages_out;
static pthread_mutex_t arena_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local unsigned current_cpu;

static struct slab_allocator slab;
static struct slab_cpu_cache caches[CPUS];

/* Node n's pages are the arena's n-th half. */
static void *fake_pages_alloc(void *cookie, int node, unsigned order)
{
	size_t count = (size_t)1 << order, half = ARENA_PAGES / NODES;
	void *got = NULL;

	(void)cookie;
	pthread_mutex_lock(&arena_lock);
	if (node < 0 || node >= NODES || node_empty[node])
		node = node_empty[0] ? 1 : 0;
	if (pages_out + count <= pages_limit)
		for (size_t i = (size_t)node * half; i + count <= (size_t)(node + 1) * half && !got; i += count) {
			size_t j = 0;

			while (j < count && !page_used[i + j])
				j++;
			if (j < count)
				continue;
			for (j = 0; j < count; j++) {
				page_used[i + j] = true;
				page_node_of[i + j] = node;
			}
			pages_out += count;
			got = arena + i * SLAB_PAGE_SIZE;
		}
	pthread_mutex_unlock(&arena_lock);
	return got;
}

static void fake_pages_free(void *cookie, void *pages, unsigned order)
{
	size_t first = (size_t)((uint8_t *)pages - arena) / SLAB_PAGE_SIZE;

	(void)cookie;
	pthread_mutex_lock(&arena_lock);
	for (size_t j = 0; j < ((size_t)1 << order); j++) {
		CHECK(page_used[first + j]);
		page_used[first + j] = false;
	}
	pages_out -= (size_t)1 << order;
	pthread_mutex_unlock(&arena_lock);
}

static int fake_pages_node(void *cookie, const void *pages)
{
	(void)cookie;
	return page_node_of[((const uint8_t *)pages - arena) / SLAB_PAGE_SIZE];
}

static unsigned fake_this_cpu(void *cookie)
{
	(void)cookie;
	return current_cpu;
}

static int fake_cpu_node(void *cookie, unsigned cpu)
{
	(void)cookie;
	return (int)(cpu % NODES);
}

static const struct slab_ops ops = {
	.pages_alloc = fake_pages_alloc, .pages_free = fake_pages_free, .pages_node = fake_pages_node,
	.this_cpu = fake_this_cpu, .cpu_node = fake_cpu_node,
};

static void reset(void)
{
	static _Alignas(SLAB_PAGE_SIZE) uint8_t pages[(size_t)ARENA_PAGES * SLAB_PAGE_SIZE];

	arena = pages;
	memset(page_used, 0, sizeof(page_used));
	memset(node_empty, 0, sizeof(node_empty));
	pages_out = 0;
	pages_limit = ARENA_PAGES;
	current_cpu = 0;
	slab_init(&slab, &ops, NODES, caches, CPUS);
}

static size_t align_of(size_t size)
{
	size_t a = 16;

	if (size > SLAB_MAX_OBJECT)
		return 64;
	while (a < size)
		a *= 2;
	return a;
}

/* Fill @obj with a pattern of @tag; check it later: an overlap would break another object's. */
static void stamp(uint8_t *obj, size_t size, uint8_t tag)
{
	memset(obj, tag, size);
}

static bool stamped(const uint8_t *obj, size_t size, uint8_t tag)
{
	for (size_t i = 0; i < size; i++)
		if (obj[i] != tag)
			return false;
	return true;
}

#define LIVE 3000

static void test_classes_aligned_disjoint(void)
{
	static uint8_t *obj[LIVE];
	static size_t size[LIVE];
	uint64_t small = 0;

	reset();
	for (unsigned i = 0; i < LIVE; i++) {
		size[i] = rnd(5) ? 1 + rnd(SLAB_MAX_OBJECT) : SLAB_MAX_OBJECT + 1 + rnd(20000);
		small += size[i] <= SLAB_MAX_OBJECT;
		obj[i] = slab_alloc(&slab, size[i], -1);
		CHECK(obj[i] != NULL);
		CHECK_EQ_U64((uintptr_t)obj[i] % align_of(size[i]), 0);
		CHECK(slab_size_of(obj[i]) >= size[i]);
		stamp(obj[i], size[i], (uint8_t)i);
	}
	for (unsigned i = 0; i < LIVE; i++)
		CHECK(stamped(obj[i], size[i], (uint8_t)i));
	CHECK_EQ_U64(slab_objects_in_use(&slab), small);
	for (unsigned i = 0; i < LIVE; i += 2) /* every other one, then the rest: slabs half empty between */
		CHECK(slab_free(&slab, obj[i]));
	for (unsigned i = 1; i < LIVE; i += 2)
		CHECK(stamped(obj[i], size[i], (uint8_t)i));
	for (unsigned i = 1; i < LIVE; i += 2)
		CHECK(slab_free(&slab, obj[i]));
	CHECK_EQ_U64(slab_objects_in_use(&slab), 0);
	CHECK_EQ_U64(slab.large_pages, 0);
	CHECK_EQ_U64(slab.failures, 0);
	/* Empty slabs go back but one spare per node and class, and what the CPU caches hold. */
	CHECK(slab.slab_pages <= 2 * NODES * SLAB_CLASSES + CPUS * SLAB_CLASSES * SLAB_CPU_OBJECTS);
}

/* The per-CPU cache: a free then an alloc of the class hands back the same object, no lock. */
static void test_cpu_cache_refill_flush(void)
{
	static void *obj[SLAB_CPU_OBJECTS * 4];
	uint64_t refills, flushes;

	reset();
	obj[0] = slab_alloc(&slab, 64, -1);
	CHECK_EQ_U64(slab.refills, 1);
	CHECK_EQ_U64(caches[0].avail[2], SLAB_BATCH - 1); /* class 2: 64 bytes */
	CHECK(slab_free(&slab, obj[0]));
	CHECK(slab_alloc(&slab, 50, -1) == obj[0]);
	refills = slab.refills;
	for (unsigned i = 1; i < SLAB_CPU_OBJECTS * 4; i++)
		obj[i] = slab_alloc(&slab, 64, -1);
	CHECK(slab.refills > refills);
	flushes = slab.flushes;
	for (unsigned i = 0; i < SLAB_CPU_OBJECTS * 4; i++)
		CHECK(slab_free(&slab, obj[i]));
	CHECK(slab.flushes > flushes);
	CHECK(caches[0].avail[2] <= SLAB_CPU_OBJECTS);
	CHECK_EQ_U64(slab_objects_in_use(&slab), 0);
}

/* The class table against its definition: the smallest class that holds the size. */
static void test_class_table(void)
{
	for (size_t size = 0; size <= SLAB_MAX_OBJECT; size++) {
		unsigned cls = slab_class_of(size);

		CHECK(cls < SLAB_CLASSES);
		CHECK(slab_class_size(cls) >= (size ? size : 1));
		CHECK(cls == 0 || slab_class_size(cls - 1) < size);
	}
}

/* What kfree's inline path trusts: slab_object_class() names objects and nothing else. */
static void test_object_class(void)
{
	uint8_t *small, *big;

	reset();
	small = slab_alloc(&slab, 32, -1);
	big = slab_alloc(&slab, 5000, -1);
	CHECK(small && big);
	CHECK_EQ_U64((uint64_t)slab_object_class(small), 1);
	CHECK(slab_object_class(small + 16) < 0);               /* inside an object */
	CHECK(slab_object_class(slab_header_of(small)) < 0);    /* the header */
	CHECK(slab_object_class((uint8_t *)slab_header_of(small) + 32) < 0); /* inside the header */
	CHECK(slab_object_class(big) < 0);                      /* a large object */
	CHECK(slab_free(&slab, small) && slab_free(&slab, big));
}

/*
 * Past the cache (interrupt context in the kernel): objects come from and
 * go to the slabs, the cache stays as it was, and every object is counted
 * as served either way.
 */
static void test_uncached(void)
{
	static void *obj[100];
	unsigned avail;

	reset();
	obj[0] = slab_alloc(&slab, 64, -1); /* a refill: the cache holds the rest of the batch */
	avail = caches[0].avail[2];
	for (unsigned i = 1; i < 100; i++) {
		obj[i] = slab_alloc_cpu(&slab, &caches[0], false, 64, -1);
		CHECK(obj[i] != NULL);
		CHECK_EQ_U64(slab_header_of(obj[i])->home, 0);
	}
	CHECK_EQ_U64(caches[0].avail[2], avail);
	CHECK_EQ_U64(slab_objects_served(&slab), 100);
	CHECK_EQ_U64(slab_objects_in_use(&slab), 100);
	for (unsigned i = 1; i < 100; i++)
		CHECK(slab_free_cpu(&slab, &caches[0], false, obj[i]));
	CHECK_EQ_U64(caches[0].avail[2], avail);
	CHECK(!slab_free_cpu(&slab, &caches[0], false, (uint8_t *)obj[0] + 8));
	CHECK(slab_free(&slab, obj[0]));
	CHECK_EQ_U64(caches[0].avail[2], avail + 1);
	CHECK_EQ_U64(slab_objects_in_use(&slab), 0);
}

static int node_of_object(const void *obj)
{
	return slab_header_of(obj)->node;
}

static void test_nodes_and_fallback(void)
{
	void *remote, *local, *off;

	reset();
	remote = slab_alloc(&slab, 100, 1); /* CPU 0 is on node 0 */
	local = slab_alloc(&slab, 100, -1);
	CHECK(remote && local);
	CHECK_EQ_U64(node_of_object(remote), 1);
	CHECK_EQ_U64(node_of_object(local), 0);
	CHECK(slab_free(&slab, remote));
	CHECK_EQ_U64(slab.remote_frees, 1);
	current_cpu = 1; /* node 1: the object of node 0 is remote here */
	CHECK(slab_free(&slab, local));
	CHECK_EQ_U64(slab.remote_frees, 2);
	/* Node 1 has no pages: its objects come from node 0's, and still free. */
	node_empty[1] = true;
	off = slab_alloc(&slab, 300, 1);
	CHECK(off != NULL);
	CHECK_EQ_U64(node_of_object(off), 0);
	CHECK_EQ_U64(slab_header_of(off)->home, 1);
	CHECK(slab_free(&slab, off));
	CHECK_EQ_U64(slab_objects_in_use(&slab), 0);
}

static void test_exhaustion_and_foreign_pointers(void)
{
	void *obj, *big;
	unsigned n = 0;

	reset();
	pages_limit = 4;
	while (slab_alloc(&slab, 1024, -1))
		n++;
	CHECK_EQ_U64(n, 4 * 3); /* three 1 KiB objects a page, past the header */
	CHECK(slab.failures >= 1);
	CHECK(slab_alloc(&slab, 10000, -1) == NULL);
	pages_limit = ARENA_PAGES;
	obj = slab_alloc(&slab, 256, -1);
	big = slab_alloc(&slab, 9000, -1);
	CHECK(obj && big);
	CHECK(!slab_free(&slab, (uint8_t *)obj + 16));  /* inside an object */
	CHECK(!slab_free(&slab, (uint8_t *)big + 4096)); /* inside a large one */
	CHECK(!slab_free(&slab, slab_header_of(obj)));   /* the header */
	CHECK_EQ_U64(slab_size_of((uint8_t *)big + 4096), 0);
	CHECK(slab_free(&slab, obj) && slab_free(&slab, big));
	CHECK(slab_free(&slab, NULL));
}

/* Two threads as CPUs 0 and 1 on nodes 0 and 1; each frees half of what it takes in the other. */
#define HANDOFF 4096
static void *handoff[2][HANDOFF];
static volatile unsigned handed[2];

static unsigned thread_errors[2]; /* the checks' counters are not for threads: counted here */

static void *worker(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg, other = 1 - me;
	static void *mine[2][256];

	current_cpu = me;
	for (unsigned round = 0; round < 200; round++) {
		for (unsigned i = 0; i < 256; i++) {
			mine[me][i] = slab_alloc(&slab, 16 + (i % 7) * 100, -1);
			if (mine[me][i])
				stamp(mine[me][i], 16, (uint8_t)(me + 1));
			else
				thread_errors[me]++;
		}
		for (unsigned i = 0; i < 256; i++) {
			if (!mine[me][i])
				continue;
			thread_errors[me] += !stamped(mine[me][i], 16, (uint8_t)(me + 1));
			if (i % 2 && handed[me] < HANDOFF) {
				handoff[me][handed[me]] = mine[me][i];
				__atomic_store_n(&handed[me], handed[me] + 1, __ATOMIC_RELEASE);
			} else {
				thread_errors[me] += !slab_free(&slab, mine[me][i]);
			}
		}
	}
	/* Free what the other CPU handed over once it has finished handing. */
	while (__atomic_load_n(&handed[other], __ATOMIC_ACQUIRE) < HANDOFF)
		;
	for (unsigned i = 0; i < HANDOFF; i++)
		thread_errors[me] += !slab_free(&slab, handoff[other][i]);
	return NULL;
}

static void test_two_cpus(void)
{
	pthread_t t[2];

	reset();
	handed[0] = handed[1] = 0;
	thread_errors[0] = thread_errors[1] = 0;
	for (uintptr_t i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (unsigned i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ_U64(thread_errors[0] + thread_errors[1], 0);
	CHECK_EQ_U64(slab_objects_in_use(&slab), 0);
	CHECK(slab.remote_frees > 0);
}

CHECK_MAIN(CHECK_TEST(test_class_table), CHECK_TEST(test_object_class), CHECK_TEST(test_uncached),
	   CHECK_TEST(test_classes_aligned_disjoint), CHECK_TEST(test_cpu_cache_refill_flush),
	   CHECK_TEST(test_nodes_and_fallback), CHECK_TEST(test_exhaustion_and_foreign_pointers),
	   CHECK_TEST(test_two_cpus))
