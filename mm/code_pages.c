// SPDX-License-Identifier: MIT
#include "mm/code_pages.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fw_cfg.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/string.h"
#include "arch/x86_64/tsc.h"
#include "init/params.h"
#include "init/record.h"

#define PROBE_PAGE 4096u
/*
 * A store into a page whose TLB entry is already filled takes tens of ns
 * under TCG (the two TSC reads around it included), and 0.5-10 µs on a
 * page the emulator guards (more with more old translations in it). A
 * page marked by mistake costs 512 fast stores; one missed, ~2 ms in a run.
 */
#define SLOW_STORE_NS 150

enum code_pages_mode { CODE_PAGES_AUTO, CODE_PAGES_SCRUB, CODE_PAGES_OFF };

static const char *const mode_names[] = {
	[CODE_PAGES_AUTO] = "auto", [CODE_PAGES_SCRUB] = "scrub", [CODE_PAGES_OFF] = "off",
};

static enum code_pages_mode mode = CODE_PAGES_AUTO;
PARAM_ENUM("memmap.code_pages", mode, mode_names,
	   "before the first run, find the struct page arrays' pages (and the new page tables') an emulator "
	   "still guards as old boot-loader code and write them whole: auto (under QEMU's TCG, default) | "
	   "scrub (always) | off");

static struct {
	int under_tcg;         /* the CPU says it is QEMU's TCG; -1 until first asked */
	bool probed;           /* auto under an emulator, or scrub */
	uint64_t probed_pages; /* 4 KiB pages of struct page arrays */
	uint64_t code_pages;   /* found slow to write, and cleared */
	uint64_t by_device;    /* of those, cleared by one device-side write (arch/x86_64/fw_cfg.h) */
	uint64_t first_phys, last_phys; /* the lowest and highest such page (0 if none) */
	uint64_t probe_ns;     /* the probe and the clearing together */
	uint64_t fresh_pages;      /* fresh page-table pages probed (code_pages_zero_fresh) */
	uint64_t fresh_code_pages; /* of those, found slow to write, and cleared */
	uint64_t fresh_by_device;  /* of those, cleared by the device */
	uint64_t fresh_ns;         /* their probes and clearings, in the phases that made them */
} stats = { .under_tcg = -1 };

/* memmap.code_pages asks for probing here: auto under QEMU's TCG, scrub always. */
static bool probing(void)
{
	if (stats.under_tcg < 0)
		stats.under_tcg = cpu_under_tcg();
	return mode == CODE_PAGES_SCRUB || (mode == CODE_PAGES_AUTO && stats.under_tcg);
}

/*
 * Two stores into a page whose translation is in the TLB, each timed: both
 * are slow on a page the emulator guards, while a host interruption (the
 * vCPU's thread descheduled) rarely hits two in a row.
 */
static bool stores_are_slow(volatile uint64_t *page)
{
	uint64_t t0, t1, t2;

	page[0] = 0; /* the first touch: the TLB fill and any host fault, untimed */
	t0 = rdtsc_ordered();
	page[1] = 0;
	t1 = rdtsc_ordered();
	page[2] = 0;
	t2 = rdtsc_ordered();
	return tsc_to_ns(t1 - t0) > SLOW_STORE_NS && tsc_to_ns(t2 - t1) > SLOW_STORE_NS;
}

/*
 * Clear a page found slow to write; true if the device did it. A device's
 * write drops every old translation of the page at once (~0.1 ms); checked,
 * since a device model may not. Else every word (the kernel's memset stores
 * 8 bytes at a time, never rep stos): each store that overlaps an old
 * translation drops it, and the last lifts the guard, ~1-2 ms a page.
 */
static bool clear_guarded(volatile uint64_t *page)
{
	if (fw_cfg_dma_zero(virt_to_phys((const void *)page), PROBE_PAGE) && !stores_are_slow(page))
		return true;
	memset((void *)page, 0, PROBE_PAGE);
	return false;
}

static void scrub_block(const struct memmap_block *b)
{
	uintptr_t start = b->map_start & ~(uintptr_t)(PROBE_PAGE - 1);

	for (uintptr_t a = start; a < b->map_end; a += PROBE_PAGE) {
		volatile uint64_t *page = (volatile uint64_t *)a;
		uint64_t phys;

		/* A block's first and last pages may be shared with a neighbour's data: probe only whole pages. */
		if (a < b->map_start || a + PROBE_PAGE > b->map_end)
			continue;
		stats.probed_pages++;
		if (!stores_are_slow(page))
			continue;
		phys = virt_to_phys((const void *)a);
		if (clear_guarded(page))
			stats.by_device++;
		if (!stats.code_pages || phys < stats.first_phys)
			stats.first_phys = phys;
		if (phys > stats.last_phys)
			stats.last_phys = phys;
		stats.code_pages++;
	}
}

void code_pages_scrub(const struct memmap *mm)
{
	uint64_t t0 = time_ns();

	stats.probed = probing();
	if (!stats.probed)
		return;
	for (unsigned i = 0; i < mm->block_count; i++)
		scrub_block(&mm->blocks[i]);
	stats.probe_ns = time_ns() - t0;
}

void code_pages_zero_fresh(void *page)
{
	uint64_t t0;

	/* Before the TSC is calibrated a store cannot be timed (tsc_to_ns gives 0): zeroed plainly. */
	if (!tsc.hz || !probing()) {
		memset(page, 0, PROBE_PAGE);
		return;
	}
	t0 = time_ns();
	stats.fresh_pages++;
	if (stores_are_slow(page)) {
		stats.fresh_code_pages++;
		if (clear_guarded(page))
			stats.fresh_by_device++;
	} else {
		memset(page, 0, PROBE_PAGE);
	}
	stats.fresh_ns += time_ns() - t0;
}

void code_pages_report(void)
{
	struct record r;

	record_begin(&r, "code_pages");
	rec_str(&r, "mode", mode_names[mode]);
	rec_bool(&r, "emulator", stats.under_tcg > 0);
	rec_bool(&r, "probed", stats.probed);
	rec_u64(&r, "probed_pages", stats.probed_pages);
	rec_u64(&r, "code_pages", stats.code_pages);
	rec_u64(&r, "cleared_by_device", stats.by_device);
	rec_u64(&r, "first_phys", stats.first_phys);
	rec_u64(&r, "last_phys", stats.last_phys);
	rec_u64(&r, "ns", stats.probe_ns);
	rec_u64(&r, "fresh_pages", stats.fresh_pages);
	rec_u64(&r, "fresh_code_pages", stats.fresh_code_pages);
	rec_u64(&r, "fresh_by_device", stats.fresh_by_device);
	rec_u64(&r, "fresh_ns", stats.fresh_ns);
	record_end(&r);
}
