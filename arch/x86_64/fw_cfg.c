// SPDX-License-Identifier: MIT
/* QEMU's fw_cfg device: detection and a DMA transfer that zeroes memory (fw_cfg.h). */
#include "arch/x86_64/fw_cfg.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/spinlock.h"
#include "arch/x86_64/tsc.h"

#define FW_CFG_PORT_SELECTOR 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA 0x514

#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID 0x0001
#define  FW_CFG_ID_DMA (1u << 1)
#define FW_CFG_SIGNATURE_QEMU 0x554d4551u /* "QEMU", read a byte at a time */
/* A selector no item has (keys are 14 bits, and the last are never given out): it reads as zeros. */
#define FW_CFG_NO_ITEM 0x3fff

#define FW_CFG_DMA_CTL_ERROR 0x01u
#define FW_CFG_DMA_CTL_READ 0x02u
#define FW_CFG_DMA_CTL_SELECT 0x08u

/* The device runs the transfer inside the port write; the bound only guards against another device model. */
#define FW_CFG_DMA_TIMEOUT_NS 100000000ull

/* The descriptor the device reads, all fields big-endian. */
struct fw_cfg_dma_access {
	uint32_t control;
	uint32_t length;
	uint64_t address;
} __attribute__((packed, aligned(16)));

static int present = -1; /* unknown until the first look */

static uint32_t read_item_u32(uint16_t key)
{
	uint32_t v = 0;

	outw(FW_CFG_PORT_SELECTOR, key);
	for (unsigned i = 0; i < 4; i++)
		v |= (uint32_t)inb(FW_CFG_PORT_DATA) << (8 * i);
	return v;
}

/* The device answers with its signature and offers DMA (read once, then remembered). */
static bool fw_cfg_dma_present(void)
{
	if (present < 0)
		present = read_item_u32(FW_CFG_SIGNATURE) == FW_CFG_SIGNATURE_QEMU &&
			  (read_item_u32(FW_CFG_ID) & FW_CFG_ID_DMA);
	return present;
}

static struct spinlock dma_lock; /* one descriptor, one transfer at a time */

/* One transfer; dma_lock held. */
static bool dma_zero_locked(uint64_t phys, uint32_t len)
{
	static volatile struct fw_cfg_dma_access access; /* in the image: a physical address below 4 GiB */
	uint64_t desc = virt_to_phys((const void *)&access), deadline;
	uint32_t control;

	access.control = __builtin_bswap32((uint32_t)FW_CFG_NO_ITEM << 16 | FW_CFG_DMA_CTL_SELECT |
					   FW_CFG_DMA_CTL_READ);
	access.length = __builtin_bswap32(len);
	access.address = __builtin_bswap64(phys);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the descriptor in memory before the device reads it */
	outl(FW_CFG_PORT_DMA, __builtin_bswap32((uint32_t)(desc >> 32)));
	outl(FW_CFG_PORT_DMA + 4, __builtin_bswap32((uint32_t)desc));
	/* Done when the device has cleared every bit but ERROR. */
	deadline = time_ns() + FW_CFG_DMA_TIMEOUT_NS;
	while ((control = __builtin_bswap32(access.control)) & ~FW_CFG_DMA_CTL_ERROR) {
		if (time_ns() > deadline)
			return false;
		cpu_relax();
	}
	return !(control & FW_CFG_DMA_CTL_ERROR);
}

bool fw_cfg_dma_zero(uint64_t phys, uint32_t len)
{
	bool done;

	if (!len)
		return false;
	spin_lock(&dma_lock);
	done = fw_cfg_dma_present() && dma_zero_locked(phys, len);
	spin_unlock(&dma_lock);
	return done;
}
