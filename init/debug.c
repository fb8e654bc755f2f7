// SPDX-License-Identifier: MIT
#include "init/debug.h"

#include <stdint.h>

#include "arch/x86_64/lapic.h"
#include "arch/x86_64/string.h"
#include "arch/x86_64/tsc.h"
#include "init/console.h"
#include "init/format.h"
#include "init/params.h"
#include "init/record.h"
#include "init/span.h"
#include "smp/smp.h"
#include "smp/wait.h"
#include "smp/numa.h"

enum fault_kind { FAULT_NONE, FAULT_PF, FAULT_GP, FAULT_UD, FAULT_DE, FAULT_NX, FAULT_WP, FAULT_DF };

static const char *const fault_names[] = {
	[FAULT_PF] = "pf", [FAULT_GP] = "gp", [FAULT_UD] = "ud", [FAULT_DE] = "de",
	[FAULT_NX] = "nx", [FAULT_WP] = "wp", [FAULT_DF] = "df",
};

static enum fault_kind requested_fault;
PARAM_ENUM("debug.fault", requested_fault, fault_names,
	   "raise a CPU exception after @boot (nx runs data, wp writes text, df blows the stack)");

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

static int alloc_fail_node = -1;
PARAM_INT("debug.alloc_fail_node", alloc_fail_node, 0, MAX_NODES - 1,
	  "the mem_map layout gets no RAM of this node (falls back by distance; tests placement)");

int debug_alloc_fail_node(void)
{
	return alloc_fail_node;
}

static uint32_t silent_apic_id = UINT32_MAX; /* none */

/* An APIC id, not the boot CPU's: silencing the CPU that runs the boot tests no AP. */
static const char *set_ap_silent(const char *value)
{
	unsigned long long id;

	if (!param_parse_u64_in(value, 0, UINT32_MAX - 1, &id))
		return "expected an APIC id from 0 to 4294967294";
	if (id == cpuid_apic_id())
		return "that is the boot CPU's APIC id, not an AP's";
	silent_apic_id = (uint32_t)id;
	return NULL;
}
PARAM("debug.ap_silent", set_ap_silent,
      "never wake the AP with this APIC id (tests the path of an AP that does not answer)");

bool debug_ap_silent(uint32_t apic_id)
{
	return apic_id == silent_apic_id;
}

/* CPU 0 is the boot CPU: stopping it would stop the boot, not test a rescue. */
#define FIRST_AP 1

static int stall_cpu = -1, dead_cpu = -1;
PARAM_INT("debug.stall_cpu", stall_cpu, FIRST_AP, MAX_CPUS - 1,
	  "this CPU stops for good after claiming its first mem_map chunk (tests the rescue)");
PARAM_INT("debug.dead_cpu", dead_cpu, FIRST_AP, MAX_CPUS - 1,
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

/* ---- debug.slow_cpu=CPU,MS: a worker late, not dead ---- */

#define SLOW_MS_MAX 60000 /* a minute: far past any rescue timeout a test sets */

static int slow_cpu = -1;
static uint64_t slow_ns;

static const char *set_slow_cpu(const char *value)
{
	static char why[96];
	const char *comma = value ? strchr(value, ',') : NULL;
	char cpu_text[24];
	unsigned long long cpu, ms;
	size_t len = comma ? (size_t)(comma - value) : 0;

	if (comma && len < sizeof(cpu_text)) {
		memcpy(cpu_text, value, len);
		cpu_text[len] = '\0';
		if (param_parse_u64_in(cpu_text, FIRST_AP, MAX_CPUS - 1, &cpu) &&
		    param_parse_u64_in(comma + 1, 1, SLOW_MS_MAX, &ms)) {
			slow_cpu = (int)cpu;
			slow_ns = ms * 1000000ull;
			return NULL;
		}
	}
	ksnprintf(why, sizeof(why), "expected CPU,MS: a CPU from %u to %u, MS from 1 to %u",
		  FIRST_AP, MAX_CPUS - 1, SLOW_MS_MAX);
	return why;
}
PARAM("debug.slow_cpu", set_slow_cpu,
      "CPU,MS: this CPU pauses MS ms once per run, holding a claimed chunk it has not started (tests the rescue of a live worker)");

void debug_slow_if_asked(unsigned cpu, uint64_t run)
{
	/* Only the slow CPU reads or writes these: its own calls are one after another. */
	static bool paused;
	static uint64_t paused_run;
	uint64_t t0;

	if ((int)cpu != slow_cpu || (paused && paused_run == run))
		return;
	paused = true;
	paused_run = run;
	t0 = time_ns();
	sleep_ns(slow_ns); /* halted on the LAPIC timer: the host core goes to the other vCPUs */
	span_log(cpu_area[cpu]->node, "debug_slow", t0, time_ns(), 0);
}

static int overflow_cpu = -1;
PARAM_INT("debug.stack_overflow", overflow_cpu, 0, MAX_CPUS - 1,
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
