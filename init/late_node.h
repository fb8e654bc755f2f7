/* SPDX-License-Identifier: MIT */
/*
 * late_node - the thread's "not necessarily hotplug friendly", measured.
 *
 * mem.late_node=N holds node N's memory back: the strategy's run sees the
 * machine without it (a view of the mem_map in which node N's span is
 * empty). After that run, the same strategy brings node N online, as
 * memory hotplug would, while the boot CPU serves the steady workload
 * (init/steady.h): first a baseline window with nothing arriving, then the
 * online window from the request until every page of the node is in the
 * buddy allocator. A strategy that initializes on the caller's CPU, or
 * makes the caller wait, stalls the workload for that long; one that works
 * in the background leaves it served. @late_node gives the time to online,
 * how long the caller was held, and both windows' latencies.
 *
 * Both runs stamp one generation into the struct pages they write, so the
 * whole mem_map verifies as one: the first run never writes node N, so a
 * page of node N with the stamp was written by the online run.
 */
#ifndef MEMINIT_INIT_LATE_NODE_H
#define MEMINIT_INIT_LATE_NODE_H

#include <stdbool.h>

#include "init/memmap_run.h"
#include "mm/memmap.h"
#include "strategies/strategy.h"

/*
 * Is a node held back on @full? A node the machine does not have, or the
 * only node, is refused with an @error, once, and nothing is held back.
 */
bool late_node_wanted(const struct memmap *full);

/* @full without the late node: what the run before the online sees. */
struct memmap *late_node_view(const struct memmap *full);

/*
 * Bring the late node online with @s, the workload running, after the run
 * on the view; then @full takes the view's generation, so it verifies whole.
 * Emits @late_node for @label's run. False: the online run's account failed.
 */
bool late_node_online(const struct strategy *s, struct memmap *full, const struct run_label *label);

#endif
