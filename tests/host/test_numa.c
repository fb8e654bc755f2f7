// SPDX-License-Identifier: MIT
/*
 * Host tests for smp/numa.c, written against the contract in smp/numa.h:
 * topologies shaped like the ones QEMU's q35 machine describes (e820 map,
 * SRAT, SLIT), the ways firmware gets SRAT wrong, numa=fake and numa=off,
 * and a randomized comparison with a brute-force reference. Every build is
 * checked for the invariants: each usable page in exactly one node, node
 * ranges inside usable RAM, every CPU on a valid node.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "smp/numa.h"
#include "tests/host/check.h"

#define RNG_SEED 0x2545f4914f6cdd1dull
#include "tests/host/rng.h"

#define U FW_MEM_USABLE
#define R FW_MEM_RESERVED

/* ---- problem reports ---------------------------------------------------- */

#define REPORTS_KEPT 16

static struct {
	unsigned count;
	char text[REPORTS_KEPT][256];
} reports;

static void collect(void *cookie, const char *what, const char *detail, const char *action)
{
	(void)cookie;
	CHECK_STR_EQ(what, "numa");
	CHECK(detail && *detail);
	CHECK(action && *action);
	if (reports.count < REPORTS_KEPT)
		snprintf(reports.text[reports.count], sizeof(reports.text[0]), "%s: %s; %s", what,
			 detail, action);
	reports.count++;
}

/* True if a kept report contains @needle. */
static bool reported(const char *needle)
{
	for (unsigned i = 0; i < reports.count && i < REPORTS_KEPT; i++)
		if (strstr(reports.text[i], needle))
			return true;
	if (check_should_print())
		for (unsigned i = 0; i < reports.count && i < REPORTS_KEPT; i++)
			fprintf(stderr, "  report: %s\n", reports.text[i]);
	return false;
}

/* ---- machines shaped like QEMU q35 -------------------------------------- */

/* Firmware as fragmented as real maps can be: far more ranges than any fixed table had room for. */
#define RANGES_MANY 1000

struct machine {
	struct fw_mem_range ram[RANGES_MANY + 8];
	size_t ram_count;
	uint64_t below_4g;                   /* RAM QEMU maps below the PCI hole */
	struct srat_mem mems[RANGES_MANY + 8];
	unsigned mem_count;
	struct srat_cpu srat_cpus[MAX_CPUS + 8];
	unsigned srat_cpu_count;
	uint32_t apic[MAX_CPUS + 8];         /* the CPUs to place, as the MADT lists them */
	unsigned cpu_count;
	uint8_t slit[16 * 16];
	unsigned slit_n;
};

static struct machine mach;
static struct numa_topology topo;
/* Where numa_build keeps the nodes' ranges; input_of() offers exactly numa_ranges_needed(). */
static struct fw_mem_range range_store[2 * (RANGES_MANY + 8) + 2 * (RANGES_MANY + 8) + MAX_NODES];

static void map_add(struct machine *m, uint64_t start, uint64_t end, uint32_t type)
{
	m->ram[m->ram_count++] = (struct fw_mem_range){ start, end, type };
}

/*
 * The normalized e820 map of a q35 guest with @ram bytes: 3 GiB at most
 * below the PCI hole, the firmware's reservations, the rest from 4 GiB.
 */
static void q35_ram(struct machine *m, uint64_t ram)
{
	m->ram_count = 0;
	m->below_4g = ram > 3 * GiB ? 3 * GiB : ram;
	map_add(m, 0, 0x9f000, U);
	map_add(m, 0x9fc00, 0xa0000, R);
	map_add(m, 0xf0000, 0x100000, R);
	map_add(m, 0x100000, m->below_4g - 0x20000, U);
	map_add(m, m->below_4g - 0x20000, m->below_4g, R);
	map_add(m, 0xfeffc000, 0xff000000, R);
	map_add(m, 0xfffc0000, 4 * GiB, R);
	if (ram > m->below_4g)
		map_add(m, 4 * GiB, 4 * GiB + ram - m->below_4g, U);
}

static void srat_mem(struct machine *m, uint64_t start, uint64_t end, uint32_t pxm)
{
	m->mems[m->mem_count++] = (struct srat_mem){ start, end, pxm, false, false };
}

/*
 * SRAT memory entries as QEMU builds them: node 0 gets [0, 640K) and then
 * from 1 MiB; nodes follow each other in address order, and the node that
 * reaches the PCI hole is split into a piece below it and one from 4 GiB.
 * A node of 0 bytes gets no entry.
 */
static void q35_srat(struct machine *m, const uint64_t *node_mem, unsigned nodes)
{
	uint64_t next = 1 * MiB;

	m->mem_count = 0;
	srat_mem(m, 0, 0xa0000, 0);
	for (unsigned i = 0; i < nodes; i++) {
		uint64_t base = next, len = node_mem[i] - (i == 0 ? 1 * MiB : 0);

		if (!node_mem[i])
			continue;
		next = base + len;
		if (base <= m->below_4g && next > m->below_4g) {
			if (m->below_4g > base)
				srat_mem(m, base, m->below_4g, i);
			len = next - m->below_4g;
			base = 4 * GiB;
			next = base + len;
		}
		srat_mem(m, base, next, i);
	}
}

/* A CPU the MADT lists and SRAT places in @pxm. */
static void add_cpu(struct machine *m, uint32_t apic, uint32_t pxm)
{
	m->srat_cpus[m->srat_cpu_count++] = (struct srat_cpu){ apic, pxm, apic >= 255 };
	m->apic[m->cpu_count++] = apic;
}

static void set_slit(struct machine *m, unsigned n, const uint8_t *d)
{
	m->slit_n = n;
	memcpy(m->slit, d, (size_t)n * n);
}

static struct numa_input input_of(const struct machine *m)
{
	struct numa_input in = {
		.ram = m->ram,
		.ram_count = m->ram_count,
		.cpu_apic_ids = m->apic,
		.cpu_count = m->cpu_count,
		.srat_cpus = m->srat_cpus,
		.srat_cpu_count = m->srat_cpu_count,
		.srat_mems = m->mems,
		.srat_mem_count = m->mem_count,
		.slit = m->slit_n ? m->slit : NULL,
		.slit_n = m->slit_n,
		.range_store = range_store,
	};

	in.range_store_cap = numa_ranges_needed(&in);
	CHECK(in.range_store_cap <= COUNT_OF(range_store));
	return in;
}

/* ---- invariants ---------------------------------------------------------- */

static uint64_t input_usable_pages(const struct numa_input *in)
{
	uint64_t pages = 0;

	for (size_t i = 0; i < in->ram_count; i++)
		if (in->ram[i].type == U)
			pages += (in->ram[i].end - in->ram[i].start) / PAGE_SIZE;
	return pages;
}

static bool inside_usable(const struct numa_input *in, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < in->ram_count; i++)
		if (in->ram[i].type == U && in->ram[i].start <= start && end <= in->ram[i].end)
			return true;
	return false;
}

/* What must hold after any build, whatever the input (which must be normalized). */
static void check_invariants(const struct numa_input *in, const struct numa_topology *t)
{
	uint64_t pages = 0;
	unsigned cpus = 0;

	CHECK(t->node_count >= 1 && t->node_count <= MAX_NODES);
	CHECK_EQ_U64(t->cpu_count, in->cpu_count < MAX_CPUS ? in->cpu_count : MAX_CPUS);
	for (unsigned i = 0; i < t->node_count; i++) {
		const struct numa_node *n = &t->nodes[i];
		uint64_t listed = 0;

		pages += n->pages;
		cpus += n->cpu_count;
		/* A store sized as numa.h says is never too small. */
		CHECK(!n->ranges_truncated || in->range_store_cap < numa_ranges_needed(in));
		CHECK_EQ_U64(t->distance[i][i], SLIT_LOCAL);
		if (i > 0)
			CHECK(t->nodes[i - 1].pxm < n->pxm); /* dense ids in pxm order */
		for (unsigned r = 0; r < n->range_count; r++) {
			const struct fw_mem_range *g = &n->ranges[r];

			listed += (g->end - g->start) / PAGE_SIZE;
			CHECK(g->start < g->end);
			CHECK_EQ_U64(g->type, U);
			CHECK(inside_usable(in, g->start, g->end));
			CHECK(r == 0 || n->ranges[r - 1].end < g->start); /* sorted, merged */
			CHECK(g->start / PAGE_SIZE >= n->start_pfn && g->end / PAGE_SIZE <= n->end_pfn);
			CHECK_EQ_U64(numa_node_of_addr(t, g->start), i);
			CHECK_EQ_U64(numa_node_of_addr(t, g->end - 1), i);
			for (unsigned j = 0; j < t->node_count; j++) /* disjoint across nodes */
				for (unsigned q = 0; j != i && q < t->nodes[j].range_count; q++)
					CHECK(t->nodes[j].ranges[q].end <= g->start ||
					      g->end <= t->nodes[j].ranges[q].start);
		}
		if (n->ranges_truncated)
			CHECK(listed < n->pages);
		else
			CHECK_EQ_U64(listed, n->pages);
		if (!n->pages) {
			CHECK_EQ_U64(n->start_pfn, 0);
			CHECK_EQ_U64(n->end_pfn, 0);
		} else if (n->range_count) {
			CHECK_EQ_U64(n->start_pfn, n->ranges[0].start / PAGE_SIZE);
		}
	}
	CHECK_EQ_U64(pages, input_usable_pages(in));
	CHECK_EQ_U64(cpus, t->cpu_count);
	for (unsigned c = 0; c < t->cpu_count; c++) {
		CHECK(t->cpus[c].node >= 0 && (unsigned)t->cpus[c].node < t->node_count);
		CHECK_EQ_U64(t->cpus[c].apic_id, in->cpu_apic_ids[c]);
	}
	if (!t->slit_used)
		for (unsigned i = 0; i < t->node_count; i++)
			for (unsigned j = 0; j < t->node_count; j++)
				CHECK_EQ_U64(t->distance[i][j], i == j ? 10 : 20);
}

/* Build from @m with reports collected, check the invariants. */
static bool build(const struct machine *m, unsigned fake, bool off)
{
	struct numa_input in = input_of(m);
	bool ok;

	in.fake_nodes = fake;
	in.numa_off = off;
	memset(&reports, 0, sizeof(reports));
	memset(&topo, 0xa5, sizeof(topo)); /* nothing may depend on the old contents */
	ok = numa_build(&in, &topo, collect, NULL);
	check_invariants(&in, &topo);
	return ok;
}

static void reset_machine(void)
{
	memset(&mach, 0, sizeof(mach));
}

static uint64_t pages_of(uint64_t bytes)
{
	return bytes / PAGE_SIZE;
}

#define CHECK_RANGE(node, idx, s, e)                                              \
	do {                                                                      \
		CHECK_EQ_U64(topo.nodes[node].ranges[idx].start, s);              \
		CHECK_EQ_U64(topo.nodes[node].ranges[idx].end, e);                \
	} while (0)

/* ---- QEMU-shaped topologies --------------------------------------------- */

static void test_one_node_one_cpu(void)
{
	const uint64_t mem[] = { 512 * MiB };

	reset_machine();
	q35_ram(&mach, 512 * MiB);
	q35_srat(&mach, mem, 1);
	add_cpu(&mach, 0, 0);
	CHECK(build(&mach, 0, false));
	CHECK_STR_EQ(topo.source, "srat");
	CHECK_EQ_U64(topo.node_count, 1);
	CHECK_EQ_U64(topo.nodes[0].range_count, 2);
	CHECK_RANGE(0, 0, 0, 0x9f000);
	CHECK_RANGE(0, 1, 0x100000, 512 * MiB - 0x20000);
	CHECK_EQ_U64(topo.nodes[0].start_pfn, 0);
	CHECK_EQ_U64(topo.nodes[0].end_pfn, pages_of(512 * MiB - 0x20000));
	CHECK_EQ_U64(topo.nodes[0].cpu_count, 1);
	CHECK_EQ_U64(topo.cpus[0].node, 0);
	CHECK(!topo.slit_used);
	CHECK(!topo.nodes[0].ranges_truncated);
	CHECK_EQ_U64(reports.count, 0);
	CHECK_EQ_U64(numa_node_of_addr(&topo, 0x9e000), 0);
	CHECK_EQ_U64(numa_node_of_addr(&topo, 0x9f000), (uint64_t)-1); /* the EBDA hole */
	CHECK_EQ_U64(numa_node_of_addr(&topo, 512 * MiB), (uint64_t)-1);
}

static void test_two_nodes_two_cpus(void)
{
	const uint64_t mem[] = { 2 * GiB, 2 * GiB };

	reset_machine();
	q35_ram(&mach, 4 * GiB);
	q35_srat(&mach, mem, 2);
	add_cpu(&mach, 0, 0);
	add_cpu(&mach, 1, 1);
	CHECK(build(&mach, 0, false));
	CHECK_EQ_U64(topo.node_count, 2);
	CHECK_EQ_U64(topo.nodes[0].pxm, 0);
	CHECK_EQ_U64(topo.nodes[1].pxm, 1);
	CHECK_EQ_U64(topo.nodes[0].range_count, 2);
	CHECK_RANGE(0, 1, 0x100000, 2 * GiB);
	CHECK_EQ_U64(topo.nodes[0].pages, pages_of(0x9f000 + 2 * GiB - 0x100000));
	/* Node 1 starts at 2 GiB and is split by the PCI hole. */
	CHECK_EQ_U64(topo.nodes[1].range_count, 2);
	CHECK_RANGE(1, 0, 2 * GiB, 3 * GiB - 0x20000);
	CHECK_RANGE(1, 1, 4 * GiB, 5 * GiB);
	CHECK_EQ_U64(topo.nodes[1].start_pfn, pages_of(2 * GiB));
	CHECK_EQ_U64(topo.nodes[1].end_pfn, pages_of(5 * GiB));
	CHECK_EQ_U64(topo.cpus[0].node, 0);
	CHECK_EQ_U64(topo.cpus[1].node, 1);
	CHECK_EQ_U64(topo.distance[0][1], 20);
	CHECK_EQ_U64(reports.count, 0);
	CHECK_EQ_U64(numa_node_of_addr(&topo, 2 * GiB - 1), 0);
	CHECK_EQ_U64(numa_node_of_addr(&topo, 2 * GiB), 1);
	CHECK_EQ_U64(numa_node_of_addr(&topo, 3 * GiB + 1), (uint64_t)-1);
	CHECK_EQ_U64(numa_node_of_addr(&topo, 4 * GiB + 12345), 1);
}

static void test_four_nodes_slit_memoryless(void)
{
	/* Node 3 has CPUs but no memory (QEMU: -numa node,nodeid=3 without memdev). */
	const uint64_t mem[] = { 1 * GiB, 1 * GiB, 2 * GiB, 0 };
	const uint8_t slit[] = {
		10, 16, 32, 32,
		16, 10, 32, 32,
		32, 32, 10, 16,
		32, 32, 16, 10,
	};
	int order[MAX_NODES];

	reset_machine();
	q35_ram(&mach, 4 * GiB);
	q35_srat(&mach, mem, 4);
	for (uint32_t c = 0; c < 4; c++)
		add_cpu(&mach, c, c);
	set_slit(&mach, 4, slit);
	CHECK(build(&mach, 0, false));
	CHECK_EQ_U64(topo.node_count, 4);
	CHECK(topo.slit_used);
	for (unsigned i = 0; i < 4; i++)
		for (unsigned j = 0; j < 4; j++)
			CHECK_EQ_U64(topo.distance[i][j], slit[i * 4 + j]);
	CHECK_EQ_U64(topo.nodes[3].pxm, 3);
	CHECK_EQ_U64(topo.nodes[3].pages, 0);
	CHECK_EQ_U64(topo.nodes[3].range_count, 0);
	CHECK_EQ_U64(topo.nodes[3].start_pfn, 0);
	CHECK_EQ_U64(topo.nodes[3].end_pfn, 0);
	CHECK_EQ_U64(topo.nodes[3].cpu_count, 1);
	CHECK_EQ_U64(topo.cpus[3].node, 3);
	CHECK_RANGE(1, 0, 1 * GiB, 2 * GiB);
	CHECK_RANGE(2, 0, 2 * GiB, 3 * GiB - 0x20000);
	CHECK_RANGE(2, 1, 4 * GiB, 5 * GiB);
	CHECK_EQ_U64(reports.count, 0);

	CHECK_EQ_U64(numa_nodes_by_distance(&topo, 2, order), 4);
	CHECK_EQ_U64(order[0], 2);
	CHECK_EQ_U64(order[1], 3);
	CHECK_EQ_U64(order[2], 0);
	CHECK_EQ_U64(order[3], 1);
	CHECK_EQ_U64(numa_nodes_by_distance(&topo, 1, order), 4);
	CHECK_EQ_U64(order[0], 1);
	CHECK_EQ_U64(order[1], 0);
	CHECK_EQ_U64(order[2], 2); /* a tie at 32: by id */
	CHECK_EQ_U64(order[3], 3);
	CHECK_EQ_U64(numa_nodes_by_distance(&topo, 4, order), 0);
	CHECK_EQ_U64(numa_nodes_by_distance(&topo, -1, order), 0);
}

/* The direction a writer is chosen by: distance[CPU's node][memory's node]; 255 sorts last. */
static void test_nodes_nearest_to(void)
{
	static const uint8_t slit[4][4] = {
		{ 10, 20, 15, 255 }, { 20, 10, 30, 20 }, { 40, 12, 10, 255 }, { 12, 30, 30, 10 },
	};
	static struct numa_topology t;
	int order[MAX_NODES];

	t.node_count = 4;
	for (unsigned i = 0; i < 4; i++)
		for (unsigned j = 0; j < 4; j++)
			t.distance[i][j] = slit[i][j];
	/* To node 2: itself, then 0 (0->2 = 15), then 1 and 3 tied at 30 by id; not by 2->x. */
	CHECK_EQ_U64(numa_nodes_nearest_to(&t, 2, order), 4);
	CHECK_EQ_U64(order[0], 2);
	CHECK_EQ_U64(order[1], 0);
	CHECK_EQ_U64(order[2], 1);
	CHECK_EQ_U64(order[3], 3);
	/* To node 3: node 0 and node 2 cannot reach it (255): after node 1, whatever 3->0 says. */
	CHECK_EQ_U64(numa_nodes_nearest_to(&t, 3, order), 4);
	CHECK_EQ_U64(order[0], 3);
	CHECK_EQ_U64(order[1], 1);
	CHECK_EQ_U64(order[2], 0);
	CHECK_EQ_U64(order[3], 2);
	CHECK_EQ_U64(numa_nodes_nearest_to(&t, 4, order), 0);
	CHECK_EQ_U64(numa_nodes_nearest_to(&t, -1, order), 0);
}

static void test_cpu_less_node(void)
{
	const uint64_t mem[] = { 1 * GiB, 1 * GiB, 1 * GiB };

	reset_machine();
	q35_ram(&mach, 3 * GiB);
	q35_srat(&mach, mem, 3);
	add_cpu(&mach, 0, 0);
	add_cpu(&mach, 1, 0);
	add_cpu(&mach, 2, 2);
	CHECK(build(&mach, 0, false));
	CHECK_EQ_U64(topo.node_count, 3);
	CHECK_EQ_U64(topo.nodes[0].cpu_count, 2);
	CHECK_EQ_U64(topo.nodes[1].cpu_count, 0);
	CHECK_EQ_U64(topo.nodes[1].pages, pages_of(1 * GiB));
	CHECK_EQ_U64(topo.nodes[2].cpu_count, 1);
	CHECK_EQ_U64(topo.nodes[2].pages, pages_of(1 * GiB - 0x20000));
	CHECK_EQ_U64(topo.cpus[2].node, 2);
	CHECK_EQ_U64(reports.count, 0);
}

static void test_node_split_across_pci_hole(void)
{
	/* 1 GiB + 5 GiB: node 1 holds [1G, 3G) below the hole and [4G, 7G) above. */
	const uint64_t mem[] = { 1 * GiB, 5 * GiB };

	reset_machine();
	q35_ram(&mach, 6 * GiB);
	q35_srat(&mach, mem, 2);
	CHECK_EQ_U64(mach.mem_count, 4);
	add_cpu(&mach, 0, 0);
	add_cpu(&mach, 1, 1);
	CHECK(build(&mach, 0, false));
	CHECK_EQ_U64(topo.nodes[1].range_count, 2);
	CHECK_RANGE(1, 0, 1 * GiB, 3 * GiB - 0x20000);
	CHECK_RANGE(1, 1, 4 * GiB, 7 * GiB);
	CHECK_EQ_U64(topo.nodes[1].pages, pages_of(5 * GiB - 0x20000));
	CHECK_EQ_U64(topo.nodes[1].start_pfn, pages_of(1 * GiB));
	CHECK_EQ_U64(topo.nodes[1].end_pfn, pages_of(7 * GiB));
	CHECK_EQ_U64(numa_node_of_addr(&topo, 3 * GiB - 0x21000), 1);
	CHECK_EQ_U64(numa_node_of_addr(&topo, 3 * GiB - 0x20000), (uint64_t)-1);
	CHECK_EQ_U64(numa_node_of_addr(&topo, 3 * GiB + 0x1000), (uint64_t)-1); /* span hole */
	CHECK_EQ_U64(numa_node_of_addr(&topo, 7 * GiB - 1), 1);
	CHECK_EQ_U64(numa_node_of_addr(&topo, 7 * GiB), (uint64_t)-1);
	CHECK_EQ_U64(reports.count, 0);
}

static void test_eight_cpus_four_nodes(void)
{
	const uint64_t mem[] = { 1 * GiB, 1 * GiB, 1 * GiB, 1 * GiB };
	/* The MADT order need not follow the nodes; the boot CPU comes first. */
	const uint32_t madt[] = { 0, 7, 1, 6, 2, 5, 3, 4 };

	reset_machine();
	q35_ram(&mach, 4 * GiB);
	q35_srat(&mach, mem, 4);
	for (uint32_t c = 0; c < 8; c++)
		add_cpu(&mach, c, c / 2);
	memcpy(mach.apic, madt, sizeof(madt));
	CHECK(build(&mach, 0, false));
	CHECK_EQ_U64(topo.node_count, 4);
	for (unsigned n = 0; n < 4; n++)
		CHECK_EQ_U64(topo.nodes[n].cpu_count, 2);
	for (unsigned c = 0; c < 8; c++) {
		CHECK_EQ_U64(topo.cpus[c].apic_id, madt[c]);
		CHECK_EQ_U64(topo.cpus[c].node, madt[c] / 2);
	}
	CHECK_RANGE(3, 0, 4 * GiB, 5 * GiB); /* QEMU moves a node starting at the hole to 4 GiB */
}

static void test_x2apic_ids(void)
{
	const uint64_t mem[] = { 1 * GiB, 1 * GiB };
	const uint32_t ids[] = { 0, 1, 255, 256, 300, 0x10000, 0xfffffffe };

	reset_machine();
	q35_ram(&mach, 2 * GiB);
	q35_srat(&mach, mem, 2);
	for (unsigned i = 0; i < COUNT_OF(ids); i++)
		add_cpu(&mach, ids[i], i % 2);
	CHECK(build(&mach, 0, false));
	for (unsigned i = 0; i < COUNT_OF(ids); i++) {
		CHECK_EQ_U64(topo.cpus[i].apic_id, ids[i]);
		CHECK_EQ_U64(topo.cpus[i].node, i % 2);
	}
	CHECK_EQ_U64(topo.nodes[0].cpu_count, 4);
	CHECK_EQ_U64(topo.nodes[1].cpu_count, 3);
	CHECK_EQ_U64(reports.count, 0);
}

static void test_cpu_not_in_srat(void)
{
	const uint64_t mem[] = { 1 * GiB, 1 * GiB };

	reset_machine();
	q35_ram(&mach, 2 * GiB);
	q35_srat(&mach, mem, 2);
	add_cpu(&mach, 0, 0);
	add_cpu(&mach, 1, 1);
	mach.apic[mach.cpu_count++] = 0x42; /* in the MADT, not in SRAT */
	mach.apic[mach.cpu_count++] = 0x43;
	CHECK(build(&mach, 0, false));
	CHECK_EQ_U64(topo.cpus[2].node, 0);
	CHECK_EQ_U64(topo.cpus[3].node, 0);
	CHECK_EQ_U64(topo.nodes[0].cpu_count, 3);
	CHECK_EQ_U64(reports.count, 1);
	CHECK(reported("2 CPUs not in SRAT, first APIC id 0x42"));
	CHECK(reported("placed on node 0"));

	/* The same APIC id in two domains: the first entry wins, reported. */
	reset_machine();
	q35_ram(&mach, 2 * GiB);
	q35_srat(&mach, mem, 2);
	add_cpu(&mach, 0, 1);
	mach.srat_cpus[mach.srat_cpu_count++] = (struct srat_cpu){ 0, 0, false };
	CHECK(build(&mach, 0, false));
	CHECK_EQ_U64(topo.cpus[0].node, 1);
	CHECK(reported("1 CPUs in more than one SRAT domain"));
}

/* ---- what firmware gets wrong ------------------------------------------- */

static void test_srat_overlapping_out_of_order(void)
{
	reset_machine();
	q35_ram(&mach, 4 * GiB);
	/* Table order: domain 1 first, claiming [2G, 5G); domain 0 claims [0, 3G) after it. */
	srat_mem(&mach, 2 * GiB, 5 * GiB, 1);
	srat_mem(&mach, 1 * MiB, 3 * GiB, 0);
	srat_mem(&mach, 0, 0xa0000, 0);
	add_cpu(&mach, 0, 0);
	add_cpu(&mach, 1, 1);
	CHECK(build(&mach, 0, false));
	CHECK_EQ_U64(topo.node_count, 2);
	CHECK_EQ_U64(topo.nodes[0].range_count, 2);
	CHECK_RANGE(0, 0, 0, 0x9f000);
	CHECK_RANGE(0, 1, 1 * MiB, 2 * GiB);
	CHECK_RANGE(1, 0, 2 * GiB, 3 * GiB - 0x20000); /* the overlap: first in table order */
	CHECK_RANGE(1, 1, 4 * GiB, 5 * GiB);
	CHECK(reported("1 overlapping pairs of SRAT memory ranges"));
	CHECK_EQ_U64(reports.count, 1);

	/* Same domain twice, entries reversed: no double counting. */
	reset_machine();
	q35_ram(&mach, 2 * GiB);
	srat_mem(&mach, 1 * GiB, 2 * GiB, 0);
	srat_mem(&mach, 0, 1536 * MiB, 0);
	add_cpu(&mach, 0, 0);
	CHECK(build(&mach, 0, false));
	CHECK_EQ_U64(topo.node_count, 1);
	CHECK_EQ_U64(topo.nodes[0].range_count, 2);
	CHECK_RANGE(0, 1, 1 * MiB, 2 * GiB - 0x20000);
}

static void test_ram_not_covered_by_srat(void)
{
	uint64_t gap = (2 * GiB) - (1 * GiB);

	reset_machine();
	q35_ram(&mach, 5 * GiB);
	/* [1G, 2G) and [3G+4G... ) are not described; [0, 640K) neither. */
	srat_mem(&mach, 1 * MiB, 1 * GiB, 1);
	srat_mem(&mach, 2 * GiB, 3 * GiB, 2);
	srat_mem(&mach, 4 * GiB, 5 * GiB, 1);
	add_cpu(&mach, 0, 1);
	add_cpu(&mach, 1, 2);
	CHECK(build(&mach, 0, false));
	CHECK_EQ_U64(topo.node_count, 2);
	CHECK_EQ_U64(topo.nodes[0].pxm, 1);
	CHECK_EQ_U64(topo.nodes[1].pxm, 2);
	/* [0, 0x9f000): nothing covered below it -> node 0. [1G, 2G) -> node of 1G-1. */
	CHECK_EQ_U64(numa_node_of_addr(&topo, 0), 0);
	CHECK_EQ_U64(numa_node_of_addr(&topo, 1536 * MiB), 0);
	CHECK_RANGE(0, 1, 1 * MiB, 2 * GiB);
	/* [5G, 6G) above the last entry -> the node of the RAM just below: domain 1 again. */
	CHECK_EQ_U64(numa_node_of_addr(&topo, 5 * GiB + 4096), 0);
	CHECK_RANGE(0, 2, 4 * GiB, 6 * GiB);
	CHECK_EQ_U64(topo.nodes[1].range_count, 1);
	CHECK_RANGE(1, 0, 2 * GiB, 3 * GiB - 0x20000);
	CHECK_EQ_U64(reports.count, 1);
	{
		char want[96];

		snprintf(want, sizeof(want), "%llu bytes of usable RAM outside",
			 (unsigned long long)(0x9f000 + gap + 1 * GiB));
		CHECK(reported(want));
	}

	/* A hole in SRAT in the middle goes to the node below, not the node above. */
	reset_machine();
	q35_ram(&mach, 2 * GiB);
	srat_mem(&mach, 0, 1 * GiB, 3);
	srat_mem(&mach, 1 * GiB + 64 * MiB, 2 * GiB, 0);
	CHECK(build(&mach, 0, false));
	CHECK_EQ_U64(topo.nodes[0].pxm, 0);
	CHECK_EQ_U64(topo.nodes[1].pxm, 3);
	CHECK_EQ_U64(numa_node_of_addr(&topo, 1 * GiB + 4096), 1);
	CHECK_EQ_U64(numa_node_of_addr(&topo, 1 * GiB + 64 * MiB), 0);
	CHECK(reported("67108864 bytes of usable RAM outside"));
}

static void test_hotplug_only_domain_gets_no_node(void)
{
	const uint64_t mem[] = { 1 * GiB, 1 * GiB };

	reset_machine();
	q35_ram(&mach, 2 * GiB);
	q35_srat(&mach, mem, 2);
	/* QEMU's device-memory window: hot-pluggable, no RAM behind it yet. */
	mach.mems[mach.mem_count++] = (struct srat_mem){ 4 * GiB, 8 * GiB, 5, true, false };
	/* An SRAT CPU the MADT does not list (a hot-pluggable CPU slot). */
	mach.srat_cpus[mach.srat_cpu_count++] = (struct srat_cpu){ 9, 7, false };
	add_cpu(&mach, 0, 0);
	CHECK(build(&mach, 0, false));
	CHECK_EQ_U64(topo.node_count, 2);
	CHECK_EQ_U64(topo.nodes[1].pxm, 1);
	CHECK_EQ_U64(topo.nodes[1].cpu_count, 0);
	CHECK_EQ_U64(reports.count, 0);

	/* Hot-pluggable but present RAM counts like any other. */
	reset_machine();
	q35_ram(&mach, 5 * GiB);
	srat_mem(&mach, 0, 3 * GiB, 0);
	mach.mems[mach.mem_count++] = (struct srat_mem){ 4 * GiB, 8 * GiB, 2, true, false };
	CHECK(build(&mach, 0, false));
	CHECK_EQ_U64(topo.node_count, 2);
	CHECK_EQ_U64(topo.nodes[1].pxm, 2);
	CHECK_EQ_U64(topo.nodes[1].pages, pages_of(2 * GiB));
}

static void test_slit_unusable(void)
{
	const uint8_t small[] = { 10, 20, 20, 10 };
	const uint8_t bad[] = { 10, 5, 5, 10 };
	const uint8_t nonlocal[] = { 10, 20, 20, 12 };

	/* Domains 0 and 5 but a 2x2 SLIT. */
	reset_machine();
	q35_ram(&mach, 2 * GiB);
	srat_mem(&mach, 0, 1 * GiB, 0);
	srat_mem(&mach, 1 * GiB, 2 * GiB, 5);
	add_cpu(&mach, 0, 0);
	add_cpu(&mach, 1, 5);
	set_slit(&mach, 2, small);
	CHECK(build(&mach, 0, false));
	CHECK(!topo.slit_used);
	CHECK_EQ_U64(topo.distance[0][1], 20);
	CHECK_EQ_U64(topo.distance[1][1], 10);
	CHECK(reported("SLIT covers 2 domains, node 1 is domain 5"));
	CHECK(reported("distances 10 local, 20 remote"));

	/* Reserved values (below 10) and a non-local diagonal. */
	mach.mems[1].pxm = 1;
	mach.srat_cpus[1].pxm = 1;
	set_slit(&mach, 2, bad);
	CHECK(build(&mach, 0, false));
	CHECK(!topo.slit_used);
	CHECK(reported("SLIT distance 5 from domain 0 to 1"));
	set_slit(&mach, 2, nonlocal);
	CHECK(build(&mach, 0, false));
	CHECK(!topo.slit_used);
	CHECK(reported("SLIT distance 12 from domain 1 to 1"));
	set_slit(&mach, 2, small);
	CHECK(build(&mach, 0, false));
	CHECK(topo.slit_used);
	CHECK_EQ_U64(reports.count, 0);
}

/* One node with @count usable fragments of 1 MiB, 2 MiB apart, all in one SRAT domain. */
static void fragmented_node(unsigned count)
{
	reset_machine();
	for (unsigned i = 0; i < count; i++)
		map_add(&mach, (uint64_t)i * 2 * MiB, (uint64_t)i * 2 * MiB + MiB, U);
	srat_mem(&mach, 0, (uint64_t)count * 2 * MiB, 0);
	add_cpu(&mach, 0, 0);
}

static void test_ranges_without_cap(void)
{
	/* 1000 fragments in one domain: every one listed, every page counted, nothing reported. */
	fragmented_node(RANGES_MANY);
	CHECK(build(&mach, 0, false));
	CHECK(!topo.nodes[0].ranges_truncated);
	CHECK_EQ_U64(topo.nodes[0].range_count, RANGES_MANY);
	CHECK_EQ_U64(topo.nodes[0].pages, pages_of(RANGES_MANY * MiB));
	CHECK_RANGE(0, RANGES_MANY - 1, (RANGES_MANY - 1) * 2 * MiB, (RANGES_MANY - 1) * 2 * MiB + MiB);
	CHECK_EQ_U64(reports.count, 0);

	/* Two domains interleaved fragment by fragment: each node's slice holds its own 500. */
	mach.mem_count = 0;
	for (unsigned i = 0; i < RANGES_MANY; i++)
		srat_mem(&mach, (uint64_t)i * 2 * MiB, (uint64_t)(i + 1) * 2 * MiB, i % 2);
	add_cpu(&mach, 1, 1);
	CHECK(build(&mach, 0, false));
	CHECK_EQ_U64(topo.node_count, 2);
	CHECK_EQ_U64(topo.nodes[0].range_count, RANGES_MANY / 2);
	CHECK_EQ_U64(topo.nodes[1].range_count, RANGES_MANY / 2);
	CHECK_RANGE(1, 0, 2 * MiB, 3 * MiB);
	CHECK_RANGE(1, RANGES_MANY / 2 - 1, (RANGES_MANY - 1) * 2 * MiB, (RANGES_MANY - 1) * 2 * MiB + MiB);
	CHECK_EQ_U64(reports.count, 0);

	/* numa=fake cuts 1000 fragments into 64 nodes; numa=off keeps them on one. */
	CHECK(build(&mach, MAX_NODES, false));
	CHECK_EQ_U64(topo.node_count, MAX_NODES);
	CHECK(build(&mach, 0, true));
	CHECK_EQ_U64(topo.nodes[0].range_count, RANGES_MANY);

	/* Pieces that touch merge: 40 entries of one domain over one range make one range. */
	reset_machine();
	map_add(&mach, 0, 40 * MiB, U);
	for (unsigned i = 0; i < 40; i++)
		srat_mem(&mach, (uint64_t)i * MiB, (uint64_t)(i + 1) * MiB, 0);
	CHECK(build(&mach, 0, false));
	CHECK(!topo.nodes[0].ranges_truncated);
	CHECK_EQ_U64(topo.nodes[0].range_count, 1);
	CHECK_EQ_U64(reports.count, 0);
}

static void test_range_store_too_small(void)
{
	/* A caller that offers less than numa_ranges_needed(): the lowest ranges listed, every page counted. */
	struct numa_input in;

	fragmented_node(24);
	in = input_of(&mach);
	in.range_store_cap = 16;
	memset(&reports, 0, sizeof(reports));
	CHECK(numa_build(&in, &topo, collect, NULL));
	check_invariants(&in, &topo);
	CHECK(topo.nodes[0].ranges_truncated);
	CHECK_EQ_U64(topo.nodes[0].range_count, 16);
	CHECK_EQ_U64(topo.nodes[0].pages, pages_of(24 * MiB));
	CHECK_EQ_U64(topo.nodes[0].end_pfn, pages_of(47 * MiB));
	CHECK(reported("node 0 has more RAM ranges than the range store holds (16), 2048 pages unlisted"));

	/* No store at all: nothing listed, nothing lost. */
	in.range_store = NULL;
	memset(&reports, 0, sizeof(reports));
	CHECK(numa_build(&in, &topo, collect, NULL));
	check_invariants(&in, &topo);
	CHECK_EQ_U64(topo.nodes[0].range_count, 0);
	CHECK_EQ_U64(topo.nodes[0].pages, pages_of(24 * MiB));
}

static void test_srat_unusable_falls_back(void)
{
	/* SRAT only describes memory that is not there and CPUs that are not listed. */
	reset_machine();
	q35_ram(&mach, 1 * GiB);
	srat_mem(&mach, 8 * GiB, 9 * GiB, 0);
	mach.srat_cpus[mach.srat_cpu_count++] = (struct srat_cpu){ 5, 0, false };
	mach.apic[mach.cpu_count++] = 0;
	CHECK(build(&mach, 0, false));
	CHECK_STR_EQ(topo.source, "none");
	CHECK_EQ_U64(topo.node_count, 1);
	CHECK(reported("SRAT places no usable RAM and none of the 1 CPUs"));

	/* More than MAX_NODES domains with RAM. */
	reset_machine();
	for (unsigned i = 0; i < MAX_NODES + 2; i++) {
		map_add(&mach, (uint64_t)i * MiB, (uint64_t)i * MiB + 4096, U);
		srat_mem(&mach, (uint64_t)i * MiB, (uint64_t)(i + 1) * MiB, i);
	}
	CHECK(build(&mach, 0, false));
	CHECK_EQ_U64(topo.node_count, 1);
	CHECK(reported("SRAT has more than 64 domains with RAM or CPUs"));
	/* The one node lists every fragment. */
	CHECK(!topo.nodes[0].ranges_truncated);
	CHECK_EQ_U64(topo.nodes[0].range_count, MAX_NODES + 2);

	/* Exactly MAX_NODES domains work. */
	mach.ram_count = MAX_NODES;
	mach.mem_count = MAX_NODES;
	CHECK(build(&mach, 0, false));
	CHECK_EQ_U64(topo.node_count, MAX_NODES);
	CHECK_STR_EQ(topo.source, "srat");
}

/* ---- numa=fake, numa=off, no SRAT ---------------------------------------- */

/* ---- numa=fake, numa=off, no SRAT ---------------------------------------- */

#define HUGE_PAGES (2 * MiB / PAGE_SIZE)

static uint64_t machine_pages(const struct machine *m)
{
	struct numa_input in = input_of(m);

	return input_usable_pages(&in);
}

static void test_fake_three(void)
{
	uint64_t share;

	reset_machine();
	q35_ram(&mach, 6 * GiB);
	for (uint32_t c = 0; c < 4; c++)
		mach.apic[mach.cpu_count++] = c;
	share = machine_pages(&mach) / 3;
	CHECK(build(&mach, 3, false));
	CHECK_STR_EQ(topo.source, "fake");
	CHECK_EQ_U64(topo.node_count, 3);
	CHECK_EQ_U64(reports.count, 0);
	CHECK(!topo.slit_used);
	for (unsigned n = 0; n < 3; n++) {
		uint64_t p = topo.nodes[n].pages;

		CHECK_EQ_U64(topo.nodes[n].pxm, n);
		/* Equal shares within 2 MiB. */
		CHECK(p + HUGE_PAGES >= share && p <= share + HUGE_PAGES);
		/* The cuts between nodes fall on 2 MiB boundaries. */
		if (n > 0)
			CHECK_EQ_U64(topo.nodes[n].ranges[0].start % (2 * MiB), 0);
	}
	for (unsigned c = 0; c < 4; c++)
		CHECK_EQ_U64(topo.cpus[c].node, c % 3);
	CHECK_EQ_U64(topo.nodes[0].cpu_count, 2);

	/* SRAT is ignored under numa=fake. */
	{
		const uint64_t mem[] = { 1 * GiB, 5 * GiB };

		q35_srat(&mach, mem, 2);
		CHECK(build(&mach, 3, false));
		CHECK_STR_EQ(topo.source, "fake");
		CHECK_EQ_U64(topo.node_count, 3);
	}
}

static void test_fake_small_cuts(void)
{
	/* 5 pages for 3 nodes: a 2 MiB cut would empty a node, so cuts are at 4 KiB. */
	reset_machine();
	map_add(&mach, 0x1000, 0x6000, U);
	CHECK(build(&mach, 3, false));
	CHECK_EQ_U64(topo.node_count, 3);
	CHECK_EQ_U64(topo.nodes[0].pages, 1);
	CHECK_EQ_U64(topo.nodes[1].pages, 2);
	CHECK_EQ_U64(topo.nodes[2].pages, 2);
	CHECK_RANGE(1, 0, 0x2000, 0x4000);
	CHECK_EQ_U64(reports.count, 0);

	/* The ideal cut of 10 MiB + 3 pages is page 1281: 6 MiB is 255 pages away, 4 MiB 257. */
	reset_machine();
	map_add(&mach, 0, 10 * MiB + 3 * PAGE_SIZE, U);
	CHECK(build(&mach, 2, false));
	CHECK_RANGE(0, 0, 0, 6 * MiB);
	CHECK_RANGE(1, 0, 6 * MiB, 10 * MiB + 3 * PAGE_SIZE);
	/* 3 pages less: page 1279 is 255 pages above 4 MiB. */
	mach.ram[0].end -= 3 * PAGE_SIZE;
	CHECK(build(&mach, 2, false));
	CHECK_RANGE(0, 0, 0, 4 * MiB);

	/* A hole at the ideal cut: the cut lands on the hole, not inside RAM. */
	reset_machine();
	map_add(&mach, 0, 3 * MiB, U);
	map_add(&mach, 5 * MiB, 8 * MiB, U);
	CHECK(build(&mach, 2, false));
	CHECK_EQ_U64(topo.nodes[0].pages, pages_of(3 * MiB));
	CHECK_RANGE(1, 0, 5 * MiB, 8 * MiB);
}

static void test_fake_more_than_pages(void)
{
	reset_machine();
	map_add(&mach, 0x100000, 0x103000, U);
	mach.apic[mach.cpu_count++] = 0;
	mach.apic[mach.cpu_count++] = 1;
	CHECK(build(&mach, 5, false));
	CHECK_EQ_U64(topo.node_count, 3);
	for (unsigned n = 0; n < 3; n++)
		CHECK_EQ_U64(topo.nodes[n].pages, 1);
	CHECK(reported("numa=fake=5 but only 3 usable pages"));
	CHECK_EQ_U64(topo.cpus[1].node, 1);

	/* Capped to MAX_NODES. */
	reset_machine();
	q35_ram(&mach, 1 * GiB);
	CHECK(build(&mach, 100, false));
	CHECK_EQ_U64(topo.node_count, MAX_NODES);
	CHECK(reported("numa=fake=100 asks for more than 64 nodes"));
	reset_machine();
	map_add(&mach, 0x100000, 0x110000, U); /* 16 pages */
	CHECK(build(&mach, 100, false));
	CHECK_EQ_U64(topo.node_count, 16);
	CHECK(reported("numa=fake=100 but only 16 usable pages"));
	CHECK_EQ_U64(reports.count, 2);

	/* No RAM: one memoryless node with the CPUs. */
	reset_machine();
	mach.apic[mach.cpu_count++] = 0;
	CHECK(build(&mach, 4, false));
	CHECK_EQ_U64(topo.node_count, 1);
	CHECK_EQ_U64(topo.nodes[0].cpu_count, 1);
	CHECK(reported("numa=fake=4 but only 0 usable pages"));
}

static void test_numa_off_and_no_srat(void)
{
	const uint64_t mem[] = { 1 * GiB, 1 * GiB, 2 * GiB };
	const uint8_t slit[] = { 10, 20, 20, 20, 10, 20, 20, 20, 10 };

	reset_machine();
	q35_ram(&mach, 4 * GiB);
	q35_srat(&mach, mem, 3);
	for (uint32_t c = 0; c < 3; c++)
		add_cpu(&mach, c, c);
	set_slit(&mach, 3, slit);
	CHECK(build(&mach, 4, true)); /* off wins over fake */
	CHECK_STR_EQ(topo.source, "off");
	CHECK_EQ_U64(topo.node_count, 1);
	CHECK_EQ_U64(topo.nodes[0].pxm, 0);
	CHECK_EQ_U64(topo.nodes[0].cpu_count, 3);
	CHECK_EQ_U64(topo.nodes[0].range_count, 3);
	CHECK(!topo.slit_used);
	CHECK_EQ_U64(reports.count, 0);

	mach.mem_count = 0;
	mach.srat_cpu_count = 0;
	CHECK(build(&mach, 0, false));
	CHECK_STR_EQ(topo.source, "none");
	CHECK_EQ_U64(topo.node_count, 1);
	CHECK_EQ_U64(topo.nodes[0].cpu_count, 3);
	CHECK_EQ_U64(reports.count, 0);
}

static void test_nothing_to_build(void)
{
	struct numa_input in = { 0 };

	reset_machine();
	CHECK(!build(&mach, 0, false));
	CHECK_EQ_U64(topo.node_count, 1);
	CHECK_EQ_U64(topo.nodes[0].pages, 0);
	memset(&topo, 0xa5, sizeof(topo));
	CHECK(!numa_build(NULL, &topo, NULL, NULL));
	CHECK_EQ_U64(topo.node_count, 1);
	CHECK_EQ_U64(topo.cpu_count, 0);
	CHECK(!numa_build(&in, &topo, NULL, NULL));
	CHECK_EQ_U64(numa_node_of_addr(&topo, 0), (uint64_t)-1);

	/* Reports (overlap, uncovered RAM) need no callback. */
	reset_machine();
	map_add(&mach, 0, 1 * MiB, U);
	srat_mem(&mach, 0, 4096, 0);
	srat_mem(&mach, 0, 8192, 1);
	in = input_of(&mach);
	CHECK(numa_build(&in, &topo, NULL, NULL));
	CHECK_EQ_U64(topo.node_count, 2);
	CHECK_EQ_U64(topo.nodes[0].pages, 1);
	CHECK_EQ_U64(topo.nodes[1].pages, 255); /* [4K, 8K) and the uncovered RAM above it */
}

static void test_too_many_cpus(void)
{
	reset_machine();
	map_add(&mach, 0, 1 * MiB, U);
	for (uint32_t c = 0; c < MAX_CPUS + 3; c++)
		mach.apic[mach.cpu_count++] = c;
	CHECK(build(&mach, 0, false));
	CHECK_EQ_U64(topo.cpu_count, MAX_CPUS);
	CHECK(reported("259 CPUs, room for 256"));
}

/* ---- randomized comparison with a brute-force reference ----------------- */

static void random_ram(struct machine *m, uint64_t unit)
{
	uint64_t at = rnd(4) * unit + (rnd(4) == 0 ? 4 * GiB : 0);
	unsigned n = 1 + (unsigned)rnd(12);

	for (unsigned i = 0; i < n; i++) {
		uint64_t len = (1 + rnd(20)) * unit + rnd(3) * PAGE_SIZE;

		map_add(m, at, at + len, U);
		at += len;
		/* A gap, sometimes reserved: normalized maps never have usable touching usable. */
		len = (1 + rnd(6)) * PAGE_SIZE * (rnd(2) ? 1 : unit / PAGE_SIZE);
		if (rnd(2))
			map_add(m, at, at + len, R);
		at += len;
	}
}

static uint64_t random_address(const struct machine *m)
{
	uint64_t top = m->ram[m->ram_count - 1].end;
	uint64_t addr = rnd(top + top / 4 + 1);

	return rnd(8) ? addr & ~(PAGE_SIZE - 1) : addr; /* SRAT bounds are rounded to pages */
}

static uint32_t random_pxm(bool sparse)
{
	static const uint32_t odd[] = { 0, 7, 100, 1000, 0xffffffffu };

	return sparse ? odd[rnd(COUNT_OF(odd))] : (uint32_t)rnd(6);
}

static void random_srat(struct machine *m)
{
	bool sparse = rnd(4) == 0;
	unsigned mems = (unsigned)rnd(10), cpus = (unsigned)rnd(14);

	for (unsigned i = 0; i < mems; i++) {
		uint64_t a = random_address(m), b = rnd(6) ? random_address(m) : a + PAGE_SIZE;

		m->mems[m->mem_count++] = (struct srat_mem){ a < b ? a : b, a < b ? b : a,
							     random_pxm(sparse), rnd(4) == 0, false };
	}
	for (unsigned i = 0; i < cpus; i++) {
		uint32_t apic = (uint32_t)(i * 37 + rnd(30)) | (rnd(5) ? 0 : 0x1000); /* distinct */

		if (rnd(6))
			m->srat_cpus[m->srat_cpu_count++] =
				(struct srat_cpu){ apic, random_pxm(sparse), apic >= 255 };
		if (rnd(8))
			m->apic[m->cpu_count++] = apic;
	}
	if (rnd(3) == 0) {
		unsigned n = 1 + (unsigned)rnd(8);

		m->slit_n = n;
		for (unsigned i = 0; i < n; i++)
			for (unsigned j = 0; j < n; j++)
				m->slit[i * n + j] = i == j ? 10 : (uint8_t)(11 + rnd(40));
		if (rnd(4) == 0)
			m->slit[rnd(n * n)] = (uint8_t)rnd(10);
	}
}

static void page_range(const struct srat_mem *e, uint64_t *s, uint64_t *t)
{
	*s = e->start & ~(PAGE_SIZE - 1);
	*t = e->end & ~(PAGE_SIZE - 1);
}

/* The first entry in table order whose (page-rounded) range holds @addr, or -1. */
static int ref_owner(const struct machine *m, uint64_t addr)
{
	for (unsigned i = 0; i < m->mem_count; i++) {
		uint64_t s, e;

		page_range(&m->mems[i], &s, &e);
		if (s <= addr && addr < e)
			return (int)i;
	}
	return -1;
}

/* The SRAT domain of the first entry for @apic, or -1. */
static int64_t ref_cpu_pxm(const struct machine *m, uint32_t apic)
{
	for (unsigned i = 0; i < m->srat_cpu_count; i++)
		if (m->srat_cpus[i].apic_id == apic)
			return m->srat_cpus[i].pxm;
	return -1;
}

/* The domain the contract gives usable @addr, given the lowest node's domain. */
static uint32_t ref_pxm(const struct machine *m, uint64_t addr, uint32_t node0_pxm)
{
	int owner = ref_owner(m, addr);
	uint64_t best = 0;
	bool found = false;

	if (owner >= 0)
		return m->mems[owner].pxm;
	/* The highest covered usable byte below @addr. */
	for (size_t u = 0; u < m->ram_count; u++) {
		for (unsigned i = 0; m->ram[u].type == U && i < m->mem_count; i++) {
			uint64_t s, e, lo, hi;

			page_range(&m->mems[i], &s, &e);
			lo = s > m->ram[u].start ? s : m->ram[u].start;
			hi = e < m->ram[u].end ? e : m->ram[u].end;
			if (hi > addr)
				hi = addr;
			if (hi > lo && (!found || hi - 1 > best)) {
				best = hi - 1;
				found = true;
			}
		}
	}
	return found ? m->mems[ref_owner(m, best)].pxm : node0_pxm;
}

static bool usable_at(const struct machine *m, uint64_t addr)
{
	for (size_t u = 0; u < m->ram_count; u++)
		if (m->ram[u].type == U && m->ram[u].start <= addr && addr < m->ram[u].end)
			return true;
	return false;
}

struct ref_domains {
	uint32_t pxm[256];
	unsigned count;
};

static void ref_add_domain(struct ref_domains *d, uint32_t pxm)
{
	for (unsigned i = 0; i < d->count; i++)
		if (d->pxm[i] == pxm)
			return;
	d->pxm[d->count++] = pxm;
}

static int node_with_pxm(uint32_t pxm)
{
	for (unsigned i = 0; i < topo.node_count; i++)
		if (topo.nodes[i].pxm == pxm)
			return (int)i;
	return -1;
}

/* The contract: a SLIT counts when it gives every pair of nodes a valid distance. */
static bool ref_slit_usable(const struct machine *m)
{
	for (unsigned i = 0; i < topo.node_count; i++)
		if (topo.nodes[i].pxm >= m->slit_n)
			return false;
	for (unsigned i = 0; i < topo.node_count; i++) {
		for (unsigned j = 0; j < topo.node_count; j++) {
			uint8_t d = m->slit[topo.nodes[i].pxm * m->slit_n + topo.nodes[j].pxm];

			if (i == j ? d != 10 : d < 10)
				return false;
		}
	}
	return true;
}

/* Elementary intervals of usable RAM cut at every SRAT boundary: each has one owner. */
static void check_srat_against_reference(const struct machine *m)
{
	uint64_t bounds[2 * (COUNT_OF(mach.ram) + COUNT_OF(mach.mems))], want_pages[MAX_NODES] = { 0 };
	struct ref_domains d = { .count = 0 };
	size_t nb = 0;
	bool truncated = false;
	uint32_t node0_pxm = UINT32_MAX;

	for (size_t u = 0; u < m->ram_count; u++) {
		bounds[nb++] = m->ram[u].start;
		bounds[nb++] = m->ram[u].end;
	}
	for (unsigned i = 0; i < m->mem_count; i++)
		page_range(&m->mems[i], &bounds[nb], &bounds[nb + 1]), nb += 2;
	qsort(bounds, nb, sizeof(bounds[0]), compare_u64);

	/* Domains with covered RAM or a listed CPU become nodes. */
	for (size_t b = 0; b + 1 < nb; b++)
		if (bounds[b] < bounds[b + 1] && usable_at(m, bounds[b]) && ref_owner(m, bounds[b]) >= 0)
			ref_add_domain(&d, m->mems[ref_owner(m, bounds[b])].pxm);
	for (unsigned c = 0; c < m->cpu_count; c++)
		if (ref_cpu_pxm(m, m->apic[c]) >= 0)
			ref_add_domain(&d, (uint32_t)ref_cpu_pxm(m, m->apic[c]));
	if (d.count == 0 || d.count > MAX_NODES) {
		CHECK_STR_EQ(topo.source, "none");
		CHECK_EQ_U64(topo.node_count, 1);
		return;
	}
	CHECK_STR_EQ(topo.source, "srat");
	CHECK_EQ_U64(topo.node_count, d.count);
	for (unsigned i = 0; i < d.count; i++) {
		CHECK(node_with_pxm(d.pxm[i]) >= 0);
		node0_pxm = d.pxm[i] < node0_pxm ? d.pxm[i] : node0_pxm;
	}
	for (unsigned n = 0; n < topo.node_count; n++)
		truncated |= topo.nodes[n].ranges_truncated;

	for (size_t b = 0; b + 1 < nb; b++) {
		uint32_t pxm;
		int node;

		if (bounds[b] == bounds[b + 1] || !usable_at(m, bounds[b]))
			continue;
		pxm = ref_pxm(m, bounds[b], node0_pxm);
		node = node_with_pxm(pxm);
		CHECK(node >= 0);
		if (node < 0)
			continue;
		want_pages[node] += (bounds[b + 1] - bounds[b]) / PAGE_SIZE;
		if (!truncated) {
			CHECK_EQ_U64(numa_node_of_addr(&topo, bounds[b]), node);
			CHECK_EQ_U64(numa_node_of_addr(&topo, bounds[b + 1] - 1), node);
		}
	}
	for (unsigned n = 0; n < topo.node_count; n++)
		CHECK_EQ_U64(topo.nodes[n].pages, want_pages[n]);
	for (unsigned c = 0; c < topo.cpu_count; c++) {
		int64_t pxm = ref_cpu_pxm(m, m->apic[c]);

		CHECK_EQ_U64(topo.cpus[c].node, pxm >= 0 ? node_with_pxm((uint32_t)pxm) : 0);
	}
	CHECK_EQ_U64(topo.slit_used, ref_slit_usable(m));
	if (topo.slit_used)
		for (unsigned i = 0; i < topo.node_count; i++)
			for (unsigned j = 0; j < topo.node_count; j++)
				CHECK_EQ_U64(topo.distance[i][j],
					     m->slit[topo.nodes[i].pxm * m->slit_n + topo.nodes[j].pxm]);
	else if (m->slit_n)
		CHECK(reported("SLIT"));
}

static void check_fake_against_contract(const struct machine *m, unsigned fake)
{
	uint64_t total = machine_pages(m);
	unsigned n = fake > MAX_NODES ? MAX_NODES : fake;

	if (n > total)
		n = total ? (unsigned)total : 1;
	CHECK_STR_EQ(topo.source, "fake");
	CHECK_EQ_U64(topo.node_count, n);
	for (unsigned k = 0; k < topo.node_count; k++) {
		uint64_t p = topo.nodes[k].pages, share = total / n;

		CHECK_EQ_U64(topo.nodes[k].pxm, k);
		CHECK(!total || p >= 1);
		/* Each of the two cuts around a node moves less than 2 MiB. */
		CHECK(p + 2 * HUGE_PAGES + 1 >= share && p <= share + 2 * HUGE_PAGES + 1);
		if (k > 0 && topo.nodes[k].pages && topo.nodes[k - 1].pages)
			CHECK(topo.nodes[k - 1].end_pfn <= topo.nodes[k].start_pfn);
	}
	for (unsigned c = 0; c < topo.cpu_count; c++)
		CHECK_EQ_U64(topo.cpus[c].node, c % n);
}

static void test_random_against_reference(void)
{
	static const uint64_t units[] = { PAGE_SIZE, 16 * KiB, 1 * MiB, 2 * MiB, 3 * MiB };

	for (unsigned iter = 0; iter < 4000; iter++) {
		unsigned fake = rnd(5) == 0 ? 1 + (unsigned)rnd(70) : 0;
		bool off = rnd(20) == 0;

		reset_machine();
		random_ram(&mach, units[rnd(COUNT_OF(units))]);
		random_srat(&mach);
		build(&mach, fake, off);
		if (off)
			CHECK_STR_EQ(topo.source, "off");
		else if (fake)
			check_fake_against_contract(&mach, fake);
		else if (mach.mem_count || mach.srat_cpu_count)
			check_srat_against_reference(&mach);
		else
			CHECK_STR_EQ(topo.source, "none");
		if (check_failed_checks > CHECK_PRINT_MAX)
			break;
	}
}

CHECK_MAIN(CHECK_TEST(test_one_node_one_cpu), CHECK_TEST(test_two_nodes_two_cpus),
	   CHECK_TEST(test_four_nodes_slit_memoryless), CHECK_TEST(test_nodes_nearest_to),
	   CHECK_TEST(test_cpu_less_node),
	   CHECK_TEST(test_node_split_across_pci_hole), CHECK_TEST(test_eight_cpus_four_nodes),
	   CHECK_TEST(test_x2apic_ids), CHECK_TEST(test_cpu_not_in_srat),
	   CHECK_TEST(test_srat_overlapping_out_of_order), CHECK_TEST(test_ram_not_covered_by_srat),
	   CHECK_TEST(test_hotplug_only_domain_gets_no_node), CHECK_TEST(test_slit_unusable),
	   CHECK_TEST(test_ranges_without_cap), CHECK_TEST(test_range_store_too_small), CHECK_TEST(test_srat_unusable_falls_back),
	   CHECK_TEST(test_fake_three), CHECK_TEST(test_fake_small_cuts),
	   CHECK_TEST(test_fake_more_than_pages), CHECK_TEST(test_numa_off_and_no_srat),
	   CHECK_TEST(test_nothing_to_build), CHECK_TEST(test_too_many_cpus),
	   CHECK_TEST(test_random_against_reference))
