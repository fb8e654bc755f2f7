/* SPDX-License-Identifier: MIT */
/*
 * workload - the rest of the boot, standing in for early userspace:
 * allocate boot.workload_mb MiB through the buddy allocator, spread over
 * all nodes, touch every page, free it all. Under async it runs while
 * memory is still arriving, and must grow the allocator, never fail.
 */
#ifndef MEMINIT_INIT_WORKLOAD_H
#define MEMINIT_INIT_WORKLOAD_H

#include <stdbool.h>

/* Run the workload if one was asked for (a "workload" @span); false if an allocation failed. */
bool boot_workload(void);

#endif
