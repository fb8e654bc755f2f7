// SPDX-License-Identifier: MIT
#include "init/span.h"

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

void spans_report(void)
{
	unsigned n = __atomic_load_n(&span_count, __ATOMIC_ACQUIRE);

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
