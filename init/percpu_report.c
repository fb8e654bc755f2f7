// SPDX-License-Identifier: MIT
#include "init/percpu_report.h"

#include <stddef.h>

#include "arch/x86_64/tsc.h"
#include "init/record.h"
#include "init/sort.h"
#include "smp/percpu_alloc.h"
#include "smp/percpu_area.h"

#define ACCESS_ROUNDS 9
#define READS_PER_ROUND 20000

enum access { ACCESS_STATIC, ACCESS_DYNAMIC, ACCESS_GLOBAL, ACCESS_KINDS };

static const char *const access_keys[ACCESS_KINDS][2] = {
	[ACCESS_STATIC] = { "static_ns_min", "static_ns_median" },
	[ACCESS_DYNAMIC] = { "dynamic_ns_min", "dynamic_ns_median" },
	[ACCESS_GLOBAL] = { "global_ns_min", "global_ns_median" },
};

static uint64_t global_value = 1;

/*
 * @n reads of one kind, summed so none is dead. The three loops are the
 * same but for the read: one movq each (%gs:imm32, %gs:(%reg), rip-relative),
 * so the difference between their times is the addressing's alone.
 * noinline: the dynamic offset arrives in a register, as a real caller's would.
 */
static __attribute__((noinline)) uint64_t read_static(unsigned n)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < n; i++)
		sum += this_cpu_read_u64(offsetof(struct percpu, online_ns));
	return sum;
}

static __attribute__((noinline)) uint64_t read_dynamic(unsigned n, uint64_t off)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < n; i++)
		sum += this_cpu_read_u64(off);
	return sum;
}

static __attribute__((noinline)) uint64_t read_global(unsigned n)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t v;

		__asm__ volatile("movq %1, %0" : "=r"(v) : "m"(global_value));
		sum += v;
	}
	return sum;
}

/* ps per read of each kind, @rounds rounds alternating the kinds, each sorted. */
static void time_reads(uint64_t ps[ACCESS_KINDS][ACCESS_ROUNDS], uint64_t off)
{
	static volatile uint64_t sink;

	for (unsigned r = 0; r < ACCESS_ROUNDS; r++)
		for (unsigned k = 0; k < ACCESS_KINDS; k++) {
			uint64_t t0 = time_ns();

			sink += k == ACCESS_STATIC ? read_static(READS_PER_ROUND) :
				k == ACCESS_DYNAMIC ? read_dynamic(READS_PER_ROUND, off) :
						      read_global(READS_PER_ROUND);
			ps[k][r] = (time_ns() - t0) * 1000 / READS_PER_ROUND;
		}
	for (unsigned k = 0; k < ACCESS_KINDS; k++)
		sort_u64(ps[k], ACCESS_ROUNDS);
}

static void rec_node_or_null(struct record *r, const char *key, int node)
{
	if (node < 0)
		rec_null(r, key);
	else
		rec_u64(r, key, (uint64_t)node);
}

void percpu_report(void)
{
	static char storage[32 << 10]; /* MAX_CPUS CPUs' entries; printed once, by the boot CPU */
	uint64_t ps[ACCESS_KINDS][ACCESS_ROUNDS], off = alloc_percpu(sizeof(uint64_t), sizeof(uint64_t));
	struct percpu_area_stats s;
	struct record r;

	if (off) {
		this_cpu_write_u64(off, 1);
		time_reads(ps, off);
		free_percpu(off);
	}
	percpu_area_stats(&s);
	record_begin_in(&r, "percpu", storage, sizeof(storage));
	rec_u64(&r, "unit_size", PERCPU_UNIT_SIZE);
	rec_u64(&r, "static_size", PERCPU_STATIC_SIZE);
	rec_array_begin(&r, "cpus");
	for (unsigned cpu = 0; cpu < s.cpu_count; cpu++) {
		rec_object_begin(&r, NULL);
		rec_u64(&r, "cpu", cpu);
		rec_u64(&r, "node", (uint64_t)cpu_node(cpu));
		rec_u64(&r, "static_page_size", percpu_static_page_size(cpu));
		rec_node_or_null(&r, "static_node", percpu_page_node(0, cpu));
		rec_node_or_null(&r, "dynamic_node", percpu_page_node(PERCPU_STATIC_SIZE, cpu));
		rec_object_end(&r);
	}
	rec_array_end(&r);
	rec_u64(&r, "tails_bytes", s.tails_bytes);
	rec_u64(&r, "allocations", s.allocations);
	rec_u64(&r, "bytes_in_use", s.bytes_in_use);
	rec_u64(&r, "pages_populated", s.pages_populated);
	rec_u64(&r, "failed_allocs", s.failed_allocs);
	rec_u64(&r, "access_rounds", ACCESS_ROUNDS);
	rec_u64(&r, "access_reads", READS_PER_ROUND);
	for (unsigned k = 0; k < ACCESS_KINDS; k++) {
		if (off) {
			rec_milli(&r, access_keys[k][0], ps[k][0]);
			rec_milli(&r, access_keys[k][1], ps[k][ACCESS_ROUNDS / 2]);
		} else {
			rec_null(&r, access_keys[k][0]);
			rec_null(&r, access_keys[k][1]);
		}
	}
	record_end(&r);
}
