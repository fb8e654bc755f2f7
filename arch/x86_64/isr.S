/* SPDX-License-Identifier: MIT */
/*
 * isr.S - one entry stub per vector. Each pushes a dummy error code where
 * the CPU pushes none (SDM vol. 3A, 6.13: vectors 8, 10-14, 17, 21, 29, 30
 * push one), then the vector, then the general registers: a struct
 * trap_frame (trap.h). Also the probe helpers and their exception-table
 * entries (trap.h).
 */
#include "arch/x86_64/layout.h"

/* Every stub is 16 bytes apart, so the IDT can find vector N at isr_stubs + 16 * N. */
.altmacro
.macro ISR vec
	.balign 16
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp isr_common
.endm

	.text
isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	/* Align the stack for C; the frame pointer chain starts at the faulting code. */
	movq %rsp, %rbx
	andq $-16, %rsp
	call trap_dispatch
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp		/* vector and error code */
	iretq

	.balign 16
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	ISR %vec
	.set vec, vec + 1
	.endr

/*
 * Probes. RDI = address, RSI = where to store the page-fault error code.
 * On a fault trap_dispatch() finds the faulting RIP in the exception table,
 * stores vector + 1 in RAX and the error code at (RSI), and resumes at the fixup.
 */
	.text
	.globl probe_read, probe_write, probe_exec
probe_read:
	xorl %eax, %eax
1:	movb (%rdi), %cl
2:	ret
probe_write:
	xorl %eax, %eax
3:	movb (%rdi), %cl
4:	movb %cl, (%rdi)
5:	ret
probe_exec:
	xorl %eax, %eax
	/* Call into the page; a fault is taken with RIP = the target itself. */
	leaq probe_exec_landing(%rip), %rcx
	pushq %rcx
	jmp *%rdi
	.globl probe_exec_landing
probe_exec_landing:
	ret

	.section extable, "a"
	.balign 8
	/* faulting RIP, resume RIP (probe_exec is recognised by its return address instead) */
	.quad 1b, 2b
	.quad 3b, 5b
	.quad 4b, 5b

	.section .note.GNU-stack, "", @progbits
