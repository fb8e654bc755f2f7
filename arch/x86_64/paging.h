/* SPDX-License-Identifier: MIT */
/*
 * paging - the kernel's final page tables.
 *
 * The kernel image at KERNEL_VMA with 4 KiB pages so that text is read-only
 * and executable and everything else is not executable; a direct map of
 * all RAM at PAGE_OFFSET with the largest pages the CPU offers (1 GiB where
 * CPUID says so, else 2 MiB). Page-table pages come from the early allocator.
 */
#ifndef MEMINIT_ARCH_PAGING_H
#define MEMINIT_ARCH_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/layout.h"
#include "mm/fwmap.h"

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_HUGE (1ull << 7) /* in a PDPT or PD entry: a 1 GiB or 2 MiB page */
#define PTE_GLOBAL (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

#define SIZE_2M (1ull << 21)
#define SIZE_1G (1ull << 30)

static inline void *phys_to_virt(uint64_t phys)
{
	return (void *)(PAGE_OFFSET + phys);
}

static inline uint64_t virt_to_phys(const void *virt)
{
	uint64_t v = (uint64_t)virt;

	return v >= KERNEL_VMA ? v - KERNEL_VMA : v - PAGE_OFFSET;
}

struct paging_info {
	uint64_t direct_map_page; /* SIZE_1G or SIZE_2M */
	uint64_t direct_map_bytes;
	unsigned table_pages;
	bool nx;
};

extern struct paging_info paging;

/* boot.S's page tables, [early_pml4, early_page_tables_end): no CPU's CR3 after paging_init. */
extern const char early_pml4[], early_page_tables_end[];

/* Build the final tables over the RAM in @map and switch to them (boot CPU). */
void paging_init(const struct fw_mem_range *map, size_t count);
/* Make sure [phys, phys + size) is in the direct map (ACPI tables outside RAM). */
void direct_map_ensure(uint64_t phys, uint64_t size);
/* Map device memory uncached into the direct map and return its address. */
void *ioremap(uint64_t phys, uint64_t size);
/*
 * Map @size bytes of RAM at @phys as CPU @cpu's kernel stack in the stack
 * region, below an unmapped guard page; returns the stack's top. Before the
 * mem_map is laid out (page tables come from the early allocator).
 */
uint64_t paging_map_stack(unsigned cpu, uint64_t phys, uint64_t size);
/* The CPU whose stack guard page holds @virt, or -1 (the boot CPU's is 0). */
int paging_stack_guard_cpu(uint64_t virt);
/*
 * A per-CPU unit (layout.h, PERCPU_VMA): its static part, @size bytes of RAM
 * at @phys, mapped at @virt with pages of @page_size (2 MiB: one page; 4 KiB),
 * and the page table of the @dynamic_bytes 2 MiB above @virt made now, so
 * that paging_map_percpu_page() never allocates (it may run after memblock
 * froze, on any CPU). Before the mem_map is laid out.
 */
void paging_map_percpu_unit(uint64_t virt, uint64_t phys, uint64_t size, uint64_t page_size,
			    uint64_t dynamic_bytes);
/* Map the 4 KiB page @phys at @virt, in a dynamic region paging_map_percpu_unit() prepared; any CPU. */
void paging_map_percpu_page(uint64_t virt, uint64_t phys);
/* The physical address @virt translates to through the kernel's tables; UINT64_MAX if unmapped. */
uint64_t paging_lookup(uint64_t virt);
/* The root table's physical address, for other CPUs' CR3. */
uint64_t paging_root(void);

#endif
