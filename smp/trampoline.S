/* SPDX-License-Identifier: MIT */
/*
 * The AP start-up code (trampoline.h). Copied to a page below 1 MiB; a
 * STARTUP IPI with vector V starts the AP in real mode at CS = V << 8,
 * IP = 0 (SDM vol. 3A, "MP Initialization Protocol Algorithm for MP
 * Systems"). Everything below addresses the page relative to its base,
 * which real mode takes from CS and later modes keep in %ebx/%rbx.
 */
#include "smp/trampoline.h"

#define CR0_PE 0x1
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_OSFXSR (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define MSR_EFER 0xc0000080
#define P(field) (TRAMPOLINE_PARAMS + field)

	.section .rodata
	.balign 16
	.globl trampoline_start, trampoline_end, trampoline_pm, trampoline_lm
	.code16
trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	movzwl %ax, %ebx
	shll $4, %ebx			/* the page's physical address */
	lgdtl P(TP_GDT_LIMIT)
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl *P(TP_PM_ENTRY)

	.code32
	.balign 8
trampoline_pm:
	movw $TRAMP_DS, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	movl %eax, %cr4
	movl P(TP_CR3)(%ebx), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl P(TP_EFER)(%ebx), %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP), %eax
	movl %eax, %cr0
	ljmpl *P(TP_LM_ENTRY)(%ebx)

	.code64
	.balign 8
trampoline_lm:
	/* Load data segments now: after the switch to the kernel page table the GDT here is unmapped. */
	movw $TRAMP_DS, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %ebx, %ebx			/* upper halves are undefined after the mode switch */
	movq P(TP_KERNEL_ENTRY)(%rbx), %rax
	jmp *%rax
trampoline_end:

/*
 * ap_entry64 - in the kernel's own mapping now. Switch to the kernel page
 * table, find this CPU's slot by APIC id and take its stack.
 */
	.text
	.globl ap_entry64
ap_entry64:
	movq ap_boot_cr3(%rip), %rax
	movq %rax, %cr3
	/* APIC id: CPUID 0Bh EDX when the leaf exists, else CPUID 1 EBX[31:24]. */
	xorl %eax, %eax
	cpuid
	cmpl $0xb, %eax
	jb 2f
	movl $0xb, %eax
	xorl %ecx, %ecx
	cpuid
	testl %ebx, %ebx
	jz 2f
	movl %edx, %esi
	jmp 3f
2:	movl $1, %eax
	cpuid
	shrl $24, %ebx
	movl %ebx, %esi
3:	leaq ap_boot_slots(%rip), %rdx
	movl ap_boot_slot_count(%rip), %ecx
4:	testl %ecx, %ecx
	jz 6f
	cmpl (%rdx), %esi
	je 5f
	addq $16, %rdx
	decl %ecx
	jmp 4b
5:	movq 8(%rdx), %rsp
	movl 4(%rdx), %edi
	xorl %ebp, %ebp
	call ap_main
6:	movl %esi, ap_unknown_apic_id(%rip)
7:	cli
	hlt
	jmp 7b

	.section .note.GNU-stack, "", @progbits
