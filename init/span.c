// SPDX-License-Identifier: MIT
#include "init/span.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/spinlock.h"
#include "init/record.h"
#include "smp/percpu.h"

/* A CPU's log: 64 KiB, zeroed when allocated, on the CPU's node. */
struct span_log {
	uint64_t count;
	struct logged_span {
		unsigned seq; /* from span_count: the order spans are printed in */
		struct span span;
	} entries[SPAN_LOG_MAX];
};

static uint64_t span_log_off;    /* the per-CPU offset of every CPU's struct span_log; 0: none */
static unsigned span_log_cpus;   /* CPUs with a log (ids below) */
static volatile unsigned span_count;
static volatile unsigned spans_without_log; /* logged before span_logs_init, or with no log */
static volatile unsigned spans_past_log;    /* logged on a CPU whose log was full */
static unsigned span_run;

void span_logs_init(void)
{
	span_log_off = alloc_percpu(sizeof(struct span_log), 64);
	if (!span_log_off) {
		record_error("span log", "no per-CPU memory for the span logs", "spans are counted, not kept");
		return;
	}
	span_log_cpus = nr_cpus;
}

void span_log_group(int node, const char *what, uint64_t start_ns, uint64_t end_ns, uint64_t pages,
		    unsigned chunks, uint64_t buddy_ns)
{
	const uint64_t count_off = span_log_off + __builtin_offsetof(struct span_log, count);
	unsigned long flags;
	uint64_t slot;
	unsigned seq;

	if (!span_log_off) {
		__atomic_fetch_add(&spans_without_log, 1, __ATOMIC_RELAXED);
		return;
	}
	/* Interrupts off: a cross-call logging in between would take a later number but an earlier slot. */
	flags = local_irq_save();
	slot = this_cpu_read_u64(count_off);
	if (slot < SPAN_LOG_MAX) {
		struct span_log *log = per_cpu_ptr(span_log_off, smp_processor_id());

		seq = __atomic_fetch_add(&span_count, 1, __ATOMIC_RELAXED);
		log->entries[slot] = (struct logged_span){
			seq, { smp_processor_id(), node, what, start_ns, end_ns, pages, chunks, buddy_ns }
		};
		this_cpu_add_u64(count_off, 1);
	} else {
		__atomic_fetch_add(&spans_past_log, 1, __ATOMIC_RELAXED);
	}
	local_irq_restore(flags);
}

void span_log(int node, const char *what, uint64_t start_ns, uint64_t end_ns, uint64_t pages)
{
	span_log_group(node, what, start_ns, end_ns, pages, 0, 0);
}

void span_set_run(unsigned run)
{
	span_run = run;
}

/* ---- the boot timeline: phases of the boot CPU, and each AP's wake-up ---- */

#define BOOT_SPANS_MAX (64 + MAX_CPUS)

struct boot_span {
	const char *what;
	unsigned cpu;
	int node;
	uint64_t start, end; /* TSC cycles since time zero, boot CPU's clock */
};

static struct boot_span boot_spans[BOOT_SPANS_MAX];
static unsigned boot_span_count, boot_spans_printed, boot_spans_lost;
static const char *phase_what = "entry";
static uint64_t phase_start; /* "entry" starts at time zero */

void boot_span_cpu(unsigned cpu, int node, const char *what, uint64_t start_cycles,
		   uint64_t end_cycles)
{
	if (boot_span_count == BOOT_SPANS_MAX) {
		boot_spans_lost++;
		return;
	}
	boot_spans[boot_span_count++] = (struct boot_span){ what, cpu, node, start_cycles, end_cycles };
}

void boot_phase_end(void)
{
	uint64_t now = rdtsc_ordered() - boot_tsc0;

	if (phase_what)
		boot_span_cpu(smp_processor_id(), this_cpu()->node, phase_what, phase_start, now);
	phase_what = NULL;
	phase_start = now;
}

void boot_phase(const char *what)
{
	boot_phase_end();
	phase_what = what;
}

static void boot_spans_report(void)
{
	for (; boot_spans_printed < boot_span_count; boot_spans_printed++) {
		const struct boot_span *s = &boot_spans[boot_spans_printed];
		struct record r;

		record_begin(&r, "span");
		rec_u64(&r, "cpu", s->cpu);
		rec_i64(&r, "node", s->node);
		rec_str(&r, "what", s->what);
		rec_u64(&r, "start_ns", tsc_to_ns(s->start));
		rec_u64(&r, "end_ns", tsc_to_ns(s->end));
		rec_u64(&r, "pages", 0);
		rec_u64(&r, "run", 0);
		rec_bool(&r, "phase", true);
		record_end(&r);
	}
	if (boot_spans_lost) {
		record_errorf("span log", "boot timeline incomplete", "%u boot spans past room for %u",
			      boot_spans_lost, BOOT_SPANS_MAX);
		boot_spans_lost = 0;
	}
}

/* The next span to print: the lowest number at the head of any CPU's log (each log is in order). */
static const struct span *next_span(uint64_t *cursor)
{
	const struct logged_span *best = NULL;
	unsigned best_cpu = 0;

	for (unsigned cpu = 0; cpu < span_log_cpus; cpu++) {
		const struct span_log *log = per_cpu_ptr(span_log_off, cpu);

		if (cursor[cpu] < log->count && (!best || log->entries[cursor[cpu]].seq < best->seq)) {
			best = &log->entries[cursor[cpu]];
			best_cpu = cpu;
		}
	}
	if (!best)
		return NULL;
	cursor[best_cpu]++;
	return &best->span;
}

static void span_logs_empty(void)
{
	for (unsigned cpu = 0; cpu < span_log_cpus; cpu++)
		((struct span_log *)per_cpu_ptr(span_log_off, cpu))->count = 0;
	span_count = 0;
	spans_past_log = 0;
}

void spans_report(void)
{
	static uint64_t cursor[MAX_CPUS]; /* the boot CPU's alone, and too big for its stack */
	const struct span *s;

	boot_spans_report(); /* first: a run's spans, drawn later, lie on top of its phase */

	for (unsigned cpu = 0; cpu < span_log_cpus; cpu++)
		cursor[cpu] = 0;
	while ((s = next_span(cursor))) {
		struct record r;

		record_begin(&r, "span");
		rec_u64(&r, "cpu", s->cpu);
		rec_i64(&r, "node", s->node);
		rec_str(&r, "what", s->what);
		rec_u64(&r, "start_ns", s->start_ns);
		rec_u64(&r, "end_ns", s->end_ns);
		rec_u64(&r, "pages", s->pages);
		if (s->chunks) {
			rec_u64(&r, "chunks", s->chunks);
			rec_u64(&r, "buddy_ns", s->buddy_ns);
		}
		rec_u64(&r, "run", span_run);
		record_end(&r);
	}
	if (spans_past_log) {
		record_errorf("span log", "extra spans not printed", "%u spans past a full CPU log, room for %u each",
			      spans_past_log, SPAN_LOG_MAX);
	}
	if (spans_without_log) {
		record_errorf("span log", "those spans not printed", "%u spans logged with no span log",
			      spans_without_log);
		spans_without_log = 0;
	}
	span_logs_empty();
}

void spans_discard(void)
{
	span_logs_empty();
}
