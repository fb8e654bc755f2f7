// SPDX-License-Identifier: MIT
#include "init/debug.h"

#include <stdint.h>

#include "init/console.h"
#include "init/params.h"
#include "init/record.h"
#include "smp/smp.h"
#include "smp/wait.h"
#include "smp/numa.h"

enum fault_kind { FAULT_NONE, FAULT_PF, FAULT_GP, FAULT_UD, FAULT_DE, FAULT_NX, FAULT_WP, FAULT_DF };

static const char *const fault_names[] = {
	[FAULT_PF] = "pf", [FAULT_GP] = "gp", [FAULT_UD] = "ud", [FAULT_DE] = "de",
	[FAULT_NX] = "nx", [FAULT_WP] = "wp", [FAULT_DF] = "df",
};

static enum fault_kind requested_fault;

static const char *set_debug_fault(const char *value)
{
	int k = param_parse_choice(value, fault_names, FAULT_DF + 1);

	if (k < 0) /* fault_names[FAULT_NONE] is NULL: "none" is not a choice */
		return "expected pf, gp, ud, de, nx, wp or df";
	requested_fault = (enum fault_kind)k;
	return NULL;
}
PARAM("debug.fault", set_debug_fault,
      "raise a CPU exception after @boot: pf|gp|ud|de|nx (run data)|wp (write text)|df (blow the stack)");

/* A byte of data that is not executable: executing it must fault when NX is on. */
static uint8_t nx_landing[16] = { 0xc3 };

void __attribute__((noinline)) debug_fault_if_asked(void)
{
	if (requested_fault == FAULT_NONE)
		return;
	printk("meminit: debug.fault=%s\n", fault_names[requested_fault]);
	switch (requested_fault) {
	case FAULT_PF:
		__asm__ volatile("movq (%0), %%rax" ::"r"(0x10ul) : "rax", "memory");
		break;
	case FAULT_GP:
		__asm__ volatile("movq (%0), %%rax" ::"r"(0x8000000000000000ul) : "rax", "memory");
		break;
	case FAULT_UD:
		__asm__ volatile("ud2");
		break;
	case FAULT_DE:
		__asm__ volatile("xorl %%ecx, %%ecx; divl %%ecx" ::: "rax", "rcx", "rdx");
		break;
	case FAULT_NX:
		((void (*)(void))(uintptr_t)nx_landing)();
		break;
	case FAULT_WP:
		*(volatile uint8_t *)(uintptr_t)debug_fault_if_asked = 0xcc;
		break;
	case FAULT_DF:
		/* A page fault that cannot push its frame becomes a double fault (on the IST stack). */
		__asm__ volatile("movq $0x1000, %%rsp; pushq $0" ::: "memory");
		break;
	default:
		break;
	}
	printk("meminit: debug.fault=%s did not fault\n", fault_names[requested_fault]);
}

/* A CPU or node number in [lo, hi] for a debug.* setter; @expected says what when refused. */
static const char *set_index(const char *value, unsigned lo, unsigned hi, int *out, const char *expected)
{
	unsigned long long n;

	if (!param_parse_u64_in(value, lo, hi, &n))
		return expected;
	*out = (int)n;
	return NULL;
}

static int alloc_fail_node = -1;

static const char *set_alloc_fail_node(const char *value)
{
	return set_index(value, 0, MAX_NODES - 1, &alloc_fail_node, "expected a node number");
}
PARAM("debug.alloc_fail_node", set_alloc_fail_node,
      "the mem_map layout gets no RAM of this node (falls back by distance; tests placement)");

int debug_alloc_fail_node(void)
{
	return alloc_fail_node;
}

static int stall_cpu = -1, dead_cpu = -1;

/* CPU 0 is the boot CPU: stopping it would stop the boot, not test a rescue. */
#define AP_EXPECTED "expected an application processor's CPU number (1 and up)"

static const char *set_stall_cpu(const char *value)
{
	return set_index(value, 1, MAX_CPUS - 1, &stall_cpu, AP_EXPECTED);
}
PARAM("debug.stall_cpu", set_stall_cpu,
      "this CPU stops for good after claiming its first mem_map chunk (tests the rescue)");

static const char *set_dead_cpu(const char *value)
{
	return set_index(value, 1, MAX_CPUS - 1, &dead_cpu, AP_EXPECTED);
}
PARAM("debug.dead_cpu", set_dead_cpu,
      "this CPU stops answering cross-calls before the first strategy (tests the rescue)");

/* A CPU that stopped answering: interrupts off, halted, for good. */
static void __attribute__((noreturn)) stop_this_cpu(void *unused)
{
	(void)unused;
	for (;;)
		__asm__ volatile("cli; hlt");
}

void debug_stall_if_asked(unsigned cpu)
{
	if ((int)cpu == stall_cpu)
		stop_this_cpu(NULL);
}

static int overflow_cpu = -1;

static const char *set_overflow_cpu(const char *value)
{
	return set_index(value, 0, MAX_CPUS - 1, &overflow_cpu, "expected a CPU number");
}
PARAM("debug.stack_overflow", set_overflow_cpu,
      "this CPU recurses until its kernel stack overflows (tests the guard pages) before the first strategy");

static volatile int recursion_sink;

static int __attribute__((noinline)) recurse(int depth)
{
	volatile char frame[256];

	frame[0] = (char)depth;
	if (recursion_sink >= 0) /* always: the compiler just cannot tell */
		return recurse(depth + 1) + frame[0];
	return frame[0];
}

static void overflow_this_stack(void *unused)
{
	(void)unused;
	recurse(0);
}

void debug_overflow_if_asked(void)
{
	struct cpumask victim = { { 0 } };

	if (overflow_cpu < 0 || !cpumask_test(&cpu_online_mask, (unsigned)overflow_cpu))
		return;
	if ((unsigned)overflow_cpu == smp_processor_id())
		overflow_this_stack(NULL);
	cpumask_set(&victim, (unsigned)overflow_cpu);
	smp_call_many(&victim, overflow_this_stack, NULL, false);
	sleep_ns(2000000000ull); /* its fault report ends the boot; this is only a bound */
	record_errorf("debug", "boot went on", "cpu %d's stack overflow was not reported", overflow_cpu);
}

void debug_kill_cpu_if_asked(void)
{
	struct cpumask victim = { { 0 } };

	if (dead_cpu < 0 || (unsigned)dead_cpu == smp_processor_id() ||
	    !cpumask_test(&cpu_online_mask, (unsigned)dead_cpu))
		return;
	cpumask_set(&victim, (unsigned)dead_cpu);
	smp_call_many(&victim, stop_this_cpu, NULL, false);
	dead_cpu = -1; /* once: the CPU stays stopped */
}
