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
#include "init/detail.h"

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

/* ---- reading and reporting -------------------------------------------- */

struct walk {
	const uint8_t *table;
	uint32_t length;
	bool pxm_8bit; /* revision 1 tables: only the low byte is the domain */
	acpi_problem_fn problem;
	void *cookie;
};

static void report(const struct walk *w, const struct detail *d, const char *action)
{
	if (w->problem)
		w->problem(w->cookie, "acpi srat", d->buf, action);
}

/* "offset O type T length L: WHY", the shape of every entry problem. */
static void report_entry(const struct walk *w, uint32_t off, const char *why, const char *action)
{
	struct detail d = { .len = 0 };

	detail_add(&d, "offset ");
	detail_num(&d, off);
	if (w->length - off >= 2) {
		detail_add(&d, " type ");
		detail_num(&d, w->table[off]);
		detail_add(&d, " length ");
		detail_num(&d, w->table[off + 1]);
	}
	detail_add(&d, ": ");
	detail_add(&d, why);
	report(w, &d, action);
}

/* ---- entries ------------------------------------------------------------ */

/* The length of the entry at @off (inside the table) if it can be stepped over, else 0. */
static uint32_t entry_len(const struct walk *w, uint32_t off)
{
	uint32_t len;

	if (w->length - off < 2) {
		report_entry(w, off, "trailing byte after the last entry", "walk stopped");
		return 0;
	}
	len = w->table[off + 1];
	if (len < 2) {
		report_entry(w, off, "length below the 2-byte entry header", "walk stopped");
		return 0;
	}
	if (len > w->length - off) {
		report_entry(w, off, "runs past the table end", "walk stopped");
		return 0;
	}
	return len;
}

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
	const uint8_t *e = w->table + off;
	/* Base and length are stored as low and high u32 halves: one little-endian u64 each. */
	uint64_t base = get_le64(e + 8), len = get_le64(e + 16);
	uint32_t flags = get_le32(e + 28);

	if (len == 0) {
		report_entry(w, off, "memory range of length 0", "entry skipped");
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
			report_entry(w, off, "memory range holds only the last byte of 2^64",
				     "entry skipped");
			return false;
		}
		mem->end = UINT64_MAX;
		report_entry(w, off, "memory range wraps past 2^64", "end clamped to 2^64-1");
	}
	return true;
}

static uint32_t flags_of(const uint8_t *e)
{
	return get_le32(e + (e[0] == SRAT_TYPE_MEMORY ? 28 : e[0] == SRAT_TYPE_X2APIC ? 12 : 4));
}

/* ---- the walk ----------------------------------------------------------- */

static bool header_usable(const struct acpi_header *srat, struct walk *w)
{
	struct detail d = { .len = 0 };

	if (!srat) {
		detail_add(&d, "no table");
		report(w, &d, "no NUMA affinity from the SRAT");
		return false;
	}
	w->table = (const uint8_t *)srat;
	w->length = get_le32(w->table + 4);
	if (__builtin_memcmp(w->table, "SRAT", 4) != 0) {
		detail_add(&d, "signature is not SRAT");
		report(w, &d, "table ignored");
		return false;
	}
	if (w->length < SRAT_FIXED_LEN) {
		detail_add(&d, "length ");
		detail_num(&d, w->length);
		detail_add(&d, " below 48");
		report(w, &d, "table ignored");
		return false;
	}
	if (!acpi_checksum_ok(w->table, w->length)) {
		detail_add(&d, "bad checksum");
		report(w, &d, "table ignored");
		return false;
	}
	/*
	 * SRAT revision 1 used 8-bit proximity domains; the bytes that later
	 * became the upper bits (types 0 and 1) were reserved, and firmware of
	 * that age is known to leave junk in them.
	 */
	w->pxm_8bit = w->table[8] < 2;
	return true;
}

/* One entry of known type and sufficient length, enabled or not. */
static void handle_entry(const struct walk *w, uint32_t off, srat_cpu_fn cpu_fn, srat_mem_fn mem_fn,
			 void *cookie, struct srat_info *info)
{
	const uint8_t *e = w->table + off;
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
	struct walk w = { .problem = problem, .cookie = problem_cookie };
	struct srat_info scratch;
	uint32_t off, len;

	if (!info)
		info = &scratch;
	*info = (struct srat_info){ 0 };
	if (!header_usable(srat, &w))
		return false;
	for (off = SRAT_FIXED_LEN; off < w.length; off += len) {
		uint8_t type = w.table[off];

		len = entry_len(&w, off);
		if (!len)
			break;
		if (type > SRAT_TYPE_X2APIC) {
			info->unknown++; /* GICC, GIC ITS, generic initiator...: not for x86 CPUs or RAM */
			continue;
		}
		if (len < type_min_len(type)) {
			report_entry(&w, off, "shorter than its type needs", "entry skipped");
			continue;
		}
		handle_entry(&w, off, cpu_fn, mem_fn, cookie, info);
	}
	return true;
}
