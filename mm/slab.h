/* SPDX-License-Identifier: MIT */
/*
 * slab - small objects on top of a page allocator: power-of-two size
 * classes from 16 to 1024 bytes, slabs of one page kept per node, and a
 * cache of objects per CPU in front of them (Bonwick's magazines, Linux's
 * SLAB array caches), so that the common kmalloc/kfree pair touches only
 * the calling CPU's cache: no lock, no shared cache line.
 *
 * A slab is one 4 KiB page with a 64-byte header at its start and objects
 * after it, each aligned to its size; a larger object gets whole pages of
 * its own behind the same header. Any object therefore finds its header by
 * rounding its address down to the page, and kfree needs no size.
 *
 *   alloc   this CPU's cache for the class (objects of this CPU's node)
 *           -> refill a batch from the node's partial slabs (lock)
 *           -> a new slab from the page allocator
 *   free    an object of this CPU's node into its cache; a full cache
 *           flushes a batch back to the slabs; an object of another node
 *           goes straight back to its slab
 *
 * Pure C: the pages, the CPU number and a CPU's node come through ops, so
 * the host tests run it on malloc'd pages and threads. The per-CPU cache's
 * common case (one pop, one push) is inline below, so a caller that knows
 * its CPU's cache (the kernel's kmalloc, through %gs) reaches it without a
 * call; only a cache that runs empty or full, a large object or another
 * node's comes here.
 *
 * A CPU's cache has no lock: only the code its CPU runs touches it, and
 * nothing may touch it while something else on that CPU is half-way
 * through (the kernel: interrupt context never does, mm/kmalloc_fast.h).
 */
#ifndef MEMINIT_MM_SLAB_H
#define MEMINIT_MM_SLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/spinlock.h"
#include "mm/list.h"

#define SLAB_PAGE_SIZE 4096u
#define SLAB_HEADER_SIZE 64u
#define SLAB_MIN_SHIFT 4 /* 16 bytes */
#define SLAB_CLASSES 7   /* 16, 32, ..., 1024 */
#define SLAB_MAX_OBJECT (1u << (SLAB_MIN_SHIFT + SLAB_CLASSES - 1))
#define SLAB_MAX_NODES 64
#define SLAB_CPU_OBJECTS 32 /* a CPU's cache per class */
#define SLAB_BATCH 16       /* objects moved between a CPU's cache and the slabs at once */

/* Header magics: what a page holds (the kernel's early stage adds its own). */
#define SLAB_MAGIC_SLAB 0x51ab51abu
#define SLAB_MAGIC_LARGE 0x1a86e000u

struct slab_ops {
	/* 2^@order pages, 4 KiB aligned, preferably on @node; NULL when none. */
	void *(*pages_alloc)(void *cookie, int node, unsigned order);
	void (*pages_free)(void *cookie, void *pages, unsigned order);
	/* The node @pages lie on (the allocator may have served another). */
	int (*pages_node)(void *cookie, const void *pages);
	unsigned (*this_cpu)(void *cookie);
	int (*cpu_node)(void *cookie, unsigned cpu);
	void *cookie;
};

/* The first 64 bytes of every slab page or large object. */
struct slab_header {
	uint32_t magic;
	uint16_t cls;   /* size class (slab) */
	uint16_t inuse; /* objects handed out (slab) */
	int16_t node;   /* where its page lies */
	int16_t home;   /* whose lists hold it: the node it was taken for (slab) */
	uint32_t order; /* pages of a large object: 2^order */
	void *freelist; /* free objects, linked through their first word (slab) */
	struct list_head link; /* in its node's partial or full list (slab) */
	uint64_t size;  /* bytes asked for (large) */
};
_Static_assert(sizeof(struct slab_header) <= SLAB_HEADER_SIZE, "a header fits its 64 bytes");

struct slab_node_class {
	struct spinlock lock;
	struct list_head partial, full; /* slabs with free objects; without */
	void *spare;                    /* one empty slab kept, so a free/alloc edge does not churn pages */
	uint64_t slabs;                 /* pages this class holds on this node */
};

struct slab_cpu_cache {
	int node;                      /* its CPU's node: only that node's objects enter */
	unsigned avail[SLAB_CLASSES];
	uint64_t served;               /* objects it handed out */
	void *objects[SLAB_CLASSES][SLAB_CPU_OBJECTS];
};

struct slab_allocator {
	struct slab_ops ops;
	unsigned node_count, cpu_count;
	struct slab_cpu_cache *cpus; /* cpu_count caches, the caller's storage */
	struct slab_node_class nodes[SLAB_MAX_NODES][SLAB_CLASSES];
	/* Counters, for records and tests (updated under the locks or atomically). */
	uint64_t slab_pages, large_pages, refills, flushes, remote_frees, failures;
	uint64_t served_uncached; /* objects handed out past the caches, large ones too (theirs: each cache's) */
};

/* Ready @a: @cpus caches for @cpu_count CPUs on @node_count nodes; no page taken yet. */
void slab_init(struct slab_allocator *a, const struct slab_ops *ops, unsigned node_count,
	       struct slab_cpu_cache *cpus, unsigned cpu_count);

/*
 * @size bytes on @node (-1: this CPU's), aligned to the class (at least 16)
 * or 64 for large; NULL if none. Through this CPU's cache (ops->this_cpu).
 */
void *slab_alloc(struct slab_allocator *a, size_t size, int node);

/* Give back what slab_alloc returned. False: @obj is not one of its objects (nothing done). */
bool slab_free(struct slab_allocator *a, void *obj);

/*
 * The same, for a caller that knows its CPU's cache @cc: through it when
 * @use_cache, else straight from and to the slabs under their lock (what
 * interrupt context must do, as the cache may be half-way through a pop
 * or push of the code it interrupted). @cc->node is "this CPU's node".
 */
void *slab_alloc_cpu(struct slab_allocator *a, struct slab_cpu_cache *cc, bool use_cache, size_t size,
		     int node);
bool slab_free_cpu(struct slab_allocator *a, struct slab_cpu_cache *cc, bool use_cache, void *obj);

/* The header of the page @obj lies in. */
static inline struct slab_header *slab_header_of(const void *obj)
{
	return (struct slab_header *)((uintptr_t)obj & ~(uintptr_t)(SLAB_PAGE_SIZE - 1));
}

/* Size classes by 16-byte steps: the class of n bytes is slab_class_table[(n + 15) / 16]. */
static const uint8_t slab_class_table[SLAB_MAX_OBJECT / 16 + 1] = {
	0, 0, 1, 2, 2, 3, 3, 3, 3,                                      /* 0-128 bytes */
	4, 4, 4, 4, 4, 4, 4, 4,                                         /* 129-256 */
	5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,                 /* 257-512 */
	6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,                 /* 513-1024 */
	6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
};
_Static_assert(SLAB_MIN_SHIFT == 4 && SLAB_CLASSES == 7, "slab_class_table's steps and classes");
_Static_assert(SLAB_CLASSES <= 8, "slab_object_class bounds a class with & 7");

/* The class of @size bytes (at most SLAB_MAX_OBJECT): one lookup, none for a constant size. */
static inline unsigned slab_class_of(size_t size)
{
	return slab_class_table[(size + 15) >> SLAB_MIN_SHIFT];
}

static inline size_t slab_class_size(unsigned cls)
{
	return (size_t)1 << (SLAB_MIN_SHIFT + cls);
}

/* Objects start at the first multiple of their size past the header. */
static inline size_t slab_first_object(unsigned cls)
{
	size_t size = slab_class_size(cls);

	return size > SLAB_HEADER_SIZE ? size : SLAB_HEADER_SIZE;
}

/*
 * The class of @obj if it is an object of a slab (not a large one, not
 * inside one, not the header); -1 if not. An offset that is a multiple of
 * the size and past the header is one of slab_first_object()'s.
 */
static inline int slab_object_class(const void *obj)
{
	const struct slab_header *h = slab_header_of(obj);
	uintptr_t off = (uintptr_t)obj & (SLAB_PAGE_SIZE - 1);

	unsigned cls = h->cls;

	/* One test of all four (| not ||: fewer branches inline in kfree); cls & 7 only bounds the shift. */
	if ((h->magic != SLAB_MAGIC_SLAB) | (cls >= SLAB_CLASSES) | (off < SLAB_HEADER_SIZE) |
	    ((off & (slab_class_size(cls & 7) - 1)) != 0))
		return -1;
	return (int)cls;
}

/* From @cc (its CPU's, untouched by anything else meanwhile): an object of class @cls, NULL if none. */
static inline void *slab_cache_pop(struct slab_cpu_cache *cc, unsigned cls)
{
	unsigned n = cc->avail[cls];

	if (!n)
		return NULL;
	cc->avail[cls] = n - 1;
	cc->served++;
	return cc->objects[cls][n - 1];
}

/* @obj, of class @cls and @cc's node, into @cc; false when it is full. */
static inline bool slab_cache_push(struct slab_cpu_cache *cc, unsigned cls, void *obj)
{
	unsigned n = cc->avail[cls];

	if (n == SLAB_CPU_OBJECTS)
		return false;
	cc->objects[cls][n] = obj;
	cc->avail[cls] = n + 1;
	return true;
}

/* Bytes usable at @obj (its class, or a large object's request); 0 if not an object. */
size_t slab_size_of(const void *obj);

/* Objects handed out and not freed, over all classes, nodes and CPU caches (slow: walks the lists). */
uint64_t slab_objects_in_use(struct slab_allocator *a);

/* Objects handed out so far, through the caches or past them. */
uint64_t slab_objects_served(const struct slab_allocator *a);

#endif
