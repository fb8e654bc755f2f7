/* SPDX-License-Identifier: MIT */
/*
 * dump - debug.dump=acpi|mbi|all: the raw firmware input as @dump records,
 * so the parsers' fuzz corpus (tests/fuzz/make-corpus) and bug reports can
 * carry the exact bytes a machine handed us.
 */
#ifndef MEMINIT_INIT_DUMP_H
#define MEMINIT_INIT_DUMP_H

/* Needs the boot information read and ACPI found (acpi_boot_init). */
void dump_if_asked(void);

#endif
