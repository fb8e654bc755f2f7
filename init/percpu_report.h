/* SPDX-License-Identifier: MIT */
/*
 * percpu_report - the per-CPU units and the dynamic per-CPU allocator over
 * the boot (@percpu): each CPU's node beside the nodes its static page and
 * its first dynamic page really sit on (read back from the page tables),
 * the tails given back, the map's use, and what a read costs on the boot
 * CPU: a static per-CPU field (%gs and an immediate offset), a dynamic
 * per-CPU value (%gs and an offset in a register) and a global variable,
 * min and median ns over rounds that alternate the three.
 */
#ifndef MEMINIT_INIT_PERCPU_REPORT_H
#define MEMINIT_INIT_PERCPU_REPORT_H

/* Measure and print @percpu; once per boot, after the last run (beside @kmalloc). */
void percpu_report(void);

#endif
