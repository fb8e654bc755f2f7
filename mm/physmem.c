// SPDX-License-Identifier: MIT
#include "mm/physmem.h"

#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/string.h"
#include "init/params.h"
#include "init/record.h"
#include "mm/kmalloc.h"
#include "mm/memblock.h"

#define LOW_MEMORY_END 0x100000 /* BIOS data, EBDA, option ROMs; and the AP trampoline later */
/* The boot tables map the first 4 GiB: early tables must live there. */
#define EARLY_MAPPED_END (4ull << 30)
/* A map this short normalizes in the kernel image; a longer one gets a table in RAM. */
#define STATIC_TABLE_RANGES 1024

struct physmem physmem;
static struct fw_mem_range static_table[STATIC_TABLE_RANGES];

extern const char __kernel_phys_start[], __kernel_phys_end[];

static void report_repairs(const struct fwmap_repairs *r)
{
	/* Page-clipping usable ranges is routine (firmware ends RAM at 0x9fc00), not an error. */
	if (r->overlaps)
		record_errorf("memory map", "stricter type kept where ranges overlap",
			      "%u overlapping ranges", r->overlaps);
	if (r->zero_length)
		record_errorf("memory map", "dropped", "%u zero-length ranges", r->zero_length);
	if (r->beyond_limit)
		record_errorf("memory map", "cut at 2^52", "%u ranges beyond the physical address limit",
			      r->beyond_limit);
	if (r->unknown_type)
		record_errorf("memory map", "treated as reserved", "%u ranges of unknown type",
			      r->unknown_type);
	if (r->dropped)
		record_errorf("memory map", "dropped", "%u ranges did not fit the kernel's table",
			      r->dropped);
}

static struct carve_list carve_requests;

static const char *set_memmap(const char *value)
{
	return carve_parse(&carve_requests, value);
}
PARAM("memmap", set_memmap,
      "SIZE$START[,...]: take a range out of RAM, as Linux's memmap= (each occurrence adds)");

static bool overlaps(const struct fw_mem_range *r, uint64_t start, uint64_t end)
{
	return r->start < end && start < r->end;
}

/* Keep the carves that leave the kernel and the boot information alone. */
static void choose_carves(uint64_t info_start, uint64_t info_end)
{
	for (size_t i = 0; i < carve_requests.count; i++) {
		const struct fw_mem_range *r = &carve_requests.range[i];

		if (overlaps(r, (uint64_t)__kernel_phys_start, (uint64_t)__kernel_phys_end) ||
		    overlaps(r, info_start, info_end)) {
			record_errorf("memmap", "range not carved",
				      "[%#llx, %#llx) holds the kernel image or the boot information",
				      (unsigned long long)r->start, (unsigned long long)r->end);
			continue;
		}
		physmem.carved.range[physmem.carved.count++] = *r;
	}
}

static struct fw_mem_range read_loader_map(const void *info, size_t i)
{
	return mb2_mmap_entry(info, i);
}

/*
 * Room for normalizing @count raw ranges: they can become twice as many,
 * each carve adds one, and normalizing again needs two slots per range
 * for its change points.
 */
static size_t table_ranges_for(size_t count, size_t carves)
{
	return 2 * (2 * count + carves);
}

/*
 * The table the map is normalized in. Too long for the static one, it goes
 * where the raw map has free RAM clear of the low 1 MiB, the kernel, the
 * boot information and the carves. Returns its physical address (0: the
 * static table), having set physmem.map and physmem.capacity.
 */
static uint64_t place_table(const struct mb2_info *info, uint64_t info_start, uint64_t info_end)
{
	size_t want = table_ranges_for(info->mmap_count, physmem.carved.count);
	struct fw_mem_range avoid[3 + CARVE_MAX] = {
		{ 0, LOW_MEMORY_END, FW_MEM_RESERVED },
		{ (uint64_t)__kernel_phys_start, (uint64_t)__kernel_phys_end, FW_MEM_RESERVED },
		{ info_start, info_end, FW_MEM_RESERVED },
	};
	uint64_t at;

	physmem.map = static_table;
	physmem.capacity = STATIC_TABLE_RANGES;
	if (want <= STATIC_TABLE_RANGES)
		return 0;
	for (size_t i = 0; i < physmem.carved.count; i++)
		avoid[3 + i] = physmem.carved.range[i];
	at = fwmap_find_free(read_loader_map, info, info->mmap_count, avoid,
			     3 + physmem.carved.count, want * sizeof(struct fw_mem_range),
			     EARLY_MAPPED_END);
	if (!at) {
		record_errorf("memory map", "first ranges kept",
			      "no free RAM below 4 GiB for a table of %zu ranges (%zu in the map)",
			      want, info->mmap_count);
		return 0;
	}
	physmem.map = phys_to_virt(at);
	physmem.capacity = want;
	return at;
}

/* boot_memblock's tables grow into itself, below 4 GiB: they are read before the direct map. */
static void *grow_boot_table(struct memblock *mb, size_t bytes)
{
	uint64_t at = memblock_alloc(mb, bytes, 64, NUMA_NO_NODE, EARLY_MAPPED_END);

	if (!at) {
		record_errorf("memblock", "ranges past its table lost",
			      "no free RAM below 4 GiB for a table of %zu bytes", bytes);
		return NULL;
	}
	return phys_to_virt(at);
}

static uint64_t table_phys; /* the table placed in RAM; 0: the static one */
static uint64_t info_reserved_start, info_reserved_end; /* the boot information's reservation */

void physmem_release_boot_info(void)
{
	memblock_free(&boot_memblock, info_reserved_start, info_reserved_end);
	info_reserved_start = info_reserved_end = 0;
}

void physmem_give_back_table(void)
{
	if (table_phys)
		give_back_late(table_phys, table_phys + physmem.capacity * sizeof(struct fw_mem_range),
			       "memory_map_table");
}

void physmem_init(const struct mb2_info *info, uint64_t info_start, uint64_t info_end)
{
	struct fwmap_repairs repairs = { 0 };
	size_t count = info->mmap_count;
	uint64_t table;

	choose_carves(info_start, info_end);
	table = table_phys = place_table(info, info_start, info_end);
	if (count > physmem.capacity / 2)
		count = physmem.capacity / 2;
	for (size_t i = 0; i < count; i++)
		physmem.map[i] = mb2_mmap_entry(info, i);
	physmem.count = fwmap_normalize(physmem.map, count, physmem.capacity, &repairs);
	repairs.dropped += (unsigned)(info->mmap_count - count);
	physmem.source = count ? (info->mmap_from_efi ? "efi" : "e820") : "none";
	report_repairs(&repairs);
	if (physmem.carved.count) {
		unsigned dropped;

		physmem.count = carve_apply(physmem.map, physmem.count, physmem.capacity,
					    &physmem.carved, &dropped);
		if (dropped)
			record_errorf("memmap", "dropped", "%u ranges did not fit the kernel's table", dropped);
	}

	/* What is in use first: a table that grows while RAM is added must not land on it. */
	memblock_reserve(&boot_memblock, 0, LOW_MEMORY_END);
	memblock_reserve(&boot_memblock, (uint64_t)__kernel_phys_start, (uint64_t)__kernel_phys_end);
	if (info_end > info_start) {
		info_reserved_start = info_start & ~7ull;
		info_reserved_end = info_end;
		memblock_reserve(&boot_memblock, info_reserved_start, info_reserved_end);
	}
	if (table)
		memblock_reserve(&boot_memblock, table,
				 table + physmem.capacity * sizeof(struct fw_mem_range));
	boot_memblock.grow = grow_boot_table;
	boot_memblock.bottom_up = true; /* until the nodes are known (topology_init) */

	for (size_t i = 0; i < physmem.count; i++) {
		const struct fw_mem_range *r = &physmem.map[i];

		if (r->type != FW_MEM_USABLE)
			continue;
		physmem.usable_bytes += r->end - r->start;
		physmem.usable_ranges++;
		memblock_add(&boot_memblock, r->start, r->end, 0);
	}
	if (!physmem.usable_bytes)
		record_error("memory map", "no usable RAM in the boot information",
			     "only the kernel image can be used");
}
