/* SPDX-License-Identifier: MIT */
/* acpi_boot - the machine's ACPI tables, found once at boot (smp/acpi.h does the reading). */
#ifndef MEMINIT_SMP_ACPI_BOOT_H
#define MEMINIT_SMP_ACPI_BOOT_H

#include "arch/x86_64/tsc.h"
#include "smp/acpi.h"

extern struct acpi boot_acpi;
extern struct acpi_fadt_info boot_fadt;
extern struct tsc_references boot_tsc_references; /* PM timer and HPET, for tsc_calibrate */

/* Needs the direct map (paging_init) first. */
void acpi_boot_init(const uint8_t *rsdp, size_t rsdp_len);

#endif
