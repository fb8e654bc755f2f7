/* SPDX-License-Identifier: MIT */
/*
 * span - timed pieces of work, logged while the work runs and printed as
 * @span records afterwards: printing to a 115200-baud console while
 * measuring would measure the console.
 *
 * Each CPU logs into its own log, per-CPU data on its own node (alloc_percpu),
 * so a span is written where its CPU works and never shares a cache line
 * with another CPU's; a number taken from one counter orders all of them,
 * and the report prints them in that order.
 */
#ifndef MEMINIT_INIT_SPAN_H
#define MEMINIT_INIT_SPAN_H

#include <stdint.h>

#define SPAN_LOG_MAX 1024 /* spans a CPU's log holds: a run logs tens per CPU */

struct span {
	unsigned cpu;
	int node;
	const char *what; /* a string constant: "memmap_init", "free_to_buddy", ... */
	uint64_t start_ns, end_ns;
	uint64_t pages;
	unsigned chunks;   /* a group of consecutive chunks (strategies/strategy.h); 0: not chunked work */
	uint64_t buddy_ns; /* of the group's time, the hand-off to the buddy allocator */
};

/* The CPUs' span logs: after smp_boot_prepare (the per-CPU units), before any span is logged. */
void span_logs_init(void);
/* Any CPU, any context; lock-free. Spans past SPAN_LOG_MAX on one CPU are counted, not kept. */
void span_log(int node, const char *what, uint64_t start_ns, uint64_t end_ns, uint64_t pages);
/* A span that stands for @chunks consecutive chunks of mem_map work, @buddy_ns of it in the hand-off. */
void span_log_group(int node, const char *what, uint64_t start_ns, uint64_t end_ns, uint64_t pages,
		    unsigned chunks, uint64_t buddy_ns);
/* Spans logged from now on belong to run @run (strategy=all runs many; 0 otherwise). */
void span_set_run(unsigned run);
/* Forget every logged span (work that is not part of any reported run). */
void spans_discard(void);
/*
 * Print the boot phases not printed yet (below), then every logged span, as
 * @span, and empty the span log (boot CPU, after the work).
 */
void spans_report(void);

/*
 * Boot phases: the boot CPU's time from TSC zero to @exit, cut into
 * consecutive named pieces. boot_phase() ends the running phase and starts
 * @what at one TSC reading, so the phases tile the boot CPU's time; the
 * first, "entry" (boot.S up to kmain), starts at time zero. Readings are
 * kept as raw TSC and converted when printed, so phases from before the
 * console and the TSC calibration are kept too. Phases print as @span with
 * "phase": true and "run": 0, apart from the per-run spans above: a run's
 * spans may lie inside a phase (memmap_init inside memmap_run).
 *
 * boot_phase needs the per-CPU area (the first call comes after
 * percpu_init_boot_cpu); boot CPU only.
 */
void boot_phase(const char *what);
/* End the running phase without starting another (the machine is about to stop). */
void boot_phase_end(void);
/*
 * A boot-timeline span of @cpu, in TSC cycles since time zero on the boot
 * CPU's clock (an AP's own readings less its offset): the AP wake-up.
 */
void boot_span_cpu(unsigned cpu, int node, const char *what, uint64_t start_cycles,
		   uint64_t end_cycles);

#endif
