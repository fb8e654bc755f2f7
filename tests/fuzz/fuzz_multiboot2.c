// SPDX-License-Identifier: MIT
/*
 * fuzz_multiboot2 - init/multiboot2.c on any boot information structure,
 * then its memory map through the normalizer, as the kernel does.
 *
 * Input: the structure itself (libFuzzer's buffer is exactly the input, so
 * a read past it trips AddressSanitizer). It is parsed at an 8-byte aligned
 * address, as GRUB places it, and again at an odd one: the parser must not
 * depend on alignment for its memory safety.
 */
#include "init/multiboot2.h"
#include "tests/fuzz/fuzz.h"

static void check_info(const struct mb2_info *info)
{
	FUZZ_CHECK(memchr(info->cmdline, '\0', sizeof(info->cmdline)));
	FUZZ_CHECK(memchr(info->loader_name, '\0', sizeof(info->loader_name)));
	FUZZ_CHECK(info->mmap_count <= MB2_MMAP_MAX);
	FUZZ_CHECK(info->rsdp_len <= MB2_RSDP_MAX);
	FUZZ_CHECK(info->rsdp_version == 0 || info->rsdp_len > 0);
}

/* What physmem_init() does with the map: half the room for ranges, the rest for splits. */
static void normalize(const struct mb2_info *info)
{
	static struct fw_mem_range map[2 * MB2_MMAP_MAX];
	size_t count = info->mmap_count;

	memcpy(map, info->mmap, count * sizeof(map[0]));
	FUZZ_CHECK(fwmap_normalize(map, count, 2 * MB2_MMAP_MAX, NULL) <= 2 * MB2_MMAP_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mb2_info info;
	uint8_t *odd = malloc(size + 1);

	FUZZ_CHECK(odd);
	if (mb2_parse(data, size, &info, fuzz_problem, NULL)) {
		check_info(&info);
		normalize(&info);
	}
	memcpy(odd + 1, data, size);
	if (mb2_parse(odd + 1, size, &info, fuzz_problem, NULL))
		check_info(&info);
	free(odd);
	return 0;
}
