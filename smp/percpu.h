/* SPDX-License-Identifier: MIT */
/*
 * percpu - one area per CPU, allocated on the CPU's own node, reached
 * through the GS base: %gs:0 holds the area's own address.
 */
#ifndef MEMINIT_SMP_PERCPU_H
#define MEMINIT_SMP_PERCPU_H

#include <stdint.h>

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/spinlock.h"
#include "smp/cpumask.h"

#define KERNEL_STACK_SIZE 0x8000
#define CALL_QUEUE_SIZE 64

typedef void (*smp_call_fn)(void *arg);

struct completion;
struct slab_cpu_cache;

struct call_entry {
	smp_call_fn fn;
	void *arg;
	struct completion *done; /* completed when fn returns; NULL: nobody waits */
};

/* A CPU's queue of cross-calls; the IPI handler and waiting senders drain it. */
struct call_queue {
	struct spinlock lock;
	unsigned head, tail; /* entries[head % SIZE] is next; tail - head is the fill */
	struct call_entry entries[CALL_QUEUE_SIZE];
	uint64_t handled;
};

enum cpu_state { CPU_ABSENT, CPU_WAKING, CPU_ONLINE, CPU_FAILED };

struct percpu {
	struct percpu *self; /* must stay first: %gs:0 */
	int64_t tsc_offset;  /* this CPU's TSC minus the boot CPU's (tsc.c reads %gs:8) */
	unsigned cpu;
	uint32_t apic_id;
	int node;
	volatile int state;
	uint64_t stack_top;  /* in the stack region, above a guard page (layout.h) */
	uint64_t ist_base;   /* the IST stacks, in the direct map */
	uint64_t online_ns;  /* when it reached ap_main, on the boot CPU's clock */
	uint64_t online_tsc; /* the same moment, raw TSC of this CPU (the boot timeline's ap_wake) */
	uint64_t tsc_rtt_ns; /* round trip of the best TSC-offset sample */
	unsigned irq_depth;  /* interrupts being handled on this CPU (idt.c); 0: not in one */
	struct slab_cpu_cache *slab_cache; /* kmalloc's cache of objects (mm/kmalloc_fast.h) */
	struct cpu_gdt gdt;
	struct call_queue calls;
};

_Static_assert(__builtin_offsetof(struct percpu, self) == 0, "%gs:0 is the area itself");
_Static_assert(__builtin_offsetof(struct percpu, tsc_offset) == 8, "tsc.c reads %gs:8");

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

static inline unsigned smp_processor_id(void)
{
	return this_cpu()->cpu;
}

/* Every CPU the kernel knows, by dense id; NULL where none. cpu 0 is the boot CPU. */
extern struct percpu *cpu_area[MAX_CPUS];
extern unsigned nr_cpus;             /* ids handed out (online or not) */
extern struct cpumask cpu_online_mask;

/* The node of a CPU by id (0 for a CPU the kernel does not know). */
static inline int cpu_node(unsigned cpu)
{
	return cpu < MAX_CPUS && cpu_area[cpu] ? cpu_area[cpu]->node : 0;
}

/* Point GS at @p on the calling CPU. */
void percpu_install(struct percpu *p);
/* The boot CPU's static area, until smp_init gives it one on its node. */
void percpu_init_boot_cpu(void);

#endif
