// SPDX-License-Identifier: MIT
/* Modelled remote-memory latency (numa_model.h). */
#include "strategies/numa_model.h"

#include "init/params.h"
#include "init/record.h"
#include "init/span.h"
#include "smp/percpu.h"
#include "smp/wait.h"
#include "arch/x86_64/tsc.h"
#include "strategies/strategy.h"

enum numa_model { MODEL_OFF, MODEL_SLIT };

static const char *const model_names[] = { [MODEL_OFF] = "off", [MODEL_SLIT] = "slit" };
static enum numa_model model = MODEL_OFF;

/* Modelled time must never pass for measured time: label every record of this boot. */
static void tag_records(void)
{
	record_tag_all(model == MODEL_SLIT ? "model" : NULL, "slit");
}
PARAM_ENUM_THEN("numa.model", model, model_names, tag_records,
		"slit: a CPU at SLIT distance d from the struct pages it wrote waits (d/10 - 1) times its write time more (default off)");

bool numa_model_on(void)
{
	return model == MODEL_SLIT;
}

uint64_t numa_model_wait(const struct memmap *mm, const struct chunk_group *g)
{
	int from = cpu_node(smp_processor_id()), to = mm->nodes[g->node].map_node;
	unsigned d = mm->topo->distance[from][to];
	uint64_t t0, t1, extra;

	/* Fills stay unmodelled: they are the emulator's store limit that efficiency divides by. */
	if (model != MODEL_SLIT || d <= 10 || g->kind == WORK_FILL)
		return g->end_ns;
	extra = g->write_ns * (d - 10) / 10;
	t0 = time_ns();
	sleep_ns(extra);
	t1 = time_ns();
	span_log(g->node, "numa_model", t0, t1, g->pages);
	return t1; /* the span's end is the node's: one clock reading for both */
}
