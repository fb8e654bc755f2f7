/* SPDX-License-Identifier: MIT */
/*
 * Virtual memory layout, shared by C, assembly and the linker script.
 *
 *   0xffff800000000000  direct map of physical memory (PAGE_OFFSET + phys)
 *   0xffffc00000000000  the APs' kernel stacks (STACK_VMA, below)
 *   0xffffd00000000000  the per-CPU units (PERCPU_VMA, below)
 *   0xffffffff80000000  the kernel image (KERNEL_VMA + phys), -mcmodel=kernel
 */
#ifndef MEMINIT_ARCH_LAYOUT_H
#define MEMINIT_ARCH_LAYOUT_H

#define KERNEL_VMA 0xffffffff80000000
#define KERNEL_PHYS 0x100000 /* where GRUB loads the image: 1 MiB */
#define PAGE_OFFSET 0xffff800000000000

/* As an AP's: records are built on the stack (6 KiB each) and printk adds 1 KiB. */
#define BOOT_STACK_SIZE 0x8000
/*
 * The application processors' kernel stacks, mapped with 4 KiB pages one
 * STACK_SLOT apart, each with an unmapped guard page below it (paging.h,
 * paging_map_stack): an overflow faults instead of writing over whatever
 * lies below.
 */
#define STACK_VMA 0xffffc00000000000
#define STACK_SLOT 0x10000
/*
 * The per-CPU units (seed 004; smp/percpu_area.h): CPU i's at PERCPU_VMA +
 * i * PERCPU_UNIT_SIZE, its GS base. A unit is a 2 MiB page of static data
 * on the CPU's node, mapped with one 2 MiB page, then the dynamic region
 * (PERCPU_DYNAMIC_MAX, 4 KiB pages mapped as alloc_percpu needs them).
 * MAX_CPUS units span 1 GiB: one page directory's reach, inside one PML4
 * entry, so every CPU's page tables share them from the start.
 */
#define PERCPU_VMA 0xffffd00000000000
#define PERCPU_UNIT_SIZE 0x400000 /* 2 MiB static + 2 MiB dynamic */

/* Segment selectors of the kernel GDT (gdt.c and boot.S agree on these). */
#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_TSS 0x18

#endif
