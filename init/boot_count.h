/* SPDX-License-Identifier: MIT */
/*
 * boot_count - which boot of one emulator process this is.
 *
 * bench/run-qemu boots the kernel several times in one QEMU process (a reset
 * between boots keeps guest RAM backed by the host, so only the first boot
 * pays the host's page faults). The count lives in CMOS, which a reset
 * leaves alone, and goes out in @boot so that every record of a log can be
 * attributed to its boot.
 */
#ifndef MEMINIT_INIT_BOOT_COUNT_H
#define MEMINIT_INIT_BOOT_COUNT_H

#include <stdint.h>

/*
 * Count this boot and return its number: 1 for the first boot since the
 * emulator started, 2 after one reset, ... (wrapping after 65535). Returns
 * 0, counting nothing, on bare metal: there the CMOS bytes belong to the
 * firmware. Call once per boot, on the boot CPU.
 */
uint16_t boot_count_advance(void);

#endif
