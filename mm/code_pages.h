/* SPDX-License-Identifier: MIT */
/*
 * code_pages - under an emulator that translates guest code (QEMU's TCG),
 * the boot loader's old code pages are slow to write, once: clear them
 * before anything timed writes there.
 *
 * TCG write-protects every guest page it translated code from, so that a
 * store into it can drop the stale translations. The protection lifts only
 * when the last translation of the page is gone, and a store drops only
 * the translations it overlaps: until the stores have hit every stretch of
 * old code, each one takes the emulator's slow path (about 4.5 µs, against
 * a few ns). GRUB runs its modules from its heap at the top of the RAM
 * below 4 GiB, which is also where memblock puts the top node's struct
 * pages, so the first strategy run there paid ~2 ms per such page: 10 to
 * 45 ms in one 1 MiB stretch on a 2-node 2 GiB machine, charged to
 * whichever chunk, CPU and strategy wrote it first. That is no cost of
 * the hardware being modelled, and it scattered every cold figure.
 *
 * So, after the layout and before the first run, each 4 KiB page of the
 * struct page arrays is probed (one store to touch it, one timed store);
 * a page whose timed store is slow is cleared, which drops its old
 * translations: by one write of QEMU's fw_cfg device, which drops them all
 * at once (arch/x86_64/fw_cfg.h), else word by word. The struct pages hold
 * nothing yet, so the probe and the clearing may write anything. Reported
 * in @code_pages; its time lies in the memmap_setup phase.
 */
#ifndef MEMINIT_MM_CODE_PAGES_H
#define MEMINIT_MM_CODE_PAGES_H

#include "mm/memmap.h"

/* Probe @mm's struct page arrays as memmap.code_pages asks, clearing the slow pages. */
void code_pages_scrub(const struct memmap *mm);
/*
 * Zero one 4 KiB page fresh from memblock that the kernel takes for itself
 * (a page table): GRUB's heap is at the top of the RAM below 4 GiB, where
 * memblock gives those out first, and zeroing an old code page word by
 * word costs 0.1-1.4 ms. Probed and cleared as above when probing is on and
 * the TSC calibrated; else, or on a page that is not slow, plain zeroing.
 */
void code_pages_zero_fresh(void *page);
/* @code_pages: what the scrub found (at the end of boot, with the records). */
void code_pages_report(void);

#endif
