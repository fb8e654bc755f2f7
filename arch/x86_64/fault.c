// SPDX-License-Identifier: MIT
/*
 * An unexpected exception: say everything a developer needs to find it —
 * vector, error code, RIP, CR2, registers, a backtrace — then an @error and
 * a failure exit. Never returns. A fault while reporting a fault prints one
 * line and exits, rather than recursing.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"
#include "init/console.h"
#include "init/exit.h"
#include "init/record.h"
#include "smp/percpu.h"

#define BACKTRACE_MAX 16

static const char *const vector_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
	"#VE virtualization", "#CP control protection", "reserved 22", "reserved 23",
	"reserved 24", "reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security", "reserved 31",
};

static volatile int reporting;

extern const char __text_start[], __text_end[];

static int is_kernel_address(uint64_t a)
{
	return a >= KERNEL_VMA && a < KERNEL_VMA + 0x40000000ull;
}

/* Follow saved RBPs while they stay in the kernel's mappings and go upwards. */
static void print_backtrace(uint64_t rbp)
{
	printk("  backtrace (rbp chain):\n");
	for (int i = 0; i < BACKTRACE_MAX && rbp && !(rbp & 7); i++) {
		const uint64_t *frame = (const uint64_t *)rbp;

		if (!is_kernel_address(rbp) && !(rbp >= PAGE_OFFSET && rbp < KERNEL_VMA))
			break;
		if (!is_kernel_address(frame[1]))
			break;
		printk("    #%d %#lx\n", i, frame[1]);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

void fault_report_and_exit(struct trap_frame *f)
{
	const char *name = f->vector < 32 ? vector_names[f->vector] : "unexpected interrupt";
	uint64_t cr2 = read_cr2();

	if (__atomic_exchange_n(&reporting, 1, __ATOMIC_ACQ_REL)) {
		console_enter_panic();
		printk("\nmeminit: fault %lu at %#lx while reporting a fault\n", f->vector, f->rip);
		machine_exit(false);
	}
	console_enter_panic();
	printk("\n*** %s (vector %lu), error code %#lx\n", name, f->vector, f->error_code);
	printk("  RIP %016lx  CS %04lx  RFLAGS %016lx\n", f->rip, f->cs, f->rflags);
	printk("  RSP %016lx  SS %04lx  CR2 %016lx  CR3 %016lx\n", f->rsp, f->ss, cr2, read_cr3());
	printk("  RAX %016lx  RBX %016lx  RCX %016lx  RDX %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	printk("  RSI %016lx  RDI %016lx  RBP %016lx  R8  %016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
	printk("  R9  %016lx  R10 %016lx  R11 %016lx  R12 %016lx\n", f->r9, f->r10, f->r11, f->r12);
	printk("  R13 %016lx  R14 %016lx  R15 %016lx\n", f->r13, f->r14, f->r15);
	if (is_kernel_address(f->rip))
		printk("    #- %#lx (faulting instruction)\n", f->rip);
	print_backtrace(f->rbp);

	{
		struct record r;

		/* A fault on a stack's guard page (layout.h) is that stack's overflow: say so. */
		int overflowed = paging_stack_guard_cpu(cr2);

		record_begin(&r, "error");
		rec_str(&r, "what", overflowed >= 0 ? "stack overflow" : "cpu exception");
		if (overflowed >= 0)
			rec_strf(&r, "detail", "cpu %u: %s: cpu %d's kernel stack ran into its guard page at %#lx "
				 "(rip %#lx)", smp_processor_id(), name, overflowed, cr2, f->rip);
		else
			rec_strf(&r, "detail", "cpu %u: %s: vector %lu error %#lx rip %#lx cr2 %#lx",
				 smp_processor_id(), name, f->vector, f->error_code, f->rip, cr2);
		rec_u64(&r, "cpu", smp_processor_id());
		rec_str(&r, "action", "machine stopped with failure status");
		rec_u64(&r, "vector", f->vector);
		rec_u64(&r, "error_code", f->error_code);
		rec_strf(&r, "rip", "%#lx", f->rip);
		rec_strf(&r, "cr2", "%#lx", cr2);
		record_end(&r);
	}
	machine_exit(false);
}
