// SPDX-License-Identifier: MIT
/*
 * srat - processor and memory affinity from the SRAT (ACPI 6.4, 5.2.16).
 *
 * Entries are handed over in table order, as they are: overlapping or
 * unsorted memory ranges are the NUMA builder's business, not the walker's.
 * What the walker does refuse is anything it cannot read safely: an entry
 * of zero length or one running past the table ends the walk, one shorter
 * than its type needs is skipped. Disabled entries are skipped quietly and
 * counted, since QEMU pads the table with them.
 */
#include "smp/acpi_tables.h"

#include "arch/x86_64/unaligned.h"

#define SRAT_FIXED_LEN 48 /* 5.2.16: header, u32 reserved (=1), u64 reserved */

#define SRAT_TYPE_LAPIC 0  /* 5.2.16.1 Processor Local APIC/SAPIC Affinity Structure */
#define SRAT_TYPE_MEMORY 1 /* 5.2.16.2 Memory Affinity Structure */
#define SRAT_TYPE_X2APIC 2 /* 5.2.16.3 Processor Local x2APIC Affinity Structure */

#define SRAT_LAPIC_LEN 16
#define SRAT_MEMORY_LEN 40
#define SRAT_X2APIC_LEN 24

/* Flags bit 0 is Enabled in all three structures (5.2.16.1-3). */
#define SRAT_ENABLED (1u << 0)
#define SRAT_MEM_HOTPLUGGABLE (1u << 1) /* 5.2.16.2, Memory Affinity flags */
#define SRAT_MEM_NONVOLATILE (1u << 2)

/* ---- entries ------------------------------------------------------------ */

struct walk {
	struct acpi_entries e;
	bool pxm_8bit; /* revision 1 tables: only the low byte is the domain */
};

static uint32_t type_min_len(uint8_t type)
{
	switch (type) {
	case SRAT_TYPE_LAPIC:
		return SRAT_LAPIC_LEN;
	case SRAT_TYPE_MEMORY:
		return SRAT_MEMORY_LEN;
	case SRAT_TYPE_X2APIC:
		return SRAT_X2APIC_LEN;
	default:
		return 2;
	}
}

static uint32_t pxm_of(const struct walk *w, uint32_t pxm)
{
	return w->pxm_8bit ? pxm & 0xff : pxm;
}

/*
 * 5.2.16.1: u8 proximity domain [7:0] @2, u8 APIC ID @3, u32 flags @4,
 * u8 local SAPIC EID @8, u8[3] proximity domain [31:8] @9, u32 clock domain @12.
 */
static void decode_lapic(const struct walk *w, const uint8_t *e, struct srat_cpu *cpu)
{
	uint32_t pxm = e[2] | (uint32_t)e[9] << 8 | (uint32_t)e[10] << 16 | (uint32_t)e[11] << 24;

	*cpu = (struct srat_cpu){ .apic_id = e[3], .pxm = pxm_of(w, pxm), .x2apic = false };
}

/*
 * 5.2.16.3: u16 reserved @2, u32 proximity domain @4, u32 x2APIC ID @8,
 * u32 flags @12. Type 2 is newer than revision 1: its domain is always 32 bits.
 */
static void decode_x2apic(const uint8_t *e, struct srat_cpu *cpu)
{
	*cpu = (struct srat_cpu){ .apic_id = get_le32(e + 8), .pxm = get_le32(e + 4), .x2apic = true };
}

/*
 * 5.2.16.2: u32 proximity domain @2, u16 reserved @6, base @8 (low, high),
 * length @16 (low, high), u32 reserved @24, u32 flags @28, u64 reserved @32.
 * False (reported) when there is no range to give: a zero length, or
 * nothing left once the end is clamped below 2^64.
 */
static bool decode_memory(const struct walk *w, uint32_t off, struct srat_mem *mem)
{
	const uint8_t *e = w->e.table + off;
	/* Base and length are stored as low and high u32 halves: one little-endian u64 each. */
	uint64_t base = get_le64(e + 8), len = get_le64(e + 16);
	uint32_t flags = get_le32(e + 28);

	if (len == 0) {
		acpi_entry_problem(&w->e, off, "memory range of length 0", "entry skipped");
		return false;
	}
	*mem = (struct srat_mem){
		.start = base,
		.end = base + len,
		.pxm = pxm_of(w, get_le32(e + 2)),
		.hotpluggable = flags & SRAT_MEM_HOTPLUGGABLE,
		.nonvolatile = flags & SRAT_MEM_NONVOLATILE,
	};
	if (len > UINT64_MAX - base) {
		/* [start, end) cannot reach 2^64; losing the top byte beats losing the range. */
		if (base == UINT64_MAX) {
			acpi_entry_problem(&w->e, off, "memory range holds only the last byte of 2^64",
					   "entry skipped");
			return false;
		}
		mem->end = UINT64_MAX;
		acpi_entry_problem(&w->e, off, "memory range wraps past 2^64", "end clamped to 2^64-1");
	}
	return true;
}

static uint32_t flags_of(const uint8_t *e)
{
	return get_le32(e + (e[0] == SRAT_TYPE_MEMORY ? 28 : e[0] == SRAT_TYPE_X2APIC ? 12 : 4));
}

/* ---- the walk ----------------------------------------------------------- */

/* One entry of known type and sufficient length, enabled or not. */
static void handle_entry(const struct walk *w, uint32_t off, srat_cpu_fn cpu_fn, srat_mem_fn mem_fn,
			 void *cookie, struct srat_info *info)
{
	const uint8_t *e = w->e.table + off;
	struct srat_cpu cpu;
	struct srat_mem mem;

	if (!(flags_of(e) & SRAT_ENABLED)) {
		info->disabled++;
		return;
	}
	if (e[0] == SRAT_TYPE_MEMORY) {
		if (!decode_memory(w, off, &mem))
			return;
		info->mem_entries++;
		if (mem_fn)
			mem_fn(cookie, &mem);
		return;
	}
	if (e[0] == SRAT_TYPE_LAPIC)
		decode_lapic(w, e, &cpu);
	else
		decode_x2apic(e, &cpu);
	info->cpu_entries++;
	if (cpu_fn)
		cpu_fn(cookie, &cpu);
}

bool srat_walk(const struct acpi_header *srat, srat_cpu_fn cpu_fn, srat_mem_fn mem_fn,
	       void *cookie, struct srat_info *info, acpi_problem_fn problem,
	       void *problem_cookie)
{
	struct walk w = { .e = { .what = "acpi srat", .problem = problem, .cookie = problem_cookie } };
	struct srat_info scratch;
	uint32_t off, len;

	if (!info)
		info = &scratch;
	*info = (struct srat_info){ 0 };
	if (!acpi_table_usable(srat, "SRAT", SRAT_FIXED_LEN, w.e.what,
			       "no NUMA affinity from the SRAT", "table ignored", problem,
			       problem_cookie))
		return false;
	w.e.table = (const uint8_t *)srat;
	w.e.length = get_le32(w.e.table + 4);
	/*
	 * SRAT revision 1 used 8-bit proximity domains; the bytes that later
	 * became the upper bits (types 0 and 1) were reserved, and firmware of
	 * that age is known to leave junk in them.
	 */
	w.pxm_8bit = w.e.table[8] < 2;
	for (off = SRAT_FIXED_LEN; off < w.e.length; off += len) {
		uint8_t type = w.e.table[off];

		len = acpi_entry_len(&w.e, off, true);
		if (!len)
			break;
		if (type > SRAT_TYPE_X2APIC) {
			info->unknown++; /* GICC, GIC ITS, generic initiator...: not for x86 CPUs or RAM */
			continue;
		}
		if (len < type_min_len(type)) {
			acpi_entry_problem(&w.e, off, "shorter than its type needs", "entry skipped");
			continue;
		}
		handle_entry(&w, off, cpu_fn, mem_fn, cookie, info);
	}
	return true;
}
