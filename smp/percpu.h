/* SPDX-License-Identifier: MIT */
/*
 * percpu - one area per CPU, allocated on the CPU's own node, reached
 * through the GS base: %gs:0 holds the area's own address. The areas are
 * the per-CPU units of smp/percpu_area.h (static part first), which also
 * hold the dynamic per-CPU data of alloc_percpu().
 */
#ifndef MEMINIT_SMP_PERCPU_H
#define MEMINIT_SMP_PERCPU_H

#include <stdint.h>

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/layout.h"
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
	volatile uint8_t polling; /* in the polling idle loop: a cross-call needs no IPI (smp/idle.h) */
	uint64_t ipis_sent, ipis_spared; /* by this CPU, through smp_kick() */
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

/*
 * Per-CPU data by its offset from a unit's start: a field of struct percpu
 * (offsetof, a constant) or what alloc_percpu() returned. Each access is
 * one %gs-relative instruction: its "m" operand is the offset taken as an
 * address, which gcc writes as an immediate (%gs:0x48) when the offset is
 * a constant and as a register (%gs:(%rax)) when it is not. Assembly, not
 * a C access: one addq rather than a load, add and store, and no sanitizer
 * check of a "pointer" that is an offset (0 is %gs:0, not NULL); gcc's
 * warning about a small constant taken as an address is off for the same
 * reason (C11 has no __seg_gs). Volatile: a loop that reads one reads it
 * every time (another CPU may write it through per_cpu_ptr()).
 */
#define PERCPU_SLOT(off) (*(uint64_t *)(uintptr_t)(off))
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"

static inline uint64_t this_cpu_read_u64(uint64_t off)
{
	uint64_t v;

	__asm__ volatile("movq %%gs:%1, %0" : "=r"(v) : "m"(PERCPU_SLOT(off)));
	return v;
}

static inline void this_cpu_write_u64(uint64_t off, uint64_t v)
{
	__asm__ volatile("movq %1, %%gs:%0" : "=m"(PERCPU_SLOT(off)) : "er"(v) : "memory");
}

/* Not atomic against other CPUs (they write their own copy); whole against this CPU's interrupts. */
static inline void this_cpu_add_u64(uint64_t off, uint64_t v)
{
	__asm__ volatile("addq %1, %%gs:%0" : "+m"(PERCPU_SLOT(off)) : "er"(v) : "memory");
}

#pragma GCC diagnostic pop

/* CPU @cpu's copy of the per-CPU data at @off, as a plain pointer (valid on every CPU). */
static inline void *per_cpu_ptr(uint64_t off, unsigned cpu)
{
	return (void *)(PERCPU_VMA + (uint64_t)cpu * PERCPU_UNIT_SIZE + off);
}

/*
 * alloc_percpu - @size bytes aligned to @align (a power of two, at most
 * 2 MiB) in every CPU's unit, zeroed, at one offset valid through %gs on
 * every CPU; 0 if none (no room, a bad size or alignment, no page to back
 * it, or before the units exist). Any CPU, any time after smp_boot_prepare;
 * backing pages need memblock (before the mem_map's layout) or the buddy
 * allocator (from usable on).
 */
uint64_t alloc_percpu(uint64_t size, uint64_t align);
/* Give back what alloc_percpu() returned (0: nothing). */
void free_percpu(uint64_t off);

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
