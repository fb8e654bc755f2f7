// SPDX-License-Identifier: MIT
/* Chunks of a node's mem_map work, claimed lock-free (job.h). */
#include "strategies/job.h"

/*
 * Each thread takes about 16 chunks (padata takes 4): when one CPU runs out
 * of work the others are at most 1/16 of a share from done, and a claim
 * costs one atomic add, so small chunks are cheap.
 */
#define CHUNKS_PER_THREAD 16

uint64_t memmap_job_chunk_pages(uint64_t size, uint64_t align, uint64_t min_chunk, unsigned max_threads)
{
	uint64_t chunk = size / ((uint64_t)(max_threads ? max_threads : 1) * CHUNKS_PER_THREAD);

	if (chunk < min_chunk)
		chunk = min_chunk;
	chunk = (chunk + align - 1) & ~(align - 1);
	return chunk ? chunk : align;
}

void memmap_job_init(struct memmap_job *j, int node, uint64_t start, uint64_t end, uint64_t align,
		     uint64_t min_chunk, unsigned max_threads)
{
	j->node = node;
	j->start = start;
	j->end = end > start ? end : start;
	j->chunk = memmap_job_chunk_pages(j->end - start, align, min_chunk, max_threads);
	j->base = start & ~(align - 1);
	/* Chunk 0 is never empty: start - base < align <= chunk. */
	j->nr_chunks = j->end > start ? (j->end - j->base + j->chunk - 1) / j->chunk : 0;
	__atomic_store_n(&j->next, 0, __ATOMIC_RELEASE);
}

bool memmap_job_claim(struct memmap_job *j, uint64_t *start, uint64_t *end)
{
	uint64_t k;

	if (!memmap_job_has_work(j)) /* keep next from running far past nr_chunks */
		return false;
	k = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED);
	if (k >= j->nr_chunks)
		return false;
	*start = j->base + k * j->chunk;
	*end = *start + j->chunk;
	if (*start < j->start)
		*start = j->start;
	if (*end > j->end)
		*end = j->end;
	return true;
}
