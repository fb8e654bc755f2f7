// SPDX-License-Identifier: MIT
/*
 * @dump {"what", "sig", "addr", "offset", "len", "hex"}: @len bytes at
 * physical @addr, in pieces of DUMP_CHUNK bytes so every record stays one
 * line well inside RECORD_MAX; "offset" says where in the blob a piece
 * starts. what is "mbi" (the multiboot2 information as the loader left
 * it), "rsdp" (the loader's copy; addr 0) or "acpi" (a table, its
 * signature in "sig"; the DSDT too, which no root table lists).
 */
#include "init/dump.h"

#include <stdint.h>

#include "arch/x86_64/paging.h"
#include "arch/x86_64/unaligned.h"
#include "init/bootinfo.h"
#include "init/params.h"
#include "init/record.h"
#include "smp/acpi_boot.h"

#define DUMP_CHUNK 2048 /* 4096 hex digits a record */

/* Bits of what to dump; each value's name sits at its bits' index. */
enum { DUMP_MBI = 1, DUMP_ACPI = 2, DUMP_ALL = DUMP_MBI | DUMP_ACPI };

static const char *const dump_names[] = { [DUMP_MBI] = "mbi", [DUMP_ACPI] = "acpi", [DUMP_ALL] = "all" };
static unsigned dump_mask;
PARAM_ENUM("debug.dump", dump_mask, dump_names, "print raw firmware input as @dump records");

static void dump_blob(const char *what, const char *sig, uint64_t addr, const uint8_t *p,
		      uint64_t len)
{
	static const char digits[] = "0123456789abcdef";
	static char hex[2 * DUMP_CHUNK + 1];

	for (uint64_t off = 0; off < len; off += DUMP_CHUNK) {
		uint64_t n = len - off < DUMP_CHUNK ? len - off : DUMP_CHUNK;
		struct record r;

		for (uint64_t i = 0; i < n; i++) {
			hex[2 * i] = digits[p[off + i] >> 4];
			hex[2 * i + 1] = digits[p[off + i] & 15];
		}
		hex[2 * n] = '\0';
		record_begin(&r, "dump");
		rec_str(&r, "what", what);
		if (sig)
			rec_str(&r, "sig", sig);
		rec_u64(&r, "addr", addr);
		rec_u64(&r, "offset", off);
		rec_u64(&r, "len", len);
		rec_str(&r, "hex", hex);
		record_end(&r);
	}
}

static void dump_table(uint64_t phys, const struct acpi_header *t)
{
	char sig[5] = { t->signature[0], t->signature[1], t->signature[2], t->signature[3], '\0' };

	dump_blob("acpi", sig, phys, (const uint8_t *)t, t->length);
}

/* A table outside the root table's list (the root itself, the DSDT), if valid. */
static void dump_table_at(uint64_t phys, const char *sig)
{
	const struct acpi_header *t = phys ? acpi_map_table(&boot_acpi, phys, sig) : NULL;

	if (t)
		dump_table(phys, t);
}

static void dump_acpi(void)
{
	const uint8_t *rsdp = boot_info.rsdp;

	if (!boot_info.rsdp_len)
		return;
	dump_blob("rsdp", NULL, 0, rsdp, boot_info.rsdp_len);
	/* Offsets: ACPI 6.4, 5.2.5.3 (RSDT address @16, XSDT address @24). */
	if (boot_acpi.use_xsdt)
		dump_table_at(get_le64(rsdp + 24), "XSDT");
	else if (boot_info.rsdp_len >= 20)
		dump_table_at(get_le32(rsdp + 16), "RSDT");
	for (unsigned i = 0; i < boot_acpi.count; i++)
		dump_table(boot_acpi.table_phys[i], boot_acpi.tables[i]);
	dump_table_at(boot_fadt.dsdt_phys, "DSDT");
}

void dump_if_asked(void)
{
	if ((dump_mask & DUMP_MBI) && boot_info_end > boot_info_start)
		dump_blob("mbi", NULL, boot_info_start, phys_to_virt(boot_info_start),
			  boot_info_end - boot_info_start);
	if (dump_mask & DUMP_ACPI)
		dump_acpi();
}
