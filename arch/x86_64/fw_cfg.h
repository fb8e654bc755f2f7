/* SPDX-License-Identifier: MIT */
/*
 * fw_cfg - QEMU's firmware configuration device, used here for one thing:
 * its DMA interface writes guest memory from the device's side. An
 * emulator that translates guest code drops every translation of the
 * memory a device writes in one go, where a CPU's store drops only the
 * translations it overlaps (mm/code_pages.h).
 *
 * The device sits at I/O ports 0x510 (selector), 0x511 (data) and 0x514
 * (DMA address, two big-endian 32-bit halves; the low one starts the
 * transfer). A DMA read of an item that does not exist fills the guest's
 * buffer with zeros: the transfer this file offers.
 */
#ifndef MEMINIT_ARCH_FW_CFG_H
#define MEMINIT_ARCH_FW_CFG_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Zero [@phys, @phys + @len) by a device-side write, one at a time. False
 * (nothing written) without the device or its DMA, or if it reports an error.
 */
bool fw_cfg_dma_zero(uint64_t phys, uint32_t len);

#endif
