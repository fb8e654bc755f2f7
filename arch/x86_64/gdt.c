// SPDX-License-Identifier: MIT
#include "arch/x86_64/gdt.h"

#include "arch/x86_64/layout.h"

#define SEG_CODE64 0x00af9a000000ffffull /* present, DPL 0, code, L=1 */
#define SEG_DATA 0x00cf92000000ffffull   /* present, DPL 0, data, writable */
#define SEG_TSS_AVAILABLE 0x89ull

static struct cpu_gdt boot_cpu_gdt;
static uint8_t boot_df_stack[IST_STACK_SIZE] __attribute__((aligned(16)));
static uint8_t boot_nmi_stack[IST_STACK_SIZE] __attribute__((aligned(16)));

static void set_tss_descriptor(uint64_t *slot, const struct tss *tss)
{
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;

	/* A 16-byte system descriptor (SDM vol. 3A, 8.2.3). */
	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (SEG_TSS_AVAILABLE << 40) |
		  (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	slot[1] = base >> 32;
}

void gdt_load(struct cpu_gdt *g, uint64_t double_fault_stack_top, uint64_t nmi_stack_top)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = { sizeof(g->entries) - 1, (uint64_t)g->entries };

	g->entries[0] = 0;
	g->entries[GDT_KERNEL_CS / 8] = SEG_CODE64;
	g->entries[GDT_KERNEL_DS / 8] = SEG_DATA;
	g->tss.ist[IST_DOUBLE_FAULT - 1] = double_fault_stack_top;
	g->tss.ist[IST_NMI - 1] = nmi_stack_top;
	g->tss.iomap_base = sizeof(g->tss); /* no I/O bitmap */
	set_tss_descriptor(&g->entries[GDT_TSS / 8], &g->tss);

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ds\n\t"
			 "movw %w2, %%es\n\t"
			 "movw %w2, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(ptr), "i"(GDT_KERNEL_CS), "r"(GDT_KERNEL_DS), "r"(GDT_TSS)
			 : "rax", "memory");
}

void gdt_init_boot_cpu(void)
{
	gdt_load(&boot_cpu_gdt, (uint64_t)(boot_df_stack + sizeof(boot_df_stack)),
		 (uint64_t)(boot_nmi_stack + sizeof(boot_nmi_stack)));
}
