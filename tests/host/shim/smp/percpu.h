/* SPDX-License-Identifier: MIT */
/*
 * The host tests' smp/percpu.h: first on the include path of the tests that
 * run kernel code on threads (test_engine.c), so that the code under test
 * compiles unchanged. A thread is a CPU: fake_smp.c sets its id.
 */
#ifndef MEMINIT_SMP_PERCPU_H
#define MEMINIT_SMP_PERCPU_H

#include "smp/cpumask.h"

typedef void (*smp_call_fn)(void *arg);

extern _Thread_local unsigned fake_this_cpu;
extern int fake_cpu_node[MAX_CPUS];
extern struct cpumask cpu_online_mask;

static inline unsigned smp_processor_id(void) { return fake_this_cpu; }
static inline int cpu_node(unsigned cpu) { return fake_cpu_node[cpu]; }

#endif
