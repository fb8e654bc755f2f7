// SPDX-License-Identifier: MIT
/* The strategy registry, the strategy= parameter, and the unit of work all strategies share. */
#include "strategies/strategy.h"

#include "arch/x86_64/string.h"
#include "arch/x86_64/tsc.h"
#include "init/format.h"
#include "init/params.h"
#include "init/span.h"
#include "smp/percpu.h"

extern const struct strategy *const __start_strategies[], *const __stop_strategies[];

static const char *chosen_name = "bsp";

static const struct strategy *find_strategy(const char *name)
{
	for (const struct strategy *const *s = __start_strategies; s < __stop_strategies; s++)
		if (strcmp((*s)->name, name) == 0)
			return *s;
	return NULL;
}

static const char *set_strategy(const char *value)
{
	static char names[160];
	size_t len = 0;

	if (value && find_strategy(value)) {
		chosen_name = find_strategy(value)->name;
		return NULL;
	}
	/* Say what exists: the registered names, in link order. */
	len += (size_t)ksnprintf(names, sizeof(names), "unknown strategy; registered:");
	for (const struct strategy *const *s = __start_strategies; s < __stop_strategies; s++)
		if (len < sizeof(names))
			len += (size_t)ksnprintf(names + len, sizeof(names) - len, " %s", (*s)->name);
	return names;
}
PARAM("strategy", set_strategy, "how the mem_map is initialized: bsp (more in strategies/)");

const struct strategy *strategy_selected(void)
{
	return find_strategy(chosen_name);
}

static void atomic_min(volatile uint64_t *v, uint64_t x)
{
	uint64_t cur = __atomic_load_n(v, __ATOMIC_RELAXED);

	while ((cur == 0 || x < cur) &&
	       !__atomic_compare_exchange_n(v, &cur, x, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void atomic_max(volatile uint64_t *v, uint64_t x)
{
	uint64_t cur = __atomic_load_n(v, __ATOMIC_RELAXED);

	while (x > cur &&
	       !__atomic_compare_exchange_n(v, &cur, x, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

void strategy_init_chunk(struct strategy_ctx *ctx, int node, uint64_t start_pfn, uint64_t end_pfn)
{
	struct strategy_node_result *nr = &ctx->nodes[node];
	unsigned cpu = smp_processor_id();
	uint64_t t0, t1, t2;

	t0 = time_ns();
	memmap_init_range(ctx->mm, node, start_pfn, end_pfn);
	t1 = time_ns();
	memmap_free_range(ctx->buddy, node, start_pfn, end_pfn);
	t2 = time_ns();
	span_log(node, "memmap_init", t0, t1, end_pfn - start_pfn);
	span_log(node, "free_to_buddy", t1, t2, end_pfn - start_pfn);
	atomic_min(&nr->start_ns, t0);
	atomic_max(&nr->end_ns, t2);
	__atomic_or_fetch(&nr->cpus.bits[cpu / 64], 1ull << (cpu % 64), __ATOMIC_RELAXED);
}
