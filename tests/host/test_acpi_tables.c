// SPDX-License-Identifier: MIT
/*
 * Host tests for smp/madt.c, smp/srat.c and smp/slit.c. Tables are built by
 * a small builder that sets the length and checksum, then handed to the
 * parsers from a heap block of exactly that length at an odd address: a
 * read past the table trips AddressSanitizer, and a misaligned field read
 * done the wrong way trips UndefinedBehaviorSanitizer. Every problem the
 * parsers report is recorded so tests can insist on the ones they provoke.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "smp/acpi_tables.h"
#include "tests/host/check.h"
#include "tests/host/parser_test.h"
#include "tests/host/rng.h"

/* ---- building tables ---------------------------------------------------- */

#define TABLE_MAX 16384

struct table {
	uint8_t buf[TABLE_MAX];
	size_t len;
};

/* The 36-byte header (ACPI 6.4, 5.2.6) and @fixed bytes of table-specific fields, zeroed. */
static void t_begin(struct table *t, const char *sig, uint8_t revision, size_t fixed)
{
	memset(t->buf, 0, sizeof(t->buf));
	memcpy(t->buf, sig, 4);
	t->buf[8] = revision;
	memcpy(t->buf + 10, "MEMINI", 6);
	memcpy(t->buf + 16, "HOSTTEST", 8);
	t->len = fixed;
}

/* Appends an entry of @len bytes (type and length set, body zeroed); returns it. */
static uint8_t *t_entry(struct table *t, uint8_t type, uint8_t len)
{
	uint8_t *e = t->buf + t->len;

	if (t->len + (len ? len : 2) > sizeof(t->buf)) {
		fprintf(stderr, "table builder overflow\n");
		abort();
	}
	e[0] = type;
	e[1] = len;
	t->len += len ? len : 2;
	return e;
}

/* Sets byte 9 so that the @len bytes sum to zero (ACPI 6.4, 5.2.6). */
static void set_checksum(uint8_t *buf, size_t len)
{
	uint8_t sum = 0;

	buf[9] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + buf[i]);
	buf[9] = (uint8_t)-sum;
}

/* Length field = t->len, then the checksum. */
static void t_finish(struct table *t)
{
	put_u32(t->buf + 4, (uint32_t)t->len);
	set_checksum(t->buf, t->len);
}

/* MADT, ACPI 6.4 5.2.12 */
static void madt_begin(struct table *t, uint32_t lapic, uint32_t flags)
{
	t_begin(t, "APIC", 5, 44);
	put_u32(t->buf + 36, lapic);
	put_u32(t->buf + 40, flags);
}

static void madt_lapic(struct table *t, uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t *e = t_entry(t, 0, 8);

	e[2] = uid;
	e[3] = id;
	put_u32(e + 4, flags);
}

static void madt_x2apic(struct table *t, uint32_t id, uint32_t flags, uint32_t uid)
{
	uint8_t *e = t_entry(t, 9, 16);

	put_u32(e + 4, id);
	put_u32(e + 8, flags);
	put_u32(e + 12, uid);
}

static void madt_override(struct table *t, uint64_t addr)
{
	put_u64(t_entry(t, 5, 12) + 4, addr);
}

static void madt_ioapic(struct table *t, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	uint8_t *e = t_entry(t, 1, 12);

	e[2] = id;
	put_u32(e + 4, addr);
	put_u32(e + 8, gsi_base);
}

static void madt_iso(struct table *t, uint8_t source, uint32_t gsi, uint16_t flags)
{
	uint8_t *e = t_entry(t, 2, 10);

	e[3] = source;
	put_u32(e + 4, gsi);
	put_u16(e + 8, flags);
}

static void madt_lapic_nmi(struct table *t)
{
	uint8_t *e = t_entry(t, 4, 6);

	e[2] = 0xff; /* all processors */
	e[5] = 1;    /* LINT1 */
}

/* What QEMU's q35 builds for -smp 4: CPUs, one I/O APIC, ISOs, an NMI. */
static void build_qemu_madt(struct table *t)
{
	madt_begin(t, 0xfee00000, 1);
	for (uint8_t i = 0; i < 4; i++)
		madt_lapic(t, i, i, 1);
	madt_ioapic(t, 0, 0xfec00000, 0);
	madt_iso(t, 0, 2, 0);
	madt_iso(t, 5, 5, 0xd);
	madt_iso(t, 9, 9, 0xd);
	madt_iso(t, 10, 10, 0xd);
	madt_iso(t, 11, 11, 0xd);
	madt_lapic_nmi(t);
	t_finish(t);
}

/* SRAT, ACPI 6.4 5.2.16 */
static void srat_begin(struct table *t, uint8_t revision)
{
	t_begin(t, "SRAT", revision, 48);
	put_u32(t->buf + 36, 1);
}

/* Type 0 keeps the domain's low byte at 2 and the upper three bytes at 9..11. */
static void srat_lapic(struct table *t, uint32_t pxm, uint8_t id, uint32_t flags)
{
	uint8_t *e = t_entry(t, 0, 16);

	e[2] = (uint8_t)pxm;
	e[3] = id;
	put_u32(e + 4, flags);
	e[9] = (uint8_t)(pxm >> 8);
	e[10] = (uint8_t)(pxm >> 16);
	e[11] = (uint8_t)(pxm >> 24);
	put_u32(e + 12, 0x5a5a5a5a); /* clock domain: not ours */
}

static void srat_mem(struct table *t, uint32_t pxm, uint64_t base, uint64_t len, uint32_t flags)
{
	uint8_t *e = t_entry(t, 1, 40);

	put_u32(e + 2, pxm);
	put_u32(e + 8, (uint32_t)base);
	put_u32(e + 12, (uint32_t)(base >> 32));
	put_u32(e + 16, (uint32_t)len);
	put_u32(e + 20, (uint32_t)(len >> 32));
	put_u32(e + 28, flags);
}

static void srat_x2apic(struct table *t, uint32_t pxm, uint32_t id, uint32_t flags)
{
	uint8_t *e = t_entry(t, 2, 24);

	put_u32(e + 4, pxm);
	put_u32(e + 8, id);
	put_u32(e + 12, flags);
}

#define SRAT_EN 1u
#define SRAT_HOTPLUG 2u
#define SRAT_NV 4u
#define GIB (1ull << 30)

/* SLIT, ACPI 6.4 5.2.17: @n_field as N, then @cells bytes of matrix. */
static void slit_build(struct table *t, uint64_t n_field, const uint8_t *m, size_t cells)
{
	t_begin(t, "SLIT", 1, 44);
	put_u64(t->buf + 36, n_field);
	memcpy(t->buf + 44, m, cells);
	t->len = 44 + cells;
	t_finish(t);
}

/* ---- recording problems ------------------------------------------------ */

static struct problems probs;

/* ---- running the parsers on exact-size heap copies --------------------- */

#define CPUS_KEPT 1024

static struct madt_cpu madt_cpus[CPUS_KEPT];
static unsigned madt_cpu_count;
static struct madt_info minfo;

static void on_madt_cpu(void *cookie, const struct madt_cpu *cpu)
{
	CHECK(cookie == madt_cpus);
	if (madt_cpu_count < CPUS_KEPT)
		madt_cpus[madt_cpu_count] = *cpu;
	madt_cpu_count++;
}

static bool madt_run_bytes(const void *bytes, size_t len, size_t shift)
{
	const uint8_t *data;
	uint8_t *mem = heap_copy(bytes, len, shift, &data);
	bool ok;

	memset(&probs, 0, sizeof(probs));
	memset(&minfo, 0x77, sizeof(minfo)); /* the walker must clear it */
	madt_cpu_count = 0;
	ok = madt_walk((const struct acpi_header *)data, on_madt_cpu, madt_cpus, &minfo, on_problem,
		       &probs);
	free(mem);
	return ok;
}

static bool madt_run(const struct table *t)
{
	return madt_run_bytes(t->buf, t->len, 1);
}

static struct srat_cpu srat_cpus[CPUS_KEPT];
static struct srat_mem srat_mems[CPUS_KEPT];
static unsigned srat_cpu_count, srat_mem_count;
static struct srat_info sinfo;

static void on_srat_cpu(void *cookie, const struct srat_cpu *cpu)
{
	CHECK(cookie == srat_cpus);
	if (srat_cpu_count < CPUS_KEPT)
		srat_cpus[srat_cpu_count] = *cpu;
	srat_cpu_count++;
}

static void on_srat_mem(void *cookie, const struct srat_mem *mem)
{
	CHECK(cookie == srat_cpus);
	if (srat_mem_count < CPUS_KEPT)
		srat_mems[srat_mem_count] = *mem;
	srat_mem_count++;
}

static bool srat_run_bytes(const void *bytes, size_t len, size_t shift)
{
	const uint8_t *data;
	uint8_t *mem = heap_copy(bytes, len, shift, &data);
	bool ok;

	memset(&probs, 0, sizeof(probs));
	memset(&sinfo, 0x77, sizeof(sinfo));
	srat_cpu_count = srat_mem_count = 0;
	ok = srat_walk((const struct acpi_header *)data, on_srat_cpu, on_srat_mem, srat_cpus, &sinfo,
		       on_problem, &probs);
	free(mem);
	return ok;
}

static bool srat_run(const struct table *t)
{
	return srat_run_bytes(t->buf, t->len, 3);
}

#define SLIT_MAX 8

static uint8_t slit_out[SLIT_MAX * SLIT_MAX];
static unsigned slit_n;

static bool slit_run_bytes(const void *bytes, size_t len, size_t shift, unsigned max_n)
{
	const uint8_t *data;
	uint8_t *mem = heap_copy(bytes, len, shift, &data);
	bool ok;

	memset(&probs, 0, sizeof(probs));
	memset(slit_out, 0xee, sizeof(slit_out));
	slit_n = 0x7777;
	ok = slit_parse((const struct acpi_header *)data, slit_out, max_n, &slit_n, on_problem,
			&probs);
	free(mem);
	return ok;
}

static bool slit_run(const struct table *t, unsigned max_n)
{
	return slit_run_bytes(t->buf, t->len, 5, max_n);
}

static struct table tb;

/* ---- MADT ------------------------------------------------------------------ */

static void test_madt_qemu_four_cpus(void)
{
	build_qemu_madt(&tb);
	CHECK(madt_run(&tb));
	CHECK(no_problems(&probs));
	CHECK_EQ_U64(minfo.lapic_phys, 0xfee00000);
	CHECK(minfo.pcat_compat);
	CHECK_EQ_U64(minfo.entries, 4);
	CHECK_EQ_U64(minfo.duplicates, 0);
	CHECK_EQ_U64(madt_cpu_count, 4);
	for (unsigned i = 0; i < 4; i++) {
		CHECK_EQ_U64(madt_cpus[i].apic_id, i);
		CHECK_EQ_U64(madt_cpus[i].acpi_uid, i);
		CHECK(!madt_cpus[i].x2apic);
		CHECK(madt_cpus[i].enabled);
		CHECK(!madt_cpus[i].online_capable);
	}
}

static void test_madt_no_pcat_and_no_cpus(void)
{
	madt_begin(&tb, 0xfee00000, 0);
	t_finish(&tb);
	CHECK(madt_run(&tb));
	CHECK(no_problems(&probs));
	CHECK(!minfo.pcat_compat);
	CHECK_EQ_U64(minfo.entries, 0);
	CHECK_EQ_U64(madt_cpu_count, 0);
}

static void test_madt_x2apic_high_ids(void)
{
	madt_begin(&tb, 0xfee00000, 1);
	madt_lapic(&tb, 0, 0, 1);
	madt_lapic(&tb, 1, 254, 1);
	madt_x2apic(&tb, 255, 1, 2);
	madt_x2apic(&tb, 256, 1, 3);
	madt_x2apic(&tb, 0x10000, 1, 0x12345678);
	madt_x2apic(&tb, 0xfffffffe, 2, 0xffffffff);
	t_finish(&tb);
	CHECK(madt_run(&tb));
	CHECK(no_problems(&probs));
	CHECK_EQ_U64(minfo.entries, 6);
	CHECK_EQ_U64(madt_cpu_count, 6);
	CHECK_EQ_U64(madt_cpus[1].apic_id, 254);
	CHECK(!madt_cpus[1].x2apic);
	CHECK_EQ_U64(madt_cpus[2].apic_id, 255);
	CHECK(madt_cpus[2].x2apic);
	CHECK_EQ_U64(madt_cpus[3].apic_id, 256);
	CHECK_EQ_U64(madt_cpus[3].acpi_uid, 3);
	CHECK_EQ_U64(madt_cpus[4].apic_id, 0x10000);
	CHECK_EQ_U64(madt_cpus[4].acpi_uid, 0x12345678);
	CHECK(madt_cpus[4].x2apic && madt_cpus[4].enabled);
	CHECK_EQ_U64(madt_cpus[5].apic_id, 0xfffffffe);
	CHECK_EQ_U64(madt_cpus[5].acpi_uid, 0xffffffff);
	CHECK(!madt_cpus[5].enabled && madt_cpus[5].online_capable);
}

/* A big machine: ids below 255 as type 0, the rest as type 9. */
static void test_madt_many_cpus(void)
{
	madt_begin(&tb, 0xfee00000, 0);
	for (unsigned i = 0; i < 600; i++) {
		if (i < 255)
			madt_lapic(&tb, (uint8_t)i, (uint8_t)i, 1);
		else
			madt_x2apic(&tb, i, 1, i);
	}
	t_finish(&tb);
	CHECK(madt_run(&tb));
	CHECK(no_problems(&probs));
	CHECK_EQ_U64(madt_cpu_count, 600);
	CHECK_EQ_U64(minfo.duplicates, 0);
	for (unsigned i = 0; i < 600; i++) {
		CHECK_EQ_U64(madt_cpus[i].apic_id, i);
		CHECK_EQ_U64(madt_cpus[i].x2apic, i >= 255);
	}
}

static void test_madt_flags(void)
{
	madt_begin(&tb, 0xfee00000, 1);
	madt_lapic(&tb, 0, 0, 1);          /* enabled */
	madt_lapic(&tb, 1, 1, 2);          /* online capable: hot-add later */
	madt_lapic(&tb, 2, 2, 0);          /* neither: not present */
	madt_lapic(&tb, 3, 3, 3);          /* both: bit 1 is reserved when enabled */
	madt_lapic(&tb, 4, 4, 0xfffffff1); /* reserved bits ignored */
	madt_x2apic(&tb, 300, 0, 5);
	madt_x2apic(&tb, 301, 2, 6);
	t_finish(&tb);
	CHECK(madt_run(&tb));
	CHECK(no_problems(&probs));
	CHECK_EQ_U64(madt_cpu_count, 7);
	CHECK_EQ_U64(minfo.entries, 7);
	CHECK(madt_cpus[0].enabled && !madt_cpus[0].online_capable);
	CHECK(!madt_cpus[1].enabled && madt_cpus[1].online_capable);
	CHECK(!madt_cpus[2].enabled && !madt_cpus[2].online_capable);
	CHECK(madt_cpus[3].enabled && !madt_cpus[3].online_capable);
	CHECK(madt_cpus[4].enabled && !madt_cpus[4].online_capable);
	CHECK(!madt_cpus[5].enabled && !madt_cpus[5].online_capable);
	CHECK(!madt_cpus[6].enabled && madt_cpus[6].online_capable);
}

static void test_madt_duplicates(void)
{
	madt_begin(&tb, 0xfee00000, 1);
	madt_lapic(&tb, 0, 0, 1);
	madt_lapic(&tb, 1, 1, 1);
	madt_x2apic(&tb, 1, 1, 1);   /* the same CPU listed again as x2APIC */
	madt_lapic(&tb, 2, 1, 1);    /* and a third time */
	madt_x2apic(&tb, 300, 1, 3);
	madt_x2apic(&tb, 300, 1, 4); /* x2APIC twice */
	t_finish(&tb);
	CHECK(madt_run(&tb));
	CHECK_EQ_U64(minfo.entries, 6);
	CHECK_EQ_U64(minfo.duplicates, 3);
	CHECK_EQ_U64(madt_cpu_count, 3);
	CHECK_EQ_U64(madt_cpus[0].apic_id, 0);
	CHECK_EQ_U64(madt_cpus[1].apic_id, 1);
	CHECK(!madt_cpus[1].x2apic); /* the first of equals wins */
	CHECK_EQ_U64(madt_cpus[1].acpi_uid, 1);
	CHECK_EQ_U64(madt_cpus[2].apic_id, 300);
	CHECK_EQ_U64(madt_cpus[2].acpi_uid, 3);
	/* One summary, not one report per duplicate. */
	CHECK_EQ_U64(probs.count, 1);
	CHECK(reported(&probs, "acpi madt", "3 entries repeat an APIC id; first at offset 60 id 1",
		       "duplicates skipped"));
}

/* A placeholder listed first must not hide the real CPU with its id. */
static void test_madt_duplicate_prefers_usable(void)
{
	madt_begin(&tb, 0xfee00000, 1);
	madt_lapic(&tb, 0, 0xff, 0); /* placeholders, all id 0xff */
	madt_lapic(&tb, 1, 0xff, 0);
	madt_lapic(&tb, 2, 5, 0);    /* not present... */
	madt_lapic(&tb, 3, 6, 2);    /* online capable... */
	madt_lapic(&tb, 4, 5, 1);    /* ...but here it is, enabled */
	madt_lapic(&tb, 5, 6, 1);    /* and this one too */
	madt_lapic(&tb, 6, 7, 2);
	madt_lapic(&tb, 7, 7, 0);    /* worse than the earlier one */
	t_finish(&tb);
	CHECK(madt_run(&tb));
	CHECK_EQ_U64(minfo.entries, 8);
	CHECK_EQ_U64(minfo.duplicates, 4);
	CHECK_EQ_U64(madt_cpu_count, 4);
	CHECK_EQ_U64(madt_cpus[0].apic_id, 0xff);
	CHECK_EQ_U64(madt_cpus[0].acpi_uid, 0);
	CHECK_EQ_U64(madt_cpus[1].apic_id, 5);
	CHECK_EQ_U64(madt_cpus[1].acpi_uid, 4);
	CHECK(madt_cpus[1].enabled);
	CHECK_EQ_U64(madt_cpus[2].apic_id, 6);
	CHECK_EQ_U64(madt_cpus[2].acpi_uid, 5);
	CHECK(madt_cpus[2].enabled);
	CHECK_EQ_U64(madt_cpus[3].apic_id, 7);
	CHECK_EQ_U64(madt_cpus[3].acpi_uid, 6);
	CHECK(madt_cpus[3].online_capable);
	CHECK(reported(&probs, "acpi madt", "4 entries repeat", "duplicates skipped"));
}

/* An entry the walk never reaches cannot suppress one it did report. */
static void test_madt_duplicate_beyond_stop(void)
{
	madt_begin(&tb, 0xfee00000, 1);
	madt_lapic(&tb, 0, 3, 0);
	t_entry(&tb, 1, 0); /* zero length: the walk ends here */
	madt_lapic(&tb, 1, 3, 1);
	t_finish(&tb);
	CHECK(madt_run(&tb));
	CHECK_EQ_U64(madt_cpu_count, 1);
	CHECK_EQ_U64(madt_cpus[0].acpi_uid, 0);
	CHECK_EQ_U64(minfo.duplicates, 0);
	CHECK(reported(&probs, "acpi madt", "offset 52 type 1 length 0", "walk stopped"));
}

static void test_madt_lapic_override(void)
{
	madt_begin(&tb, 0xfee00000, 1);
	madt_lapic(&tb, 0, 0, 1);
	madt_override(&tb, 0x0000000fee000000ull);
	madt_lapic(&tb, 1, 1, 1);
	t_finish(&tb);
	CHECK(madt_run(&tb));
	CHECK(no_problems(&probs));
	CHECK_EQ_U64(minfo.lapic_phys, 0x0000000fee000000ull);
	CHECK_EQ_U64(madt_cpu_count, 2);

	/* Too short to hold the address: skipped, the 32-bit address stands. */
	madt_begin(&tb, 0xfee00000, 1);
	put_u64(t_entry(&tb, 5, 11) + 3, 0x1234);
	madt_lapic(&tb, 0, 0, 1);
	t_finish(&tb);
	CHECK(madt_run(&tb));
	CHECK_EQ_U64(minfo.lapic_phys, 0xfee00000);
	CHECK_EQ_U64(madt_cpu_count, 1);
	CHECK(reported(&probs, "acpi madt", "offset 44 type 5 length 11: shorter",
		       "entry skipped"));
}

static void test_madt_truncated_entry(void)
{
	madt_begin(&tb, 0xfee00000, 1);
	madt_lapic(&tb, 0, 0, 1);
	madt_lapic(&tb, 1, 1, 1);
	madt_x2apic(&tb, 400, 1, 2);
	tb.len -= 8; /* the x2APIC entry now runs 8 bytes past the end */
	t_finish(&tb);
	CHECK(madt_run(&tb));
	CHECK_EQ_U64(madt_cpu_count, 2);
	CHECK_EQ_U64(minfo.entries, 2);
	CHECK(reported(&probs, "acpi madt", "offset 60 type 9 length 16: runs past",
		       "walk stopped"));
}

static void test_madt_zero_length_entry(void)
{
	madt_begin(&tb, 0xfee00000, 1);
	madt_lapic(&tb, 0, 0, 1);
	t_entry(&tb, 0, 0);
	madt_lapic(&tb, 1, 1, 1);
	t_finish(&tb);
	CHECK(madt_run(&tb));
	CHECK_EQ_U64(madt_cpu_count, 1);
	CHECK_EQ_U64(probs.count, 1);
	CHECK(reported(&probs, "acpi madt", "offset 52 type 0 length 0", "walk stopped"));

	/* Length 1 cannot hold the entry header either. */
	madt_begin(&tb, 0xfee00000, 1);
	t_entry(&tb, 0, 0)[1] = 1;
	t_finish(&tb);
	CHECK(madt_run(&tb));
	CHECK(reported(&probs, "acpi madt", "offset 44 type 0 length 1", "walk stopped"));
}

/* A length no table has is refused before the checksum would read that far past the table. */
static void test_madt_absurd_length(void)
{
	madt_begin(&tb, 0xfee00000, 1);
	madt_lapic(&tb, 0, 0, 1);
	t_finish(&tb);
	put_u32(tb.buf + 4, 0xfffffff0u);
	CHECK(!madt_run(&tb));
	CHECK_EQ_U64(madt_cpu_count, 0);
	CHECK(reported(&probs, "acpi madt", "length 0xfffffff0 above 0x1000000", "table ignored"));
}

static void test_madt_entry_below_type_minimum(void)
{
	uint8_t *e;

	madt_begin(&tb, 0xfee00000, 1);
	e = t_entry(&tb, 0, 6); /* type 0 needs 8 */
	e[3] = 9;
	e = t_entry(&tb, 9, 12); /* type 9 needs 16 */
	put_u32(e + 4, 999);
	madt_lapic(&tb, 1, 1, 1);
	t_entry(&tb, 0x7f, 2); /* an unknown type of any length is just skipped */
	madt_lapic(&tb, 2, 2, 1);
	t_finish(&tb);
	CHECK(madt_run(&tb));
	CHECK_EQ_U64(madt_cpu_count, 2);
	CHECK_EQ_U64(madt_cpus[0].apic_id, 1);
	CHECK_EQ_U64(madt_cpus[1].apic_id, 2);
	CHECK_EQ_U64(minfo.entries, 2);
	CHECK_EQ_U64(probs.count, 2);
	CHECK(reported(&probs, "acpi madt", "offset 44 type 0 length 6", "entry skipped"));
	CHECK(reported(&probs, "acpi madt", "offset 50 type 9 length 12", "entry skipped"));
}

/* Longer than the type needs (a later revision): read the known part. */
static void test_madt_entry_longer_than_needed(void)
{
	uint8_t *e;

	madt_begin(&tb, 0xfee00000, 1);
	e = t_entry(&tb, 0, 12);
	e[2] = 7;
	e[3] = 8;
	put_u32(e + 4, 1);
	madt_lapic(&tb, 1, 1, 1);
	t_finish(&tb);
	CHECK(madt_run(&tb));
	CHECK(no_problems(&probs));
	CHECK_EQ_U64(madt_cpu_count, 2);
	CHECK_EQ_U64(madt_cpus[0].apic_id, 8);
	CHECK_EQ_U64(madt_cpus[0].acpi_uid, 7);
	CHECK_EQ_U64(madt_cpus[1].apic_id, 1);
}

static void test_madt_trailing_byte(void)
{
	madt_begin(&tb, 0xfee00000, 1);
	madt_lapic(&tb, 0, 0, 1);
	tb.len += 1;
	t_finish(&tb);
	CHECK(madt_run(&tb));
	CHECK_EQ_U64(madt_cpu_count, 1);
	CHECK(reported(&probs, "acpi madt", "offset 52: trailing byte", "walk stopped"));
}

static void test_madt_unusable_tables(void)
{
	/* Shorter than 44: not even the fixed fields. */
	madt_begin(&tb, 0xfee00000, 1);
	tb.len = 40;
	t_finish(&tb);
	CHECK(!madt_run(&tb));
	CHECK(reported(&probs, "acpi madt", "length 40 below 44", "table ignored"));
	CHECK_EQ_U64(minfo.entries, 0);
	CHECK_EQ_U64(minfo.lapic_phys, 0);
	CHECK_EQ_U64(madt_cpu_count, 0);

	tb.len = 36;
	t_finish(&tb);
	CHECK(!madt_run(&tb));
	CHECK(reported(&probs, "acpi madt", "length 36 below 44", "table ignored"));

	/* A length below the header: only the first 8 bytes exist. */
	put_u32(tb.buf + 4, 8);
	CHECK(!madt_run_bytes(tb.buf, 8, 1));
	CHECK(reported(&probs, "acpi madt", "length 8 below 44", "table ignored"));

	build_qemu_madt(&tb);
	tb.buf[9] ^= 1;
	CHECK(!madt_run(&tb));
	CHECK(reported(&probs, "acpi madt", "bad checksum", "table ignored"));
	CHECK_EQ_U64(madt_cpu_count, 0);

	build_qemu_madt(&tb);
	memcpy(tb.buf, "SRAT", 4);
	t_finish(&tb);
	CHECK(!madt_run(&tb));
	CHECK(reported(&probs, "acpi madt", "signature", "table ignored"));

	memset(&probs, 0, sizeof(probs));
	CHECK(!madt_walk(NULL, on_madt_cpu, madt_cpus, &minfo, on_problem, &probs));
	CHECK_EQ_U64(probs.count, 1);
	/* No problem callback, no info: still fine. */
	build_qemu_madt(&tb);
	CHECK(madt_walk((const struct acpi_header *)tb.buf, NULL, NULL, NULL, NULL, NULL));
	tb.len = 40;
	t_finish(&tb);
	CHECK(!madt_walk((const struct acpi_header *)tb.buf, NULL, NULL, NULL, NULL, NULL));
}

/* ---- SRAT ------------------------------------------------------------------ */

static void test_srat_three_types(void)
{
	srat_begin(&tb, 3);
	srat_lapic(&tb, 0x12345678, 7, SRAT_EN);
	srat_mem(&tb, 0x12345678, 0x100000000ull, 0x80000000ull, SRAT_EN);
	srat_x2apic(&tb, 0x10001, 0x10000, SRAT_EN);
	t_finish(&tb);
	CHECK(srat_run(&tb));
	CHECK(no_problems(&probs));
	CHECK_EQ_U64(sinfo.cpu_entries, 2);
	CHECK_EQ_U64(sinfo.mem_entries, 1);
	CHECK_EQ_U64(sinfo.disabled, 0);
	CHECK_EQ_U64(sinfo.unknown, 0);
	CHECK_EQ_U64(srat_cpu_count, 2);
	CHECK_EQ_U64(srat_cpus[0].apic_id, 7);
	CHECK_EQ_U64(srat_cpus[0].pxm, 0x12345678); /* low byte at 2, the rest at 9..11 */
	CHECK(!srat_cpus[0].x2apic);
	CHECK_EQ_U64(srat_cpus[1].apic_id, 0x10000);
	CHECK_EQ_U64(srat_cpus[1].pxm, 0x10001);
	CHECK(srat_cpus[1].x2apic);
	CHECK_EQ_U64(srat_mem_count, 1);
	CHECK_EQ_U64(srat_mems[0].start, 0x100000000ull);
	CHECK_EQ_U64(srat_mems[0].end, 0x180000000ull);
	CHECK_EQ_U64(srat_mems[0].pxm, 0x12345678);
	CHECK(!srat_mems[0].hotpluggable && !srat_mems[0].nonvolatile);
}

/* Only the high bytes of a type-0 domain set: the split must not lose them. */
static void test_srat_pxm_split(void)
{
	srat_begin(&tb, 3);
	srat_lapic(&tb, 0x100, 1, SRAT_EN);
	srat_lapic(&tb, 0xff000000, 2, SRAT_EN);
	srat_lapic(&tb, 0xff, 3, SRAT_EN);
	t_finish(&tb);
	CHECK(srat_run(&tb));
	CHECK_EQ_U64(srat_cpus[0].pxm, 0x100);
	CHECK_EQ_U64(srat_cpus[1].pxm, 0xff000000);
	CHECK_EQ_U64(srat_cpus[2].pxm, 0xff);
}

/* Revision 1 had 8-bit domains; junk in the later upper bytes is ignored. */
static void test_srat_revision1_pxm(void)
{
	srat_begin(&tb, 1);
	srat_lapic(&tb, 0xabcdef02, 1, SRAT_EN);
	srat_mem(&tb, 0x303, 0, GIB, SRAT_EN);
	srat_x2apic(&tb, 0x10004, 0x1000, SRAT_EN);
	t_finish(&tb);
	CHECK(srat_run(&tb));
	CHECK_EQ_U64(srat_cpus[0].pxm, 2);
	CHECK_EQ_U64(srat_mems[0].pxm, 3);
	CHECK_EQ_U64(srat_cpus[1].pxm, 0x10004);
}

/* QEMU -numa with 2 nodes: CPUs, RAM, and disabled padding for hotplug. */
static void test_srat_qemu_like(void)
{
	srat_begin(&tb, 1);
	srat_lapic(&tb, 0, 0, SRAT_EN);
	srat_lapic(&tb, 0, 1, SRAT_EN);
	srat_lapic(&tb, 1, 2, SRAT_EN);
	srat_lapic(&tb, 1, 3, SRAT_EN);
	srat_mem(&tb, 0, 0, 0xa0000, SRAT_EN);
	srat_mem(&tb, 0, 0x100000, GIB - 0x100000, SRAT_EN);
	srat_mem(&tb, 1, GIB, GIB, SRAT_EN);
	for (int i = 0; i < 5; i++)
		srat_mem(&tb, 0, 0, 0, 0); /* padding: all zero, disabled */
	srat_mem(&tb, 1, 0x100000000ull, 4 * GIB, SRAT_EN | SRAT_HOTPLUG);
	t_finish(&tb);
	CHECK(srat_run(&tb));
	CHECK(no_problems(&probs)); /* padding is normal: no reports */
	CHECK_EQ_U64(sinfo.cpu_entries, 4);
	CHECK_EQ_U64(sinfo.mem_entries, 4);
	CHECK_EQ_U64(sinfo.disabled, 5);
	CHECK_EQ_U64(srat_cpu_count, 4);
	CHECK_EQ_U64(srat_mem_count, 4);
	CHECK_EQ_U64(srat_cpus[2].apic_id, 2);
	CHECK_EQ_U64(srat_cpus[2].pxm, 1);
	CHECK_EQ_U64(srat_mems[0].end, 0xa0000);
	CHECK_EQ_U64(srat_mems[1].start, 0x100000);
	CHECK_EQ_U64(srat_mems[1].end, GIB);
	CHECK_EQ_U64(srat_mems[2].pxm, 1);
	CHECK_EQ_U64(srat_mems[3].start, 0x100000000ull);
	CHECK_EQ_U64(srat_mems[3].end, 0x200000000ull);
	CHECK(srat_mems[3].hotpluggable);
}

static void test_srat_disabled_entries(void)
{
	srat_begin(&tb, 3);
	srat_lapic(&tb, 0, 0, SRAT_EN);
	srat_lapic(&tb, 0, 1, 0);
	srat_x2apic(&tb, 0, 300, 0);
	srat_mem(&tb, 0, 0, GIB, SRAT_HOTPLUG); /* hot-pluggable but not enabled: skipped */
	srat_mem(&tb, 0, GIB, 0, 0);            /* zero length but disabled: quietly skipped */
	t_finish(&tb);
	CHECK(srat_run(&tb));
	CHECK(no_problems(&probs));
	CHECK_EQ_U64(sinfo.disabled, 4);
	CHECK_EQ_U64(srat_cpu_count, 1);
	CHECK_EQ_U64(srat_mem_count, 0);
}

static void test_srat_memoryless_and_cpuless_domains(void)
{
	srat_begin(&tb, 3);
	srat_lapic(&tb, 0, 0, SRAT_EN);
	srat_lapic(&tb, 1, 1, SRAT_EN); /* domain 1: CPUs only */
	srat_x2apic(&tb, 1, 256, SRAT_EN);
	srat_mem(&tb, 0, 0, 2 * GIB, SRAT_EN);
	srat_mem(&tb, 2, 2 * GIB, 2 * GIB, SRAT_EN); /* domain 2: memory only */
	t_finish(&tb);
	CHECK(srat_run(&tb));
	CHECK(no_problems(&probs));
	CHECK_EQ_U64(srat_cpu_count, 3);
	CHECK_EQ_U64(srat_mem_count, 2);
	CHECK_EQ_U64(srat_cpus[1].pxm, 1);
	CHECK_EQ_U64(srat_cpus[2].pxm, 1);
	CHECK_EQ_U64(srat_mems[0].pxm, 0);
	CHECK_EQ_U64(srat_mems[1].pxm, 2);
}

/* Overlaps and disorder are the NUMA builder's to resolve: passed on as they are. */
static void test_srat_overlap_and_order_kept(void)
{
	srat_begin(&tb, 3);
	srat_mem(&tb, 1, 4 * GIB, 4 * GIB, SRAT_EN);
	srat_mem(&tb, 0, 0, 2 * GIB, SRAT_EN);
	srat_mem(&tb, 1, GIB, 2 * GIB, SRAT_EN); /* overlaps the one before */
	srat_mem(&tb, 0, 0, 2 * GIB, SRAT_EN);   /* an exact repeat */
	t_finish(&tb);
	CHECK(srat_run(&tb));
	CHECK(no_problems(&probs));
	CHECK_EQ_U64(srat_mem_count, 4);
	CHECK_EQ_U64(srat_mems[0].start, 4 * GIB);
	CHECK_EQ_U64(srat_mems[0].end, 8 * GIB);
	CHECK_EQ_U64(srat_mems[1].start, 0);
	CHECK_EQ_U64(srat_mems[2].start, GIB);
	CHECK_EQ_U64(srat_mems[2].end, 3 * GIB);
	CHECK_EQ_U64(srat_mems[2].pxm, 1);
	CHECK_EQ_U64(srat_mems[3].end, 2 * GIB);
}

static void test_srat_memory_flags(void)
{
	srat_begin(&tb, 3);
	srat_mem(&tb, 0, 0, GIB, SRAT_EN | SRAT_HOTPLUG);
	srat_mem(&tb, 0, GIB, GIB, SRAT_EN | SRAT_NV);
	srat_mem(&tb, 0, 2 * GIB, GIB, 0xfffffff9); /* enabled; bits 1 and 2 clear, reserved set */
	t_finish(&tb);
	CHECK(srat_run(&tb));
	CHECK_EQ_U64(srat_mem_count, 3);
	CHECK(srat_mems[0].hotpluggable && !srat_mems[0].nonvolatile);
	CHECK(!srat_mems[1].hotpluggable && srat_mems[1].nonvolatile);
	CHECK(!srat_mems[2].hotpluggable && !srat_mems[2].nonvolatile);
}

static void test_srat_unknown_types(void)
{
	srat_begin(&tb, 3);
	srat_lapic(&tb, 0, 0, SRAT_EN);
	put_u32(t_entry(&tb, 3, 18) + 10, SRAT_EN); /* GICC affinity */
	t_entry(&tb, 4, 12);                         /* GIC ITS affinity */
	put_u32(t_entry(&tb, 5, 32) + 28, SRAT_EN); /* generic initiator */
	t_entry(&tb, 0xfe, 2);
	srat_mem(&tb, 0, 0, GIB, SRAT_EN);
	t_finish(&tb);
	CHECK(srat_run(&tb));
	CHECK(no_problems(&probs));
	CHECK_EQ_U64(sinfo.unknown, 4);
	CHECK_EQ_U64(sinfo.cpu_entries, 1);
	CHECK_EQ_U64(sinfo.mem_entries, 1);
	CHECK_EQ_U64(srat_mem_count, 1);
}

static void test_srat_zero_length_range(void)
{
	srat_begin(&tb, 3);
	srat_mem(&tb, 0, GIB, 0, SRAT_EN);
	srat_mem(&tb, 0, 0, GIB, SRAT_EN);
	t_finish(&tb);
	CHECK(srat_run(&tb));
	CHECK_EQ_U64(srat_mem_count, 1);
	CHECK_EQ_U64(sinfo.mem_entries, 1);
	CHECK_EQ_U64(srat_mems[0].end, GIB);
	CHECK(reported(&probs, "acpi srat", "offset 48 type 1 length 40: memory range of length 0",
		       "entry skipped"));
}

static void test_srat_range_wraps(void)
{
	const uint64_t top = 0xffffffff00000000ull;

	srat_begin(&tb, 3);
	srat_mem(&tb, 0, top, 0xffffffffull, SRAT_EN);   /* ends at 2^64-1: fine */
	srat_mem(&tb, 1, top, 0x100000000ull, SRAT_EN);  /* ends at exactly 2^64 */
	srat_mem(&tb, 2, top, 0x200000000ull, SRAT_EN);  /* past it */
	srat_mem(&tb, 3, UINT64_MAX, 1, SRAT_EN);        /* nothing left after clamping */
	t_finish(&tb);
	CHECK(srat_run(&tb));
	CHECK_EQ_U64(srat_mem_count, 3);
	CHECK_EQ_U64(sinfo.mem_entries, 3);
	CHECK_EQ_U64(srat_mems[0].end, UINT64_MAX);
	CHECK_EQ_U64(srat_mems[1].start, top);
	CHECK_EQ_U64(srat_mems[1].end, UINT64_MAX);
	CHECK_EQ_U64(srat_mems[2].end, UINT64_MAX);
	CHECK_EQ_U64(srat_mems[2].pxm, 2);
	CHECK(reported(&probs, "acpi srat", "offset 88 type 1", "end clamped"));
	CHECK(reported(&probs, "acpi srat", "offset 128 type 1", "end clamped"));
	CHECK(reported(&probs, "acpi srat", "offset 168 type 1", "entry skipped"));
	CHECK_EQ_U64(probs.count, 3);
}

static void test_srat_bad_entries(void)
{
	/* Below the type minimum: skipped, the walk goes on. */
	srat_begin(&tb, 3);
	t_entry(&tb, 0, 12)[4] = SRAT_EN;
	t_entry(&tb, 1, 32);
	t_entry(&tb, 2, 20);
	srat_lapic(&tb, 0, 9, SRAT_EN);
	t_finish(&tb);
	CHECK(srat_run(&tb));
	CHECK_EQ_U64(srat_cpu_count, 1);
	CHECK_EQ_U64(srat_cpus[0].apic_id, 9);
	CHECK(reported(&probs, "acpi srat", "offset 48 type 0 length 12", "entry skipped"));
	CHECK(reported(&probs, "acpi srat", "offset 60 type 1 length 32", "entry skipped"));
	CHECK(reported(&probs, "acpi srat", "offset 92 type 2 length 20", "entry skipped"));
	CHECK_EQ_U64(probs.count, 3);

	/* Zero length: the walk stops, what came before stands. */
	srat_begin(&tb, 3);
	srat_lapic(&tb, 0, 1, SRAT_EN);
	t_entry(&tb, 1, 0);
	srat_lapic(&tb, 0, 2, SRAT_EN);
	t_finish(&tb);
	CHECK(srat_run(&tb));
	CHECK_EQ_U64(srat_cpu_count, 1);
	CHECK(reported(&probs, "acpi srat", "offset 64 type 1 length 0", "walk stopped"));

	/* Running past the end. */
	srat_begin(&tb, 3);
	srat_lapic(&tb, 0, 1, SRAT_EN);
	srat_mem(&tb, 0, 0, GIB, SRAT_EN);
	tb.len -= 1;
	t_finish(&tb);
	CHECK(srat_run(&tb));
	CHECK_EQ_U64(srat_cpu_count, 1);
	CHECK_EQ_U64(srat_mem_count, 0);
	CHECK(reported(&probs, "acpi srat", "offset 64 type 1 length 40: runs past", "walk stopped"));

	/* One byte after the last entry. */
	srat_begin(&tb, 3);
	srat_lapic(&tb, 0, 1, SRAT_EN);
	tb.len += 1;
	t_finish(&tb);
	CHECK(srat_run(&tb));
	CHECK_EQ_U64(srat_cpu_count, 1);
	CHECK(reported(&probs, "acpi srat", "offset 64: trailing byte", "walk stopped"));
}

static void test_srat_unusable_tables(void)
{
	srat_begin(&tb, 3);
	tb.len = 44;
	t_finish(&tb);
	CHECK(!srat_run(&tb));
	CHECK(reported(&probs, "acpi srat", "length 44 below 48", "table ignored"));
	CHECK_EQ_U64(sinfo.cpu_entries, 0);
	CHECK_EQ_U64(sinfo.disabled, 0);

	srat_begin(&tb, 3);
	srat_lapic(&tb, 0, 0, SRAT_EN);
	t_finish(&tb);
	tb.buf[20] ^= 0x40;
	CHECK(!srat_run(&tb));
	CHECK(reported(&probs, "acpi srat", "bad checksum", "table ignored"));
	CHECK_EQ_U64(srat_cpu_count, 0);

	memcpy(tb.buf, "APIC", 4);
	t_finish(&tb);
	CHECK(!srat_run(&tb));
	CHECK(reported(&probs, "acpi srat", "signature", "table ignored"));

	/* An empty SRAT is valid, if useless. */
	srat_begin(&tb, 3);
	t_finish(&tb);
	CHECK(srat_run(&tb));
	CHECK(no_problems(&probs));

	memset(&probs, 0, sizeof(probs));
	CHECK(!srat_walk(NULL, NULL, NULL, NULL, NULL, on_problem, &probs));
	CHECK_EQ_U64(probs.count, 1);
	srat_begin(&tb, 3);
	srat_lapic(&tb, 0, 0, SRAT_EN);
	srat_mem(&tb, 0, 0, 0, SRAT_EN);
	t_finish(&tb);
	CHECK(srat_walk((const struct acpi_header *)tb.buf, NULL, NULL, NULL, NULL, NULL, NULL));
}

/* ---- SLIT ------------------------------------------------------------------ */

static const uint8_t slit4[16] = {
	10, 20, 30, 40,
	20, 10, 20, 30,
	30, 20, 10, 20,
	40, 30, 20, 10,
};

static void test_slit_valid_4x4(void)
{
	slit_build(&tb, 4, slit4, sizeof(slit4));
	CHECK(slit_run(&tb, 4));
	CHECK(no_problems(&probs));
	CHECK_EQ_U64(slit_n, 4);
	CHECK(memcmp(slit_out, slit4, sizeof(slit4)) == 0);

	/* A larger @out: still rows N wide (numa_input.slit's layout), the rest untouched. */
	CHECK(slit_run(&tb, SLIT_MAX));
	CHECK_EQ_U64(slit_n, 4);
	CHECK(memcmp(slit_out, slit4, sizeof(slit4)) == 0);
	for (size_t i = sizeof(slit4); i < sizeof(slit_out); i++)
		CHECK_EQ_U64(slit_out[i], 0xee);
}

static void test_slit_unreachable_and_asymmetric(void)
{
	static const uint8_t m[9] = {
		10, 255, 21,
		255, 10, 17,
		22, 16, 10,
	};

	slit_build(&tb, 3, m, sizeof(m));
	CHECK(slit_run(&tb, SLIT_MAX));
	CHECK(no_problems(&probs));
	CHECK_EQ_U64(slit_n, 3);
	CHECK(memcmp(slit_out, m, sizeof(m)) == 0);
	CHECK_EQ_U64(slit_out[0 * 3 + 1], 255);
	CHECK_EQ_U64(slit_out[2 * 3 + 0], 22); /* [2][0] != [0][2]: asymmetric is fine */
	CHECK_EQ_U64(slit_out[0 * 3 + 2], 21);
}

static void test_slit_single_and_trailing(void)
{
	static const uint8_t one[3] = { 10, 0xaa, 0xbb }; /* bytes after N*N are not ours */

	slit_build(&tb, 1, one, sizeof(one));
	CHECK(slit_run(&tb, 1));
	CHECK(no_problems(&probs));
	CHECK_EQ_U64(slit_n, 1);
	CHECK_EQ_U64(slit_out[0], 10);
	CHECK_EQ_U64(slit_out[1], 0xee);
}

/* A rejected table leaves @out alone and *n at 0. */
static void check_rejected(const char *detail)
{
	CHECK_EQ_U64(slit_n, 0);
	for (size_t i = 0; i < sizeof(slit_out); i++)
		CHECK_EQ_U64(slit_out[i], 0xee);
	CHECK_EQ_U64(probs.count, 1);
	CHECK(reported(&probs, "acpi slit", detail, "using 10/20 distances"));
}

static void test_slit_below_ten_off_diagonal(void)
{
	uint8_t m[16];

	memcpy(m, slit4, sizeof(m));
	m[2 * 4 + 3] = 9;
	slit_build(&tb, 4, m, sizeof(m));
	CHECK(!slit_run(&tb, SLIT_MAX));
	check_rejected("entry [2][3] is 9, below 10");

	m[2 * 4 + 3] = 0;
	slit_build(&tb, 4, m, sizeof(m));
	CHECK(!slit_run(&tb, SLIT_MAX));
	check_rejected("entry [2][3] is 0, below 10");
}

static void test_slit_diagonal_not_ten(void)
{
	uint8_t m[16];

	memcpy(m, slit4, sizeof(m));
	m[1 * 4 + 1] = 20;
	slit_build(&tb, 4, m, sizeof(m));
	CHECK(!slit_run(&tb, SLIT_MAX));
	check_rejected("entry [1][1] is 20, not 10");

	m[1 * 4 + 1] = 0;
	slit_build(&tb, 4, m, sizeof(m));
	CHECK(!slit_run(&tb, SLIT_MAX));
	check_rejected("entry [1][1] is 0, not 10");
}

static void test_slit_matrix_beyond_length(void)
{
	slit_build(&tb, 4, slit4, 15);
	CHECK(!slit_run(&tb, SLIT_MAX));
	check_rejected("N 4 needs N*N entries, table holds 15");

	slit_build(&tb, 4, slit4, 0);
	CHECK(!slit_run(&tb, SLIT_MAX));
	check_rejected("table holds 0");

	/* N whose square overflows 64 bits must not wrap into "fits". */
	slit_build(&tb, 1ull << 32, slit4, 16);
	CHECK(!slit_run(&tb, SLIT_MAX));
	check_rejected("N 0x100000000 needs");
	slit_build(&tb, UINT64_MAX, slit4, 16);
	CHECK(!slit_run(&tb, SLIT_MAX));
	check_rejected("N 0xffffffffffffffff needs");
}

static void test_slit_more_than_max(void)
{
	slit_build(&tb, 4, slit4, sizeof(slit4));
	CHECK(!slit_run(&tb, 3));
	check_rejected("N 4 above the 3 domains kept");
	CHECK(!slit_run(&tb, 0));
	check_rejected("N 4 above the 0 domains kept");
}

static void test_slit_unusable_tables(void)
{
	slit_build(&tb, 0, slit4, 0);
	CHECK(!slit_run(&tb, SLIT_MAX));
	check_rejected("no localities");

	slit_build(&tb, 4, slit4, sizeof(slit4));
	tb.len = 40;
	t_finish(&tb);
	CHECK(!slit_run(&tb, SLIT_MAX));
	check_rejected("length 40 below 44");

	slit_build(&tb, 4, slit4, sizeof(slit4));
	tb.buf[50] = 11;
	CHECK(!slit_run(&tb, SLIT_MAX));
	check_rejected("bad checksum");

	memcpy(tb.buf, "SRAT", 4);
	t_finish(&tb);
	CHECK(!slit_run(&tb, SLIT_MAX));
	check_rejected("signature");

	memset(&probs, 0, sizeof(probs));
	slit_n = 5;
	CHECK(!slit_parse(NULL, slit_out, SLIT_MAX, &slit_n, on_problem, &probs));
	CHECK_EQ_U64(slit_n, 0);
	CHECK_EQ_U64(probs.count, 1);
	CHECK(!slit_parse(NULL, slit_out, SLIT_MAX, &slit_n, NULL, NULL));
}

/* ---- fuzzing ------------------------------------------------------------ */

static void mutate(uint8_t *p, size_t len)
{
	/* Entry lengths and types around every boundary the parsers check. */
	static const uint8_t bytes[] = { 0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16, 17,
					 23, 24, 25, 39, 40, 41, 0x7f, 0xfe, 0xff };
	static const uint32_t words[] = { 0, 1, 2, 3, 4, 36, 44, 48, 0xff, 0x100, 0xffff,
					  0x10000, 0x7fffffff, 0x80000000u, 0xffffffffu };
	unsigned edits = 1 + (unsigned)(xorshift64() % 6);

	for (unsigned i = 0; i < edits; i++) {
		size_t at = (size_t)(xorshift64() % len);

		switch (xorshift64() % 5) {
		case 0:
			p[at] = (uint8_t)xorshift64();
			break;
		case 1:
			p[at] = bytes[xorshift64() % COUNT_OF(bytes)];
			break;
		case 2:
			if (at + 4 <= len)
				put_u32(p + at, words[xorshift64() % COUNT_OF(words)]);
			break;
		case 3:
			if (at + 8 <= len)
				put_u64(p + at, xorshift64() % 2 ? UINT64_MAX - xorshift64() % 4096
								 : xorshift64() % 64);
			break;
		default:
			p[at] ^= (uint8_t)(1u << (xorshift64() % 8));
			break;
		}
	}
}

static void build_mixed_madt(struct table *t)
{
	madt_begin(t, 0xfee00000, 1);
	madt_lapic(t, 0, 0, 1);
	madt_lapic(t, 1, 1, 2);
	madt_lapic(t, 2, 1, 1);
	madt_ioapic(t, 0, 0xfec00000, 0);
	madt_x2apic(t, 256, 1, 3);
	madt_override(t, 0xfee00000);
	madt_x2apic(t, 0x10000, 0, 4);
	madt_iso(t, 0, 2, 0);
	madt_lapic_nmi(t);
	t_finish(t);
}

static void build_mixed_srat(struct table *t)
{
	srat_begin(t, 3);
	srat_lapic(t, 0, 0, SRAT_EN);
	srat_lapic(t, 0x102, 1, SRAT_EN);
	srat_x2apic(t, 1, 256, SRAT_EN);
	srat_mem(t, 0, 0, GIB, SRAT_EN);
	srat_mem(t, 1, GIB, GIB, SRAT_EN | SRAT_HOTPLUG);
	srat_mem(t, 0, 0, 0, 0);
	put_u32(t_entry(t, 5, 32) + 28, SRAT_EN);
	srat_mem(t, 2, 0xfffffff000000000ull, 0x2000000000ull, SRAT_EN);
	t_finish(t);
}

/* What must hold after any walk, whatever the bytes. */
static void check_invariants(bool madt_ok, bool srat_ok, bool slit_ok, unsigned max_n)
{
	(void)madt_ok;
	(void)srat_ok;
	CHECK_EQ_U64(madt_cpu_count, minfo.entries - minfo.duplicates);
	for (unsigned i = 0; i < madt_cpu_count && i < CPUS_KEPT; i++)
		for (unsigned j = i + 1; j < madt_cpu_count && j < CPUS_KEPT; j++)
			CHECK(madt_cpus[i].apic_id != madt_cpus[j].apic_id);
	CHECK_EQ_U64(srat_cpu_count, sinfo.cpu_entries);
	CHECK_EQ_U64(srat_mem_count, sinfo.mem_entries);
	for (unsigned i = 0; i < srat_mem_count && i < CPUS_KEPT; i++)
		CHECK(srat_mems[i].start < srat_mems[i].end);
	if (!slit_ok) {
		CHECK_EQ_U64(slit_n, 0);
		return;
	}
	CHECK(slit_n >= 1 && slit_n <= max_n);
	for (unsigned i = 0; i < slit_n; i++)
		for (unsigned j = 0; j < slit_n; j++)
			CHECK(i == j ? slit_out[i * slit_n + j] == 10
				     : slit_out[i * slit_n + j] >= 10);
}

static void test_fuzz(void)
{
	static struct table seeds[5];
	static uint8_t scratch[TABLE_MAX + 64];
	static const uint8_t slit3[9] = { 10, 20, 255, 20, 10, 20, 255, 20, 10 };

	build_qemu_madt(&seeds[0]);
	build_mixed_madt(&seeds[1]);
	build_mixed_srat(&seeds[2]);
	slit_build(&seeds[3], 4, slit4, sizeof(slit4));
	slit_build(&seeds[4], 3, slit3, sizeof(slit3));

	for (unsigned iter = 0; iter < 60000; iter++) {
		const struct table *seed = &seeds[xorshift64() % COUNT_OF(seeds)];
		size_t len = seed->len, shift = xorshift64() % 4 == 0 ? 1 + xorshift64() % 7 : 0;
		unsigned max_n = 1 + (unsigned)(xorshift64() % SLIT_MAX);
		bool madt_ok, srat_ok, slit_ok;

		memset(scratch, 0, sizeof(scratch));
		memcpy(scratch, seed->buf, seed->len);
		switch (xorshift64() % 4) {
		case 0: /* truncated anywhere, down to a bare length field */
			len = 8 + (size_t)(xorshift64() % (seed->len - 7));
			break;
		case 1: /* grown by some random bytes */
			len = seed->len + 1 + (size_t)(xorshift64() % 48);
			for (size_t i = seed->len; i < len; i++)
				scratch[i] = (uint8_t)xorshift64();
			break;
		default:
			break;
		}
		mutate(scratch, len);
		/* The caller's promise: length is what is there. Keep it, and mostly the checksum. */
		put_u32(scratch + 4, (uint32_t)len);
		if (len >= 10 && xorshift64() % 16 != 0)
			set_checksum(scratch, len);

		madt_ok = madt_run_bytes(scratch, len, shift);
		srat_ok = srat_run_bytes(scratch, len, shift);
		slit_ok = slit_run_bytes(scratch, len, shift, max_n);
		check_invariants(madt_ok, srat_ok, slit_ok, max_n);
		if (check_failed_checks > CHECK_PRINT_MAX)
			break;
	}
}

CHECK_MAIN(CHECK_TEST(test_madt_qemu_four_cpus), CHECK_TEST(test_madt_no_pcat_and_no_cpus),
	   CHECK_TEST(test_madt_x2apic_high_ids), CHECK_TEST(test_madt_many_cpus),
	   CHECK_TEST(test_madt_flags), CHECK_TEST(test_madt_duplicates),
	   CHECK_TEST(test_madt_duplicate_prefers_usable),
	   CHECK_TEST(test_madt_duplicate_beyond_stop), CHECK_TEST(test_madt_lapic_override),
	   CHECK_TEST(test_madt_truncated_entry), CHECK_TEST(test_madt_zero_length_entry),
	   CHECK_TEST(test_madt_absurd_length),
	   CHECK_TEST(test_madt_entry_below_type_minimum),
	   CHECK_TEST(test_madt_entry_longer_than_needed), CHECK_TEST(test_madt_trailing_byte),
	   CHECK_TEST(test_madt_unusable_tables), CHECK_TEST(test_srat_three_types),
	   CHECK_TEST(test_srat_pxm_split), CHECK_TEST(test_srat_revision1_pxm),
	   CHECK_TEST(test_srat_qemu_like), CHECK_TEST(test_srat_disabled_entries),
	   CHECK_TEST(test_srat_memoryless_and_cpuless_domains),
	   CHECK_TEST(test_srat_overlap_and_order_kept), CHECK_TEST(test_srat_memory_flags),
	   CHECK_TEST(test_srat_unknown_types), CHECK_TEST(test_srat_zero_length_range),
	   CHECK_TEST(test_srat_range_wraps), CHECK_TEST(test_srat_bad_entries),
	   CHECK_TEST(test_srat_unusable_tables), CHECK_TEST(test_slit_valid_4x4),
	   CHECK_TEST(test_slit_unreachable_and_asymmetric),
	   CHECK_TEST(test_slit_single_and_trailing), CHECK_TEST(test_slit_below_ten_off_diagonal),
	   CHECK_TEST(test_slit_diagonal_not_ten), CHECK_TEST(test_slit_matrix_beyond_length),
	   CHECK_TEST(test_slit_more_than_max), CHECK_TEST(test_slit_unusable_tables),
	   CHECK_TEST(test_fuzz))
