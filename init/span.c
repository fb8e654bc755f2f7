// SPDX-License-Identifier: MIT
#include "init/span.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "init/record.h"
#include "smp/percpu.h"

static struct span span_log_entries[SPAN_LOG_MAX];
static volatile unsigned span_count;
static unsigned span_run;

void span_log_group(int node, const char *what, uint64_t start_ns, uint64_t end_ns, uint64_t pages,
		    unsigned chunks, uint64_t buddy_ns)
{
	unsigned i = __atomic_fetch_add(&span_count, 1, __ATOMIC_RELAXED);

	if (i < SPAN_LOG_MAX)
		span_log_entries[i] = (struct span){ smp_processor_id(), node, what, start_ns, end_ns,
						     pages, chunks, buddy_ns };
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

void spans_report(void)
{
	unsigned n = __atomic_load_n(&span_count, __ATOMIC_ACQUIRE);

	boot_spans_report(); /* first: a run's spans, drawn later, lie on top of its phase */

	for (unsigned i = 0; i < n && i < SPAN_LOG_MAX; i++) {
		const struct span *s = &span_log_entries[i];
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
	if (n > SPAN_LOG_MAX)
		record_errorf("span log", "extra spans not printed", "%u spans, room for %u", n,
			      SPAN_LOG_MAX);
	span_count = 0;
}

void spans_discard(void)
{
	span_count = 0;
}
