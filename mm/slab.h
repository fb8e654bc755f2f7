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
 * the host tests run it on malloc'd pages and threads.
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
	unsigned avail[SLAB_CLASSES];
	void *objects[SLAB_CLASSES][SLAB_CPU_OBJECTS];
};

struct slab_allocator {
	struct slab_ops ops;
	unsigned node_count, cpu_count;
	struct slab_cpu_cache *cpus; /* cpu_count caches, the caller's storage */
	struct slab_node_class nodes[SLAB_MAX_NODES][SLAB_CLASSES];
	/* Counters, for records and tests (updated under the locks or atomically). */
	uint64_t slab_pages, large_pages, refills, flushes, remote_frees, failures;
};

/* Ready @a: @cpus caches for @cpu_count CPUs on @node_count nodes; no page taken yet. */
void slab_init(struct slab_allocator *a, const struct slab_ops *ops, unsigned node_count,
	       struct slab_cpu_cache *cpus, unsigned cpu_count);

/* @size bytes on @node (-1: this CPU's), aligned to the class (at least 16) or 64 for large; NULL if none. */
void *slab_alloc(struct slab_allocator *a, size_t size, int node);

/* Give back what slab_alloc returned. False: @obj is not one of its objects (nothing done). */
bool slab_free(struct slab_allocator *a, void *obj);

/* The header of the page @obj lies in. */
static inline struct slab_header *slab_header_of(const void *obj)
{
	return (struct slab_header *)((uintptr_t)obj & ~(uintptr_t)(SLAB_PAGE_SIZE - 1));
}

/* Bytes usable at @obj (its class, or a large object's request); 0 if not an object. */
size_t slab_size_of(const void *obj);

/* Objects handed out and not freed, over all classes, nodes and CPU caches (slow: walks the lists). */
uint64_t slab_objects_in_use(struct slab_allocator *a);

#endif
