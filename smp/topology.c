// SPDX-License-Identifier: MIT
#include "smp/topology.h"

#include <stdarg.h>

#include "arch/x86_64/lapic.h"
#include "arch/x86_64/string.h"
#include "arch/x86_64/tsc.h"
#include "init/format.h"
#include "init/params.h"
#include "init/record.h"
#include "mm/kmalloc.h"
#include "mm/memblock.h"
#include "mm/physmem.h"
#include "smp/acpi_boot.h"
#include "smp/acpi_tables.h"
#include "smp/smp.h"

struct numa_topology numa;
uint64_t madt_lapic_phys;

static unsigned fake_nodes;
static bool numa_off;

static const char *set_numa(const char *value)
{
	unsigned long long n;

	if (value && strcmp(value, "off") == 0) {
		numa_off = true;
		return NULL;
	}
	if (value && strncmp(value, "fake=", 5) == 0 && param_parse_u64_in(value + 5, 1, MAX_NODES, &n)) {
		fake_nodes = (unsigned)n;
		return NULL;
	}
	return "expected off or fake=N, N from 1 to " PARAM_STR(MAX_NODES);
}
PARAM("numa", set_numa, "off: one node; fake=N: split RAM into N nodes, CPUs round-robin");

/* What the ACPI walkers hand us, collected for numa_build(). */
static struct {
	uint32_t apic_ids[MAX_CPUS];
	unsigned cpu_count;
	struct srat_cpu srat_cpus[MAX_CPUS];
	unsigned srat_cpu_count;
	struct srat_mem *srat_mems; /* early memory, as many as the SRAT lists */
	unsigned srat_mem_count, srat_mem_room;
	uint8_t slit[MAX_NODES * MAX_NODES];
	unsigned slit_n;
	bool overflow;
} found;

/*
 * What the firmware described that the topology does not use, said in
 * @topology's "ignored" rather than dropped silently: none of it stops the
 * boot, all of it is something a reader of the tables would want to know.
 * Past IGNORED_MAX lines the list says how many more there were.
 */
#define IGNORED_MAX 64
static char ignored[IGNORED_MAX][96];
static unsigned ignored_count, ignored_left_out;

static void __attribute__((format(printf, 1, 2))) note_ignored(const char *fmt, ...)
{
	va_list ap;

	if (ignored_count == IGNORED_MAX) {
		ignored_left_out++;
		return;
	}
	va_start(ap, fmt);
	kvsnprintf(ignored[ignored_count++], sizeof(ignored[0]), fmt, ap);
	va_end(ap);
}

/* The nodes are the SRAT's domains only when the SRAT was used; else no domain is a node. */
static bool srat_domain_is_node(uint32_t pxm)
{
	if (strcmp(numa.source, "srat") != 0)
		return false;
	for (unsigned n = 0; n < numa.node_count; n++)
		if (numa.nodes[n].pxm == pxm)
			return true;
	return false;
}

static bool madt_has_cpu(uint32_t apic_id)
{
	for (unsigned i = 0; i < found.cpu_count; i++)
		if (found.apic_ids[i] == apic_id)
			return true;
	return false;
}

/* Does a memory range of SRAT domain @pxm hold usable RAM? */
static bool srat_domain_has_ram(uint32_t pxm)
{
	for (unsigned i = 0; i < found.srat_mem_count; i++) {
		const struct srat_mem *m = &found.srat_mems[i];

		if (m->pxm != pxm)
			continue;
		for (size_t r = 0; r < physmem.count; r++)
			if (physmem.map[r].type == FW_MEM_USABLE && m->start < physmem.map[r].end &&
			    physmem.map[r].start < m->end)
				return true;
	}
	return false;
}

/* Does SRAT give domain @pxm a CPU the MADT lists? */
static bool srat_domain_has_cpu(uint32_t pxm)
{
	for (unsigned i = 0; i < found.srat_cpu_count; i++)
		if (found.srat_cpus[i].pxm == pxm && madt_has_cpu(found.srat_cpus[i].apic_id))
			return true;
	return false;
}

/* The proximity domain of SRAT entry @i (CPU entries first, then memory). */
static uint32_t srat_entry_pxm(unsigned i)
{
	return i < found.srat_cpu_count ? found.srat_cpus[i].pxm
					: found.srat_mems[i - found.srat_cpu_count].pxm;
}

/* A domain that is no node, once, with what it holds: the reason differs with what that is. */
static void note_domain(uint32_t pxm)
{
	bool ram = srat_domain_has_ram(pxm), cpu = srat_domain_has_cpu(pxm);
	const char *holds = ram && cpu ? "RAM and a present CPU" : ram ? "RAM, no present CPU" :
			    cpu ? "a present CPU, no RAM" : "no RAM and no present CPU";

	if (strcmp(numa.source, "srat") != 0)
		note_ignored("SRAT domain %u: %s, in node 0 (the SRAT was not used)", pxm, holds);
	else if (ram || cpu) /* RAM that earlier ranges of other domains claim, first range winning */
		note_ignored("SRAT domain %u: %s, all of it claimed by other domains", pxm, holds);
	else
		note_ignored("SRAT domain %u: %s", pxm, holds);
}

/* After numa_build: second tables, a SLIT the SRAT does not match, domains and CPUs left out. */
static void note_what_is_ignored(bool srat, bool slit)
{
	static const char *const sigs[] = { "APIC", "SRAT", "SLIT" };

	for (unsigned i = 0; i < 3; i++)
		if (acpi_find(&boot_acpi, sigs[i], 1))
			note_ignored("a second %s (only the first is read)", sigs[i]);
	if (slit && !srat)
		note_ignored("a SLIT without an SRAT: no domains for its distances");
	if (!srat || fake_nodes || numa_off)
		return;
	if (found.slit_n && found.slit_n != numa.node_count && !numa.slit_used)
		note_ignored("a SLIT of %u localities for %u SRAT nodes", found.slit_n, numa.node_count);
	else if (found.slit_n > numa.node_count)
		note_ignored("SLIT rows beyond the %u SRAT nodes (%u localities)", numa.node_count, found.slit_n);
	for (unsigned i = 0; i < found.srat_cpu_count + found.srat_mem_count; i++) {
		uint32_t pxm = srat_entry_pxm(i);
		bool seen = false;

		for (unsigned k = 0; k < i && !seen; k++)
			seen = srat_entry_pxm(k) == pxm;
		if (!seen && !srat_domain_is_node(pxm))
			note_domain(pxm);
	}
	for (unsigned i = 0; i < found.srat_cpu_count; i++)
		if (!madt_has_cpu(found.srat_cpus[i].apic_id))
			note_ignored("SRAT CPU with APIC id %u: absent from the MADT", found.srat_cpus[i].apic_id);
}

static void report_problem(void *cookie, const char *what, const char *detail, const char *action)
{
	(void)cookie;
	record_error(what, detail, action);
}

static void take_madt_cpu(void *cookie, const struct madt_cpu *cpu)
{
	uint32_t boot_apic = *(const uint32_t *)cookie;

	if (!cpu->enabled)
		return; /* online-capable CPUs are hot-plug slots: not present at boot */
	if (found.cpu_count == MAX_CPUS) {
		found.overflow = true;
		return;
	}
	/* The boot CPU goes first: it is cpu 0. */
	if (cpu->apic_id == boot_apic && found.cpu_count) {
		found.apic_ids[found.cpu_count++] = found.apic_ids[0];
		found.apic_ids[0] = cpu->apic_id;
		return;
	}
	found.apic_ids[found.cpu_count++] = cpu->apic_id;
}

static void take_srat_cpu(void *cookie, const struct srat_cpu *cpu)
{
	(void)cookie;
	if (found.srat_cpu_count < MAX_CPUS)
		found.srat_cpus[found.srat_cpu_count++] = *cpu;
	else
		found.overflow = true;
}

static void take_srat_mem(void *cookie, const struct srat_mem *mem)
{
	(void)cookie;
	if (found.srat_mem_count < found.srat_mem_room)
		found.srat_mems[found.srat_mem_count++] = *mem;
	else
		found.overflow = true;
}

static void skip_srat_cpu(void *cookie, const struct srat_cpu *cpu)
{
	(void)cookie;
	(void)cpu;
}

static void skip_srat_mem(void *cookie, const struct srat_mem *mem)
{
	(void)cookie;
	(void)mem;
}

static void skip_problem(void *cookie, const char *what, const char *detail, const char *action)
{
	(void)cookie;
	(void)what;
	(void)detail;
	(void)action;
}

/* A silent first walk counts the memory entries (the second reports): the table holds every one. */
static void make_room_for_srat_mems(const struct acpi_header *srat)
{
	struct srat_info counted = { 0 };

	srat_walk(srat, skip_srat_cpu, skip_srat_mem, NULL, &counted, skip_problem, NULL);
	if (!counted.mem_entries)
		return;
	found.srat_mems = kzalloc(counted.mem_entries * sizeof(*found.srat_mems), NUMA_NO_NODE);
	if (found.srat_mems)
		found.srat_mem_room = counted.mem_entries;
}

static void read_acpi_topology(uint32_t boot_apic)
{
	const struct acpi_header *madt = acpi_find(&boot_acpi, "APIC", 0);
	const struct acpi_header *srat = acpi_find(&boot_acpi, "SRAT", 0);
	const struct acpi_header *slit = acpi_find(&boot_acpi, "SLIT", 0);
	struct madt_info mi = { 0 };
	struct srat_info si = { 0 };

	if (madt && madt_walk(madt, take_madt_cpu, &boot_apic, &mi, report_problem, NULL))
		madt_lapic_phys = mi.lapic_phys;
	if (!found.cpu_count) {
		record_error("acpi madt", madt ? "no enabled CPU listed" : "no MADT",
			     "running on the boot CPU only");
		found.apic_ids[0] = boot_apic;
		found.cpu_count = 1;
	}
	if (srat && !fake_nodes && !numa_off) {
		make_room_for_srat_mems(srat);
		srat_walk(srat, take_srat_cpu, take_srat_mem, NULL, &si, report_problem, NULL);
	}
	if (slit && srat && !fake_nodes && !numa_off &&
	    !slit_parse(slit, found.slit, MAX_NODES, &found.slit_n, report_problem, NULL))
		found.slit_n = 0;
	if (found.overflow)
		record_error("acpi topology",
			     "more CPUs than the kernel keeps, or no early memory for the SRAT's ranges",
			     "extra entries ignored");
}

/* Each RAM range of each node into the early allocator, and the order to fall back in. */
static void place_nodes_in_memblock(void)
{
	static int order[MAX_NODES * MAX_NODES];

	for (unsigned n = 0; n < numa.node_count; n++) {
		const struct numa_node *node = &numa.nodes[n];

		for (unsigned r = 0; r < node->range_count; r++)
			memblock_set_node(&boot_memblock, node->ranges[r].start, node->ranges[r].end,
					  (int)n);
		numa_nodes_by_distance(&numa, (int)n, &order[n * numa.node_count]);
	}
	memblock_set_fallback(&boot_memblock, numa.node_count, order);
	boot_memblock.bottom_up = false; /* the nodes are known: allocations go where they are asked */
}

void topology_init(void)
{
	struct numa_input in = { 0 };

	read_acpi_topology(cpuid_apic_id());
	in.ram = physmem.map;
	in.ram_count = physmem.count;
	in.cpu_apic_ids = found.apic_ids;
	in.cpu_count = found.cpu_count;
	in.srat_cpus = found.srat_cpus;
	in.srat_cpu_count = found.srat_cpu_count;
	in.srat_mems = found.srat_mems;
	in.srat_mem_count = found.srat_mem_count;
	in.slit = found.slit_n ? found.slit : NULL;
	in.slit_n = found.slit_n;
	in.fake_nodes = fake_nodes;
	in.numa_off = numa_off;
	/* Early memory for every node's RAM ranges, as many as the map and the SRAT can make. */
	in.range_store_cap = numa_ranges_needed(&in);
	in.range_store = kzalloc(in.range_store_cap * sizeof(*in.range_store), NUMA_NO_NODE);
	if (!in.range_store)
		in.range_store_cap = 0;
	numa_build(&in, &numa, report_problem, NULL);
	note_what_is_ignored(acpi_find(&boot_acpi, "SRAT", 0) != NULL, acpi_find(&boot_acpi, "SLIT", 0) != NULL);
	place_nodes_in_memblock();
	/* The copy of the SRAT's ranges is read no more: given back (late, once the buddy allocator runs). */
	kfree(found.srat_mems);
	found.srat_mems = NULL;
	found.srat_mem_count = found.srat_mem_room = 0;
}

static void rec_node(struct record *r, unsigned n)
{
	const struct numa_node *node = &numa.nodes[n];

	rec_object_begin(r, NULL);
	rec_u64(r, "id", n);
	rec_u64(r, "pxm", node->pxm);
	rec_array_begin(r, "ranges");
	for (unsigned i = 0; i < node->range_count; i++) {
		rec_array_begin(r, NULL);
		rec_u64(r, NULL, node->ranges[i].start);
		rec_u64(r, NULL, node->ranges[i].end);
		rec_array_end(r);
	}
	rec_array_end(r);
	rec_u64(r, "pages", node->pages);
	rec_array_begin(r, "cpus");
	for_each_cpu_in(cpu, &cpu_online_mask)
		if (cpu_area[cpu]->node == (int)n)
			rec_u64(r, NULL, cpu);
	rec_array_end(r);
	rec_object_end(r);
}

void report_topology(void)
{
	/* 64 nodes' distance matrix alone is ~12 KiB; printed once, by the boot CPU. */
	static char storage[64 << 10];
	struct record r;

	record_begin_in(&r, "topology", storage, sizeof(storage));
	rec_array_begin(&r, "nodes");
	for (unsigned n = 0; n < numa.node_count; n++)
		rec_node(&r, n);
	rec_array_end(&r);
	rec_array_begin(&r, "cpus");
	for_each_cpu_in(cpu, &cpu_online_mask) {
		rec_object_begin(&r, NULL);
		rec_u64(&r, "id", cpu);
		rec_u64(&r, "apic_id", cpu_area[cpu]->apic_id);
		rec_u64(&r, "node", (uint64_t)cpu_area[cpu]->node);
		rec_i64(&r, "tsc_offset_ns", cpu_area[cpu]->tsc_offset < 0 ?
				-(int64_t)tsc_to_ns((uint64_t)-cpu_area[cpu]->tsc_offset) :
				(int64_t)tsc_to_ns((uint64_t)cpu_area[cpu]->tsc_offset));
		rec_object_end(&r);
	}
	rec_array_end(&r);
	rec_array_begin(&r, "distance");
	for (unsigned i = 0; i < numa.node_count; i++) {
		rec_array_begin(&r, NULL);
		for (unsigned j = 0; j < numa.node_count; j++)
			rec_u64(&r, NULL, numa.distance[i][j]);
		rec_array_end(&r);
	}
	rec_array_end(&r);
	rec_u64(&r, "ap_wake_ns", smp_stats.wake_ns);
	rec_u64(&r, "tsc_skew_ns", smp_stats.tsc_skew_ns);
	rec_u64(&r, "tsc_uncertainty_ns", smp_stats.tsc_uncertainty_ns);
	/* Added keys. */
	rec_str(&r, "numa_source", numa.source);
	rec_bool(&r, "slit", numa.slit_used);
	rec_str(&r, "apic_mode", smp_stats.apic_mode ? smp_stats.apic_mode : "");
	rec_u64(&r, "init_delay_ns", smp_stats.init_delay_ns);
	rec_u64(&r, "cpus_requested", smp_stats.requested + 1);
	rec_u64(&r, "cpus_failed", smp_stats.failed);
	rec_u64(&r, "memblock_node_fallbacks", boot_memblock.node_fallbacks);
	rec_array_begin(&r, "ignored");
	for (unsigned i = 0; i < ignored_count; i++)
		rec_str(&r, NULL, ignored[i]);
	if (ignored_left_out)
		rec_strf(&r, NULL, "%u more not listed", ignored_left_out);
	rec_array_end(&r);
	record_end(&r);
}
