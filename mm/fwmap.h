/* SPDX-License-Identifier: MIT */
/*
 * fwmap - the firmware memory map, normalized.
 *
 * Firmware (BIOS e820 through multiboot2, or the UEFI memory map) hands us
 * ranges that may be unsorted, overlapping, zero-length, unaligned or reach
 * past what the CPU can address. Everything after this point wants sorted,
 * disjoint ranges with usable RAM clipped to whole pages, so this is the one
 * place that cleans the map. Pure C: builds freestanding and on the host.
 */
#ifndef MEMINIT_MM_FWMAP_H
#define MEMINIT_MM_FWMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)

/* The architectural limit of physical addresses (MAXPHYADDR <= 52). */
#define FWMAP_PHYS_LIMIT (1ull << 52)

/* Numbered as e820/multiboot2 number them; EFI types are mapped onto these. */
enum fw_mem_type {
	FW_MEM_USABLE = 1,
	FW_MEM_RESERVED = 2,
	FW_MEM_ACPI_RECLAIM = 3,
	FW_MEM_ACPI_NVS = 4,
	FW_MEM_BAD = 5,
};

/* One range of physical memory, [start, end). */
struct fw_mem_range {
	uint64_t start;
	uint64_t end;
	uint32_t type;
};

/* What normalization had to repair, for the caller to report. */
struct fwmap_repairs {
	unsigned zero_length;  /* ranges with no bytes, dropped */
	unsigned overlaps;     /* overlapping pairs resolved (stricter type wins) */
	unsigned beyond_limit; /* ranges cut at FWMAP_PHYS_LIMIT (or dropped) */
	unsigned unknown_type; /* types outside the enum, treated as reserved */
	unsigned unaligned;    /* usable ranges shrunk to whole pages */
	unsigned dropped;      /* ranges lost because capacity ran out */
};

/*
 * fwmap_normalize - sort, resolve overlaps, merge and clip a memory map in place.
 * @ranges:   the map; on return the normalized map, sorted by start, disjoint,
 *            adjacent ranges of one type merged, usable ranges page-aligned,
 *            nothing at or above FWMAP_PHYS_LIMIT, no empty range.
 * @count:    ranges on entry.
 * @capacity: room in @ranges (resolving overlaps can split a range in three).
 * @repairs:  may be NULL.
 * Where ranges overlap, the stricter type wins: bad > NVS > reserved >
 * ACPI reclaimable > usable. Returns the number of ranges on return.
 */
size_t fwmap_normalize(struct fw_mem_range *ranges, size_t count, size_t capacity,
		       struct fwmap_repairs *repairs);

/* Reads entry @i of a map kept in someone else's format (the loader's, in place). */
typedef struct fw_mem_range (*fwmap_reader)(const void *map, size_t i);

/*
 * fwmap_find_free - room for a table before any allocator exists.
 * @read, @map, @count: a raw map (unsorted, overlapping: as the firmware gave it).
 * @avoid, @avoid_count: ranges in use besides the map's own non-usable ones.
 * Returns the start of @bytes (rounded up to whole pages), page-aligned,
 * below @limit, inside one usable entry and touching no non-usable entry
 * and no @avoid range: the highest such spot of the smallest entry that has
 * one (the large blocks stay whole for what needs them); 0 if none. Never
 * returns page 0.
 */
uint64_t fwmap_find_free(fwmap_reader read, const void *map, size_t count,
			 const struct fw_mem_range *avoid, size_t avoid_count, uint64_t bytes,
			 uint64_t limit);

/* Total bytes of @type in a normalized map. */
uint64_t fwmap_total(const struct fw_mem_range *ranges, size_t count, uint32_t type);

/* A short name for a type ("usable", "reserved", ...). */
const char *fw_mem_type_name(uint32_t type);

#endif
