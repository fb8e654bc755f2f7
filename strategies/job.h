/* SPDX-License-Identifier: MIT */
/*
 * job - one node's mem_map work, cut into chunks that CPUs claim.
 *
 * Described like Linux's padata_mt_job: the work is [start, start + size)
 * in pfns; chunks are at least min_chunk pages, about size / (16 *
 * max_threads) so that a slow (or, under TCG, descheduled) CPU holds back
 * at most a sixteenth of one thread's share; every boundary between two
 * chunks is a multiple of align. With align = MAX_ORDER_NR_PAGES no buddy
 * block can straddle two chunks, so any split builds the blocks one CPU
 * would have built.
 *
 * Claiming is one atomic increment: every chunk is handed out exactly
 * once, to whichever CPU asks first, lock-free. Pure C (host-tested).
 */
#ifndef MEMINIT_STRATEGIES_JOB_H
#define MEMINIT_STRATEGIES_JOB_H

#include <stdbool.h>
#include <stdint.h>

struct memmap_job {
	int node;
	uint64_t start, end;      /* pfns [start, end) */
	uint64_t chunk;           /* pages per chunk, a multiple of align */
	uint64_t base;            /* start rounded down to align: chunk k is
				     [base + k * chunk, base + (k + 1) * chunk) clipped to [start, end) */
	uint64_t nr_chunks;
	volatile uint64_t next;   /* the next chunk index to hand out */
};

/* Pages per chunk for @size pages shared by @max_threads (>= 1): a multiple of @align (a power of 2). */
uint64_t memmap_job_chunk_pages(uint64_t size, uint64_t align, uint64_t min_chunk, unsigned max_threads);

/* Describe node @node's pfns [start, end); nothing is claimed yet. */
void memmap_job_init(struct memmap_job *j, int node, uint64_t start, uint64_t end, uint64_t align,
		     uint64_t min_chunk, unsigned max_threads);

/* Claim the next chunk: true with [*start, *end), false when all are handed out. Any CPU. */
bool memmap_job_claim(struct memmap_job *j, uint64_t *start, uint64_t *end);

/* Chunks not yet handed out (a hint: another CPU may claim them next). */
static inline bool memmap_job_has_work(const struct memmap_job *j)
{
	return __atomic_load_n(&j->next, __ATOMIC_RELAXED) < j->nr_chunks;
}

#endif
