/* SPDX-License-Identifier: MIT */
/*
 * fake_smp - CPUs as threads for the host tests of the work engine: what
 * the engine needs from the machine (cross-calls, completions' waiting,
 * the clock, @error records, the debug.* faults), with knobs for the
 * faults a real machine can show: a CPU that never answers, one that
 * answers late, one that pauses holding a claimed chunk, one that stops.
 */
#ifndef MEMINIT_TESTS_HOST_FAKE_SMP_H
#define MEMINIT_TESTS_HOST_FAKE_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include "smp/percpu.h"

enum fake_answer {
	FAKE_ANSWER,      /* runs a cross-call at once, on a thread of its own */
	FAKE_NEVER,       /* drops it: a dead CPU */
	FAKE_LATE,        /* keeps it until fake_deliver_late() */
};

/* Per CPU; fake_reset() sets every CPU online, node 0, FAKE_ANSWER, no fault. */
extern enum fake_answer fake_answer[MAX_CPUS];
extern unsigned fake_slow_cpu, fake_slow_ms;   /* debug.slow_cpu: pauses once per run */
extern unsigned fake_stall_cpu;                /* debug.stall_cpu: until fake_unstall() */

/* @cpus CPUs online (0 is this thread, the boot CPU), no faults, no errors recorded. */
void fake_reset(unsigned cpus);
/* Run the calls kept for FAKE_LATE CPUs now, each on its own thread. */
void fake_deliver_late(void);
/* Let the stalled CPU go on. */
void fake_unstall(void);
/* Wait for every thread started so far. */
void fake_join_all(void);

/* @error records so far, and whether one's text contains @needle. */
unsigned fake_errors(void);
bool fake_error_says(const char *needle);

/* Sleep @us microseconds (the calling thread). */
void fake_sleep_us(unsigned us);

#endif
