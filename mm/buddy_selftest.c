// SPDX-License-Identifier: MIT
/*
 * selftest=alloc_speed: what the on-demand test costs the allocator, the
 * way the 2013 thread argued about it. The allocator is built twice in
 * this kernel (mm/buddy.c: one body, with and without the PG_uninit
 * test); after init has finished, each online CPU in turn times order-0
 * and order-9 alloc/free pairs of both builds on its own node, the two
 * alternating round by round (which goes first alternates too), so host
 * noise hits both alike. One @alloc_speed per CPU and order: picoseconds
 * per pair of each build (min, median) and the per-round difference
 * (median; min, quartiles and max: its spread).
 *
 * A pair is measured on the fast path: a block of the same order is held
 * beside the measured one (its buddy: the lower half of a block of twice
 * the order, whose upper half is given back), so the free never merges and
 * the next allocation takes the same block straight off its list, no split.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "init/format.h"
#include "init/record.h"
#include "init/selftest.h"
#include "init/sort.h"
#include "mm/memmap_boot.h"
#include "smp/percpu.h"
#include "smp/smp.h"

/*
 * Many short rounds (about 0.15 ms each under TCG) rather than a few long
 * ones: a host preemption spoils a round or two, and the median and the
 * quartiles step over them.
 */
#define ROUNDS 101
#define PAIRS 500
#define ORDERS 2

static const unsigned orders[ORDERS] = { 0, 9 };

enum build { UNTESTED, TESTED, BUILDS };

/* One CPU's measurement of one order. */
struct speed {
	unsigned cpu, order;
	bool ok;
	const char *why; /* when not ok */
	int64_t ps[BUILDS][ROUNDS]; /* per pair */
	int64_t diff[ROUNDS];       /* tested - untested, same round */
};

static int64_t time_pairs(int node, unsigned order, enum build build)
{
	uint64_t t0 = rdtsc_ordered();

	if (build == TESTED)
		for (unsigned i = 0; i < PAIRS; i++)
			free_pages_tested(&boot_buddy, alloc_pages_tested(&boot_buddy, node, order), order);
	else
		for (unsigned i = 0; i < PAIRS; i++)
			free_pages_untested(&boot_buddy, alloc_pages_untested(&boot_buddy, node, order), order);
	return (int64_t)(tsc_to_ns(rdtsc_ordered() - t0) * 1000 / PAIRS);
}

static void measure(struct speed *s)
{
	int node = cpu_node(s->cpu);
	/* Twice the order, its upper half given back: the lower half is the held buddy. */
	struct page *held = alloc_pages(&boot_buddy, node, s->order + 1), *probe;

	s->ok = false;
	if (!held) {
		s->why = "no free block of twice the order on the node";
		return;
	}
	free_pages(&boot_buddy, held + (1ull << s->order), s->order);
	probe = alloc_pages(&boot_buddy, node, s->order);
	if (probe != held + (1ull << s->order)) {
		s->why = "the measured block is not the held one's buddy: pairs would merge";
	} else {
		free_pages(&boot_buddy, probe, s->order);
		for (unsigned r = 0; r < ROUNDS; r++) {
			enum build first = r % 2 ? TESTED : UNTESTED;

			s->ps[first][r] = time_pairs(node, s->order, first);
			s->ps[!first][r] = time_pairs(node, s->order, (enum build)!first);
			s->diff[r] = s->ps[TESTED][r] - s->ps[UNTESTED][r];
		}
		s->ok = true;
		probe = NULL;
	}
	if (probe)
		free_pages(&boot_buddy, probe, s->order);
	free_pages(&boot_buddy, held, s->order); /* merges with the upper half: the block is whole again */
}

static void measure_here(void *arg)
{
	struct speed *s = arg;

	for (unsigned i = 0; i < ORDERS; i++)
		measure(&s[i]);
}

/* Sorts the rounds: call after the measurement. */
static void report_speed(struct speed *s)
{
	struct record r;

	for (unsigned b = 0; b < BUILDS; b++)
		sort_i64(s->ps[b], ROUNDS);
	sort_i64(s->diff, ROUNDS);
	record_begin(&r, "alloc_speed");
	rec_u64(&r, "cpu", s->cpu);
	rec_i64(&r, "node", cpu_node(s->cpu));
	rec_u64(&r, "order", s->order);
	rec_u64(&r, "rounds", ROUNDS);
	rec_u64(&r, "pairs", PAIRS);
	rec_i64(&r, "untested_ps_min", s->ps[UNTESTED][0]);
	rec_i64(&r, "untested_ps_median", s->ps[UNTESTED][ROUNDS / 2]);
	rec_i64(&r, "tested_ps_min", s->ps[TESTED][0]);
	rec_i64(&r, "tested_ps_median", s->ps[TESTED][ROUNDS / 2]);
	rec_i64(&r, "diff_ps_median", s->diff[ROUNDS / 2]);
	rec_i64(&r, "diff_ps_min", s->diff[0]);
	rec_i64(&r, "diff_ps_max", s->diff[ROUNDS - 1]);
	rec_i64(&r, "diff_ps_q1", s->diff[ROUNDS / 4]);
	rec_i64(&r, "diff_ps_q3", s->diff[ROUNDS * 3 / 4]);
	/* The test's cost in hundredths of a percent of the untested pair (the 2% target is 200). */
	rec_i64(&r, "cost_pct_x100", s->ps[UNTESTED][ROUNDS / 2] ?
		s->diff[ROUNDS / 2] * 10000 / s->ps[UNTESTED][ROUNDS / 2] : 0);
	record_end(&r);
}

static bool test_alloc_speed(char *detail, size_t len)
{
	static struct speed speeds[1][ORDERS]; /* one CPU's at a time: each is reported before the next */
	unsigned cpus = 0;
	int64_t worst = INT64_MIN;

	/* One CPU at a time: per-CPU figures, no lock contention between them. */
	for_each_cpu_in(cpu, &cpu_online_mask) {
		for (unsigned i = 0; i < ORDERS; i++)
			speeds[0][i] = (struct speed){ .cpu = cpu, .order = orders[i] };
		smp_call_on(cpu, measure_here, speeds[0]);
		for (unsigned i = 0; i < ORDERS; i++) {
			if (!speeds[0][i].ok) {
				ksnprintf(detail, len, "cpu %u order %u: %s", cpu, orders[i], speeds[0][i].why);
				return false;
			}
			report_speed(&speeds[0][i]);
			if (orders[i] == 0 && speeds[0][i].diff[ROUNDS / 2] > worst)
				worst = speeds[0][i].diff[ROUNDS / 2];
		}
		cpus++;
	}
	ksnprintf(detail, len, "%u CPUs, orders 0 and 9, %u rounds of %u pairs; order 0: tested - untested "
		  "at most %lld ps per pair (median): see @alloc_speed", cpus, ROUNDS, PAIRS, (long long)worst);
	return true;
}
SELFTEST("alloc_speed", test_alloc_speed);
