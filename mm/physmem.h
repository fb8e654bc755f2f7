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

struct physmem {
	/*
	 * Normalized, every type. Sized by the map the loader gave: a static
	 * table when it fits, else a table placed in RAM the raw map says is
	 * free (before any allocator exists) and reserved in memblock.
	 */
	struct fw_mem_range *map;
	size_t count, capacity;
	uint64_t usable_bytes;
	size_t usable_ranges;
	const char *source; /* "e820" or "efi" or "none" */
	struct carve_list carved; /* memmap=SIZE$START ranges taken out of RAM */
};

extern struct physmem physmem;

/*
 * From the boot information's memory map (read in place): normalize it
 * (repairs become @error records), seed boot_memblock with the usable RAM
 * and reserve the low 1 MiB, the kernel image, [info_start, info_end) and
 * the table itself. The memmap= ranges are cut out of RAM first, except any
 * that would take the kernel image or the boot information away (refused
 * with an @error). From here boot_memblock's tables grow as they need.
 */
void physmem_init(const struct mb2_info *info, uint64_t info_start, uint64_t info_end);

/*
 * After the last reader (the topology, the AP trampoline's placement): a
 * table placed in RAM for a long map goes back late (give_back_late);
 * physmem.map must not be read after it.
 */
void physmem_give_back_table(void);

/*
 * The boot information read and copied (its last reader, debug.dump, done):
 * its reservation goes, so its pages are free RAM in the layout. Kept to the
 * end of boot, the pages it touches would be reserved through every run, and
 * their number grows with the command line: boots with different command
 * lines would leave different mem_maps, and its edge pages never came back.
 */
void physmem_release_boot_info(void);

#endif
