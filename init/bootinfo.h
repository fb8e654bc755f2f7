/* SPDX-License-Identifier: MIT */
/*
 * bootinfo - what the boot loader told us (multiboot2.h): copied out of its
 * memory, except the memory map, which stays there (reserved) to be read.
 */
#ifndef MEMINIT_INIT_BOOTINFO_H
#define MEMINIT_INIT_BOOTINFO_H

#include <stdint.h>

#include "init/multiboot2.h"

extern struct mb2_info boot_info;
extern uint64_t boot_info_start, boot_info_end; /* physical, to keep it reserved */

/* Parse the loader's information; malformed parts become @error records. */
void bootinfo_read(uint32_t magic, uint32_t info_phys);

#endif
