/* SPDX-License-Identifier: MIT */
/* debug - faults on request (debug.*=), to test that each is reported and survived. */
#ifndef MEMINIT_INIT_DEBUG_H
#define MEMINIT_INIT_DEBUG_H

#include <stdbool.h>
#include <stdint.h>

void debug_fault_if_asked(void);
/* debug.undefined=KIND: undefined behaviour for the sanitized kernel to catch. */
void debug_undefined_if_asked(void);
/* debug.alloc_fail_node=N: N, or -1. The mem_map layout refuses that node's RAM. */
int debug_alloc_fail_node(void);
/* debug.ap_silent=APICID: is this the AP that is never sent its wake-up IPIs? */
bool debug_ap_silent(uint32_t apic_id);
/* debug.stall_cpu=N: CPU N stops for good inside its first mem_map chunk claim. */
void debug_stall_if_asked(unsigned cpu);
/*
 * debug.slow_cpu=N,MS: CPU N halts MS ms, then carries on; call it where a
 * worker holds a claimed chunk it has not started. It pauses once per run:
 * at its first call with a @run different from the last one it paused in
 * (any number that tells runs apart; the cold pass and each benchmark run).
 * Logs a "debug_slow" span of the pause.
 */
void debug_slow_if_asked(unsigned cpu, uint64_t run);
/* debug.dead_cpu=N: CPU N stops answering cross-calls before the first strategy runs. */
void debug_kill_cpu_if_asked(void);
/* debug.stack_overflow=N: CPU N overflows its kernel stack, before the first strategy runs. */
void debug_overflow_if_asked(void);

#endif
