/* SPDX-License-Identifier: MIT */
/*
 * detail - the detail line of a problem report, built piece by piece by the
 * parsers of untrusted input (multiboot2, ACPI). Cut, never overrun, when
 * too long. Numbers below 10000 print in decimal, larger ones (addresses,
 * ids, garbage) in hex. Pure C.
 */
#ifndef MEMINIT_INIT_DETAIL_H
#define MEMINIT_INIT_DETAIL_H

#include <stdint.h>

struct detail {
	char buf[128];
	unsigned len;
};

void detail_add(struct detail *d, const char *s);
void detail_num(struct detail *d, uint64_t v);

#endif
