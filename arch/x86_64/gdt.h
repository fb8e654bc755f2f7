/* SPDX-License-Identifier: MIT */
/*
 * gdt - each CPU's GDT and TSS. Long mode ignores segment bases, but a TSS
 * is still needed for the interrupt stack table: a double fault (a fault
 * while pushing a fault, typically on a blown stack) must run on a stack
 * of its own or the CPU triple-faults and the machine resets silently.
 */
#ifndef MEMINIT_ARCH_GDT_H
#define MEMINIT_ARCH_GDT_H

#include <stdint.h>

#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_STACK_SIZE 0x4000

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "TSS layout (SDM vol. 3A, 8.7)");

struct cpu_gdt {
	uint64_t entries[5]; /* null, code, data, TSS (two slots) */
	struct tss tss;
};

/* Fill @g with the IST stacks given and load it on the calling CPU. */
void gdt_load(struct cpu_gdt *g, uint64_t double_fault_stack_top, uint64_t nmi_stack_top);
/* The boot CPU's, with static stacks. */
void gdt_init_boot_cpu(void);

#endif
