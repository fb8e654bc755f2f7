/* SPDX-License-Identifier: MIT */
/*
 * code_pages - under an emulator that translates guest code (QEMU's TCG),
 * memory the boot loader ran code from is slow to write: early allocations
 * keep off it.
 *
 * TCG write-protects every guest page it translated code from, so that a
 * store into it can drop the stale translations. The protection lifts only
 * when the last translation of the page is gone, and a store drops only
 * the translations it overlaps: until the stores have hit every stretch of
 * old code, each one takes the emulator's slow path (0.5-10 µs, against a
 * few ns; more with more vCPUs). GRUB runs its modules from its heap at the
 * top of the RAM below 4 GiB, which is where memblock, top-down, puts the
 * top node's per-CPU units and struct pages: a 128 MiB chunk of the first
 * run took 10-18 ms instead of 0.3 (about 2 ms per such page on a 2-node
 * 2 GiB machine), charged to whichever strategy and CPU wrote it first, and
 * the per-CPU units' first writes cost 6-14 ms. No hardware pays that.
 *
 * So, once the TSC is calibrated, memblock asks before it hands out a
 * block: each free 4 KiB page inside is probed (one untimed store to touch
 * it, then two timed ones; both slow only on a guarded page), and a guarded
 * page is set aside (reserved), so the block is sought again elsewhere.
 * Set-aside pages go back to the buddy allocator at the end of boot, where
 * a later writer pays once (a workload's page, never a run's struct pages).
 */
#ifndef MEMINIT_MM_CODE_PAGES_H
#define MEMINIT_MM_CODE_PAGES_H

#include "mm/memblock.h"

/* Under mem.code_pages: make @mb's allocations keep off guarded pages from now on. */
void code_pages_guard(struct memblock *mb);
/* The set-aside pages back to the buddy allocator, then @code_pages (after kmalloc's late return). */
void code_pages_report(void);

#endif
