// SPDX-License-Identifier: MIT
#include "smp/acpi.h"

#include "arch/x86_64/unaligned.h"
#include "init/detail.h"

#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36

static bool sig_equal(const char *a, const char *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

bool acpi_checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum == 0;
}

static void report(struct acpi *a, const char *what, const char *detail, const char *action)
{
	if (a->problem)
		a->problem(a->cookie, what, detail, action);
}

/* "XXXX" for a detail string; the signature is not NUL-terminated in the table. */
static void sig_to_str(const char *sig, char out[5])
{
	for (int i = 0; i < 4; i++)
		out[i] = (sig[i] >= 0x20 && sig[i] < 0x7f) ? sig[i] : '?';
	out[4] = '\0';
}

bool acpi_table_usable(const struct acpi_header *t, const char sig[4], uint32_t min_len,
		       const char *what, const char *absent_action, const char *bad_action,
		       acpi_problem_fn problem, void *cookie)
{
	uint32_t length = t ? get_le32((const uint8_t *)t + 4) : 0;
	char want[5] = { sig[0], sig[1], sig[2], sig[3], '\0' };
	struct detail d = { .len = 0 };

	if (!t) {
		detail_add(&d, "no table");
	} else if (!sig_equal(t->signature, sig)) {
		detail_add(&d, "signature is not ");
		detail_add(&d, want);
	} else if (length < min_len) {
		detail_add(&d, "length ");
		detail_num(&d, length);
		detail_add(&d, " below ");
		detail_num(&d, min_len);
	} else if (length > ACPI_TABLE_LEN_MAX) {
		detail_add(&d, "length ");
		detail_num(&d, length);
		detail_add(&d, " above ");
		detail_num(&d, ACPI_TABLE_LEN_MAX);
	} else if (!acpi_checksum_ok(t, length)) {
		detail_add(&d, "bad checksum");
	} else {
		return true;
	}
	if (problem)
		problem(cookie, what, d.buf, t ? bad_action : absent_action);
	return false;
}

void acpi_entry_problem(const struct acpi_entries *w, uint32_t off, const char *why,
			const char *action)
{
	struct detail d = { .len = 0 };

	if (!w->problem)
		return;
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
	w->problem(w->cookie, w->what, d.buf, action);
}

uint32_t acpi_entry_len(const struct acpi_entries *w, uint32_t off, bool loud)
{
	uint32_t len = w->length - off >= 2 ? w->table[off + 1] : 0;
	const char *why;

	if (w->length - off < 2)
		why = "trailing byte after the last entry";
	else if (len < 2)
		why = "length below the 2-byte entry header";
	else if (len > w->length - off)
		why = "runs past the table end";
	else
		return len;
	if (loud)
		acpi_entry_problem(w, off, why, "walk stopped");
	return 0;
}

const struct acpi_header *acpi_map_table(struct acpi *a, uint64_t phys, const char *expect_sig)
{
	const struct acpi_header *h = a->map(a->cookie, phys, sizeof(*h));
	char sig[5];

	if (!h) {
		report(a, "acpi table", "header not reachable", "table ignored");
		return NULL;
	}
	sig_to_str(h->signature, sig);
	if (expect_sig && !sig_equal(h->signature, expect_sig)) {
		report(a, "acpi table", sig, "unexpected signature; table ignored");
		return NULL;
	}
	if (h->length < sizeof(*h) || h->length > ACPI_TABLE_LEN_MAX) {
		report(a, "acpi table", sig, "impossible length; table ignored");
		return NULL;
	}
	h = a->map(a->cookie, phys, h->length);
	if (!h) {
		report(a, "acpi table", sig, "body not reachable; table ignored");
		return NULL;
	}
	if (!acpi_checksum_ok(h, h->length)) {
		report(a, "acpi checksum", sig, "bad checksum; table ignored");
		return NULL;
	}
	return h;
}

bool acpi_init(struct acpi *a, const uint8_t *rsdp, size_t rsdp_len)
{
	const struct acpi_header *root;
	uint64_t root_phys;
	unsigned entry_size, entries;

	a->count = 0;
	if (!rsdp || rsdp_len < RSDP_V1_LEN || !sig_equal((const char *)rsdp, "RSD ") ||
	    !sig_equal((const char *)rsdp + 4, "PTR ")) {
		report(a, "acpi rsdp", "missing or without signature", "running without ACPI");
		return false;
	}
	if (!acpi_checksum_ok(rsdp, RSDP_V1_LEN)) {
		report(a, "acpi rsdp", "bad checksum", "running without ACPI");
		return false;
	}
	a->revision = rsdp[15];
	/* ACPI 2.0+: a 64-bit XSDT with its own extended checksum over 36 bytes. */
	a->use_xsdt = a->revision >= 2 && rsdp_len >= RSDP_V2_LEN &&
		      acpi_checksum_ok(rsdp, RSDP_V2_LEN) && get_le64(rsdp + 24);
	if (a->revision >= 2 && !a->use_xsdt)
		report(a, "acpi rsdp", "no usable XSDT pointer", "using the RSDT");
	root_phys = a->use_xsdt ? get_le64(rsdp + 24) : get_le32(rsdp + 16);
	root = acpi_map_table(a, root_phys, a->use_xsdt ? "XSDT" : "RSDT");
	if (!root && a->use_xsdt) {
		a->use_xsdt = false;
		root = acpi_map_table(a, get_le32(rsdp + 16), "RSDT");
	}
	if (!root) {
		report(a, "acpi root table", "neither XSDT nor RSDT valid", "running without ACPI");
		return false;
	}
	entry_size = a->use_xsdt ? 8 : 4;
	entries = (root->length - sizeof(*root)) / entry_size;
	for (unsigned i = 0; i < entries && a->count < ACPI_MAX_TABLES; i++) {
		const uint8_t *e = (const uint8_t *)(root + 1) + i * entry_size;
		uint64_t phys = a->use_xsdt ? get_le64(e) : get_le32(e);
		const struct acpi_header *h = acpi_map_table(a, phys, NULL);

		if (!h)
			continue;
		a->table_phys[a->count] = phys;
		a->tables[a->count++] = h;
	}
	if (entries > ACPI_MAX_TABLES)
		report(a, "acpi root table", "more tables than the kernel keeps", "extra tables ignored");
	return true;
}

const struct acpi_header *acpi_find(const struct acpi *a, const char sig[4], unsigned n)
{
	for (unsigned i = 0; i < a->count; i++)
		if (sig_equal(a->tables[i]->signature, sig) && n-- == 0)
			return a->tables[i];
	return NULL;
}

/*
 * \_S5's sleep type values from the DSDT's AML without an interpreter: find
 * the name "_S5_" followed by a Package (opcode 0x12) and read its first two
 * integers (ACPI 6.4, 20.2.5: ByteConst 0x0A, ZeroOp 0x00, OneOp 0x01).
 */
static bool find_s5(const uint8_t *aml, size_t len, uint16_t *typa, uint16_t *typb)
{
	for (size_t i = 0; i + 4 < len; i++) {
		size_t p;
		uint16_t vals[2];

		if (!(aml[i] == '_' && aml[i + 1] == 'S' && aml[i + 2] == '5' && aml[i + 3] == '_'))
			continue;
		p = i + 4;
		if (p >= len || aml[p] != 0x12)
			continue;
		p++;
		if (p >= len)
			return false;
		p += 1 + (aml[p] >> 6); /* PkgLength: lead byte bits 7-6 count the extra bytes */
		p++;                    /* NumElements */
		for (int k = 0; k < 2; k++) {
			if (p >= len)
				return false;
			if (aml[p] == 0x0a && p + 1 < len) {
				vals[k] = aml[p + 1];
				p += 2;
			} else if (aml[p] == 0x00 || aml[p] == 0x01) {
				vals[k] = aml[p];
				p++;
			} else {
				return false;
			}
		}
		*typa = vals[0];
		*typb = vals[1];
		return true;
	}
	return false;
}

void acpi_read_fadt(struct acpi *a, struct acpi_fadt_info *out)
{
	const struct acpi_header *fadt = acpi_find(a, "FACP", 0);
	const uint8_t *f = (const uint8_t *)fadt;
	const struct acpi_header *dsdt;

	*out = (struct acpi_fadt_info){ 0 };
	if (!fadt) {
		report(a, "acpi fadt", "no FADT", "no PM timer and no ACPI power-off");
		return;
	}
	out->present = true;
	/* Offsets: ACPI 6.4, table 5.9. */
	if (fadt->length >= 80)
		out->pm_timer_port = (uint16_t)get_le32(f + 76);
	if (fadt->length >= 116)
		out->pm_timer_32bit = get_le32(f + 112) & (1u << 8); /* TMR_VAL_EXT */
	/* X_PM_TMR_BLK wins when it is in system I/O space (space id 1). */
	if (fadt->length >= 220 && f[208] == 1 && get_le64(f + 212))
		out->pm_timer_port = (uint16_t)get_le64(f + 212);
	if (fadt->length >= 72) {
		out->pm1a_cnt = (uint16_t)get_le32(f + 64);
		out->pm1b_cnt = (uint16_t)get_le32(f + 68);
	}
	out->dsdt_phys = fadt->length >= 44 ? get_le32(f + 40) : 0;
	if (fadt->length >= 148 && get_le64(f + 140))
		out->dsdt_phys = get_le64(f + 140);
	if (!out->dsdt_phys)
		return;
	dsdt = acpi_map_table(a, out->dsdt_phys, "DSDT");
	if (dsdt)
		out->s5_found = find_s5((const uint8_t *)(dsdt + 1), dsdt->length - sizeof(*dsdt),
					&out->slp_typa, &out->slp_typb);
}

uint64_t acpi_hpet_base(const struct acpi *a)
{
	const struct acpi_header *h = acpi_find(a, "HPET", 0);
	const uint8_t *t = (const uint8_t *)h;

	/* Base Address is a Generic Address Structure at 40; memory space is id 0. */
	if (!h || h->length < 52 || t[40] != 0)
		return 0;
	return get_le64(t + 44);
}
