/* SPDX-License-Identifier: MIT */
/*
 * cmos.h - the MC146818 RTC's battery-backed RAM: 128 bytes behind an index
 * port (0x70) and a data port (0x71). Its bytes survive a machine reset, and
 * in QEMU a system_reset too, which is what makes them a place to count boots.
 */
#ifndef MEMINIT_ARCH_CMOS_H
#define MEMINIT_ARCH_CMOS_H

#include <stdint.h>

#include "arch/x86_64/cpu.h"

#define CMOS_INDEX_PORT 0x70
#define CMOS_DATA_PORT 0x71
#define  CMOS_NMI_DISABLE 0x80 /* bit 7 of the index masks NMIs; left clear, as Linux does */

/* Index and data are two port accesses: callers must not race another CPU (boot CPU only). */
static inline uint8_t cmos_read(uint8_t index)
{
	outb(CMOS_INDEX_PORT, index & ~CMOS_NMI_DISABLE);
	return inb(CMOS_DATA_PORT);
}

static inline void cmos_write(uint8_t index, uint8_t value)
{
	outb(CMOS_INDEX_PORT, index & ~CMOS_NMI_DISABLE);
	outb(CMOS_DATA_PORT, value);
}

#endif
