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

/*
 * Run the workload if one was asked for (a "workload" @span). More than the
 * machine has is the request's failure, not the boot's: a "workload" @error
 * says how far it got, everything is freed and the boot goes on.
 */
void boot_workload(void);

#endif
