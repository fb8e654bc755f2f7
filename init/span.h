/* SPDX-License-Identifier: MIT */
/*
 * span - timed pieces of work, logged while the work runs and printed as
 * @span records afterwards: printing to a 115200-baud console while
 * measuring would measure the console.
 */
#ifndef MEMINIT_INIT_SPAN_H
#define MEMINIT_INIT_SPAN_H

#include <stdint.h>

#define SPAN_LOG_MAX 4096

struct span {
	unsigned cpu;
	int node;
	const char *what; /* a string constant: "memmap_init", "free_to_buddy", ... */
	uint64_t start_ns, end_ns;
	uint64_t pages;
	unsigned chunks;   /* a group of consecutive chunks (strategies/strategy.h); 0: not chunked work */
	uint64_t buddy_ns; /* of the group's time, the hand-off to the buddy allocator */
};

/* Any CPU, any context; lock-free. Spans past SPAN_LOG_MAX are counted, not kept. */
void span_log(int node, const char *what, uint64_t start_ns, uint64_t end_ns, uint64_t pages);
/* A span that stands for @chunks consecutive chunks of mem_map work, @buddy_ns of it in the hand-off. */
void span_log_group(int node, const char *what, uint64_t start_ns, uint64_t end_ns, uint64_t pages,
		    unsigned chunks, uint64_t buddy_ns);
/* Spans logged from now on belong to run @run (strategy=all runs many; 0 otherwise). */
void span_set_run(unsigned run);
/* Forget every logged span (work that is not part of any reported run). */
void spans_discard(void);
/* Print every logged span as @span and empty the log (boot CPU, after the work). */
void spans_report(void);

#endif
