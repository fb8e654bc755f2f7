// SPDX-License-Identifier: MIT
#include "init/report.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/tsc.h"
#include "init/boot_count.h"
#include "init/bootinfo.h"
#include "init/console.h"
#include "init/format.h"
#include "init/record.h"
#include "init/version.h"
#include "mm/physmem.h"
#include "smp/acpi_boot.h"

static void rec_usable_ranges(struct record *r)
{
	rec_array_begin(r, "mem_ranges");
	for (size_t i = 0; i < physmem.count; i++) {
		if (physmem.map[i].type != FW_MEM_USABLE)
			continue;
		rec_array_begin(r, NULL);
		rec_u64(r, NULL, physmem.map[i].start);
		rec_u64(r, NULL, physmem.map[i].end);
		rec_array_end(r);
	}
	rec_array_end(r);
}

/* memmap= ranges, so a reader knows the holes were asked for. */
static void rec_carved_ranges(struct record *r)
{
	rec_array_begin(r, "mem_carved");
	for (size_t i = 0; i < physmem.carved.count; i++) {
		rec_array_begin(r, NULL);
		rec_u64(r, NULL, physmem.carved.range[i].start);
		rec_u64(r, NULL, physmem.carved.range[i].end);
		rec_array_end(r);
	}
	rec_array_end(r);
}

void report_boot(void)
{
	/* Every RAM range and every memmap= carve: a fragmented map's @boot is several KiB. */
	static char storage[64 << 10];
	struct record r;
	char hv[13], vendor[13];

	if (!tsc.check_hz && tsc.hz)
		record_errorf("tsc calibration", "using it unchecked", "only one source (%s)", tsc.source);
	if (tsc.check_ppm > TSC_AGREE_PPM || tsc.check_ppm < -TSC_AGREE_PPM) {
		char action[48];

		ksnprintf(action, sizeof(action), "using %s", tsc.source);
		record_errorf("tsc calibration", action, "%s and %s disagree by %lld ppm (more than %d)",
			      tsc.source, tsc.check_source, (long long)tsc.check_ppm, TSC_AGREE_PPM);
	}

	cpuid_hypervisor(hv);
	record_begin_in(&r, "boot", storage, sizeof(storage));
	rec_str(&r, "version", MEMINIT_VERSION);
	rec_str(&r, "cmdline", boot_info.cmdline);
	rec_u64(&r, "tsc_hz", tsc.hz);
	rec_str(&r, "tsc_source", tsc.source);
	rec_bool(&r, "invariant_tsc", tsc.invariant);
	rec_u64(&r, "mem_total", physmem.usable_bytes);
	rec_usable_ranges(&r);
	/* Added keys (the contract lets records grow). */
	rec_str(&r, "tsc_check_source", tsc.check_source ? tsc.check_source : "");
	rec_u64(&r, "tsc_check_hz", tsc.check_hz);
	rec_i64(&r, "tsc_check_ppm", tsc.check_ppm);
	rec_u64(&r, "tsc_calibration_ns", tsc.calibration_ns);
	rec_u64(&r, "tsc_bound_ppm", tsc.bound_ppm);
	rec_str(&r, "loader", boot_info.loader_name);
	rec_str(&r, "firmware", boot_info.mmap_from_efi ? "uefi" : "bios");
	rec_str(&r, "mem_source", physmem.source);
#ifdef MEMINIT_SANITIZED
	rec_bool(&r, "sanitized", true); /* UBSan and the stack protector: a test kernel, not a measuring one */
#else
	rec_bool(&r, "sanitized", false);
#endif
	rec_carved_ranges(&r);
	rec_u64(&r, "direct_map_page", paging.direct_map_page);
	rec_u64(&r, "page_table_pages", paging.table_pages);
	rec_bool(&r, "nx", paging.nx);
	rec_i64(&r, "acpi_revision", boot_acpi.count ? boot_acpi.revision : -1);
	rec_u64(&r, "acpi_tables", boot_acpi.count);
	rec_str(&r, "hypervisor", hv);
	if (boot_info.text_screen.cols)
		rec_strf(&r, "screen", "%ux%u", boot_info.text_screen.cols, boot_info.text_screen.rows);
	else
		rec_str(&r, "screen", "");
	cpuid_vendor(vendor);
	rec_str(&r, "cpu_vendor", vendor);
	rec_u64(&r, "cpu_family", cpuid_family());
	rec_u64(&r, "cpu_model", cpuid_model());
	rec_u64(&r, "boot_count", boot_count_advance()); /* which boot of this emulator process */
	rec_u64(&r, "ns", time_ns());
	record_end(&r);
}
