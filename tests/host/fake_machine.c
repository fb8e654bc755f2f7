// SPDX-License-Identifier: MIT
/*
 * fake_machine - the shared fixture of the mem_map, buddy and verify host
 * tests; the API is described in fake_machine.h.
 */
#include "tests/host/fake_machine.h"

#include <string.h>

void fx_ram(struct fixture *f, unsigned node, uint64_t start, uint64_t end)
{
	struct numa_node *n = &f->topo.nodes[node];

	/* Each node's list grows as the test adds to it: no node has a fixed cap, as in numa_build. */
	n->ranges = realloc(n->ranges, (n->range_count + 1) * sizeof(*n->ranges));
	CHECK(n->ranges != NULL);
	n->ranges[n->range_count++] = (struct fw_mem_range){ start, end, FW_MEM_USABLE };
	if (node >= f->topo.node_count)
		f->topo.node_count = node + 1;
	memblock_add(&f->mb, start, end, (int)node);
}

void fx_reserve(struct fixture *f, uint64_t start, uint64_t end)
{
	memblock_reserve(&f->mb, start, end);
}

void fx_standard_ram(struct fixture *f)
{
	fx_ram(f, 0, 0, 0x9f000);
	fx_ram(f, 0, 1 * MiB, 64 * MiB);
	fx_ram(f, 1, 4 * GiB - 64 * MiB, 4 * GiB - 32 * MiB);
	fx_ram(f, 1, 4 * GiB - 16 * MiB, 4 * GiB + 32 * MiB);
	fx_ram(f, 2, 4 * GiB + 40 * MiB + 0x5000, 4 * GiB + 72 * MiB);
}

void fx_standard(struct fixture *f)
{
	fx_standard_ram(f);
	fx_reserve(f, 0, 1 * MiB);
	fx_reserve(f, 8 * MiB, 8 * MiB + 0x3000);
	fx_reserve(f, 16 * MiB - 0x2000, 16 * MiB + 0x1000);
	fx_reserve(f, 0x2345000, 0x2389000);
	fx_reserve(f, 4 * GiB - 60 * MiB + 0x100, 4 * GiB - 60 * MiB + 0x200);
	fx_reserve(f, 4 * GiB - 24 * MiB, 4 * GiB - 23 * MiB);
	fx_reserve(f, 4 * GiB + 1 * MiB, 4 * GiB + 1 * MiB + 0x7000);
	fx_reserve(f, 4 * GiB + 40 * MiB + 0x3000, 4 * GiB + 40 * MiB + 0x6000);
	fx_reserve(f, 4 * GiB + 72 * MiB - 0x1000, 4 * GiB + 72 * MiB);
}

void fx_topology(struct fixture *f)
{
	struct numa_topology *t = &f->topo;

	for (unsigned i = 0; i < t->node_count; i++) {
		struct numa_node *n = &t->nodes[i];

		n->pxm = i;
		n->pages = 0;
		for (unsigned r = 0; r < n->range_count; r++)
			n->pages += (n->ranges[r].end - n->ranges[r].start) / PAGE_SIZE;
		n->start_pfn = n->range_count ? n->ranges[0].start / PAGE_SIZE : 0;
		n->end_pfn = n->range_count ? n->ranges[n->range_count - 1].end / PAGE_SIZE : 0;
		for (unsigned j = 0; j < t->node_count; j++)
			if (!t->distance[i][j])
				t->distance[i][j] = i == j ? 10 : 20;
	}
	t->source = "fake";
}

void fx_setup(struct fixture *f)
{
	fx_topology(f);
	for (unsigned n = 0; n < f->topo.node_count; n++) {
		uint64_t bytes = memmap_node_bytes(&f->topo, n);

		f->maps[n] = bytes ? aligned_alloc(64, bytes) : NULL;
		if (bytes)
			memset(f->maps[n], GARBAGE, bytes);
	}
	f->sections = aligned_alloc(64, (memmap_section_table_bytes(&f->topo) + 64) & ~63ull);
	memmap_setup(&f->mm, &f->topo, &f->mb, f->sections);
	/* Each stretch of present sections: its slice of the node's array (the rest stays garbage). */
	for (unsigned n = 0; n < f->topo.node_count; n++) {
		struct memmap_extent x;

		for (uint64_t pfn = 0; memmap_next_extent(&f->mm, (int)n, pfn, f->mm.max_pfn, &x);
		     pfn = x.end_pfn)
			memmap_add_storage(&f->mm, x.start_pfn, x.end_pfn,
					   f->maps[n] + (x.start_pfn - f->topo.nodes[n].start_pfn));
	}
}

void fx_garbage(struct fixture *f)
{
	for (unsigned n = 0; n < f->topo.node_count; n++)
		if (f->maps[n])
			memset(f->maps[n], GARBAGE, memmap_node_bytes(&f->topo, n));
}

void fx_init_all(struct fixture *f)
{
	for (unsigned n = 0; n < f->mm.node_count; n++)
		memmap_init_range(&f->mm, (int)n, f->mm.nodes[n].start_pfn, f->mm.nodes[n].end_pfn);
}

void fx_free(struct fixture *f)
{
	for (unsigned n = 0; n < MAX_NODES; n++) {
		free(f->maps[n]);
		free(f->topo.nodes[n].ranges);
	}
	free(f->sections);
	free(f);
}

/* ---- the reference ------------------------------------------------------------ */

enum page_run_kind ref_kind(const struct fixture *f, unsigned node, uint64_t pfn)
{
	const struct numa_node *n = &f->topo.nodes[node];
	bool ram = false;

	for (unsigned r = 0; r < n->range_count; r++)
		if (pfn >= n->ranges[r].start / PAGE_SIZE && pfn < n->ranges[r].end / PAGE_SIZE)
			ram = true;
	if (!ram)
		return RUN_HOLE;
	for (size_t i = 0; i < f->mb.reserved.count; i++)
		if (f->mb.reserved.regions[i].start < (pfn + 1) * PAGE_SIZE &&
		    f->mb.reserved.regions[i].end > pfn * PAGE_SIZE)
			return RUN_RESERVED;
	return RUN_FREE;
}

uint8_t *ref_kinds(const struct fixture *f, unsigned node)
{
	const struct numa_node *n = &f->topo.nodes[node];
	uint8_t *k = malloc(n->end_pfn - n->start_pfn + 1);

	for (uint64_t pfn = n->start_pfn; pfn < n->end_pfn; pfn++)
		k[pfn - n->start_pfn] = (uint8_t)ref_kind(f, node, pfn);
	return k;
}

/* ---- snapshots ------------------------------------------------------------------ */

void snap_take(const struct fixture *f, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned n = 0; n < f->topo.node_count; n++) {
		uint64_t bytes = memmap_node_bytes(&f->topo, n);

		s->maps[n] = bytes ? malloc(bytes) : NULL;
		if (bytes)
			memcpy(s->maps[n], f->maps[n], bytes);
	}
}

bool snap_same(const struct fixture *f, const struct snapshot *s)
{
	for (unsigned n = 0; n < f->topo.node_count; n++) {
		uint64_t bytes = memmap_node_bytes(&f->topo, n);

		if (bytes && memcmp(s->maps[n], f->maps[n], bytes) != 0)
			return false;
	}
	return true;
}

void snap_free(struct snapshot *s)
{
	for (unsigned n = 0; n < MAX_NODES; n++)
		free(s->maps[n]);
}

/* ---- chunks --------------------------------------------------------------------- */

void fx_init_chunks(struct fixture *f, const struct chunk *c, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		memmap_init_range(&f->mm, (int)c[i].node, c[i].start, c[i].end);
}
