/* SPDX-License-Identifier: MIT */
/*
 * carve - memmap=SIZE$START: ranges the user takes out of RAM.
 *
 * As Linux's parameter of the same name: each range becomes reserved in the
 * firmware map before anything reads it, so it is a hole to every layer
 * above (memblock, the mem_map, the buddy allocator). Lets tests and users
 * put holes anywhere: mid-node, across node boundaries, several at once.
 * Pure C: builds freestanding and on the host.
 */
#ifndef MEMINIT_MM_CARVE_H
#define MEMINIT_MM_CARVE_H

#include <stddef.h>

#include "init/multiboot2.h"
#include "mm/fwmap.h"

/*
 * As many ranges as a command line can hold: "1$0," is the shortest way to
 * write one, so MB2_CMDLINE_MAX bytes never name more than a quarter that
 * many. The table is sized by the boot information, never a cap below it.
 */
#define CARVE_MAX 256
_Static_assert(CARVE_MAX >= MB2_CMDLINE_MAX / 4, "every carve a command line can name fits");

struct carve_list {
	struct fw_mem_range range[CARVE_MAX]; /* page-aligned outward, type reserved */
	size_t count;
};

/*
 * carve_parse - add "SIZE$START[,SIZE$START...]" (K/M/G suffixes, 0x hex) to
 * @list. Returns NULL, or why the value was refused; a refused value adds
 * nothing, so the list stays as it was.
 */
const char *carve_parse(struct carve_list *list, const char *value);

/*
 * carve_apply - mark @list's ranges reserved in the normalized map @map of
 * @count ranges (room for @capacity: a carve can split a range in three).
 * Returns the new count; @map stays normalized. Ranges the table has no room
 * for are counted in @dropped.
 */
size_t carve_apply(struct fw_mem_range *map, size_t count, size_t capacity,
		   const struct carve_list *list, unsigned *dropped);

#endif
