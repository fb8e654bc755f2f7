// SPDX-License-Identifier: MIT
#include "mm/physmem.h"

#include "arch/x86_64/layout.h"
#include "init/params.h"
#include "init/record.h"
#include "mm/memblock.h"

#define LOW_MEMORY_END 0x100000 /* BIOS data, EBDA, option ROMs; and the AP trampoline later */

struct physmem physmem;

/*
 * memblock holds every usable range of the map, each split at most twice
 * more by the SRAT entries smp/topology.c keeps (512) and by numa=fake's
 * cuts: it never runs out before the map does.
 */
_Static_assert(MEMBLOCK_REGIONS_MAX >= PHYSMEM_RANGES_MAX / 2 + 2 * 512 + 2 * 64,
	       "memblock holds every usable range");

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

void physmem_init(const struct fw_mem_range *fw, size_t count, int from_efi,
		  uint64_t info_start, uint64_t info_end)
{
	struct fwmap_repairs repairs = { 0 };

	if (count > PHYSMEM_RANGES_MAX / 2)
		count = PHYSMEM_RANGES_MAX / 2;
	for (size_t i = 0; i < count; i++)
		physmem.map[i] = fw[i];
	physmem.count = fwmap_normalize(physmem.map, count, PHYSMEM_RANGES_MAX, &repairs);
	physmem.source = count ? (from_efi ? "efi" : "e820") : "none";
	report_repairs(&repairs);
	choose_carves(info_start, info_end);
	if (physmem.carved.count) {
		unsigned dropped;

		physmem.count = carve_apply(physmem.map, physmem.count, PHYSMEM_RANGES_MAX,
					    &physmem.carved, &dropped);
		if (dropped)
			record_errorf("memmap", "dropped", "%u ranges did not fit the kernel's table", dropped);
	}

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

	memblock_reserve(&boot_memblock, 0, LOW_MEMORY_END);
	memblock_reserve(&boot_memblock, (uint64_t)__kernel_phys_start, (uint64_t)__kernel_phys_end);
	if (info_end > info_start)
		memblock_reserve(&boot_memblock, info_start & ~7ull, info_end);
}
