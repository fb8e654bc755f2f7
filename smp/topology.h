/* SPDX-License-Identifier: MIT */
/*
 * topology - the machine's CPUs and NUMA nodes as the kernel uses them:
 * read from the MADT, SRAT and SLIT (or numa=fake=N / numa=off), placed
 * into the early allocator (each RAM range on its node, fallbacks by
 * distance) and reported as @topology once the APs are up.
 */
#ifndef MEMINIT_SMP_TOPOLOGY_H
#define MEMINIT_SMP_TOPOLOGY_H

#include "smp/numa.h"

extern struct numa_topology numa;
extern uint64_t madt_lapic_phys;

/* Needs ACPI (acpi_boot_init) and physmem; before anything is allocated on a node. */
void topology_init(void);
/* @topology: after smp_boot, so that it lists the CPUs that are online. */
void report_topology(void);

#endif
