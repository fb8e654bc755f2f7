/* SPDX-License-Identifier: MIT */
/*
 * numa - the machine's nodes: built once from what the ACPI tables say (or
 * from numa=fake=N, or as one node), then read by everything that places
 * memory or work.
 *
 * Nodes get dense ids 0..n-1 in ascending proximity-domain order (so QEMU's
 * -numa nodeid=K is node K when every domain has something in it). A node
 * has CPUs, memory, or both. Every usable RAM range is in exactly one node:
 * RAM that SRAT does not cover goes to the node of the nearest covered
 * address below it (node 0 if none) and is reported, never dropped.
 * Pure C: numa_build() takes plain arrays, so host tests build topologies.
 */
#ifndef MEMINIT_SMP_NUMA_H
#define MEMINIT_SMP_NUMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/fwmap.h"
#include "smp/acpi_tables.h"
#include "smp/cpumask.h" /* MAX_CPUS */

#define MAX_NODES 64

struct numa_node {
	uint32_t pxm;
	struct fw_mem_range *ranges; /* usable RAM only, sorted: range_count entries of the range store */
	unsigned range_count;
	uint64_t pages;       /* usable 4 KiB pages */
	uint64_t start_pfn, end_pfn; /* the span [start, end), holes included; 0,0 if memoryless */
	unsigned cpu_count;   /* CPUs of this node in the input (online or not) */
	bool ranges_truncated; /* the range store was too small: pages and the span count every
				  range, ranges lists the lowest ones only (reported) */
};

struct numa_cpu {
	uint32_t apic_id;
	int node;
};

struct numa_topology {
	unsigned node_count;
	struct numa_node nodes[MAX_NODES];
	unsigned cpu_count;
	struct numa_cpu cpus[MAX_CPUS]; /* in input order; cpus[0] is the boot CPU when the caller puts it first */
	uint8_t distance[MAX_NODES][MAX_NODES];
	const char *source; /* "srat", "fake", "off", "none" (no SRAT) */
	bool slit_used;     /* false: 10 local / 20 remote */
};

/* What numa_build() starts from. */
struct numa_input {
	const struct fw_mem_range *ram; /* normalized map; only FW_MEM_USABLE ranges count */
	size_t ram_count;
	const uint32_t *cpu_apic_ids;   /* the CPUs to place (from the MADT) */
	unsigned cpu_count;
	const struct srat_cpu *srat_cpus; /* NULL/0 when there is no SRAT */
	unsigned srat_cpu_count;
	const struct srat_mem *srat_mems;
	unsigned srat_mem_count;
	const uint8_t *slit;            /* NULL when absent or rejected; slit_n x slit_n by pxm */
	unsigned slit_n;
	unsigned fake_nodes;            /* numa=fake=N: N > 0 ignores SRAT */
	bool numa_off;                  /* numa=off: one node */
	/*
	 * Where the nodes' range lists are kept (each node's ranges point into
	 * it): numa_ranges_needed(@in) entries always suffice, so the caller
	 * sizes it from the map, and no node has a fixed cap on its ranges.
	 */
	struct fw_mem_range *range_store;
	size_t range_store_cap;
};

/* Entries of range_store that every node's ranges fit in, whatever the input. */
size_t numa_ranges_needed(const struct numa_input *in);

typedef void (*numa_problem_fn)(void *cookie, const char *what, const char *detail,
				const char *action);

/*
 * numa_build - fill @t from @in. Rules, in order: numa_off -> one node;
 * fake_nodes > 0 -> that many nodes of (nearly) equal usable RAM, split on
 * 2 MiB boundaries where possible, CPUs dealt round-robin (cpu i -> node
 * i % N); SRAT present -> its domains; otherwise one node. A CPU whose APIC
 * id SRAT does not place goes to node 0 (reported). Distances from SLIT
 * when valid for every pair of nodes, else 10 on the diagonal and 20 off it.
 * Returns false only if nothing at all could be built (then @t is one node).
 */
bool numa_build(const struct numa_input *in, struct numa_topology *t, numa_problem_fn problem,
		void *cookie);

/* The node of a physical address (-1 if in no node's RAM). */
int numa_node_of_addr(const struct numa_topology *t, uint64_t addr);

/* Nodes ordered by distance from @from (itself first), ties by id; returns the count. */
unsigned numa_nodes_by_distance(const struct numa_topology *t, int from, int *order);

/*
 * Nodes ordered by distance FROM each node TO memory node @to
 * (distance[node][to]: where a CPU should sit to write @to's memory),
 * @to first, ties by id, unreachable (SLIT_UNREACHABLE) last; returns the count.
 */
unsigned numa_nodes_nearest_to(const struct numa_topology *t, int to, int *order);

#endif
