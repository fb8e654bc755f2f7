/* SPDX-License-Identifier: MIT */
/*
 * physmem - physical memory as the kernel sees it after the firmware map is
 * cleaned: the normalized map, its usable RAM, and the early allocator
 * seeded from it with everything already in use reserved.
 */
#ifndef MEMINIT_MM_PHYSMEM_H
#define MEMINIT_MM_PHYSMEM_H

#include <stddef.h>
#include <stdint.h>

#include "init/multiboot2.h"
#include "mm/carve.h"
#include "mm/fwmap.h"

/*
 * Sized by the boot information, not a cap below it: the parser keeps at
 * most MB2_MMAP_MAX ranges, normalizing them can make up to twice as many,
 * every memmap= carve the command line can hold adds one, and normalizing
 * again needs two slots per range for its change points.
 */
#define PHYSMEM_RANGES_MAX (2 * (2 * MB2_MMAP_MAX + CARVE_MAX))

struct physmem {
	struct fw_mem_range map[PHYSMEM_RANGES_MAX]; /* normalized: every type */
	size_t count;
	uint64_t usable_bytes;
	size_t usable_ranges;
	const char *source; /* "e820" or "efi" or "none" */
	struct carve_list carved; /* memmap=SIZE$START ranges taken out of RAM */
};

extern struct physmem physmem;

/*
 * From the boot information's memory map: normalize it (repairs become
 * @error records), seed boot_memblock with the usable RAM and reserve the
 * low 1 MiB, the kernel image and [info_start, info_end). The memmap=
 * ranges are cut out of RAM first, except any that would take the kernel
 * image or the boot information away (refused with an @error).
 */
void physmem_init(const struct fw_mem_range *fw, size_t count, int from_efi,
		  uint64_t info_start, uint64_t info_end);

#endif
