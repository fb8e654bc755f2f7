/* SPDX-License-Identifier: MIT */
/*
 * exit - leave the machine with a status a runner can read.
 *
 * In order: QEMU's isa-debug-exit device (port 0xf4: QEMU exits with
 * (value << 1) | 1, so 0x10 -> 33 means success), ACPI S5 power-off
 * through the FADT's PM1 control blocks, the Bochs/old-QEMU shutdown port,
 * and a halt as the last resort. The last record, @exit, carries the status
 * for machines that cannot return one.
 */
#ifndef MEMINIT_INIT_EXIT_H
#define MEMINIT_INIT_EXIT_H

#include <stdbool.h>

#define EXIT_DEBUG_PORT 0xf4
#define EXIT_DEBUG_SUCCESS 0x10
#define EXIT_DEBUG_FAILURE 0x11

/* Where ACPI S5 lives, filled by smp/acpi.c when it finds the FADT and \_S5. */
struct acpi_poweroff {
	bool valid;
	unsigned short pm1a_cnt, pm1b_cnt;
	unsigned short slp_typa, slp_typb;
};
extern struct acpi_poweroff acpi_poweroff;

void __attribute__((noreturn)) machine_exit(bool success);

#endif
