// SPDX-License-Identifier: MIT
/*
 * The multiboot2 boot information parser. See multiboot2.h.
 *
 * Nothing in the structure is trusted: every size is checked against the
 * bytes we may read before anything behind it is touched, and every
 * multi-byte field is read with a memcpy, since a malformed structure can
 * put a field at any offset. Offsets are relative to the start of the
 * structure; x86_64 is little-endian, like the structure.
 *
 * The two memory maps and the two RSDP tags are only located during the walk
 * and chosen after it (the RSDP copied, the map read in place), so the preference between them (EFI map over the
 * e820-style one, ACPI 2.0 RSDP over 1.0) does not depend on tag order.
 */
#include "init/multiboot2.h"

#include "arch/x86_64/unaligned.h"
#include "init/detail.h"

/* A walk that long means a corrupt structure, not a generous loader. */
#define MB2_TAGS_MAX 4096

/* Spec 3.6.1: the fixed part, u32 total_size and u32 reserved. */
#define MB2_HEADER_SIZE 8
/* Spec 3.6.2: every tag starts with u32 type, u32 size; tags are 8-byte aligned. */
#define MB2_TAG_HEADER_SIZE 8
#define MB2_TAG_ALIGN 8
/* The smallest structure: the fixed part and an end tag. */
#define MB2_MIN_TOTAL (MB2_HEADER_SIZE + MB2_TAG_HEADER_SIZE)

/* Spec 3.6.8: u32 entry_size, u32 entry_version, then the entries. */
#define MB2_MMAP_HEADER_SIZE 8
/* Each entry: u64 base_addr, u64 length, u32 type, u32 reserved. */
#define MB2_MMAP_ENTRY_MIN 24

/* Spec 3.6.14 (EFI memory map): u32 descriptor_size, u32 descriptor_version. */
#define MB2_EFI_MMAP_HEADER_SIZE 8
/*
 * UEFI EFI_MEMORY_DESCRIPTOR: u32 Type, u32 pad, u64 PhysicalStart,
 * u64 VirtualStart, u64 NumberOfPages, u64 Attribute. The stride is the
 * loader's descriptor_size, which may grow, but never below these 40 bytes.
 */
#define EFI_DESC_MIN 40
#define EFI_DESC_TYPE 0
#define EFI_DESC_PHYS_START 8
#define EFI_DESC_NUM_PAGES 24
#define EFI_PAGE_SHIFT 12

/*
 * Spec 3.6.12 (framebuffer info): u64 addr, u32 pitch, u32 width, u32 height,
 * u8 bpp, u8 type; type 2 is EGA text, width and height in characters.
 */
#define MB2_FB_MIN 22
#define MB2_FB_TYPE_EGA_TEXT 2
#define MB2_TEXT_MAX 256 /* columns or rows: more is not a text screen */

/* Spec 3.6.11 / 3.6.12: the RSDP copied in the tag; ACPI 1.0 has 20 bytes. */
#define RSDP_V1_SIZE 20

/* ---- reading ---------------------------------------------------------- */

static uint64_t add_saturated(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* ---- problem reports -------------------------------------------------- */

/* Everything the walk needs, so the helpers take one argument. */
struct mb2_walk {
	const uint8_t *base;
	size_t limit; /* bytes we may read: min(avail, total_size) */
	struct mb2_info *out;
	mb2_problem_fn problem;
	void *cookie;

	/* Offsets of the tags copied after the walk; 0 means none seen. */
	size_t mmap_tag, mmap_tag_size;
	size_t efi_tag, efi_tag_size;
	size_t acpi_old_tag, acpi_old_size;
	size_t acpi_new_tag, acpi_new_size;
};

static void report(const struct mb2_walk *w, const char *what, const struct detail *d,
		   const char *action)
{
	if (w->problem)
		w->problem(w->cookie, what, d->buf, action);
}

/* "LABEL at offset OFF: NAME VALUE REL LIMIT", the shape of most details. */
static void report_value(const struct mb2_walk *w, const char *what, const char *label,
			 size_t offset, const char *name, uint64_t value, const char *rel,
			 uint64_t limit, const char *action)
{
	struct detail d = { .len = 0 };

	detail_add(&d, label);
	detail_add(&d, " at offset ");
	detail_num(&d, offset);
	detail_add(&d, ": ");
	detail_add(&d, name);
	detail_add(&d, " ");
	detail_num(&d, value);
	if (rel) {
		detail_add(&d, " ");
		detail_add(&d, rel);
		detail_add(&d, " ");
		detail_num(&d, limit);
	}
	report(w, what, &d, action);
}

/* ---- strings (spec 3.6.4 command line, 3.6.5 boot loader name) -------- */

/* Returns the first byte cut off to fit @cap, '\0' if the string fit. */
static char copy_string_tag(const struct mb2_walk *w, const char *what, size_t offset,
			    const uint8_t *s, size_t len, char *dst, size_t cap)
{
	size_t n = 0, copy;

	while (n < len && s[n] != '\0')
		n++;
	if (n == len)
		report_value(w, what, "tag", offset, "no NUL within", len, NULL, 0,
			     "string cut at tag end");
	copy = n < cap - 1 ? n : cap - 1;
	if (copy < n)
		report_value(w, what, "tag", offset, "length", n, ">", cap - 1, "string truncated");
	__builtin_memcpy(dst, s, copy);
	dst[copy] = '\0';
	return copy < n ? (char)s[copy] : '\0';
}

/* ---- memory maps ------------------------------------------------------ */

/* Checks the e820-style map's header (spec 3.6.8); returns its entry size or 0. */
static uint32_t mmap_entry_size(const struct mb2_walk *w, size_t offset, size_t size)
{
	const uint8_t *tag = w->base + offset;
	size_t payload = size - MB2_TAG_HEADER_SIZE;
	uint32_t entry_size;

	if (payload < MB2_MMAP_HEADER_SIZE) {
		report_value(w, "multiboot2 mmap", "tag", offset, "size", size, "<",
			     MB2_TAG_HEADER_SIZE + MB2_MMAP_HEADER_SIZE, "tag skipped");
		return 0;
	}
	entry_size = get_le32(tag + MB2_TAG_HEADER_SIZE);
	if (entry_size < MB2_MMAP_ENTRY_MIN || entry_size % 8 != 0) {
		report_value(w, "multiboot2 mmap", "tag", offset, "entry_size", entry_size,
			     "not a multiple of 8 >=", MB2_MMAP_ENTRY_MIN, "tag skipped");
		return 0;
	}
	return entry_size;
}

/* Checks the EFI map's header (spec 3.6.14); returns its descriptor size or 0. */
static uint32_t efi_descriptor_size(const struct mb2_walk *w, size_t offset, size_t size)
{
	const uint8_t *tag = w->base + offset;
	size_t payload = size - MB2_TAG_HEADER_SIZE;
	uint32_t desc_size;

	if (payload < MB2_EFI_MMAP_HEADER_SIZE) {
		report_value(w, "multiboot2 EFI mmap", "tag", offset, "size", size, "<",
			     MB2_TAG_HEADER_SIZE + MB2_EFI_MMAP_HEADER_SIZE, "tag skipped");
		return 0;
	}
	desc_size = get_le32(tag + MB2_TAG_HEADER_SIZE);
	if (desc_size < EFI_DESC_MIN) {
		report_value(w, "multiboot2 EFI mmap", "tag", offset, "descriptor_size", desc_size,
			     "<", EFI_DESC_MIN, "tag skipped");
		return 0;
	}
	return desc_size;
}

/* Entries of @stride after a header of @header bytes, reporting stray bytes. */
static size_t count_entries(const struct mb2_walk *w, const char *what, size_t offset,
			    size_t size, size_t header, size_t stride)
{
	size_t body = size - MB2_TAG_HEADER_SIZE - header;

	if (body % stride != 0)
		report_value(w, what, "tag", offset, "trailing bytes", body % stride, NULL, 0,
			     "ignored");
	return body / stride;
}

/*
 * EFI memory types (UEFI spec, EFI_MEMORY_TYPE) onto e820 types. Loader
 * and boot services memory is free once the loader has called
 * ExitBootServices, which a multiboot2 loader has done before jumping to us
 * (unless asked not to, which this kernel never does).
 */
static uint32_t efi_type_to_fw(uint32_t efi_type)
{
	switch (efi_type) {
	case 1: /* EfiLoaderCode */
	case 2: /* EfiLoaderData */
	case 3: /* EfiBootServicesCode */
	case 4: /* EfiBootServicesData */
	case 7: /* EfiConventionalMemory */
		return FW_MEM_USABLE;
	case 8: /* EfiUnusableMemory: errors were detected */
		return FW_MEM_BAD;
	case 9: /* EfiACPIReclaimMemory */
		return FW_MEM_ACPI_RECLAIM;
	case 10: /* EfiACPIMemoryNVS */
		return FW_MEM_ACPI_NVS;
	default: /* reserved, runtime services, MMIO, PAL code, persistent, unknown */
		return FW_MEM_RESERVED;
	}
}

static void view_e820_map(const struct mb2_walk *w)
{
	const uint8_t *tag = w->base + w->mmap_tag;

	w->out->mmap_stride = get_le32(tag + MB2_TAG_HEADER_SIZE);
	w->out->mmap_entries = tag + MB2_TAG_HEADER_SIZE + MB2_MMAP_HEADER_SIZE;
	w->out->mmap_count = w->out->e820_entries;
	w->out->mmap_from_efi = false;
}

static void view_efi_map(const struct mb2_walk *w)
{
	const uint8_t *tag = w->base + w->efi_tag;

	w->out->mmap_stride = get_le32(tag + MB2_TAG_HEADER_SIZE);
	w->out->mmap_entries = tag + MB2_TAG_HEADER_SIZE + MB2_EFI_MMAP_HEADER_SIZE;
	w->out->mmap_count = w->out->efi_entries;
	w->out->mmap_from_efi = true;
}

struct fw_mem_range mb2_mmap_entry(const struct mb2_info *info, size_t i)
{
	const uint8_t *entry = info->mmap_entries + i * info->mmap_stride;
	struct fw_mem_range r;

	if (info->mmap_from_efi) {
		uint64_t pages = get_le64(entry + EFI_DESC_NUM_PAGES);
		uint64_t bytes = pages > (UINT64_MAX >> EFI_PAGE_SHIFT) ? UINT64_MAX
									  : pages << EFI_PAGE_SHIFT;

		r.start = get_le64(entry + EFI_DESC_PHYS_START);
		r.end = add_saturated(r.start, bytes);
		r.type = efi_type_to_fw(get_le32(entry + EFI_DESC_TYPE));
	} else {
		r.start = get_le64(entry);
		r.end = add_saturated(r.start, get_le64(entry + 8));
		r.type = get_le32(entry + 16);
	}
	return r;
}

/* ---- ACPI (spec 3.6.11 old RSDP, 3.6.12 new RSDP) ---------------------- */

static bool rsdp_tag_usable(const struct mb2_walk *w, size_t offset, size_t size)
{
	if (size - MB2_TAG_HEADER_SIZE >= RSDP_V1_SIZE)
		return true;
	report_value(w, "multiboot2 ACPI", "tag", offset, "RSDP bytes", size - MB2_TAG_HEADER_SIZE,
		     "<", RSDP_V1_SIZE, "tag skipped");
	return false;
}

static void copy_rsdp(const struct mb2_walk *w)
{
	size_t offset = w->acpi_new_tag ? w->acpi_new_tag : w->acpi_old_tag;
	size_t size = w->acpi_new_tag ? w->acpi_new_size : w->acpi_old_size;
	size_t have = size - MB2_TAG_HEADER_SIZE;
	size_t want = w->acpi_new_tag ? MB2_RSDP_MAX : RSDP_V1_SIZE;
	size_t len = have < want ? have : want;

	if (w->acpi_new_tag && len < MB2_RSDP_MAX)
		report_value(w, "multiboot2 ACPI", "tag", offset, "new RSDP bytes", len, "<",
			     MB2_RSDP_MAX, "copied as given");
	__builtin_memcpy(w->out->rsdp, w->base + offset + MB2_TAG_HEADER_SIZE, len);
	w->out->rsdp_len = len;
	w->out->rsdp_version = w->acpi_new_tag ? 2 : 1;
}

/* ---- the walk --------------------------------------------------------- */

/* Remember the first tag of a kind; a repeated one is reported and skipped. */
static bool first_of_kind(const struct mb2_walk *w, size_t *slot, size_t *slot_size,
			  size_t offset, size_t size, uint32_t type)
{
	if (*slot) {
		report_value(w, "multiboot2 tag", "tag", offset, "repeated type", type, NULL, 0,
			     "tag skipped");
		return false;
	}
	*slot = offset;
	*slot_size = size;
	return true;
}

/* Keep a text screen of sane size; a graphics framebuffer is not ours to draw on. */
static void read_text_screen(const uint8_t *p, size_t len, struct mb2_text_screen *out)
{
	struct mb2_text_screen t;

	if (len < MB2_FB_MIN || p[21] != MB2_FB_TYPE_EGA_TEXT)
		return;
	t.addr = get_le64(p);
	t.pitch = get_le32(p + 8);
	t.cols = get_le32(p + 12);
	t.rows = get_le32(p + 16);
	if (!t.addr || !t.cols || !t.rows || t.cols > MB2_TEXT_MAX || t.rows > MB2_TEXT_MAX ||
	    t.pitch < 2 * t.cols || t.pitch > 2 * MB2_TEXT_MAX)
		return;
	*out = t;
}

static void read_tag(struct mb2_walk *w, uint32_t type, size_t offset, size_t size)
{
	const uint8_t *payload = w->base + offset + MB2_TAG_HEADER_SIZE;
	size_t payload_len = size - MB2_TAG_HEADER_SIZE;
	struct mb2_info *out = w->out;
	uint32_t stride;

	switch (type) {
	case MB2_TAG_CMDLINE:
		if (out->has_cmdline) {
			report_value(w, "multiboot2 tag", "tag", offset, "repeated type", type,
				     NULL, 0, "tag skipped");
			return;
		}
		out->cmdline_cut_at = copy_string_tag(w, "multiboot2 cmdline", offset, payload,
						      payload_len, out->cmdline, sizeof(out->cmdline));
		out->has_cmdline = true;
		return;
	case MB2_TAG_LOADER_NAME:
		if (out->loader_name[0]) {
			report_value(w, "multiboot2 tag", "tag", offset, "repeated type", type,
				     NULL, 0, "tag skipped");
			return;
		}
		copy_string_tag(w, "multiboot2 loader name", offset, payload, payload_len,
				out->loader_name, sizeof(out->loader_name));
		return;
	case MB2_TAG_MMAP:
		stride = mmap_entry_size(w, offset, size);
		if (stride && first_of_kind(w, &w->mmap_tag, &w->mmap_tag_size, offset, size, type))
			out->e820_entries = count_entries(w, "multiboot2 mmap", offset, size,
							  MB2_MMAP_HEADER_SIZE, stride);
		return;
	case MB2_TAG_EFI_MMAP:
		stride = efi_descriptor_size(w, offset, size);
		if (stride && first_of_kind(w, &w->efi_tag, &w->efi_tag_size, offset, size, type))
			out->efi_entries = count_entries(w, "multiboot2 EFI mmap", offset, size,
							 MB2_EFI_MMAP_HEADER_SIZE, stride);
		return;
	case MB2_TAG_FRAMEBUFFER:
		read_text_screen(payload, payload_len, &out->text_screen);
		return;
	case MB2_TAG_ACPI_OLD:
		if (rsdp_tag_usable(w, offset, size))
			first_of_kind(w, &w->acpi_old_tag, &w->acpi_old_size, offset, size, type);
		return;
	case MB2_TAG_ACPI_NEW:
		if (rsdp_tag_usable(w, offset, size))
			first_of_kind(w, &w->acpi_new_tag, &w->acpi_new_size, offset, size, type);
		return;
	default:
		return; /* tags we do not need are skipped silently, as the spec asks */
	}
}

/*
 * Walk the tags (spec 3.6.2). Returns true when the end tag was found.
 * Each step moves at least 8 bytes forward, and the tag count is capped.
 */
static bool walk_tags(struct mb2_walk *w)
{
	size_t offset = MB2_HEADER_SIZE;
	unsigned tags;

	for (tags = 0; offset < w->limit; tags++) {
		uint32_t type, size;

		if (tags == MB2_TAGS_MAX) {
			report_value(w, "multiboot2 tag", "tag", offset, "count", tags, ">=",
				     MB2_TAGS_MAX, "walk stopped");
			return false;
		}
		if (w->limit - offset < MB2_TAG_HEADER_SIZE) {
			report_value(w, "multiboot2 tag", "tag", offset, "header bytes",
				     w->limit - offset, "<", MB2_TAG_HEADER_SIZE, "walk stopped");
			return false;
		}
		type = get_le32(w->base + offset);
		size = get_le32(w->base + offset + 4);
		if (size < MB2_TAG_HEADER_SIZE) {
			report_value(w, "multiboot2 tag", "tag", offset, "size", size, "<",
				     MB2_TAG_HEADER_SIZE, "walk stopped");
			return false;
		}
		if (size > w->limit - offset) {
			report_value(w, "multiboot2 tag", "tag", offset, "size", size,
				     "runs past byte", w->limit, "walk stopped");
			return false;
		}
		if (type == MB2_TAG_END) {
			if (size != MB2_TAG_HEADER_SIZE)
				report_value(w, "multiboot2 tag", "end tag", offset, "size", size,
					     "!=", MB2_TAG_HEADER_SIZE, "taken as the end");
			return true;
		}
		read_tag(w, type, offset, size);
		/* The next tag starts at the next 8-byte boundary; size_t cannot wrap here. */
		offset += ((size_t)size + MB2_TAG_ALIGN - 1) & ~(size_t)(MB2_TAG_ALIGN - 1);
	}
	return false;
}

/* Spec 3.6.1: the fixed part. Sets w->limit; false when nothing can be read. */
static bool check_header(struct mb2_walk *w, const void *info, size_t avail)
{
	uint32_t total;

	if (!info || avail < MB2_HEADER_SIZE) {
		report_value(w, "multiboot2", "header", 0, "available bytes", info ? avail : 0,
			     "<", MB2_HEADER_SIZE, "information ignored");
		return false;
	}
	if ((uintptr_t)info % MB2_TAG_ALIGN != 0)
		report_value(w, "multiboot2", "header", 0, "address", (uintptr_t)info,
			     "not aligned to", MB2_TAG_ALIGN, "read anyway");
	total = get_le32(w->base);
	if (total < MB2_MIN_TOTAL) {
		report_value(w, "multiboot2", "header", 0, "total_size", total, "<",
			     MB2_MIN_TOTAL, "information ignored");
		return false;
	}
	w->limit = total;
	if (total > avail) {
		report_value(w, "multiboot2", "header", 0, "total_size", total,
			     "> available", avail, "only the available bytes parsed");
		w->limit = avail;
	}
	return true;
}

bool mb2_parse(const void *info, size_t avail, struct mb2_info *out,
	       mb2_problem_fn problem, void *cookie)
{
	struct mb2_walk w;

	if (!out)
		return false;
	__builtin_memset(out, 0, sizeof(*out));
	__builtin_memset(&w, 0, sizeof(w));
	w.base = info;
	w.out = out;
	w.problem = problem;
	w.cookie = cookie;

	if (!check_header(&w, info, avail))
		return false;
	/* What we read is what counts: never more than was available. */
	out->total_size = (uint32_t)w.limit;

	if (!walk_tags(&w)) {
		struct detail d = { .len = 0 };

		detail_add(&d, "no end tag within ");
		detail_num(&d, w.limit);
		detail_add(&d, " bytes");
		report(&w, "multiboot2", &d, "tags before the problem kept");
	}

	/* A map with no entries is no map: prefer the EFI one only if it says something. */
	if (w.efi_tag && (out->efi_entries || !w.mmap_tag))
		view_efi_map(&w);
	else if (w.mmap_tag)
		view_e820_map(&w);
	if (w.acpi_new_tag || w.acpi_old_tag)
		copy_rsdp(&w);
	return true;
}
