// SPDX-License-Identifier: MIT
#include "init/workload.h"

#include "arch/x86_64/paging.h"
#include "arch/x86_64/tsc.h"
#include "init/params.h"
#include "init/record.h"
#include "init/span.h"
#include "mm/list.h"
#include "mm/memmap_boot.h"

#define WORKLOAD_ORDER 8 /* 1 MiB blocks: big enough to need whole buddy blocks, small enough to spread */

#define WORKLOAD_MB_MAX (1ull << 24) /* 16 TiB */

static uint64_t workload_mb;
PARAM_U64("boot.workload_mb", workload_mb, 0, WORKLOAD_MB_MAX,
	  "after the mem_map: allocate, touch and free this many MiB over all nodes (default 0)");

/* One store per 4 KiB page: the first touch, which is what costs on lazily backed memory. */
static void touch_block(struct page *head)
{
	uint64_t pfn = page_to_pfn(&boot_memmap, head);

	for (uint64_t i = 0; i < (1ull << WORKLOAD_ORDER); i++)
		*(volatile uint64_t *)phys_to_virt((pfn + i) << PAGE_SHIFT) = pfn + i;
}

void boot_workload(void)
{
	uint64_t blocks = workload_mb * (1ull << 20) / (PAGE_SIZE << WORKLOAD_ORDER), got = 0;
	struct list_head held;
	uint64_t t0 = time_ns();

	if (!blocks)
		return;
	list_init(&held);
	for (; got < blocks; got++) {
		int node = (int)(got % boot_memmap.node_count); /* round-robin: every node's memory */
		struct page *p = alloc_pages(&boot_buddy, node, WORKLOAD_ORDER);

		if (!p) {
			record_errorf("workload", "freed what it had and went on",
				      "no %u KiB block on any node after %llu of %llu MiB", 4u << WORKLOAD_ORDER,
				      (unsigned long long)(got * (PAGE_SIZE << WORKLOAD_ORDER) >> 20),
				      (unsigned long long)workload_mb);
			break;
		}
		touch_block(p);
		list_add(&p->lru, &held); /* an allocated block's lru is its owner's to use */
	}
	while (!list_empty(&held)) {
		struct page *p = container_of(held.next, struct page, lru);

		list_del_init(&p->lru);
		free_pages(&boot_buddy, p, WORKLOAD_ORDER);
	}
	span_log(-1, "workload", t0, time_ns(), got << WORKLOAD_ORDER);
}
