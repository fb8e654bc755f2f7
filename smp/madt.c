// SPDX-License-Identifier: MIT
/*
 * madt - the processors listed in the MADT (ACPI 6.4, 5.2.12).
 *
 * The table is byte-packed and may sit at any address, so every field is
 * read with __builtin_memcpy at an offset checked against the table's own
 * length first. An entry whose length is zero or runs past the table ends
 * the walk (nothing after it can be located); one that is merely shorter
 * than its type needs is skipped, since its length still says where the
 * next one starts.
 *
 * Duplicate APIC ids: firmware normally lists ids below 255 as type 0 and
 * the rest as type 9, but some list a CPU in both, and some list disabled
 * placeholders that share an id. Exactly one entry per id is reported: the
 * most usable one (enabled, then online-capable, then neither), the first
 * in table order among equals. Choosing by usability means a placeholder
 * can never hide a real CPU. Finding it rescans the table instead of
 * keeping a set of seen ids: no memory to size, and O(n^2) over a few
 * thousand entries is nothing at boot.
 */
#include "smp/acpi_tables.h"

#include "arch/x86_64/unaligned.h"
#include "init/detail.h"

#define MADT_FIXED_LEN 44          /* 5.2.12: header, Local Interrupt Controller Address, Flags */
#define MADT_LAPIC_ADDR_OFF 36
#define MADT_FLAGS_OFF 40
#define MADT_PCAT_COMPAT (1u << 0) /* 5.2.12, Multiple APIC Flags */

#define MADT_TYPE_LAPIC 0          /* 5.2.12.2 Processor Local APIC Structure */
#define MADT_TYPE_LAPIC_OVERRIDE 5 /* 5.2.12.8 Local APIC Address Override Structure */
#define MADT_TYPE_X2APIC 9         /* 5.2.12.12 Processor Local x2APIC Structure */

#define MADT_LAPIC_LEN 8
#define MADT_LAPIC_OVERRIDE_LEN 12
#define MADT_X2APIC_LEN 16

/* 5.2.12.2, Local APIC Flags (shared by type 9). */
#define LAPIC_ENABLED (1u << 0)
#define LAPIC_ONLINE_CAPABLE (1u << 1)

/* ---- entries ------------------------------------------------------------ */

static uint32_t type_min_len(uint8_t type)
{
	switch (type) {
	case MADT_TYPE_LAPIC:
		return MADT_LAPIC_LEN;
	case MADT_TYPE_LAPIC_OVERRIDE:
		return MADT_LAPIC_OVERRIDE_LEN;
	case MADT_TYPE_X2APIC:
		return MADT_X2APIC_LEN;
	default:
		return 2;
	}
}

static void decode_flags(struct madt_cpu *cpu, uint32_t flags)
{
	cpu->enabled = flags & LAPIC_ENABLED;
	/* Online Capable is reserved (must be zero) when Enabled is set. */
	cpu->online_capable = !cpu->enabled && (flags & LAPIC_ONLINE_CAPABLE);
}

/* Fills @cpu from a processor entry of sufficient length; false for anything else. */
static bool decode_cpu(const uint8_t *e, uint32_t len, struct madt_cpu *cpu)
{
	*cpu = (struct madt_cpu){ 0 };
	if (len < type_min_len(e[0]))
		return false;
	switch (e[0]) {
	case MADT_TYPE_LAPIC: /* u8 UID @2, u8 APIC ID @3, u32 flags @4 */
		cpu->acpi_uid = e[2];
		cpu->apic_id = e[3];
		decode_flags(cpu, get_le32(e + 4));
		return true;
	case MADT_TYPE_X2APIC: /* u16 reserved @2, u32 x2APIC ID @4, u32 flags @8, u32 UID @12 */
		cpu->x2apic = true;
		cpu->apic_id = get_le32(e + 4);
		decode_flags(cpu, get_le32(e + 8));
		cpu->acpi_uid = get_le32(e + 12);
		return true;
	default:
		return false;
	}
}

static unsigned rank(const struct madt_cpu *cpu)
{
	return cpu->enabled ? 2 : cpu->online_capable ? 1 : 0;
}

/*
 * Is the entry at @off (holding @cpu) the one reported for its APIC id?
 * Only entries before @stop count: the walk may have ended early there, and
 * an entry it never reached cannot be allowed to suppress this one.
 */
static bool wins_for_id(const struct acpi_entries *w, uint32_t off, const struct madt_cpu *cpu,
			uint32_t stop)
{
	uint32_t at, len;

	for (at = MADT_FIXED_LEN; at < stop; at += len) {
		struct madt_cpu other;

		len = acpi_entry_len(w, at, false);
		if (!len)
			break;
		if (at == off || !decode_cpu(w->table + at, len, &other) ||
		    other.apic_id != cpu->apic_id)
			continue;
		if (rank(&other) > rank(cpu) || (rank(&other) == rank(cpu) && at < off))
			return false;
	}
	return true;
}

/* Where the walk will stop: the end of the last entry that can be stepped over. */
static uint32_t walk_end(const struct acpi_entries *w)
{
	uint32_t at = MADT_FIXED_LEN, len;

	while (at < w->length && (len = acpi_entry_len(w, at, false)) != 0)
		at += len;
	return at;
}

static void report_duplicates(const struct acpi_entries *w, unsigned count, uint32_t first_off,
			      uint32_t first_id)
{
	struct detail d = { .len = 0 };

	detail_num(&d, count);
	detail_add(&d, " entries repeat an APIC id; first at offset ");
	detail_num(&d, first_off);
	detail_add(&d, " id ");
	detail_num(&d, first_id);
	if (w->problem)
		w->problem(w->cookie, w->what, d.buf, "duplicates skipped");
}

/* ---- the walk ----------------------------------------------------------- */

bool madt_walk(const struct acpi_header *madt, madt_cpu_fn fn, void *cookie,
	       struct madt_info *info, acpi_problem_fn problem, void *problem_cookie)
{
	struct acpi_entries w = { .what = "acpi madt", .problem = problem, .cookie = problem_cookie };
	uint32_t off, len, stop, first_dup_off = 0, first_dup_id = 0;
	struct madt_info scratch;

	if (!info)
		info = &scratch;
	*info = (struct madt_info){ 0 };
	if (!acpi_table_usable(madt, "APIC", MADT_FIXED_LEN, w.what, "no CPUs from the MADT",
			       "table ignored", problem, problem_cookie))
		return false;
	w.table = (const uint8_t *)madt;
	w.length = get_le32(w.table + 4);
	info->lapic_phys = get_le32(w.table + MADT_LAPIC_ADDR_OFF);
	info->pcat_compat = get_le32(w.table + MADT_FLAGS_OFF) & MADT_PCAT_COMPAT;

	stop = walk_end(&w);
	for (off = MADT_FIXED_LEN; off < w.length; off += len) {
		const uint8_t *e = w.table + off;
		struct madt_cpu cpu;

		len = acpi_entry_len(&w, off, true);
		if (!len)
			break;
		if (len < type_min_len(e[0])) {
			acpi_entry_problem(&w, off, "shorter than its type needs", "entry skipped");
			continue;
		}
		if (e[0] == MADT_TYPE_LAPIC_OVERRIDE) { /* u16 reserved @2, u64 address @4 */
			info->lapic_phys = get_le64(e + 4);
			continue;
		}
		if (!decode_cpu(e, len, &cpu))
			continue; /* I/O APICs, overrides, NMIs...: not ours */
		info->entries++;
		if (!wins_for_id(&w, off, &cpu, stop)) {
			if (info->duplicates++ == 0) {
				first_dup_off = off;
				first_dup_id = cpu.apic_id;
			}
			continue;
		}
		if (fn)
			fn(cookie, &cpu);
	}
	if (info->duplicates)
		report_duplicates(&w, info->duplicates, first_dup_off, first_dup_id);
	return true;
}
