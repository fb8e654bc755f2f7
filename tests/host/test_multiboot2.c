// SPDX-License-Identifier: MIT
/*
 * Host tests for init/multiboot2.c. Infos are built with a small builder in
 * an 8-byte aligned buffer; each problem the parser reports is recorded so
 * tests can insist on the ones they provoke. The fuzz test hands the parser
 * exactly @avail bytes of heap, so AddressSanitizer sees any read past them.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "init/multiboot2.h"
#include "tests/host/check.h"
#include "tests/host/parser_test.h"

#define RNG_SEED 0x2545f4914f6cdd1dull
#include "tests/host/rng.h"

/* ---- building infos ---------------------------------------------------- */

#define BUILD_MAX (256 * 1024) /* room for a map of thousands of entries */

struct builder {
	_Alignas(8) uint8_t buf[BUILD_MAX];
	size_t len;
};

static void b_begin(struct builder *b)
{
	memset(b->buf, 0, sizeof(b->buf));
	b->len = 8;
}

static void b_align(struct builder *b)
{
	b->len = (b->len + 7) & ~(size_t)7;
}

/* Appends a tag at the next 8-byte boundary; returns its offset. */
static size_t b_tag(struct builder *b, uint32_t type, const void *payload, size_t len)
{
	size_t at;

	b_align(b);
	at = b->len;
	put_u32(b->buf + at, type);
	put_u32(b->buf + at + 4, (uint32_t)(8 + len));
	if (len)
		memcpy(b->buf + at + 8, payload, len);
	b->len = at + 8 + len;
	return at;
}

/* The end tag, and total_size to match. */
static void b_finish(struct builder *b)
{
	b_tag(b, MB2_TAG_END, NULL, 0);
	put_u32(b->buf, (uint32_t)b->len);
}

static size_t b_string(struct builder *b, uint32_t type, const char *s)
{
	return b_tag(b, type, s, strlen(s) + 1);
}

struct e820 {
	uint64_t base, length;
	uint32_t type;
};

static size_t b_mmap(struct builder *b, uint32_t entry_size, const struct e820 *e, size_t n)
{
	static uint8_t payload[8 + 6000 * 40];
	size_t stride = entry_size >= 24 ? entry_size : 24, i;

	memset(payload, 0, sizeof(payload));
	put_u32(payload, entry_size);
	put_u32(payload + 4, 0);
	for (i = 0; i < n; i++) {
		uint8_t *p = payload + 8 + i * stride;

		put_u64(p, e[i].base);
		put_u64(p + 8, e[i].length);
		put_u32(p + 16, e[i].type);
		put_u32(p + 20, 0);
		memset(p + 24, 0xa5, stride - 24); /* future fields must be skipped */
	}
	return b_tag(b, MB2_TAG_MMAP, payload, 8 + n * stride);
}

struct efi_desc {
	uint32_t type;
	uint64_t start, pages;
};

static size_t b_efi(struct builder *b, uint32_t desc_size, const struct efi_desc *d, size_t n)
{
	static uint8_t payload[8 + 400 * 64];
	size_t stride = desc_size >= 40 ? desc_size : 40, i;

	memset(payload, 0, sizeof(payload));
	put_u32(payload, desc_size);
	put_u32(payload + 4, 1);
	for (i = 0; i < n; i++) {
		uint8_t *p = payload + 8 + i * stride;

		put_u32(p, d[i].type);
		put_u32(p + 4, 0xdeadbeef);
		put_u64(p + 8, d[i].start);
		put_u64(p + 16, 0xffff800000000000ull + d[i].start);
		put_u64(p + 24, d[i].pages);
		put_u64(p + 32, 0xf);
		memset(p + 40, 0x5a, stride - 40);
	}
	return b_tag(b, MB2_TAG_EFI_MMAP, payload, 8 + n * stride);
}

static uint8_t rsdp_old[20], rsdp_new[36];

static void make_rsdps(void)
{
	size_t i;

	memcpy(rsdp_old, "RSD PTR ", 8);
	memcpy(rsdp_new, "RSD PTR ", 8);
	for (i = 8; i < sizeof(rsdp_old); i++)
		rsdp_old[i] = (uint8_t)(0x10 + i);
	for (i = 8; i < sizeof(rsdp_new); i++)
		rsdp_new[i] = (uint8_t)(0x80 + i);
	rsdp_new[15] = 2; /* revision */
}

static const struct e820 sample_e820[] = {
	{ 0x0, 0x9fc00, 1 },
	{ 0x9fc00, 0x400, 2 },
	{ 0x100000, 0xbfee0000, 1 },
};

static const struct efi_desc sample_efi[] = {
	{ 7, 0x0, 0xa0 },	   /* conventional */
	{ 3, 0x100000, 0x10 },	   /* boot services code */
	{ 9, 0x7fe00000, 0x4 },	   /* ACPI reclaim */
};

/* A full info: every tag the parser reads, plus one it does not. */
static void build_full(struct builder *b, bool efi_first)
{
	const uint32_t framebuffer_junk[6] = { 1, 2, 3, 4, 5, 6 };

	make_rsdps();
	b_begin(b);
	b_string(b, MB2_TAG_CMDLINE, "console=ttyS0 mem=1G debug.fault=pf");
	b_string(b, MB2_TAG_LOADER_NAME, "GRUB 2.06");
	if (efi_first)
		b_efi(b, 48, sample_efi, 3);
	b_tag(b, 8, framebuffer_junk, sizeof(framebuffer_junk));
	b_mmap(b, 24, sample_e820, 3);
	b_tag(b, MB2_TAG_ACPI_OLD, rsdp_old, sizeof(rsdp_old));
	b_tag(b, MB2_TAG_ACPI_NEW, rsdp_new, sizeof(rsdp_new));
	if (!efi_first)
		b_efi(b, 48, sample_efi, 3);
	b_finish(b);
}

/* ---- running the parser ------------------------------------------------ */

static struct builder b;
static struct mb2_info info;
static struct problems probs;

static bool parse(const void *data, size_t avail)
{
	memset(&probs, 0, sizeof(probs));
	memset(&info, 0x77, sizeof(info)); /* the parser must clear it */
	return mb2_parse(data, avail, &info, on_problem, &probs);
}

/* Entry @i of the map just parsed, read in place from the structure. */
static struct fw_mem_range entry(size_t i)
{
	return mb2_mmap_entry(&info, i);
}

static bool parse_built(void)
{
	return parse(b.buf, b.len);
}

static void check_sample_efi_map(void)
{
	CHECK(info.mmap_from_efi);
	CHECK_EQ_U64(info.mmap_count, 3);
	CHECK_EQ_U64(info.efi_entries, 3);
	CHECK_EQ_U64(entry(0).start, 0x0);
	CHECK_EQ_U64(entry(0).end, 0xa0000);
	CHECK_EQ_U64(entry(0).type, FW_MEM_USABLE);
	CHECK_EQ_U64(entry(1).start, 0x100000);
	CHECK_EQ_U64(entry(1).end, 0x110000);
	CHECK_EQ_U64(entry(1).type, FW_MEM_USABLE);
	CHECK_EQ_U64(entry(2).start, 0x7fe00000);
	CHECK_EQ_U64(entry(2).end, 0x7fe04000);
	CHECK_EQ_U64(entry(2).type, FW_MEM_ACPI_RECLAIM);
}

static void check_sample_e820_map(void)
{
	CHECK(!info.mmap_from_efi);
	CHECK_EQ_U64(info.mmap_count, 3);
	CHECK_EQ_U64(info.e820_entries, 3);
	CHECK_EQ_U64(entry(0).start, 0x0);
	CHECK_EQ_U64(entry(0).end, 0x9fc00);
	CHECK_EQ_U64(entry(0).type, 1);
	CHECK_EQ_U64(entry(1).start, 0x9fc00);
	CHECK_EQ_U64(entry(1).end, 0xa0000);
	CHECK_EQ_U64(entry(1).type, 2);
	CHECK_EQ_U64(entry(2).start, 0x100000);
	CHECK_EQ_U64(entry(2).end, 0xbffe0000);
	CHECK_EQ_U64(entry(2).type, 1);
}

/* ---- tests -------------------------------------------------------------- */

static void test_full_info(void)
{
	build_full(&b, false);
	CHECK(parse_built());
	CHECK_EQ_U64(probs.count, 0);
	CHECK_EQ_U64(info.total_size, b.len);
	CHECK(info.has_cmdline);
	CHECK_STR_EQ(info.cmdline, "console=ttyS0 mem=1G debug.fault=pf");
	CHECK_STR_EQ(info.loader_name, "GRUB 2.06");
	CHECK_EQ_U64(info.e820_entries, 3);
	check_sample_efi_map();
	CHECK_EQ_U64(info.rsdp_version, 2);
	CHECK_EQ_U64(info.rsdp_len, 36);
	CHECK(!memcmp(info.rsdp, rsdp_new, 36));
}

static void test_e820_only_and_old_rsdp(void)
{
	make_rsdps();
	b_begin(&b);
	b_mmap(&b, 24, sample_e820, 3);
	b_tag(&b, MB2_TAG_ACPI_OLD, rsdp_old, sizeof(rsdp_old));
	b_finish(&b);
	CHECK(parse_built());
	CHECK_EQ_U64(probs.count, 0);
	check_sample_e820_map();
	CHECK_EQ_U64(info.efi_entries, 0);
	CHECK_EQ_U64(info.rsdp_version, 1);
	CHECK_EQ_U64(info.rsdp_len, 20);
	CHECK(!memcmp(info.rsdp, rsdp_old, 20));
	CHECK(!info.has_cmdline);
	CHECK_STR_EQ(info.cmdline, "");
	CHECK_STR_EQ(info.loader_name, "");
}

static void test_minimal_info(void)
{
	b_begin(&b);
	b_finish(&b);
	CHECK_EQ_U64(b.len, 16);
	CHECK(parse_built());
	CHECK_EQ_U64(probs.count, 0);
	CHECK_EQ_U64(info.mmap_count, 0);
	CHECK_EQ_U64(info.rsdp_version, 0);
	CHECK_EQ_U64(info.rsdp_len, 0);
}

static void test_efi_preferred_regardless_of_order(void)
{
	build_full(&b, true);
	CHECK(parse_built());
	CHECK_EQ_U64(probs.count, 0);
	check_sample_efi_map();
	CHECK_EQ_U64(info.e820_entries, 3);

	build_full(&b, false);
	CHECK(parse_built());
	check_sample_efi_map();
}

static void test_efi_type_mapping(void)
{
	static const uint32_t expect[16] = {
		[0] = FW_MEM_RESERVED,	[1] = FW_MEM_USABLE,	 [2] = FW_MEM_USABLE,
		[3] = FW_MEM_USABLE,	[4] = FW_MEM_USABLE,	 [5] = FW_MEM_RESERVED,
		[6] = FW_MEM_RESERVED,	[7] = FW_MEM_USABLE,	 [8] = FW_MEM_BAD,
		[9] = FW_MEM_ACPI_RECLAIM, [10] = FW_MEM_ACPI_NVS, [11] = FW_MEM_RESERVED,
		[12] = FW_MEM_RESERVED, [13] = FW_MEM_RESERVED, [14] = FW_MEM_RESERVED,
		[15] = FW_MEM_RESERVED,
	};
	struct efi_desc d[17];
	uint32_t t;

	for (t = 0; t < 16; t++)
		d[t] = (struct efi_desc){ t, 0x1000ull * t, 1 };
	d[16] = (struct efi_desc){ 0x80000001u, 0x100000, 1 }; /* OEM type */
	b_begin(&b);
	b_efi(&b, 40, d, 17);
	b_finish(&b);
	CHECK(parse_built());
	CHECK_EQ_U64(probs.count, 0);
	CHECK_EQ_U64(info.mmap_count, 17);
	for (t = 0; t < 16; t++) {
		CHECK_EQ_U64(entry(t).type, expect[t]);
		CHECK_EQ_U64(entry(t).start, 0x1000ull * t);
		CHECK_EQ_U64(entry(t).end, 0x1000ull * t + 0x1000);
	}
	CHECK_EQ_U64(entry(16).type, FW_MEM_RESERVED);
}

static void test_truncated_tag(void)
{
	size_t at;

	b_begin(&b);
	b_string(&b, MB2_TAG_LOADER_NAME, "GRUB");
	at = b_string(&b, MB2_TAG_CMDLINE, "quiet");
	b_mmap(&b, 24, sample_e820, 3);
	b_finish(&b);
	put_u32(b.buf + at + 4, 0x1000); /* runs past total_size */
	CHECK(parse_built());
	CHECK(reported(&probs, "multiboot2 tag", "size 4096 runs past", "walk stopped"));
	CHECK(reported(&probs, "multiboot2", "no end tag", ""));
	CHECK_EQ_U64(probs.count, 2);
	CHECK_STR_EQ(info.loader_name, "GRUB");
	CHECK(!info.has_cmdline);
	CHECK_EQ_U64(info.mmap_count, 0);
}

static void test_misaligned_next_tag(void)
{
	/* A loader that forgot the padding: the mmap tag follows a 13-byte tag directly. */
	uint8_t mmap_tag[8 + 8 + 24];
	size_t at;

	b_begin(&b);
	at = b_string(&b, MB2_TAG_CMDLINE, "abcd"); /* size 13 */
	put_u32(mmap_tag, MB2_TAG_MMAP);
	put_u32(mmap_tag + 4, sizeof(mmap_tag));
	put_u32(mmap_tag + 8, 24);
	put_u32(mmap_tag + 12, 0);
	put_u64(mmap_tag + 16, 0x100000);
	put_u64(mmap_tag + 24, 0x1000);
	put_u32(mmap_tag + 32, 1);
	memcpy(b.buf + at + 13, mmap_tag, sizeof(mmap_tag));
	b.len = at + 13 + sizeof(mmap_tag);
	b_finish(&b);
	CHECK(parse_built());
	CHECK_STR_EQ(info.cmdline, "abcd");
	/*
	 * The walk looks at offset 24, three bytes into the misplaced tag: type
	 * 0x2800, size 0x1800 (6144), far past the end.
	 */
	CHECK(reported(&probs, "multiboot2 tag", "at offset 24: size 6144 runs past",
		       "walk stopped"));
	CHECK(reported(&probs, "multiboot2", "no end tag", ""));
	CHECK_EQ_U64(info.mmap_count, 0);
}

static void test_tag_size_below_header(void)
{
	size_t at;

	b_begin(&b);
	at = b_tag(&b, 42, "x", 1);
	b_string(&b, MB2_TAG_CMDLINE, "later");
	b_finish(&b);
	put_u32(b.buf + at + 4, 4);
	CHECK(parse_built());
	CHECK(reported(&probs, "multiboot2 tag", "at offset 8: size 4 < 8", "walk stopped"));
	CHECK(!info.has_cmdline);

	put_u32(b.buf + at + 4, 0); /* size 0 would loop forever if trusted */
	CHECK(parse_built());
	CHECK(reported(&probs, "multiboot2 tag", "size 0 < 8", "walk stopped"));
}

static void test_missing_end_tag(void)
{
	b_begin(&b);
	b_string(&b, MB2_TAG_CMDLINE, "root=/dev/sda");
	b_align(&b);
	put_u32(b.buf, (uint32_t)b.len);
	CHECK(parse_built());
	CHECK_EQ_U64(probs.count, 1);
	CHECK(reported(&probs, "multiboot2", "no end tag within 32 bytes", "kept"));
	CHECK_STR_EQ(info.cmdline, "root=/dev/sda"); /* tags before it still count */

	/* Room left for only half a tag header. */
	b.len += 4;
	put_u32(b.buf, (uint32_t)b.len);
	CHECK(parse_built());
	CHECK(reported(&probs, "multiboot2 tag", "header bytes 4 < 8", "walk stopped"));
	CHECK(reported(&probs, "multiboot2", "no end tag", ""));
}

static void test_end_tag_with_odd_size(void)
{
	b_begin(&b);
	b_string(&b, MB2_TAG_CMDLINE, "x");
	b_tag(&b, MB2_TAG_END, "\0\0\0\0\0\0\0", 8);
	put_u32(b.buf, (uint32_t)b.len);
	CHECK(parse_built());
	CHECK(reported(&probs, "multiboot2 tag", "size 16 != 8", "taken as the end"));
	CHECK_EQ_U64(probs.count, 1);
}

static void test_total_size_beyond_avail(void)
{
	build_full(&b, false);
	/* Everything but the end tag is available. */
	CHECK(parse(b.buf, b.len - 8));
	CHECK(reported(&probs, "multiboot2", "total_size", "only the available bytes"));
	CHECK(reported(&probs, "multiboot2", "no end tag", ""));
	CHECK_EQ_U64(probs.count, 2);
	CHECK_EQ_U64(info.total_size, b.len - 8);
	CHECK_STR_EQ(info.cmdline, "console=ttyS0 mem=1G debug.fault=pf");
	check_sample_efi_map();

	/* Cut inside the EFI map: the tag is refused, the e820 map used instead. */
	CHECK(parse(b.buf, b.len - 16));
	CHECK(reported(&probs, "multiboot2 tag", "runs past", "walk stopped"));
	check_sample_e820_map();
}

static void test_absurd_total_size(void)
{
	build_full(&b, false);
	put_u32(b.buf, 0xffffffffu);
	CHECK(parse_built());
	CHECK(reported(&probs, "multiboot2", "total_size 0xffffffff > available",
		       "only the available bytes"));
	CHECK_EQ_U64(probs.count, 1); /* the end tag is still found */
	CHECK_EQ_U64(info.total_size, b.len);
	check_sample_efi_map();
}

static void test_header_too_small(void)
{
	b_begin(&b);
	b_finish(&b);
	put_u32(b.buf, 8);
	CHECK(!parse_built());
	CHECK(reported(&probs, "multiboot2", "total_size 8 < 16", "ignored"));
	put_u32(b.buf, 0);
	CHECK(!parse_built());

	put_u32(b.buf, 16);
	CHECK(!parse(b.buf, 7));
	CHECK(reported(&probs, "multiboot2", "available bytes 7 < 8", "ignored"));
	CHECK(!parse(NULL, 4096));
	CHECK_EQ_U64(probs.count, 1);
	CHECK(!mb2_parse(b.buf, b.len, NULL, on_problem, &probs));

	/* No callback: problems go unreported, nothing else changes. */
	put_u32(b.buf, 8);
	CHECK(!mb2_parse(b.buf, b.len, &info, NULL, NULL));
	put_u32(b.buf, 0xffffffffu);
	CHECK(mb2_parse(b.buf, b.len, &info, NULL, NULL));
}

static void test_misaligned_info_pointer(void)
{
	static _Alignas(8) uint8_t shifted[BUILD_MAX + 8];

	build_full(&b, false);
	memcpy(shifted + 3, b.buf, b.len);
	CHECK(parse(shifted + 3, b.len));
	CHECK(reported(&probs, "multiboot2", "address", "read anyway"));
	CHECK_EQ_U64(probs.count, 1);
	CHECK_STR_EQ(info.cmdline, "console=ttyS0 mem=1G debug.fault=pf");
	check_sample_efi_map();
}

static void test_unterminated_cmdline(void)
{
	b_begin(&b);
	b_tag(&b, MB2_TAG_CMDLINE, "quiet splash", 12);
	b_tag(&b, MB2_TAG_LOADER_NAME, "", 0);
	b_finish(&b);
	CHECK(parse_built());
	CHECK(info.has_cmdline);
	CHECK_STR_EQ(info.cmdline, "quiet splash");
	CHECK(reported(&probs, "multiboot2 cmdline", "no NUL within 12", "string cut at tag end"));
	CHECK(reported(&probs, "multiboot2 loader name", "no NUL within 0", "cut"));
	CHECK_EQ_U64(probs.count, 2);
}

static void test_overlong_strings(void)
{
	static char long_cmdline[3000], long_name[200];

	memset(long_cmdline, 'c', sizeof(long_cmdline) - 1);
	long_cmdline[MB2_CMDLINE_MAX - 1] = 'x'; /* the first byte the cut drops */
	memset(long_name, 'n', sizeof(long_name) - 1);
	b_begin(&b);
	b_string(&b, MB2_TAG_CMDLINE, long_cmdline);
	b_string(&b, MB2_TAG_LOADER_NAME, long_name);
	b_finish(&b);
	CHECK(parse_built());
	CHECK_EQ_U64(strlen(info.cmdline), MB2_CMDLINE_MAX - 1);
	CHECK_EQ_U64(strlen(info.loader_name), MB2_LOADER_NAME_MAX - 1);
	CHECK(!memcmp(info.cmdline, long_cmdline, MB2_CMDLINE_MAX - 1));
	CHECK_EQ_U64(info.cmdline_cut_at, 'x'); /* for params_drop_cut_word() */
	CHECK(reported(&probs, "multiboot2 cmdline", "length 2999 > 1023", "truncated"));
	CHECK(reported(&probs, "multiboot2 loader name", "length 199 > 63", "truncated"));
	CHECK_EQ_U64(probs.count, 2);

	/* Exactly the buffer: no report. */
	long_cmdline[MB2_CMDLINE_MAX - 1] = '\0';
	b_begin(&b);
	b_string(&b, MB2_TAG_CMDLINE, long_cmdline);
	b_finish(&b);
	CHECK(parse_built());
	CHECK_EQ_U64(probs.count, 0);
	CHECK_EQ_U64(strlen(info.cmdline), MB2_CMDLINE_MAX - 1);
	CHECK_EQ_U64(info.cmdline_cut_at, '\0');
}

static void test_repeated_tags(void)
{
	b_begin(&b);
	b_string(&b, MB2_TAG_CMDLINE, "first");
	b_string(&b, MB2_TAG_CMDLINE, "second");
	b_mmap(&b, 24, sample_e820, 3);
	b_mmap(&b, 24, sample_e820, 1);
	b_finish(&b);
	CHECK(parse_built());
	CHECK_STR_EQ(info.cmdline, "first");
	check_sample_e820_map();
	CHECK(reported(&probs, "multiboot2 tag", "repeated type 1", "tag skipped"));
	CHECK(reported(&probs, "multiboot2 tag", "repeated type 6", "tag skipped"));
	CHECK_EQ_U64(probs.count, 2);
}

static void test_mmap_bad_entry_size(void)
{
	static const uint32_t bad_sizes[] = { 20, 28, 0, 23, 4 };
	size_t i;

	for (i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		b_begin(&b);
		b_mmap(&b, bad_sizes[i], sample_e820, 3);
		b_finish(&b);
		CHECK(parse_built());
		CHECK(reported(&probs, "multiboot2 mmap", "entry_size", "tag skipped"));
		CHECK_EQ_U64(probs.count, 1);
		CHECK_EQ_U64(info.mmap_count, 0);
		CHECK_EQ_U64(info.e820_entries, 0);
	}

	/* A larger, well-formed entry size: the extra bytes are skipped. */
	b_begin(&b);
	b_mmap(&b, 32, sample_e820, 3);
	b_finish(&b);
	CHECK(parse_built());
	CHECK_EQ_U64(probs.count, 0);
	check_sample_e820_map();

	/* A tag too short for its own header. */
	b_begin(&b);
	b_tag(&b, MB2_TAG_MMAP, "\x18\0\0", 4);
	b_finish(&b);
	CHECK(parse_built());
	CHECK(reported(&probs, "multiboot2 mmap", "size 12 < 16", "tag skipped"));

	/* A stray half entry at the end. */
	b_begin(&b);
	b_mmap(&b, 24, sample_e820, 3);
	put_u32(b.buf + 8 + 4, 8 + 8 + 3 * 24 + 12);
	b.len += 12;
	b_finish(&b);
	CHECK(parse_built());
	CHECK(reported(&probs, "multiboot2 mmap", "trailing bytes 12", "ignored"));
	check_sample_e820_map();
}

/* No cap on entries: a map as fragmented as the structure can hold is kept whole. */
static void test_mmap_many_entries(void)
{
	enum { N = 5000 };
	static struct e820 many[N];
	size_t i;

	for (i = 0; i < N; i++)
		many[i] = (struct e820){ 0x1000ull * i, 0x1000, 1 + (uint32_t)(i % 5) };
	b_begin(&b);
	b_mmap(&b, 24, many, N);
	b_finish(&b);
	CHECK(parse_built());
	CHECK_EQ_U64(probs.count, 0);
	CHECK_EQ_U64(info.e820_entries, N);
	CHECK_EQ_U64(info.mmap_count, N);
	for (i = 0; i < N; i += N / 7) {
		CHECK_EQ_U64(entry(i).start, 0x1000ull * i);
		CHECK_EQ_U64(entry(i).end, 0x1000ull * (i + 1));
		CHECK_EQ_U64(entry(i).type, 1 + i % 5);
	}
	CHECK_EQ_U64(entry(N - 1).start, 0x1000ull * (N - 1));
}

static void test_efi_bad_descriptor_size(void)
{
	static const uint32_t bad_sizes[] = { 0, 24, 39 };
	size_t i;

	for (i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		b_begin(&b);
		b_efi(&b, bad_sizes[i], sample_efi, 3);
		b_mmap(&b, 24, sample_e820, 3);
		b_finish(&b);
		CHECK(parse_built());
		CHECK(reported(&probs, "multiboot2 EFI mmap", "descriptor_size", "tag skipped"));
		CHECK_EQ_U64(probs.count, 1);
		CHECK_EQ_U64(info.efi_entries, 0);
		check_sample_e820_map(); /* the e820 map stands in */
	}
}

static void test_empty_efi_map(void)
{
	/* An EFI map with no descriptors says nothing; the e820 map is used. */
	b_begin(&b);
	b_efi(&b, 48, sample_efi, 0);
	b_mmap(&b, 24, sample_e820, 3);
	b_finish(&b);
	CHECK(parse_built());
	check_sample_e820_map();

	b_begin(&b);
	b_efi(&b, 48, sample_efi, 0);
	b_finish(&b);
	CHECK(parse_built());
	CHECK(info.mmap_from_efi);
	CHECK_EQ_U64(info.mmap_count, 0);
}

static void test_huge_lengths_saturate(void)
{
	const struct e820 huge[] = {
		{ 0x1000, UINT64_MAX, 1 },
		{ UINT64_MAX - 0xfff, 0x2000, 2 },
		{ 0x0, UINT64_MAX, 2 },
	};
	const struct efi_desc huge_efi[] = {
		{ 7, 0x100000, UINT64_MAX },
		{ 7, 0x100000, 1ull << 52 }, /* 2^64 bytes: one past the top */
		{ 7, 0x0, (1ull << 52) - 1 },
		{ 0, UINT64_MAX - 0xfff, 2 },
	};

	b_begin(&b);
	b_mmap(&b, 24, huge, 3);
	b_finish(&b);
	CHECK(parse_built());
	CHECK_EQ_U64(probs.count, 0);
	CHECK_EQ_U64(entry(0).end, UINT64_MAX);
	CHECK_EQ_U64(entry(1).start, UINT64_MAX - 0xfff);
	CHECK_EQ_U64(entry(1).end, UINT64_MAX);
	CHECK_EQ_U64(entry(2).end, UINT64_MAX);

	b_begin(&b);
	b_efi(&b, 40, huge_efi, 4);
	b_finish(&b);
	CHECK(parse_built());
	CHECK_EQ_U64(entry(0).end, UINT64_MAX);
	CHECK_EQ_U64(entry(1).end, UINT64_MAX);
	CHECK_EQ_U64(entry(2).end, UINT64_MAX - 0xfff);
	CHECK_EQ_U64(entry(3).end, UINT64_MAX);
}

static void test_acpi_variants(void)
{
	make_rsdps();
	/* New before old: new wins anyway. */
	b_begin(&b);
	b_tag(&b, MB2_TAG_ACPI_NEW, rsdp_new, sizeof(rsdp_new));
	b_tag(&b, MB2_TAG_ACPI_OLD, rsdp_old, sizeof(rsdp_old));
	b_finish(&b);
	CHECK(parse_built());
	CHECK_EQ_U64(info.rsdp_version, 2);
	CHECK(!memcmp(info.rsdp, rsdp_new, 36));

	/* A short ACPI 2.0 copy is kept as given; a short 1.0 one is refused. */
	b_begin(&b);
	b_tag(&b, MB2_TAG_ACPI_NEW, rsdp_new, 24);
	b_finish(&b);
	CHECK(parse_built());
	CHECK(reported(&probs, "multiboot2 ACPI", "new RSDP bytes 24 < 36", "copied as given"));
	CHECK_EQ_U64(info.rsdp_len, 24);
	CHECK_EQ_U64(info.rsdp_version, 2);

	b_begin(&b);
	b_tag(&b, MB2_TAG_ACPI_OLD, rsdp_old, 12);
	b_finish(&b);
	CHECK(parse_built());
	CHECK(reported(&probs, "multiboot2 ACPI", "RSDP bytes 12 < 20", "tag skipped"));
	CHECK_EQ_U64(info.rsdp_len, 0);
	CHECK_EQ_U64(info.rsdp_version, 0);

	/* A longer tag than the RSDP: only the RSDP is copied. */
	{
		uint8_t big[64];

		memset(big, 0xee, sizeof(big));
		memcpy(big, rsdp_new, sizeof(rsdp_new));
		b_begin(&b);
		b_tag(&b, MB2_TAG_ACPI_NEW, big, sizeof(big));
		b_finish(&b);
		CHECK(parse_built());
		CHECK_EQ_U64(probs.count, 0);
		CHECK_EQ_U64(info.rsdp_len, 36);
	}
}

static void test_too_many_tags(void)
{
	/* 5000 empty tags of an unknown type, then the end tag. */
	static _Alignas(8) uint8_t many[8 + 5000 * 8 + 8];
	size_t i;

	memset(many, 0, sizeof(many));
	put_u32(many, sizeof(many));
	for (i = 0; i < 5000; i++) {
		put_u32(many + 8 + 8 * i, 99);
		put_u32(many + 8 + 8 * i + 4, 8);
	}
	put_u32(many + sizeof(many) - 4, 8);
	CHECK(parse(many, sizeof(many)));
	CHECK(reported(&probs, "multiboot2 tag", "count 4096", "walk stopped"));
	CHECK(reported(&probs, "multiboot2", "no end tag", ""));
	CHECK_EQ_U64(probs.count, 2);

	/* 4095 tags and the end tag is the most that is accepted. */
	put_u32(many, 8 + 4095 * 8 + 8);
	put_u32(many + 8 + 4095 * 8, MB2_TAG_END);
	CHECK(parse(many, sizeof(many)));
	CHECK_EQ_U64(probs.count, 0);
}

/* ---- fuzzing ------------------------------------------------------------ */

static void mutate(uint8_t *p, size_t len)
{
	static const uint32_t interesting[] = {
		0, 1, 4, 7, 8, 9, 15, 16, 20, 23, 24, 36, 40, 0x7fffffff, 0x80000000u,
		0xfffffff8u, 0xffffffffu };
	unsigned edits = 1 + (unsigned)(xorshift64() % 8), i;

	for (i = 0; i < edits; i++) {
		size_t at = (size_t)(xorshift64() % len);

		switch (xorshift64() % 4) {
		case 0: /* a random byte anywhere */
			p[at] = (uint8_t)xorshift64();
			break;
		case 1: /* an interesting value in a u32 field */
			at &= ~(size_t)3;
			if (at + 4 <= len)
				put_u32(p + at,
					interesting[xorshift64() % (sizeof(interesting) /
								     sizeof(interesting[0]))]);
			break;
		case 2: /* a random u32 at a random place */
			if (at + 4 <= len)
				put_u32(p + at, (uint32_t)xorshift64());
			break;
		default: /* a bit flip */
			p[at] ^= (uint8_t)(1u << (xorshift64() % 8));
			break;
		}
	}
}

static bool string_terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static void test_fuzz(void)
{
	static struct builder seeds[3];
	unsigned iter;

	build_full(&seeds[0], false);
	build_full(&seeds[1], true);
	b_begin(&seeds[2]);
	b_string(&seeds[2], MB2_TAG_CMDLINE, "a=b");
	b_mmap(&seeds[2], 32, sample_e820, 3);
	b_finish(&seeds[2]);

	for (iter = 0; iter < 60000; iter++) {
		static uint8_t scratch[BUILD_MAX + 24];
		const struct builder *seed = &seeds[xorshift64() % 3];
		size_t avail = (size_t)(xorshift64() % (seed->len + 24));
		size_t shift = xorshift64() % 8 == 0 ? 1 + xorshift64() % 7 : 0;
		size_t copy = avail < seed->len ? avail : seed->len;
		const uint8_t *data;
		uint8_t *mem;

		memset(scratch, 0, avail);
		memcpy(scratch, seed->buf, copy);
		if (avail)
			mutate(scratch, avail);
		mem = heap_copy(scratch, avail, shift, &data); /* a read past avail trips ASan */
		parse(data, avail);
		CHECK(string_terminated(info.cmdline, sizeof(info.cmdline)));
		CHECK(string_terminated(info.loader_name, sizeof(info.loader_name)));
		CHECK(info.has_cmdline || info.cmdline[0] == '\0');
		/* Every entry of the map lies inside what was read: ASan checks each. */
		for (size_t e = 0; e < info.mmap_count; e++)
			(void)entry(e);
		CHECK(info.rsdp_len <= MB2_RSDP_MAX);
		CHECK(info.rsdp_version >= 0 && info.rsdp_version <= 2);
		CHECK((info.rsdp_version == 0) == (info.rsdp_len == 0));
		CHECK(info.total_size <= avail);
		CHECK(info.mmap_count <= (info.mmap_from_efi ? info.efi_entries : info.e820_entries));
		free(mem);
		if (check_failed_checks > CHECK_PRINT_MAX)
			break;
	}
}

CHECK_MAIN(CHECK_TEST(test_full_info), CHECK_TEST(test_e820_only_and_old_rsdp),
	   CHECK_TEST(test_minimal_info), CHECK_TEST(test_efi_preferred_regardless_of_order),
	   CHECK_TEST(test_efi_type_mapping), CHECK_TEST(test_truncated_tag),
	   CHECK_TEST(test_misaligned_next_tag), CHECK_TEST(test_tag_size_below_header),
	   CHECK_TEST(test_missing_end_tag), CHECK_TEST(test_end_tag_with_odd_size),
	   CHECK_TEST(test_total_size_beyond_avail), CHECK_TEST(test_absurd_total_size),
	   CHECK_TEST(test_header_too_small), CHECK_TEST(test_misaligned_info_pointer),
	   CHECK_TEST(test_unterminated_cmdline), CHECK_TEST(test_overlong_strings),
	   CHECK_TEST(test_repeated_tags), CHECK_TEST(test_mmap_bad_entry_size),
	   CHECK_TEST(test_mmap_many_entries), CHECK_TEST(test_efi_bad_descriptor_size),
	   CHECK_TEST(test_empty_efi_map), CHECK_TEST(test_huge_lengths_saturate),
	   CHECK_TEST(test_acpi_variants), CHECK_TEST(test_too_many_tags),
	   CHECK_TEST(test_fuzz))
