// SPDX-License-Identifier: MIT
#include "init/boot_count.h"

#include <stdbool.h>

#include "arch/x86_64/cmos.h"
#include "arch/x86_64/cpu.h"

/*
 * Two CMOS bytes that neither QEMU nor SeaBIOS nor OVMF use: QEMU fills
 * 0x10-0x3d and 0x5b-0x5f with the machine's description and the firmware
 * reads those; 0x40-0x5a stay zero from power-on.
 */
#define BOOT_COUNT_LOW 0x50
#define BOOT_COUNT_HIGH 0x51

#define CPUID_1_ECX_HYPERVISOR (1u << 31)

static bool under_hypervisor(void)
{
	return cpuid(1, 0).ecx & CPUID_1_ECX_HYPERVISOR;
}

uint16_t boot_count_advance(void)
{
	uint16_t count;

	if (!under_hypervisor())
		return 0;
	count = (uint16_t)(cmos_read(BOOT_COUNT_LOW) | cmos_read(BOOT_COUNT_HIGH) << 8);
	count++;
	if (count == 0)
		count = 1; /* 0 means "not counted" */
	cmos_write(BOOT_COUNT_LOW, (uint8_t)count);
	cmos_write(BOOT_COUNT_HIGH, (uint8_t)(count >> 8));
	return count;
}
