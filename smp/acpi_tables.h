/* SPDX-License-Identifier: MIT */
/*
 * acpi_tables - the three tables that describe the machine's shape:
 * MADT (which CPUs exist: ACPI 6.4, 5.2.12), SRAT (which CPUs and which
 * memory belong to which proximity domain: 5.2.16) and SLIT (how far the
 * domains are from each other: 5.2.17).
 *
 * Walkers take a callback and a cookie and never trust a length: an entry
 * that is truncated or runs past its table ends the walk with a report.
 * Disabled entries are skipped (QEMU pads SRAT with them). Pure C: the
 * tables are plain memory, so host tests hand in crafted ones.
 */
#ifndef MEMINIT_SMP_ACPI_TABLES_H
#define MEMINIT_SMP_ACPI_TABLES_H

#include <stdbool.h>
#include <stdint.h>

#include "smp/acpi.h"

/* ---- MADT ---- */

struct madt_cpu {
	uint32_t apic_id;     /* xAPIC id (8 bits) or x2APIC id (32 bits) */
	uint32_t acpi_uid;    /* processor UID (MADT type 0: the 8-bit processor id) */
	bool x2apic;          /* from a Processor Local x2APIC entry (type 9) */
	bool enabled;         /* flags bit 0 */
	bool online_capable;  /* flags bit 1: may be enabled later (hot-add) */
};

struct madt_info {
	uint64_t lapic_phys;  /* Local APIC address, after any type-5 override */
	bool pcat_compat;     /* flags bit 0: legacy 8259 PICs present */
	unsigned entries;     /* processor entries seen (enabled or not) */
	unsigned duplicates;  /* entries repeating an APIC id already seen, skipped */
};

typedef void (*madt_cpu_fn)(void *cookie, const struct madt_cpu *cpu);

/*
 * madt_walk - report every processor entry (types 0 and 9) to @fn, enabled
 * or not (the caller decides; an entry neither enabled nor online-capable
 * is reported with both false). The same APIC id twice is reported once.
 * Returns false when the table is unusable (too short); @info is filled.
 */
bool madt_walk(const struct acpi_header *madt, madt_cpu_fn fn, void *cookie,
	       struct madt_info *info, acpi_problem_fn problem, void *problem_cookie);

/* ---- SRAT ---- */

struct srat_cpu {
	uint32_t apic_id;
	uint32_t pxm;         /* proximity domain (32 bits; type 0 splits it in two fields) */
	bool x2apic;          /* from a type-2 entry */
};

struct srat_mem {
	uint64_t start, end;  /* [start, end) */
	uint32_t pxm;
	bool hotpluggable;    /* flags bit 1 */
	bool nonvolatile;     /* flags bit 2 */
};

typedef void (*srat_cpu_fn)(void *cookie, const struct srat_cpu *cpu);
typedef void (*srat_mem_fn)(void *cookie, const struct srat_mem *mem);

struct srat_info {
	unsigned cpu_entries, mem_entries; /* enabled entries reported */
	unsigned disabled;                 /* entries skipped for flags bit 0 clear */
	unsigned unknown;                  /* entries of other types (GICC, generic initiator...) */
};

/* Enabled processor (types 0, 2) and memory (type 1) affinity entries, in table order. */
bool srat_walk(const struct acpi_header *srat, srat_cpu_fn cpu_fn, srat_mem_fn mem_fn,
	       void *cookie, struct srat_info *info, acpi_problem_fn problem,
	       void *problem_cookie);

/* ---- SLIT ---- */

#define SLIT_LOCAL 10
#define SLIT_REMOTE_DEFAULT 20
#define SLIT_UNREACHABLE 255

/*
 * slit_parse - copy the N x N distance matrix into @out and set *@n = N.
 * @out is row-major with rows N wide, indexed by proximity domain: the
 * distance from i to j is out[i * N + j], the layout numa_input.slit takes.
 * @out must hold @max_n * @max_n bytes. Rejects (reports,
 * returns false) a table whose length does not hold N*N entries, whose
 * diagonal is not 10, or that has an off-diagonal entry below 10 (values
 * 0-9 are reserved), or N > @max_n.
 */
bool slit_parse(const struct acpi_header *slit, uint8_t *out, unsigned max_n, unsigned *n,
		acpi_problem_fn problem, void *problem_cookie);

#endif
