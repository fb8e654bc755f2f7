/* SPDX-License-Identifier: MIT */
/*
 * numa_model - modelled remote-memory latency (numa.model=slit).
 *
 * Emulators give remote memory no extra latency, so without a model a
 * strategy that keeps every write local (migrate) cannot show what it
 * gains. The model: after t ns of writing a node's mem_map from a CPU at
 * SLIT distance d > 10, that CPU waits t * (d / 10 - 1) more, halted, so
 * the write as a whole took d / 10 times the local time. d is the
 * distance from the CPU's node to the memory's node; an unreachable pair
 * (SLIT 255) counts as the machine's farthest reachable distance. Modelled time
 * must never pass for measured time: every record of such a boot carries
 * "model": "slit".
 */
#ifndef MEMINIT_STRATEGIES_NUMA_MODEL_H
#define MEMINIT_STRATEGIES_NUMA_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/memmap.h"

struct chunk_group;

/* True when modelled waits are on. */
bool numa_model_on(void);

/*
 * On the CPU that wrote @g: wait out the model's extra time for writing
 * node @g->node's struct pages (which live on its map_node) from this CPU's
 * node, and log it as a numa_model @span. Returns when the group's work
 * counts as ended: @g->end_ns, or the end of the wait.
 */
uint64_t numa_model_wait(const struct memmap *mm, const struct chunk_group *g);

#endif
