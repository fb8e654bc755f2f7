// SPDX-License-Identifier: MIT
/* The IDT and the first look at every trap: extable fixups, interrupts, faults. */
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/trap.h"
#include "smp/percpu.h"

#define ISR_STUB_SIZE 16
#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate (SDM vol. 3A, 6.14.1)");

struct extable_entry {
	uint64_t fault_rip;
	uint64_t resume_rip;
};

extern const char isr_stubs[];
extern const char probe_exec_landing[];
extern const struct extable_entry __start_extable[], __stop_extable[];

void fault_report_and_exit(struct trap_frame *frame) __attribute__((noreturn));

static struct idt_gate idt[256] __attribute__((aligned(16)));
static irq_handler_fn irq_handlers[256];

static void set_gate(unsigned vector, uint64_t handler, uint8_t ist)
{
	idt[vector] = (struct idt_gate){
		.offset_low = (uint16_t)handler,
		.selector = GDT_KERNEL_CS,
		.ist = ist,
		.type = GATE_INTERRUPT,
		.offset_mid = (uint16_t)(handler >> 16),
		.offset_high = (uint32_t)(handler >> 32),
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		set_gate(v, (uint64_t)(isr_stubs + ISR_STUB_SIZE * v), 0);
	set_gate(VEC_DF, (uint64_t)(isr_stubs + ISR_STUB_SIZE * VEC_DF), IST_DOUBLE_FAULT);
	set_gate(2, (uint64_t)(isr_stubs + ISR_STUB_SIZE * 2), IST_NMI);
	idt_load();
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" ::"m"(ptr));
}

void idt_set_handler(unsigned vector, irq_handler_fn fn)
{
	irq_handlers[vector] = fn;
}

/* An expected fault: resume where the exception table says, vector + 1 in RAX. */
static int try_fixup(struct trap_frame *f)
{
	for (const struct extable_entry *e = __start_extable; e < __stop_extable; e++) {
		if (e->fault_rip != f->rip)
			continue;
		f->rip = e->resume_rip;
		goto fixed;
	}
	/* probe_exec jumped to the page: its return address is on top of the stack. */
	if (f->vector == VEC_PF && (f->error_code & PF_INSTR) &&
	    *(const uint64_t *)f->rsp == (uint64_t)probe_exec_landing) {
		f->rip = (uint64_t)probe_exec_landing;
		f->rsp += 8; /* the landing's ret then returns to probe_exec's caller */
		goto fixed;
	}
	return 0;
fixed:
	f->rax = f->vector + 1;
	if (f->rsi)
		*(uint64_t *)f->rsi = f->error_code;
	return 1;
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector >= VEC_FIRST_IRQ && irq_handlers[f->vector]) {
		struct percpu *cpu = this_cpu();

		cpu->irq_depth++; /* what reads it (kmalloc) runs in the handler, after this store, on this CPU */
		irq_handlers[f->vector](f);
		cpu->irq_depth--;
		return;
	}
	if (f->vector < VEC_FIRST_IRQ && f->vector != VEC_DF && try_fixup(f))
		return;
	fault_report_and_exit(f);
}
