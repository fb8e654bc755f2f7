// SPDX-License-Identifier: MIT
/* CPUs as threads for the work engine's host tests (fake_smp.h). */
#define _GNU_SOURCE
#include "tests/host/fake_smp.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/x86_64/tsc.h"
#include "init/debug.h"
#include "init/record.h"
#include "smp/smp.h"
#include "smp/wait.h"

_Thread_local unsigned fake_this_cpu;
int fake_cpu_node[MAX_CPUS];
struct cpumask cpu_online_mask;
enum fake_answer fake_answer[MAX_CPUS];
unsigned fake_slow_cpu, fake_slow_ms, fake_stall_cpu;

#define THREADS_MAX 1024
#define ERRORS_MAX 64

struct call {
	unsigned cpu;
	smp_call_fn fn;
	void *arg;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t threads[THREADS_MAX];
static struct call calls[THREADS_MAX], late[MAX_CPUS];
static unsigned nr_threads, nr_late;
static char errors[ERRORS_MAX][256];
static unsigned nr_errors;
static volatile bool unstalled;
static uint64_t paused_run;

void fake_sleep_us(unsigned us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

uint64_t time_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *run_call(void *p)
{
	const struct call *c = p;

	fake_this_cpu = c->cpu;
	c->fn(c->arg);
	return NULL;
}

static void start_thread(struct call c)
{
	pthread_mutex_lock(&lock);
	if (nr_threads < THREADS_MAX) {
		calls[nr_threads] = c;
		pthread_create(&threads[nr_threads], NULL, run_call, &calls[nr_threads]);
		nr_threads++;
	}
	pthread_mutex_unlock(&lock);
}

void smp_call_many(const struct cpumask *mask, smp_call_fn fn, void *arg, bool wait)
{
	(void)wait; /* the engine never waits here: it waits on its completion */
	for_each_cpu_in(cpu, mask) {
		if (cpu == fake_this_cpu || !cpumask_test(&cpu_online_mask, cpu) || fake_answer[cpu] == FAKE_NEVER)
			continue;
		if (fake_answer[cpu] == FAKE_LATE)
			late[nr_late++] = (struct call){ cpu, fn, arg };
		else
			start_thread((struct call){ cpu, fn, arg });
	}
}

void fake_deliver_late(void)
{
	for (unsigned i = 0; i < nr_late; i++)
		start_thread(late[i]);
	nr_late = 0;
}

void fake_join_all(void)
{
	for (unsigned i = 0; i < nr_threads; i++)
		pthread_join(threads[i], NULL);
	nr_threads = 0;
}

void fake_reset(unsigned cpus)
{
	fake_join_all();
	cpu_online_mask = (struct cpumask){ { 0 } };
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		fake_answer[c] = FAKE_ANSWER;
		fake_cpu_node[c] = 0;
		if (c < cpus)
			cpumask_set(&cpu_online_mask, c);
	}
	fake_this_cpu = 0;
	fake_slow_cpu = fake_stall_cpu = UINT32_MAX;
	fake_slow_ms = 0;
	unstalled = false;
	paused_run = UINT64_MAX;
	nr_late = 0;
	nr_errors = 0;
}

void fake_unstall(void)
{
	__atomic_store_n(&unstalled, true, __ATOMIC_RELEASE);
}

/* ---- what the engine calls ---- */

void completion_wake(unsigned cpu)
{
	(void)cpu; /* the waiter below polls */
}

bool wait_for_completion_timeout(struct completion *c, uint64_t timeout_ns)
{
	uint64_t deadline = timeout_ns ? time_ns() + timeout_ns : 0;

	while (!completion_done(c)) {
		if (deadline && time_ns() >= deadline)
			return false;
		fake_sleep_us(50);
	}
	return true;
}

void record_errorf(const char *what, const char *action, const char *detail_fmt, ...)
{
	char detail[200];
	va_list ap;

	va_start(ap, detail_fmt);
	vsnprintf(detail, sizeof(detail), detail_fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&lock);
	if (nr_errors < ERRORS_MAX)
		snprintf(errors[nr_errors], sizeof(errors[0]), "%s: %s (%s)", what, detail, action);
	if (getenv("FAKE_SMP_VERBOSE"))
		fprintf(stderr, "@error %s: %s (%s)\n", what, detail, action);
	nr_errors++;
	pthread_mutex_unlock(&lock);
}

unsigned fake_errors(void)
{
	return nr_errors;
}

bool fake_error_says(const char *needle)
{
	for (unsigned i = 0; i < nr_errors && i < ERRORS_MAX; i++)
		if (strstr(errors[i], needle))
			return true;
	return false;
}

void debug_stall_if_asked(unsigned cpu)
{
	if (cpu != fake_stall_cpu)
		return;
	while (!__atomic_load_n(&unstalled, __ATOMIC_ACQUIRE))
		fake_sleep_us(200);
}

void debug_slow_if_asked(unsigned cpu, uint64_t run)
{
	if (cpu != fake_slow_cpu || paused_run == run)
		return;
	paused_run = run;
	fake_sleep_us(fake_slow_ms * 1000);
}
