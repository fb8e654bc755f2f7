// SPDX-License-Identifier: MIT
#include "smp/percpu_area.h"

#include "arch/x86_64/paging.h"
#include "arch/x86_64/spinlock.h"
#include "arch/x86_64/string.h"
#include "init/record.h"
#include "mm/buddy.h"
#include "mm/kmalloc.h"
#include "mm/memblock.h"
#include "mm/memmap_boot.h"
#include "smp/topology.h"
#include "smp/percpu_alloc.h"

_Static_assert(PERCPU_UNIT_SIZE == PERCPU_STATIC_SIZE + PERCPU_DYNAMIC_MAX,
	       "a unit is its static page and the largest dynamic region");
_Static_assert(PERCPU_STATIC_SIZE == SIZE_2M, "the static part is one 2 MiB page");

static struct percpu_map map;
static struct spinlock map_lock; /* around the map and populate: any CPU may allocate */
static unsigned unit_count;      /* 0 until percpu_dynamic_init opens the region */
static uint64_t tails_bytes;
static uint64_t static_page_size[MAX_CPUS]; /* how each unit's static part is mapped; 0: no unit */

static uint64_t unit_start(unsigned cpu)
{
	return PERCPU_VMA + (uint64_t)cpu * PERCPU_UNIT_SIZE;
}

/*
 * The static part's RAM on @node: a whole 2 MiB page, 2 MiB aligned, whose
 * tail past @kept goes back late; or, where the node has no such page (nodes
 * smaller than 2 MiB, or cut into pieces smaller than that), just @kept
 * bytes of it, mapped with 4 KiB pages and no tail: on its node beats one
 * TLB entry. memblock falls back to the nearest node only when @node has
 * not even that. Sets *@page_size to the mapping's page.
 */
static uint64_t static_part(int node, uint64_t kept, uint64_t *page_size)
{
	int got;
	uint64_t phys = memblock_alloc_on(&boot_memblock, PERCPU_STATIC_SIZE, PERCPU_STATIC_SIZE, node, 0, &got);

	*page_size = PERCPU_STATIC_SIZE;
	if (phys && got == node)
		return phys;
	if (phys)
		memblock_free(&boot_memblock, phys, phys + PERCPU_STATIC_SIZE); /* off its node: try smaller on it */
	*page_size = PERCPU_PAGE_SIZE;
	return memblock_alloc(&boot_memblock, kept, PERCPU_PAGE_SIZE, node, 0);
}

struct percpu *percpu_unit_create(unsigned cpu, int node, uint64_t static_bytes, uint64_t *phys)
{
	uint64_t kept = (static_bytes + PERCPU_PAGE_SIZE - 1) & ~(PERCPU_PAGE_SIZE - 1);
	uint64_t page, page_size;

	if (cpu >= MAX_CPUS || kept > PERCPU_STATIC_SIZE)
		return NULL;
	page = static_part(node, kept, &page_size);
	if (!page)
		return NULL;
	paging_map_percpu_unit(unit_start(cpu), page, page_size == PERCPU_STATIC_SIZE ? PERCPU_STATIC_SIZE : kept,
			       page_size, PERCPU_DYNAMIC_MAX);
	static_page_size[cpu] = page_size;
	if (page_size == PERCPU_STATIC_SIZE) {
		/*
		 * The tail goes to the buddy allocator at the end of boot, and the
		 * 2 MiB mapping keeps covering it: nothing reaches those addresses
		 * through the unit (the static data ends before them, the dynamic
		 * region starts at the next 2 MiB), so the page's new owner is alone
		 * in using it, through the direct map. One large TLB entry stays.
		 */
		give_back_late(page + kept, page + PERCPU_STATIC_SIZE, "percpu_tails");
		tails_bytes += PERCPU_STATIC_SIZE - kept;
	}
	*phys = page;
	return (struct percpu *)unit_start(cpu);
}

uint64_t percpu_static_page_size(unsigned cpu)
{
	return cpu < MAX_CPUS ? static_page_size[cpu] : 0;
}

/*
 * A 4 KiB page on @node: memblock's before the mem_map is laid out, the
 * buddy allocator's once it holds every page (kmalloc's stages tell which);
 * none in between, when memblock's reservations are the layout. Not zeroed
 * here: alloc_percpu() zeroes what it hands out, and nothing reads the rest.
 */
static uint64_t dynamic_page(int node)
{
	uint64_t phys = 0;

	if (kmalloc_stage() == KMALLOC_MEMBLOCK) {
		phys = memblock_alloc(&boot_memblock, PERCPU_PAGE_SIZE, PERCPU_PAGE_SIZE, node, 0);
	} else if (kmalloc_stage() == KMALLOC_SLAB) {
		struct page *p = alloc_pages(&boot_buddy, node, 0);

		phys = p ? page_to_pfn(&boot_memmap, p) << PAGE_SHIFT : 0;
	}
	return phys;
}

/* percpu_populate_fn: back pages [first, first + count) of every unit, each on its CPU's node. */
static bool populate(void *cookie, uint64_t first, uint64_t count)
{
	(void)cookie;
	for (unsigned cpu = 0; cpu < unit_count; cpu++)
		for (uint64_t page = first; page < first + count; page++) {
			uint64_t virt = unit_start(cpu) + page * PERCPU_PAGE_SIZE, phys;

			if (paging_lookup(virt) != UINT64_MAX)
				continue; /* backed by an attempt that failed on a later CPU */
			phys = dynamic_page(cpu_node(cpu));
			if (!phys)
				return false; /* the map retries these pages with the next allocation that needs them */
			paging_map_percpu_page(virt, phys);
		}
	return true;
}

void percpu_dynamic_init(unsigned cpu_count)
{
	for (unsigned cpu = 0; cpu < cpu_count; cpu++)
		if (!cpu_area[cpu] || (uint64_t)cpu_area[cpu] != unit_start(cpu)) {
			record_errorf("percpu", "alloc_percpu() refuses every allocation",
				      "CPU %u has no per-CPU unit (no memory left for it)", cpu);
			return;
		}
	if (percpu_map_init(&map, PERCPU_DYNAMIC_MAX, populate, NULL))
		unit_count = cpu_count;
}

uint64_t alloc_percpu(uint64_t size, uint64_t align)
{
	unsigned long flags;
	uint64_t off;

	if (!unit_count)
		return 0;
	flags = spin_lock_irqsave(&map_lock);
	off = percpu_alloc(&map, size, align);
	spin_unlock_irqrestore(&map_lock, flags);
	/* Zeroed in every unit, as a fresh allocation should be: its units may hold a freed one's data. */
	for (unsigned cpu = 0; off && cpu < unit_count; cpu++)
		memset(per_cpu_ptr(off, cpu), 0, size);
	return off;
}

void free_percpu(uint64_t off)
{
	unsigned long flags;

	if (!off || !unit_count)
		return;
	flags = spin_lock_irqsave(&map_lock);
	percpu_free(&map, off);
	spin_unlock_irqrestore(&map_lock, flags);
}

int percpu_page_node(uint64_t off, unsigned cpu)
{
	uint64_t phys = paging_lookup((uint64_t)per_cpu_ptr(off, cpu));

	return phys == UINT64_MAX ? -1 : numa_node_of_addr(&numa, phys);
}

void percpu_area_stats(struct percpu_area_stats *out)
{
	unsigned long flags = spin_lock_irqsave(&map_lock);

	*out = (struct percpu_area_stats){
		.cpu_count = unit_count, .tails_bytes = tails_bytes, .allocations = map.allocations,
		.bytes_in_use = map.bytes_in_use, .pages_populated = map.pages_populated,
		.failed_allocs = map.failed_allocs, .refused_frees = map.refused_frees,
	};
	spin_unlock_irqrestore(&map_lock, flags);
}
