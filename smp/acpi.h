/* SPDX-License-Identifier: MIT */
/*
 * acpi - finding and trusting ACPI tables.
 *
 * From the RSDP (given by the boot loader) to the XSDT or RSDT and the
 * tables they list. Every table's length and checksum is checked before
 * anyone reads it; a bad one is reported through the problem callback and
 * treated as absent. Physical memory is reached through a map callback, so
 * the same code runs on the machine and on fake tables in host tests.
 * References: ACPI 6.4, chapter 5.2 (ACPI System Description Tables).
 */
#ifndef MEMINIT_SMP_ACPI_H
#define MEMINIT_SMP_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_TABLES 64
#define ACPI_TABLE_LEN_MAX (16u << 20) /* no honest ACPI table is larger */

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_header) == 36, "ACPI 6.4, 5.2.6");

/* Returns a pointer to @len readable bytes at @phys, or NULL if it cannot. */
typedef const void *(*acpi_map_fn)(void *cookie, uint64_t phys, uint64_t len);
typedef void (*acpi_problem_fn)(void *cookie, const char *what, const char *detail,
				const char *action);

struct acpi {
	acpi_map_fn map;
	acpi_problem_fn problem;
	void *cookie;
	int revision;         /* RSDP revision: 0 (ACPI 1.0) or 2+ */
	bool use_xsdt;
	unsigned count;
	uint64_t table_phys[ACPI_MAX_TABLES];
	const struct acpi_header *tables[ACPI_MAX_TABLES]; /* validated */
};

/* Validate the RSDP copy and collect the tables its root table lists. */
bool acpi_init(struct acpi *a, const uint8_t *rsdp, size_t rsdp_len);
/* The @n-th valid table with @sig (e.g. "APIC"), or NULL. */
const struct acpi_header *acpi_find(const struct acpi *a, const char sig[4], unsigned n);
/* Validate a table at @phys (length, checksum); NULL and a report if bad. */
const struct acpi_header *acpi_map_table(struct acpi *a, uint64_t phys, const char *expect_sig);

bool acpi_checksum_ok(const void *p, size_t len);

/*
 * Can a table handed to a parser be read at all: present, signature @sig,
 * at least @min_len and at most ACPI_TABLE_LEN_MAX bytes long, checksum
 * right? If not, one report through @problem (may be NULL) as @what: "no
 * table" with @absent_action, else the first failed check ("signature is not
 * XXXX", "length N below M", "length N above M", "bad checksum") with
 * @bad_action. The length is checked before the checksum reads that many
 * bytes; that they are all readable is acpi_map_table()'s promise.
 */
bool acpi_table_usable(const struct acpi_header *t, const char sig[4], uint32_t min_len,
		       const char *what, const char *absent_action, const char *bad_action,
		       acpi_problem_fn problem, void *cookie);

/*
 * The body of a table that is a list of entries each starting with u8 type,
 * u8 length (MADT 5.2.12, SRAT 5.2.16), for walkers that trust no length.
 * Problems are reported as @what.
 */
struct acpi_entries {
	const uint8_t *table;
	uint32_t length;     /* the table's, header included */
	const char *what;
	acpi_problem_fn problem;
	void *cookie;
};

/* Report "offset O type T length L: @why" about the entry at @off (inside the table). */
void acpi_entry_problem(const struct acpi_entries *w, uint32_t off, const char *why,
			const char *action);
/*
 * The length of the entry at @off (inside the table or at its end) if it
 * can be stepped over, else 0, with a report when @loud: a trailing byte,
 * a length below the 2-byte header, an entry running past the table end.
 */
uint32_t acpi_entry_len(const struct acpi_entries *w, uint32_t off, bool loud);

/* What the FADT tells us (ACPI 6.4, 5.2.9). */
struct acpi_fadt_info {
	bool present;
	uint16_t pm_timer_port;
	bool pm_timer_32bit;
	uint16_t pm1a_cnt, pm1b_cnt;
	uint64_t dsdt_phys;
	bool s5_found;
	uint16_t slp_typa, slp_typb;
};

void acpi_read_fadt(struct acpi *a, struct acpi_fadt_info *out);

/* The HPET's MMIO base from the HPET table (IA-PC HPET spec 1.0a, 3.2.4), 0 if none. */
uint64_t acpi_hpet_base(const struct acpi *a);

#endif
