// SPDX-License-Identifier: MIT
#include "mm/kmalloc.h"

#include "arch/x86_64/paging.h"
#include "arch/x86_64/string.h"
#include "arch/x86_64/tsc.h"
#include "mm/memblock.h"
#include "mm/memmap_boot.h"
#include "mm/slab.h"
#include "smp/percpu.h"
#include "smp/smp.h"

/* Headers of what the early stages served (mm/slab.h's layout; slab's own magics beside). */
#define KMALLOC_MAGIC_IMAGE 0x1a4a6e00u
#define KMALLOC_MAGIC_EARLY 0xea71b10cu

/*
 * The object the switch to the slab stage takes and frees at once, so the
 * first slab object is timed: page-sized, so it goes straight back to the
 * buddy allocator and nothing stays cached (what verification and the
 * digest see does not depend on where the strategy left the free pages).
 */
#define SLAB_PROBE_SIZE (SLAB_PAGE_SIZE / 2)

/* The arena of the image stage: whole pages, first fit, reused when freed. */
#define IMAGE_ARENA_PAGES 16

static _Alignas(SLAB_PAGE_SIZE) uint8_t image_arena[IMAGE_ARENA_PAGES * SLAB_PAGE_SIZE];
static bool image_page_used[IMAGE_ARENA_PAGES];

static struct kmalloc_stats stats;
static struct slab_allocator slab;

/*
 * Early objects freed before the switch: their pages go back when the buddy
 * allocator can take them. Linked through their own headers (a large
 * object's list link is otherwise unused), so no count of them is too many.
 */
static struct list_head pending_early = { &pending_early, &pending_early };
/* Set once every struct page is written for good (kmalloc_return_early). */
static bool early_returnable;

static unsigned pages_for(size_t size)
{
	return (unsigned)((size + SLAB_HEADER_SIZE + SLAB_PAGE_SIZE - 1) / SLAB_PAGE_SIZE);
}

static void *with_header(void *pages, uint32_t magic, size_t size, unsigned count, int node)
{
	struct slab_header *h = pages;

	*h = (struct slab_header){ .magic = magic, .order = count, .size = size, .node = (int16_t)node };
	return (uint8_t *)pages + SLAB_HEADER_SIZE;
}

static void *image_alloc(size_t size, int node)
{
	unsigned count = pages_for(size);

	(void)node;
	for (unsigned i = 0; i + count <= IMAGE_ARENA_PAGES; i++) {
		unsigned j = 0;

		while (j < count && !image_page_used[i + j])
			j++;
		if (j < count) {
			i += j;
			continue;
		}
		for (j = 0; j < count; j++)
			image_page_used[i + j] = true;
		stats.image_bytes_used += (uint64_t)count * SLAB_PAGE_SIZE;
		return with_header(image_arena + (size_t)i * SLAB_PAGE_SIZE, KMALLOC_MAGIC_IMAGE, size, count, 0);
	}
	return NULL;
}

static void image_free(struct slab_header *h)
{
	unsigned first = (unsigned)(((uint8_t *)h - image_arena) / SLAB_PAGE_SIZE);

	for (unsigned j = 0; j < h->order; j++)
		image_page_used[first + j] = false;
	stats.image_bytes_used -= (uint64_t)h->order * SLAB_PAGE_SIZE;
	h->magic = 0;
}

static void *memblock_stage_alloc(size_t size, int node)
{
	unsigned count = pages_for(size);
	int got = NUMA_NO_NODE;
	uint64_t phys = memblock_alloc_on(&boot_memblock, (uint64_t)count * SLAB_PAGE_SIZE, SLAB_PAGE_SIZE,
					  node, 0, &got);

	return phys ? with_header(phys_to_virt(phys), KMALLOC_MAGIC_EARLY, size, count, got) : NULL;
}

/* The slab stage's own path past the inline one: a CPU's cache empty, a large object, another node's. */
static void *slab_stage_alloc(size_t size, int node)
{
	struct percpu *cpu = this_cpu();
	void *p = slab_alloc_cpu(&slab, cpu->slab_cache, cpu->irq_depth == 0, size, node);

	/* The first object always comes this way: a cache holds only what this path put there. */
	if (p && !stats.first_slab_ns)
		stats.first_slab_ns = time_ns();
	return p;
}

enum kmalloc_stage kmalloc_current_stage = KMALLOC_IMAGE;

void *kmalloc_slow(size_t size, int node)
{
	enum kmalloc_stage served_by = __atomic_load_n(&kmalloc_current_stage, __ATOMIC_ACQUIRE);
	void *p;

	switch (served_by) {
	case KMALLOC_MEMBLOCK:
		p = memblock_stage_alloc(size, node);
		break;
	case KMALLOC_SLAB:
		p = slab_stage_alloc(size, node); /* counted by the slab allocator */
		break;
	default: /* the image, and frozen: memblock's reservations are the mem_map's layout now */
		p = image_alloc(size, node);
		break;
	}
	if (!p) {
		__atomic_add_fetch(&stats.failures, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	if (served_by != KMALLOC_SLAB)
		__atomic_add_fetch(&stats.served[served_by], 1, __ATOMIC_RELAXED);
	return p;
}

void *kzalloc(size_t size, int node)
{
	void *p = kmalloc(size, node);

	if (p)
		memset(p, 0, size);
	return p;
}

/* What was given back late, by what it was: a handful of kinds. */
#define LATE_KINDS 8
static struct {
	const char *what;
	uint64_t bytes;
} late_kinds[LATE_KINDS];

static void count_late(const char *what, uint64_t bytes)
{
	for (unsigned i = 0; i < LATE_KINDS; i++)
		if (!late_kinds[i].what || late_kinds[i].what == what) {
			late_kinds[i].what = what;
			late_kinds[i].bytes += bytes;
			break;
		}
	stats.returned_late_bytes += bytes;
}

/* Every page of [start, end) a reserved page of RAM in the mem_map: one that may be given back. */
static bool reserved_ram(uint64_t start, uint64_t end)
{
	for (uint64_t pfn = start; pfn < end; pfn++) {
		const struct page *p = pfn_to_page(&boot_memmap, pfn);

		if (!p || (p->flags & (PG_reserved | PG_hole)) != PG_reserved)
			return false;
	}
	return true;
}

/*
 * Free_bootmem_late: the pages [start, end) become free struct pages handed
 * to the buddy allocator, and memblock forgets the reservation, so the
 * mem_map and the layout it was written from agree.
 */
static void give_back_pages(uint64_t start, uint64_t end, const char *what)
{
	if (!reserved_ram(start, end))
		return; /* outside the mem_map, or already the buddy allocator's: not ours to give */
	memblock_free(&boot_memblock, start << PAGE_SHIFT, end << PAGE_SHIFT);
	for (uint64_t pfn = start; pfn < end; pfn++) {
		struct page *p = pfn_to_page(&boot_memmap, pfn);
		int node = page_node(p);

		*p = memmap_initial_page(node, zone_of_pfn(pfn), RUN_FREE);
		p->init_gen = boot_memmap.generation;
		list_init(&p->lru);
	}
	for (uint64_t pfn = start; pfn < end;) { /* one call per zone */
		uint64_t stop = zone_end_pfn(pfn) < end ? zone_end_pfn(pfn) : end;

		free_range_to_buddy(&boot_buddy, page_node(pfn_to_page(&boot_memmap, pfn)), pfn, stop);
		pfn = stop;
	}
	count_late(what, (end - start) << PAGE_SHIFT);
}

static const char EARLY_OBJECTS[] = "early_objects";

static void give_back_early(struct slab_header *h)
{
	uint64_t start = virt_to_phys(h) >> PAGE_SHIFT;

	give_back_pages(start, start + h->order, EARLY_OBJECTS);
}

/* Ranges handed to give_back_late() before the buddy allocator could take them: one per CPU's per-CPU tail. */
#define LATE_RANGES_MAX (16 + MAX_CPUS)
struct late_range {
	uint64_t start_pfn, end_pfn;
	const char *what;
};
static struct late_range late_ranges[LATE_RANGES_MAX];
static unsigned late_range_count;

void give_back_late(uint64_t start, uint64_t end, const char *what)
{
	uint64_t first = (start + PAGE_SIZE - 1) >> PAGE_SHIFT, last = end >> PAGE_SHIFT; /* whole pages inside */

	if (first >= last)
		return;
	if (early_returnable)
		give_back_pages(first, last, what);
	else if (late_range_count < LATE_RANGES_MAX)
		late_ranges[late_range_count++] = (struct late_range){ first, last, what };
}

unsigned kmalloc_returned_late(const char **what, uint64_t *bytes, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < LATE_KINDS && late_kinds[i].what && n < max; i++, n++) {
		what[n] = late_kinds[i].what;
		bytes[n] = late_kinds[i].bytes;
	}
	return n;
}

void kfree_slow(void *p)
{
	struct slab_header *h = slab_header_of(p);

	if (!p)
		return;
	if (h->magic == KMALLOC_MAGIC_IMAGE && (uint8_t *)p == (uint8_t *)h + SLAB_HEADER_SIZE) {
		image_free(h);
	} else if (h->magic == KMALLOC_MAGIC_EARLY && (uint8_t *)p == (uint8_t *)h + SLAB_HEADER_SIZE) {
		if (early_returnable)
			give_back_early(h);
		else
			list_add(&h->link, &pending_early); /* memblock never frees: it waits for the whole mem_map */
	} else if (kmalloc_current_stage == KMALLOC_SLAB) {
		struct percpu *cpu = this_cpu();

		slab_free_cpu(&slab, cpu->slab_cache, cpu->irq_depth == 0, p);
	}
}

/* ---- the slab stage's pages: the buddy allocator's ---- */

static void *buddy_pages_alloc(void *cookie, int node, unsigned order)
{
	struct page *p = alloc_pages(&boot_buddy, node, order);

	(void)cookie;
	return p ? phys_to_virt(page_to_pfn(&boot_memmap, p) << PAGE_SHIFT) : NULL;
}

static void buddy_pages_free(void *cookie, void *pages, unsigned order)
{
	(void)cookie;
	free_pages(&boot_buddy, pfn_to_page(&boot_memmap, virt_to_phys(pages) >> PAGE_SHIFT), order);
}

static int buddy_pages_node(void *cookie, const void *pages)
{
	(void)cookie;
	return page_node(pfn_to_page(&boot_memmap, virt_to_phys(pages) >> PAGE_SHIFT));
}

static unsigned slab_this_cpu(void *cookie)
{
	(void)cookie;
	return smp_processor_id();
}

static int slab_cpu_node(void *cookie, unsigned cpu)
{
	(void)cookie;
	return cpu_node(cpu);
}

static const struct slab_ops buddy_slab_ops = {
	.pages_alloc = buddy_pages_alloc, .pages_free = buddy_pages_free, .pages_node = buddy_pages_node,
	.this_cpu = slab_this_cpu, .cpu_node = slab_cpu_node,
};

/*
 * The CPUs' caches of objects: from memblock while it still serves, one per
 * CPU there is, each CPU's reached through its per-CPU area. The allocator
 * is ready here too (it takes no page before the switch): the switch
 * itself, when memory has just become usable, only publishes the stage.
 */
static struct slab_cpu_cache *cpu_caches;

void kmalloc_prepare_slab(unsigned cpu_count)
{
	uint64_t phys;

	if (cpu_count < nr_cpus)
		cpu_count = nr_cpus; /* every CPU with an id has one: the inline path does not test for it */
	phys = memblock_alloc(&boot_memblock, cpu_count * sizeof(*cpu_caches), 64, NUMA_NO_NODE, 0);
	if (!phys)
		return; /* kmalloc stays in the stage it is in: the arena keeps serving */
	cpu_caches = phys_to_virt(phys);
	slab_init(&slab, &buddy_slab_ops, boot_memmap.node_count, cpu_caches, cpu_count);
	for (unsigned cpu = 0; cpu < nr_cpus; cpu++)
		cpu_area[cpu]->slab_cache = &cpu_caches[cpu];
}

void kmalloc_return_early(void)
{
	if (kmalloc_current_stage != KMALLOC_SLAB)
		return;
	early_returnable = true;
	while (!list_empty(&pending_early)) {
		struct slab_header *h = container_of(pending_early.next, struct slab_header, link);

		list_del_init(&h->link);
		give_back_early(h);
	}
	while (late_range_count) {
		late_range_count--;
		give_back_pages(late_ranges[late_range_count].start_pfn, late_ranges[late_range_count].end_pfn,
				late_ranges[late_range_count].what);
	}
}

void kmalloc_advance(enum kmalloc_stage next)
{
	if (next <= kmalloc_current_stage || next >= KMALLOC_STAGES)
		return;
	if (next == KMALLOC_SLAB && !cpu_caches)
		return;
	stats.stage_ns[next] = time_ns();
	/* The one switch: every kmalloc from here, on any CPU, is the new stage's. */
	__atomic_store_n(&kmalloc_current_stage, next, __ATOMIC_RELEASE);
	if (next == KMALLOC_SLAB) /* the switch proves itself: one object through slab and buddy */
		kfree(kmalloc(SLAB_PROBE_SIZE, -1));
}

enum kmalloc_stage kmalloc_stage(void)
{
	return kmalloc_current_stage;
}

const struct kmalloc_stats *kmalloc_stats(void)
{
	if (kmalloc_current_stage == KMALLOC_SLAB)
		stats.served[KMALLOC_SLAB] = slab_objects_served(&slab);
	return &stats;
}

struct slab_allocator *kmalloc_slab(void)
{
	return &slab;
}
