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
		"slit: a CPU at SLIT distance d from the struct pages it wrote waits (d/10 - 1) times its write time more; unreachable (255) counts as the farthest reachable distance (default off)");

bool numa_model_on(void)
{
	return model == MODEL_SLIT;
}

/*
 * The distance a write from node @from to memory node @to is charged at.
 * ACPI's 255 says "unreachable" and is no latency: no plan picks such a
 * pair while a reachable one exists, and when a strategy leaves no choice
 * (bsp's one CPU) the write did happen, so it is charged as the farthest
 * reachable distance of the machine, not 25.5 times local.
 */
static unsigned charged_distance(const struct numa_topology *t, int from, int to)
{
	unsigned farthest = SLIT_LOCAL;

	if (t->distance[from][to] != SLIT_UNREACHABLE)
		return t->distance[from][to];
	for (unsigned i = 0; i < t->node_count; i++)
		for (unsigned j = 0; j < t->node_count; j++)
			if (t->distance[i][j] != SLIT_UNREACHABLE && t->distance[i][j] > farthest)
				farthest = t->distance[i][j];
	return farthest;
}

uint64_t numa_model_wait(const struct memmap *mm, const struct chunk_group *g)
{
	int from = cpu_node(smp_processor_id()), to = mm->nodes[g->node].map_node;
	unsigned d = charged_distance(mm->topo, from, to);
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
