/* SPDX-License-Identifier: MIT */
/*
 * memmap_run - the measured part of the boot: the chosen strategy builds the
 * mem_map and the buddy allocator, then the result is verified, digested
 * and reported (@span, @result).
 */
#ifndef MEMINIT_INIT_MEMMAP_RUN_H
#define MEMINIT_INIT_MEMMAP_RUN_H

#include <stdbool.h>

/* Returns false when the mem_map did not verify. */
bool memmap_run(void);

#endif
