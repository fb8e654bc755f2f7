// SPDX-License-Identifier: MIT
#include "init/bootinfo.h"

#include "arch/x86_64/paging.h"
#include "init/record.h"

/* The information sits in low memory; never read more than this of it. */
#define BOOT_INFO_READ_MAX (1u << 20)

struct mb2_info boot_info;
uint64_t boot_info_start, boot_info_end;

static void report_problem(void *cookie, const char *what, const char *detail, const char *action)
{
	(void)cookie;
	record_error(what, detail, action);
}

void bootinfo_read(uint32_t magic, uint32_t info_phys)
{
	uint64_t avail = (4ull << 30) - info_phys; /* the boot tables map the first 4 GiB */

	if (magic != MB2_BOOTLOADER_MAGIC) {
		record_errorf("multiboot2", "continuing without boot information",
			      "bad magic %#x (not loaded by a multiboot2 loader?)", magic);
		return;
	}
	if (!info_phys || (info_phys & 7)) {
		record_errorf("multiboot2", "continuing without boot information",
			      "information at %#x is null or misaligned", info_phys);
		return;
	}
	if (avail > BOOT_INFO_READ_MAX)
		avail = BOOT_INFO_READ_MAX;
	mb2_parse(phys_to_virt(info_phys), avail, &boot_info, report_problem, NULL);
	boot_info_start = info_phys;
	boot_info_end = info_phys + (boot_info.total_size ? boot_info.total_size : 8);
}
