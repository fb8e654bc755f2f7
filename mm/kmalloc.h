/* SPDX-License-Identifier: MIT */
/*
 * kmalloc - one allocator API for the whole boot, as the seed thread asked:
 * "no bootmem_alloc() at all, but just have a regular alloc()" that knows
 * how early in the boot it is, so no caller has to.
 *
 * kmalloc(size, node) and kfree(p) work from the first line of kmain to the
 * end. Behind them the boot moves through stages, each switched once, in
 * one place (kmalloc_advance), the way the alternatives code patches a call
 * site once: a pointer to the stage's ops changes, never a caller.
 *
 *   image     from the first line: whole pages of a static arena in the
 *             kernel image (nothing else exists yet)
 *   memblock  once the memory map is read: whole pages from memblock, on
 *             the node asked for; and, after the mem_map's layout froze
 *             memblock, the image arena again, until
 *   slab      once the buddy allocator holds every page for good: the slab
 *             allocator (mm/slab.h) on the buddy allocator, per node, with
 *             a per-CPU cache of objects
 *
 * The stage is one variable, tested where kmalloc and kfree begin: in the
 * slab stage the common case (a small object for this CPU's node, from or
 * to its cache) is inline, mm/kmalloc_fast.h; everything else goes out of
 * line to the stage's allocator.
 *
 * Every object carries a header at the start of its page (mm/slab.h's
 * layout), so kfree needs no size and knows who served it. An object the
 * memblock stage served and kfree() gives back after the switch returns
 * its pages to the buddy allocator (Linux's free_bootmem_late) once the
 * whole mem_map is written and verified; one freed before that waits.
 */
#ifndef MEMINIT_MM_KMALLOC_H
#define MEMINIT_MM_KMALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kmalloc_stage { KMALLOC_IMAGE, KMALLOC_MEMBLOCK, KMALLOC_FROZEN, KMALLOC_SLAB, KMALLOC_STAGES };

/* @size bytes on @node (-1: any, the calling CPU's when that means something); NULL if none. */
static inline void *kmalloc(size_t size, int node);
/* kmalloc, zeroed. */
void *kzalloc(size_t size, int node);
/* Give back what kmalloc returned (NULL: nothing). */
static inline void kfree(void *p);

/*
 * Early objects freed so far go back to the buddy allocator, and any freed
 * from now on at once: call when every struct page is written for good and
 * verified (a page given back earlier could be one that deferred init has
 * yet to write, and would change what verification and the digest see).
 */
void kmalloc_return_early(void);

/*
 * The whole pages inside [start, end) (physical), reserved in memblock and
 * needed only during boot (a copy of firmware data, the AP trampoline),
 * go back to the buddy allocator with the early objects: at
 * kmalloc_return_early(), or at once after it. Counted under @what (a
 * string that lives forever; one per kind).
 */
void give_back_late(uint64_t start, uint64_t end, const char *what);
/* What was given back late, by kind: fills up to @max pairs, returns how many. */
unsigned kmalloc_returned_late(const char **what, uint64_t *bytes, unsigned max);

/*
 * Before memblock freezes, after the CPUs have their ids: the slab stage's
 * allocator and per-CPU caches for @cpu_count CPUs (ids below it; at least
 * every CPU with an id), each CPU's reachable through its per-CPU area.
 */
void kmalloc_prepare_slab(unsigned cpu_count);

/* Move on to @stage (never back); the stage's moment is recorded. */
void kmalloc_advance(enum kmalloc_stage stage);
enum kmalloc_stage kmalloc_stage(void);

struct kmalloc_stats {
	uint64_t stage_ns[KMALLOC_STAGES]; /* when each stage began (0: not reached) */
	uint64_t first_slab_ns;            /* the first object the slab stage served; 0: none yet */
	uint64_t served[KMALLOC_STAGES];   /* objects each stage handed out */
	uint64_t image_bytes_used;         /* of the arena */
	uint64_t returned_late_bytes;      /* early pages given to the buddy allocator by kfree after the switch */
	uint64_t failures;
};
const struct kmalloc_stats *kmalloc_stats(void);

/* The slab stage's allocator, for self-tests (its counters, objects in use). */
struct slab_allocator *kmalloc_slab(void);

#include "mm/kmalloc_fast.h"

#endif
