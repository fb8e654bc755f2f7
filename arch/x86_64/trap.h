/* SPDX-License-Identifier: MIT */
/*
 * trap - the IDT, exception handlers and the exception table.
 *
 * isr.S saves every general register into a struct trap_frame and calls
 * trap_dispatch(). Exceptions the kernel did not expect print the vector,
 * error code, RIP, CR2, the registers and a frame-pointer backtrace, emit
 * an @error record and exit with failure. Expected faults — a probe of an
 * address that may not be mapped — are listed in the exception table: the
 * handler resumes at the entry's fixup with the vector in RAX.
 */
#ifndef MEMINIT_ARCH_TRAP_H
#define MEMINIT_ARCH_TRAP_H

#include <stdint.h>

/* Pushed by isr.S, lowest address first; isr.S and this struct must agree. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

_Static_assert(__builtin_offsetof(struct trap_frame, vector) == 15 * 8, "isr.S pushes 15 registers");
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "isr.S frame size");

#define VEC_DE 0
#define VEC_BP 3
#define VEC_UD 6
#define VEC_DF 8
#define VEC_GP 13
#define VEC_PF 14
#define VEC_FIRST_IRQ 32

/* Page-fault error code bits (SDM vol. 3A, 4.7). */
#define PF_PRESENT (1u << 0)
#define PF_WRITE (1u << 1)
#define PF_INSTR (1u << 4)

typedef void (*irq_handler_fn)(struct trap_frame *frame);

void idt_init(void);      /* once, on the boot CPU */
void idt_load(void);      /* on every CPU */
void idt_set_handler(unsigned vector, irq_handler_fn fn);

/*
 * Probes: read, write or execute at @addr. Return 0 when it worked, else
 * the exception vector + 1 (with the page-fault error code in *pf_error).
 */
unsigned long probe_read(const volatile void *addr, unsigned long *pf_error);
unsigned long probe_write(volatile void *addr, unsigned long *pf_error);
unsigned long probe_exec(const void *addr, unsigned long *pf_error);

void trap_dispatch(struct trap_frame *frame);

#endif
