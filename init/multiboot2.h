/* SPDX-License-Identifier: MIT */
/*
 * multiboot2 - the boot information GRUB hands to kmain.
 *
 * The parser copies what the kernel needs out of the loader's information
 * structure into struct mb2_info, except the memory map, which it checks and
 * then reads in place so that no entry count is too large to keep. It
 * refuses anything malformed tag by tag rather than trusting sizes: a
 * truncated or misaligned tag ends the walk, an unterminated string is cut,
 * an absurd size is reported. Pure C: builds freestanding and on the host.
 * Layout: the Multiboot2 Specification, version 2.0, section 3.6.
 */
#ifndef MEMINIT_INIT_MULTIBOOT2_H
#define MEMINIT_INIT_MULTIBOOT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/fwmap.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/* Tag types we read (spec 3.6). */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MMAP 6
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_TAG_ACPI_OLD 14 /* RSDP, ACPI 1.0 (20 bytes) */
#define MB2_TAG_ACPI_NEW 15 /* RSDP, ACPI 2.0+ (36 bytes) */
#define MB2_TAG_EFI_MMAP 17

#define MB2_CMDLINE_MAX 1024
#define MB2_LOADER_NAME_MAX 64
#define MB2_RSDP_MAX 36

struct mb2_info {
	uint32_t total_size; /* as the loader stated it (after sanity checks) */

	bool has_cmdline;
	char cmdline[MB2_CMDLINE_MAX]; /* always NUL-terminated */
	char cmdline_cut_at; /* the first byte cut off a line longer than cmdline[]; '\0': whole */
	char loader_name[MB2_LOADER_NAME_MAX];

	/*
	 * The memory map: from the EFI map when present, else the e820-style
	 * tag. Read in place, so it keeps every entry the loader gave: the
	 * entries stay in the loader's structure (which physmem reserves) and
	 * mb2_mmap_entry() reads one. Only the map is read this way; everything
	 * else is copied, because nothing else is needed after the boot's start.
	 */
	const uint8_t *mmap_entries;
	uint32_t mmap_stride; /* bytes from one entry to the next */
	size_t mmap_count;
	bool mmap_from_efi;
	size_t e820_entries; /* entries seen in the mmap tag */
	size_t efi_entries;  /* descriptors seen in the EFI mmap tag */

	/* A copy of the RSDP; version 0 means none was given. */
	uint8_t rsdp[MB2_RSDP_MAX];
	size_t rsdp_len;
	int rsdp_version; /* 1 (ACPI_OLD) or 2 (ACPI_NEW) */

	/* A text screen the loader left (framebuffer tag of EGA-text type); cols 0: none. */
	struct mb2_text_screen {
		uint64_t addr;
		uint32_t pitch; /* bytes per row */
		uint32_t cols, rows;
	} text_screen;
};

/*
 * Problems are reported one at a time through this callback, in the words of
 * the records contract: what was wrong, a detail, and what the parser did
 * instead. Strings are valid only during the call.
 */
typedef void (*mb2_problem_fn)(void *cookie, const char *what, const char *detail,
			       const char *action);

/*
 * mb2_parse - read a multiboot2 information structure.
 * @info:  the structure as the loader left it (8-byte aligned expected).
 * @avail: bytes that may be read at @info (the parser never reads past
 *         min(@avail, the stated total_size)).
 * @out:   filled; zeroed first.
 * Returns true when the structure was usable at all (header sane); tags after
 * a malformed one are skipped and reported.
 */
bool mb2_parse(const void *info, size_t avail, struct mb2_info *out,
	       mb2_problem_fn problem, void *cookie);

/*
 * mb2_mmap_entry - entry @i (below info->mmap_count) of the memory map, in
 * e820 terms: EFI types are mapped onto fw_mem_type, lengths that would run
 * past 2^64 end there. Reads the loader's structure, which must still hold.
 */
struct fw_mem_range mb2_mmap_entry(const struct mb2_info *info, size_t i);

#endif
