// SPDX-License-Identifier: MIT
/*
 * The kernel's side of smp/acpi.c: tables are reached through the direct map
 * (mapped on demand: firmware keeps them outside usable RAM), problems
 * become @error records, and the FADT feeds the TSC calibration and power-off.
 */
#include "smp/acpi_boot.h"

#include "arch/x86_64/paging.h"
#include "init/exit.h"
#include "init/record.h"

struct acpi boot_acpi;
struct acpi_fadt_info boot_fadt;
struct tsc_references boot_tsc_references;

static const void *map_phys(void *cookie, uint64_t phys, uint64_t len)
{
	(void)cookie;
	if (!phys || phys + len < phys || phys + len > FWMAP_PHYS_LIMIT)
		return NULL;
	direct_map_ensure(phys, len);
	return phys_to_virt(phys);
}

static void report_problem(void *cookie, const char *what, const char *detail, const char *action)
{
	(void)cookie;
	record_error(what, detail, action);
}

void acpi_boot_init(const uint8_t *rsdp, size_t rsdp_len)
{
	boot_acpi.map = map_phys;
	boot_acpi.problem = report_problem;
	if (!acpi_init(&boot_acpi, rsdp, rsdp_len))
		return;
	acpi_read_fadt(&boot_acpi, &boot_fadt);
	boot_tsc_references.pm_timer_port = boot_fadt.pm_timer_port;
	boot_tsc_references.pm_timer_32bit = boot_fadt.pm_timer_32bit;
	if (acpi_hpet_base(&boot_acpi))
		boot_tsc_references.hpet = ioremap(acpi_hpet_base(&boot_acpi), 4096);
	if (boot_fadt.present && boot_fadt.s5_found && boot_fadt.pm1a_cnt) {
		acpi_poweroff.valid = true;
		acpi_poweroff.pm1a_cnt = boot_fadt.pm1a_cnt;
		acpi_poweroff.pm1b_cnt = boot_fadt.pm1b_cnt;
		acpi_poweroff.slp_typa = boot_fadt.slp_typa;
		acpi_poweroff.slp_typb = boot_fadt.slp_typb;
	}
}
