/* SPDX-License-Identifier: MIT */
/*
 * boot.S - from GRUB's 32-bit protected mode to kmain() in the higher half.
 *
 * GRUB (Multiboot2 spec 3.3) enters _start32 with paging off, flat 32-bit
 * segments, EAX = magic, EBX = physical address of the boot information.
 * We read the TSC first (time zero for every record), check for long mode,
 * build early page tables that map the first 4 GiB three times (identity,
 * the direct map at PAGE_OFFSET and the kernel at KERNEL_VMA), enable PAE,
 * long mode and NX, and jump to the higher half. mm/ and arch/paging.c
 * replace these tables with the final ones early in kmain().
 */
#include "arch/x86_64/layout.h"

#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0

#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_OSFXSR (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define PTE_PRESENT 0x1
#define PTE_WRITE 0x2
#define PTE_HUGE 0x80

#define PHYS(sym) ((sym) - KERNEL_VMA)

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* end tag */
	.word 0, 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	/* Time zero: the first thing we do. */
	movl %eax, %esi
	rdtsc
	movl %eax, PHYS(boot_tsc0)
	movl %edx, PHYS(boot_tsc0) + 4
	movl %esi, PHYS(boot_magic)
	movl %ebx, PHYS(boot_info_phys)

	/* Long mode? CPUID 0x80000001 EDX bit 29 (SDM vol. 2A, CPUID). */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode
	movl %edx, %edi		/* keep: bit 20 says NX */

	/* Early tables: pd[0..3] map 0-4 GiB with 2 MiB pages. */
	movl $PHYS(early_pd), %ebx
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_PRESENT | PTE_WRITE | PTE_HUGE), %eax
	movl %eax, (%ebx, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax		/* high half of (ecx << 21) */
	movl %eax, 4(%ebx, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 1b

	/* pdpt_low[0..3] -> pd[0..3]: identity and direct map share it. */
	movl $PHYS(early_pdpt_low), %ebx
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $12, %eax
	addl $(PHYS(early_pd) + PTE_PRESENT + PTE_WRITE), %eax
	movl %eax, (%ebx, %ecx, 8)
	movl $0, 4(%ebx, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jb 2b
	/* pdpt_high[510..511] -> pd[0..1]: KERNEL_VMA maps phys 0-2 GiB. */
	movl $(PHYS(early_pd) + PTE_PRESENT + PTE_WRITE), PHYS(early_pdpt_high) + 510 * 8
	movl $(PHYS(early_pd) + 0x1000 + PTE_PRESENT + PTE_WRITE), PHYS(early_pdpt_high) + 511 * 8

	movl $(PHYS(early_pdpt_low) + PTE_PRESENT + PTE_WRITE), PHYS(early_pml4)
	movl $(PHYS(early_pdpt_low) + PTE_PRESENT + PTE_WRITE), PHYS(early_pml4) + 256 * 8
	movl $(PHYS(early_pdpt_high) + PTE_PRESENT + PTE_WRITE), PHYS(early_pml4) + 511 * 8

	/* SDM vol. 3A 10.8.5: PAE, then CR3, then EFER.LME, then paging. */
	movl %cr4, %eax
	orl $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	movl %eax, %cr4
	movl $PHYS(early_pml4), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	btl $20, %edi
	jnc 3f
	orl $EFER_NXE, %eax
3:	wrmsr
	movl %cr0, %eax
	orl $(CR0_PE | CR0_PG | CR0_WP), %eax
	movl %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $GDT_KERNEL_CS, $start64_low

no_long_mode:
	/* Say why on every console we might have: COM1, port 0xe9, VGA text. */
	movl $PHYS(no_lm_msg), %esi
	movl $0xb8000, %edi
4:	movb (%esi), %al
	testb %al, %al
	jz 5f
	movw $0x3f8, %dx
	outb %al, %dx
	movw $0xe9, %dx
	outb %al, %dx
	movb %al, (%edi)
	movb $0x4f, 1(%edi)
	addl $2, %edi
	incl %esi
	jmp 4b
5:	hlt
	jmp 5b

	.code64
start64_low:
	movabsq $start64_high, %rax
	jmp *%rax

	.section .boot.rodata, "a"
	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.text
start64_high:
	movw $GDT_KERNEL_DS, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %eax, %eax
	movw %ax, %fs
	movw %ax, %gs
	leaq boot_stack_top(%rip), %rsp
	xorl %ebp, %ebp

	/* Clear .bss with plain 8-byte stores (rep stos is slow under emulation). */
	leaq __bss_start(%rip), %rdi
	leaq __bss_end(%rip), %rcx
6:	cmpq %rcx, %rdi
	jae 7f
	movq $0, (%rdi)
	addq $8, %rdi
	jmp 6b
7:
	movl boot_magic(%rip), %edi
	movl boot_info_phys(%rip), %esi
	call kmain
8:	cli
	hlt
	jmp 8b

	.section .data
	.balign 8
	.globl boot_tsc0, boot_magic, boot_info_phys
boot_tsc0:	.quad 0
boot_magic:	.long 0
boot_info_phys:	.long 0

	.section .rodata
no_lm_msg:
	.asciz "meminit: this CPU has no long mode (x86_64); halting."

	/* Early page tables live in .data, not .bss: they are built before .bss is cleared. */
	.section .data.page_aligned, "aw"
	.balign 4096
	.globl early_pml4
early_pml4:	.fill 512, 8, 0
early_pdpt_low:	.fill 512, 8, 0
early_pdpt_high:	.fill 512, 8, 0
early_pd:	.fill 2048, 8, 0
	/* Whole pages, unused once paging_init loads its own: given back at the end of boot (kmain). */
	.globl early_page_tables_end
early_page_tables_end:

	.section .bss
	/* A page below the boot stack that paging_init leaves unmapped: an overflow faults. */
	.balign 4096
	.globl boot_stack_guard
boot_stack_guard:	.skip 4096
	.globl boot_stack_top
boot_stack:	.skip BOOT_STACK_SIZE
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
