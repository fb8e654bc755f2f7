// SPDX-License-Identifier: MIT
#include "mm/code_pages.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/tsc.h"
#include "init/params.h"
#include "init/record.h"
#include "mm/kmalloc.h"

#define PROBE_PAGE 4096ull
/*
 * A store into a page whose TLB entry is already filled takes tens of ns
 * under TCG (the two TSC reads around it included), and 0.5-10 µs on a
 * page the emulator guards. A page set aside by mistake (a host hiccup on
 * both timed stores) costs nothing but its late return; one missed, ~2 ms.
 */
#define SLOW_STORE_NS 150
/* Set-aside stretches kept for the late return; past it a guarded page is simply used. */
#define SET_ASIDE_MAX 64

enum code_pages_mode { CODE_PAGES_AUTO, CODE_PAGES_AVOID, CODE_PAGES_OFF };

static const char *const mode_names[] = {
	[CODE_PAGES_AUTO] = "auto", [CODE_PAGES_AVOID] = "avoid", [CODE_PAGES_OFF] = "off",
};

static enum code_pages_mode mode = CODE_PAGES_AUTO;
PARAM_ENUM("mem.code_pages", mode, mode_names,
	   "keep early allocations off pages an emulator still guards as the boot loader's old code: "
	   "auto (under QEMU's TCG, default) | avoid (always) | off");

static struct {
	bool emulator, probing;
	uint64_t probed_pages, code_pages, first_phys, last_phys, probe_ns;
	uint64_t set_aside[SET_ASIDE_MAX][2]; /* [start, end) physical, each a run of adjacent pages */
	unsigned set_aside_count;
} cp;

/* Two stores into a touched page, each timed: both slow only where the emulator guards it. */
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

/* Remember [phys, phys + page) for the late return; false if there is no room left. */
static bool remember(uint64_t phys)
{
	for (unsigned i = 0; i < cp.set_aside_count; i++) {
		if (cp.set_aside[i][1] == phys) {
			cp.set_aside[i][1] += PROBE_PAGE;
			return true;
		}
		if (cp.set_aside[i][0] == phys + PROBE_PAGE) {
			cp.set_aside[i][0] = phys;
			return true;
		}
	}
	if (cp.set_aside_count == SET_ASIDE_MAX)
		return false;
	cp.set_aside[cp.set_aside_count][0] = phys;
	cp.set_aside[cp.set_aside_count][1] = phys + PROBE_PAGE;
	cp.set_aside_count++;
	return true;
}

/*
 * memblock's avoid hook: probe every whole page of the free block [start,
 * end) (the block is free, so the probe's stores clobber nothing) and set
 * the guarded ones aside.
 */
static bool avoid_guarded(struct memblock *mb, uint64_t start, uint64_t end)
{
	uint64_t t0 = time_ns();
	bool took = false;

	for (uint64_t a = (start + PROBE_PAGE - 1) & ~(PROBE_PAGE - 1); a + PROBE_PAGE <= end; a += PROBE_PAGE) {
		cp.probed_pages++;
		if (!stores_are_slow(phys_to_virt(a)) || !remember(a))
			continue;
		memblock_reserve(mb, a, a + PROBE_PAGE);
		if (!cp.code_pages || a < cp.first_phys)
			cp.first_phys = a;
		if (a > cp.last_phys)
			cp.last_phys = a;
		cp.code_pages++;
		took = true;
	}
	cp.probe_ns += time_ns() - t0;
	return took;
}

void code_pages_guard(struct memblock *mb)
{
	cp.emulator = cpu_under_tcg();
	cp.probing = mode == CODE_PAGES_AVOID || (mode == CODE_PAGES_AUTO && cp.emulator);
	if (cp.probing)
		mb->avoid = avoid_guarded;
}

void code_pages_report(void)
{
	struct record r;

	/* After kmalloc's late return, so each goes back at once (mm/kmalloc.h). */
	for (unsigned i = 0; i < cp.set_aside_count; i++)
		give_back_late(cp.set_aside[i][0], cp.set_aside[i][1], "code_pages");
	record_begin(&r, "code_pages");
	rec_str(&r, "mode", mode_names[mode]);
	rec_bool(&r, "emulator", cp.emulator);
	rec_bool(&r, "probed", cp.probing);
	rec_u64(&r, "probed_pages", cp.probed_pages);
	rec_u64(&r, "code_pages", cp.code_pages);
	rec_u64(&r, "ranges", cp.set_aside_count);
	rec_u64(&r, "first_phys", cp.first_phys);
	rec_u64(&r, "last_phys", cp.last_phys);
	rec_u64(&r, "ns", cp.probe_ns);
	record_end(&r);
}
