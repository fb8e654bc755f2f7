// SPDX-License-Identifier: MIT
/*
 * fuzz_multiboot2 - init/multiboot2.c on any boot information structure,
 * then its memory map through the normalizer, as the kernel does.
 *
 * Input: the structure itself, in a heap block of exactly its size, so a
 * read past it trips AddressSanitizer. An input of even length is parsed at
 * an 8-byte aligned address, as GRUB places it; one of odd length at an odd
 * address, where a field read that assumes alignment trips
 * UndefinedBehaviorSanitizer. (Once each: parsing is most of the cost.)
 */
#include "init/multiboot2.h"
#include "tests/fuzz/fuzz.h"

static void check_info(const struct mb2_info *info)
{
	FUZZ_CHECK(memchr(info->cmdline, '\0', sizeof(info->cmdline)));
	FUZZ_CHECK(memchr(info->loader_name, '\0', sizeof(info->loader_name)));
	FUZZ_CHECK(info->mmap_count <= (info->mmap_from_efi ? info->efi_entries : info->e820_entries));
	FUZZ_CHECK(info->rsdp_len <= MB2_RSDP_MAX);
	FUZZ_CHECK(info->rsdp_version == 0 || info->rsdp_len > 0);
}

/*
 * What physmem_init() does with the map: read every entry in place (a read
 * past the structure trips ASan), in a table of twice the entries.
 */
static void normalize(const struct mb2_info *info)
{
	size_t count = info->mmap_count, cap = 2 * count + 1;
	struct fw_mem_range *map = malloc(cap * sizeof(*map));

	FUZZ_CHECK(map);
	for (size_t i = 0; i < count; i++)
		map[i] = mb2_mmap_entry(info, i);
	FUZZ_CHECK(fwmap_normalize(map, count, cap, NULL) <= cap);
	free(map);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mb2_info info;
	size_t shift = size % 2; /* malloc's blocks are 16-byte aligned */
	uint8_t *mem = malloc(size + shift);

	FUZZ_CHECK(mem);
	memcpy(mem + shift, data, size);
	if (mb2_parse(mem + shift, size, &info, fuzz_problem, NULL)) {
		check_info(&info);
		normalize(&info);
	}
	free(mem);
	return 0;
}
