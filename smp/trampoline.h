/* SPDX-License-Identifier: MIT */
/*
 * trampoline - where an application processor starts: real mode at
 * TRAMPOLINE_PAGE:0 after STARTUP IPI, then protected mode, then long mode
 * on a page table that also maps the trampoline page 1:1, then a jump to
 * ap_entry64 in the kernel. The boot CPU copies the code to a free page
 * below 1 MiB and fills struct trampoline_params at its fixed offset; the
 * assembly reads the same offsets (TP_*), pinned below by static asserts.
 */
#ifndef MEMINIT_SMP_TRAMPOLINE_H
#define MEMINIT_SMP_TRAMPOLINE_H

#define TRAMPOLINE_PARAMS 0xf00 /* offset of the params inside the trampoline page */

#define TP_GDT_LIMIT 0x00   /* u16, then u32 base: the operand of lgdt */
#define TP_PM_ENTRY 0x08    /* u32 offset + u16 selector: far pointer to 32-bit code */
#define TP_LM_ENTRY 0x10    /* u32 offset + u16 selector: far pointer to 64-bit code */
#define TP_CR3 0x18         /* u32: the trampoline page table (below 4 GiB) */
#define TP_EFER 0x1c        /* u32: EFER bits to set (LME, and NXE when the boot CPU has it) */
#define TP_KERNEL_ENTRY 0x20 /* u64: ap_entry64 */
#define TP_GDT 0x28         /* 4 descriptors: null, 64-bit code, data, 32-bit code */

#define TRAMP_CS64 0x08
#define TRAMP_DS 0x10
#define TRAMP_CS32 0x18

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct trampoline_params {
	uint16_t gdt_limit;
	uint32_t gdt_base;
	uint16_t pad0;
	uint32_t pm_entry;
	uint16_t pm_cs;
	uint16_t pad1;
	uint32_t lm_entry;
	uint16_t lm_cs;
	uint16_t pad2;
	uint32_t cr3;
	uint32_t efer;
	uint64_t kernel_entry;
	uint64_t gdt[4];
} __attribute__((packed));

_Static_assert(offsetof(struct trampoline_params, gdt_limit) == TP_GDT_LIMIT, "trampoline.S");
_Static_assert(offsetof(struct trampoline_params, pm_entry) == TP_PM_ENTRY, "trampoline.S");
_Static_assert(offsetof(struct trampoline_params, lm_entry) == TP_LM_ENTRY, "trampoline.S");
_Static_assert(offsetof(struct trampoline_params, cr3) == TP_CR3, "trampoline.S");
_Static_assert(offsetof(struct trampoline_params, efer) == TP_EFER, "trampoline.S");
_Static_assert(offsetof(struct trampoline_params, kernel_entry) == TP_KERNEL_ENTRY, "trampoline.S");
_Static_assert(offsetof(struct trampoline_params, gdt) == TP_GDT, "trampoline.S");

/* One slot per AP: ap_entry64 finds its stack by the APIC id CPUID reports. */
struct ap_boot_slot {
	uint32_t apic_id;
	uint32_t cpu;
	uint64_t stack_top;
};

_Static_assert(sizeof(struct ap_boot_slot) == 16, "ap_entry64 walks 16-byte slots");

extern const char trampoline_start[], trampoline_end[];
extern const char trampoline_pm[], trampoline_lm[];
extern struct ap_boot_slot ap_boot_slots[];
extern volatile uint32_t ap_boot_slot_count;
extern uint64_t ap_boot_cr3;
extern volatile uint32_t ap_unknown_apic_id; /* set by an AP that found no slot */
void ap_entry64(void);
#endif

#endif
