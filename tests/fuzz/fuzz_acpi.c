// SPDX-License-Identifier: MIT
/*
 * fuzz_acpi - the ACPI walkers (smp/acpi.c: RSDP, XSDT/RSDT, FADT, HPET;
 * madt.c, srat.c, slit.c) and the NUMA builder (smp/numa.c) on any tables,
 * along the kernel's path: acpi_init, acpi_find, the walkers, numa_build.
 *
 * Input: one mode byte, then a blob that is physical memory from address 0
 * up, with the RSDP (as the boot loader copies it) in its first 36 bytes.
 * The walkers' map callback hands out pointers into the blob and refuses
 * anything past its end, as the kernel refuses what it cannot map, so a
 * table that claims more than is there must be refused, never read past.
 *
 * Mode bit 7 repairs the checksums of the tables reachable from the RSDP
 * before parsing: without it nearly every mutation dies at the checksum
 * and the walkers behind it would see only the seeds. Bit 6 is numa=off,
 * bits 0-5 nonzero numa=fake=N.
 */
#include "arch/x86_64/unaligned.h"
#include "smp/acpi_tables.h"
#include "smp/numa.h"
#include "tests/fuzz/fuzz.h"

#define RSDP_LEN 36
#define HEADER_LEN 36
#define MODE_FIX_CHECKSUMS 0x80
#define MODE_NUMA_OFF 0x40
#define MODE_FAKE_MASK 0x3f
#define SRAT_MEMS_MAX 512 /* as smp/topology.c keeps */
#define RAM_MAX 1024

struct blob {
	const uint8_t *mem;
	size_t size;
};

/* Physical [phys, phys + len) inside the blob; address 0 is refused as the kernel does. */
static const void *blob_map(void *cookie, uint64_t phys, uint64_t len)
{
	const struct blob *b = cookie;

	if (!phys || phys > b->size || len > b->size - phys)
		return NULL;
	return b->mem + phys;
}

/* ---- checksum repair (mode bit 7) --------------------------------------- */

static void fix_sum(uint8_t *p, size_t len, size_t at)
{
	uint8_t sum = 0;

	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	p[at] = (uint8_t)-sum;
}

/*
 * The length of the table at @phys after fixing its checksum, 0 if its
 * stated length is not inside the blob. Tables may overlap, so a fix can
 * change another's fields: every length is read once and used as read.
 */
static uint32_t fix_table(uint8_t *mem, size_t size, uint64_t phys)
{
	uint32_t len;

	if (!phys || phys > size || size - phys < HEADER_LEN)
		return 0;
	len = get_le32(mem + phys + 4);
	if (len < HEADER_LEN || len > size - phys)
		return 0;
	fix_sum(mem + phys, len, 9);
	return len;
}

static void fix_checksums(uint8_t *mem, size_t size)
{
	bool xsdt = size >= RSDP_LEN && mem[15] >= 2;
	uint32_t root_len, entry = xsdt ? 8 : 4;
	uint64_t root;

	if (size < 20)
		return;
	root = xsdt ? get_le64(mem + 24) : get_le32(mem + 16);
	fix_sum(mem, 20, 8);
	if (size >= RSDP_LEN)
		fix_sum(mem, RSDP_LEN, 32);
	root_len = fix_table(mem, size, root);
	/* Tables first, the root's own checksum last: it covers nothing of theirs. */
	for (uint32_t off = HEADER_LEN; off + entry <= root_len; off += entry) {
		uint64_t phys = xsdt ? get_le64(mem + root + off) : get_le32(mem + root + off);
		uint32_t len = fix_table(mem, size, phys);

		if (len >= 44 && memcmp(mem + phys, "FACP", 4) == 0)
			fix_table(mem, size, get_le32(mem + phys + 40)); /* the DSDT */
	}
	if (root_len)
		fix_table(mem, size, root);
}

/* ---- collecting what the walkers report, as smp/topology.c does ---------- */

static struct {
	uint32_t apic_ids[MAX_CPUS];
	unsigned cpu_count;
	struct srat_cpu srat_cpus[MAX_CPUS];
	unsigned srat_cpu_count;
	struct srat_mem srat_mems[SRAT_MEMS_MAX];
	unsigned srat_mem_count;
	uint8_t slit[MAX_NODES * MAX_NODES];
	unsigned slit_n;
} found;

static void take_madt_cpu(void *cookie, const struct madt_cpu *cpu)
{
	(void)cookie;
	FUZZ_CHECK(!(cpu->enabled && cpu->online_capable));
	if (!cpu->enabled || found.cpu_count == MAX_CPUS)
		return;
	/* madt.h: the same APIC id twice is reported once. */
	for (unsigned i = 0; i < found.cpu_count; i++)
		FUZZ_CHECK(found.apic_ids[i] != cpu->apic_id);
	found.apic_ids[found.cpu_count++] = cpu->apic_id;
}

static void take_srat_cpu(void *cookie, const struct srat_cpu *cpu)
{
	(void)cookie;
	if (found.srat_cpu_count < MAX_CPUS)
		found.srat_cpus[found.srat_cpu_count++] = *cpu;
}

static void take_srat_mem(void *cookie, const struct srat_mem *mem)
{
	(void)cookie;
	FUZZ_CHECK(mem->start < mem->end);
	if (found.srat_mem_count < SRAT_MEMS_MAX)
		found.srat_mems[found.srat_mem_count++] = *mem;
}

/* acpi_tables.h: a rejected SLIT leaves the matrix untouched; an accepted one is N x N, 10 on the diagonal. */
static void check_slit(bool ok)
{
	if (!ok) {
		FUZZ_CHECK(found.slit_n == 0);
		for (size_t i = 0; i < sizeof(found.slit); i++)
			FUZZ_CHECK(found.slit[i] == 0);
		return;
	}
	FUZZ_CHECK(found.slit_n >= 1 && found.slit_n <= MAX_NODES);
	for (unsigned i = 0; i < found.slit_n; i++)
		FUZZ_CHECK(found.slit[i * found.slit_n + i] == SLIT_LOCAL);
}

/* ---- the NUMA builder ----------------------------------------------------- */

/* RAM: the low 2 GiB and whatever SRAT describes, normalized as physmem does. */
static size_t make_ram(struct fw_mem_range *ram)
{
	size_t n = 0;

	ram[n++] = (struct fw_mem_range){ 0x100000, 0x80000000, FW_MEM_USABLE };
	for (unsigned i = 0; i < found.srat_mem_count && n < RAM_MAX / 2; i++)
		ram[n++] = (struct fw_mem_range){ found.srat_mems[i].start, found.srat_mems[i].end,
						  FW_MEM_USABLE };
	return fwmap_normalize(ram, n, RAM_MAX, NULL);
}

static void check_topology(const struct numa_topology *t, const struct fw_mem_range *ram,
			   size_t ram_count, unsigned cpus)
{
	static int order[MAX_NODES];
	uint64_t pages = 0, node_pages = 0;

	FUZZ_CHECK(t->node_count >= 1 && t->node_count <= MAX_NODES);
	/* numa.h: dense ids in ascending proximity-domain order; 10/20 without a SLIT. */
	for (unsigned n = 0; n + 1 < t->node_count; n++)
		FUZZ_CHECK(strcmp(t->source, "srat") != 0 || t->nodes[n].pxm < t->nodes[n + 1].pxm);
	for (unsigned i = 0; i < t->node_count && !t->slit_used; i++)
		for (unsigned j = 0; j < t->node_count; j++)
			FUZZ_CHECK(t->distance[i][j] == (i == j ? SLIT_LOCAL : SLIT_REMOTE_DEFAULT));
	FUZZ_CHECK(t->cpu_count == cpus);
	for (unsigned c = 0; c < t->cpu_count; c++)
		FUZZ_CHECK(t->cpus[c].node >= 0 && t->cpus[c].node < (int)t->node_count);
	for (unsigned n = 0; n < t->node_count; n++) {
		node_pages += t->nodes[n].pages;
		FUZZ_CHECK(!t->nodes[n].ranges_truncated); /* the store is sized as numa.h says */
		FUZZ_CHECK(t->distance[n][n] == SLIT_LOCAL);
		FUZZ_CHECK(numa_nodes_by_distance(t, (int)n, order) == t->node_count);
		FUZZ_CHECK(order[0] == (int)n);
	}
	/* Every usable page is in exactly one node. */
	for (size_t i = 0; i < ram_count; i++) {
		if (ram[i].type != FW_MEM_USABLE)
			continue;
		pages += (ram[i].end - ram[i].start) / PAGE_SIZE;
		FUZZ_CHECK(numa_node_of_addr(t, ram[i].start) >= 0);
		FUZZ_CHECK(numa_node_of_addr(t, ram[i].end - 1) >= 0);
	}
	FUZZ_CHECK(node_pages == pages);
}

static void build_numa(uint8_t mode)
{
	static struct fw_mem_range ram[RAM_MAX];
	static struct numa_topology t;
	struct numa_input in = { 0 };

	in.ram = ram;
	in.ram_count = make_ram(ram);
	if (!found.cpu_count)
		found.apic_ids[found.cpu_count++] = 0; /* the boot CPU, as topology.c adds it */
	in.cpu_apic_ids = found.apic_ids;
	in.cpu_count = found.cpu_count;
	in.srat_cpus = found.srat_cpus;
	in.srat_cpu_count = found.srat_cpu_count;
	in.srat_mems = found.srat_mems;
	in.srat_mem_count = found.srat_mem_count;
	in.slit = found.slit_n ? found.slit : NULL;
	in.slit_n = found.slit_n;
	in.fake_nodes = mode & MODE_FAKE_MASK;
	in.numa_off = mode & MODE_NUMA_OFF;
	in.range_store_cap = numa_ranges_needed(&in);
	in.range_store = malloc(in.range_store_cap * sizeof(*in.range_store)); /* exactly: ASan watches */
	FUZZ_CHECK(in.range_store);
	numa_build(&in, &t, fuzz_problem, NULL);
	check_topology(&t, ram, in.ram_count, found.cpu_count);
	free(in.range_store);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acpi a;
	struct acpi_fadt_info fadt;
	struct blob b;
	uint8_t *mem;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0];
	b.size = size - 1;
	mem = malloc(b.size ? b.size : 1); /* exactly the blob: a read past it trips ASan */
	FUZZ_CHECK(mem);
	memcpy(mem, data + 1, b.size);
	if (mode & MODE_FIX_CHECKSUMS)
		fix_checksums(mem, b.size);
	b.mem = mem;

	memset(&found, 0, sizeof(found));
	a = (struct acpi){ .map = blob_map, .problem = fuzz_problem, .cookie = &b };
	if (acpi_init(&a, mem, b.size < RSDP_LEN ? b.size : RSDP_LEN)) {
		FUZZ_CHECK(a.count <= ACPI_MAX_TABLES);
		acpi_read_fadt(&a, &fadt);
		(void)acpi_hpet_base(&a);
		madt_walk(acpi_find(&a, "APIC", 0), take_madt_cpu, NULL, NULL, fuzz_problem, NULL);
		srat_walk(acpi_find(&a, "SRAT", 0), take_srat_cpu, take_srat_mem, NULL, NULL,
			  fuzz_problem, NULL);
		check_slit(slit_parse(acpi_find(&a, "SLIT", 0), found.slit, MAX_NODES,
				      &found.slit_n, fuzz_problem, NULL));
	}
	build_numa(mode);
	free(mem);
	return 0;
}
