// SPDX-License-Identifier: MIT
#include "mm/slab.h"

static int valid_node(const struct slab_allocator *a, int node)
{
	return node >= 0 && (unsigned)node < a->node_count ? node : 0;
}

void slab_init(struct slab_allocator *a, const struct slab_ops *ops, unsigned node_count,
	       struct slab_cpu_cache *cpus, unsigned cpu_count)
{
	*a = (struct slab_allocator){ .ops = *ops, .cpus = cpus, .cpu_count = cpu_count };
	a->node_count = node_count < SLAB_MAX_NODES ? node_count : SLAB_MAX_NODES;
	for (unsigned n = 0; n < SLAB_MAX_NODES; n++)
		for (unsigned c = 0; c < SLAB_CLASSES; c++) {
			list_init(&a->nodes[n][c].partial);
			list_init(&a->nodes[n][c].full);
		}
	for (unsigned cpu = 0; cpu < cpu_count; cpu++)
		cpus[cpu] = (struct slab_cpu_cache){ .node = valid_node(a, ops->cpu_node(ops->cookie, cpu)) };
}

/* A fresh slab of class @cls on (preferably) @node, its objects chained; NULL if no page. */
static struct slab_header *new_slab(struct slab_allocator *a, unsigned cls, int node)
{
	uint8_t *page = a->ops.pages_alloc(a->ops.cookie, node, 0);
	struct slab_header *h = (struct slab_header *)page;
	size_t size = slab_class_size(cls);
	void **link;

	if (!page)
		return NULL;
	/*
	 * Served off @node when it has no page: its objects still go to @node's
	 * users (as the buddy allocator's fallback does), so @node's lists keep it.
	 */
	*h = (struct slab_header){ .magic = SLAB_MAGIC_SLAB, .cls = (uint16_t)cls, .home = (int16_t)node };
	h->node = (int16_t)valid_node(a, a->ops.pages_node(a->ops.cookie, page));
	link = &h->freelist;
	for (size_t off = slab_first_object(cls); off + size <= SLAB_PAGE_SIZE; off += size) {
		*link = page + off;
		link = (void **)(page + off);
	}
	*link = NULL;
	list_init(&h->link);
	__atomic_add_fetch(&a->slab_pages, 1, __ATOMIC_RELAXED);
	return h;
}

/*
 * Up to @want objects of class @cls from @node's slabs into @out, taking
 * a new slab when none has a free object. Returns how many; 0: no memory.
 */
static unsigned take_from_slabs(struct slab_allocator *a, unsigned cls, int node, void **out,
				unsigned want)
{
	struct slab_node_class *nc = &a->nodes[node][cls];
	unsigned long flags = spin_lock_irqsave(&nc->lock);
	unsigned got = 0;

	while (got < want) {
		struct slab_header *h;

		if (list_empty(&nc->partial)) {
			if (nc->spare) {
				h = nc->spare;
				nc->spare = NULL;
			} else {
				spin_unlock_irqrestore(&nc->lock, flags);
				h = new_slab(a, cls, node);
				flags = spin_lock_irqsave(&nc->lock);
				if (!h)
					break;
				nc->slabs++;
			}
			list_add(&h->link, &nc->partial);
		}
		h = container_of(nc->partial.next, struct slab_header, link);
		while (got < want && h->freelist) {
			void *obj = h->freelist;

			h->freelist = *(void **)obj;
			h->inuse++;
			out[got++] = obj;
		}
		if (!h->freelist) {
			list_del_init(&h->link);
			list_add(&h->link, &nc->full);
		}
	}
	spin_unlock_irqrestore(&nc->lock, flags);
	return got;
}

/* Put @obj back in its slab; a slab left empty becomes the spare, or goes back to the pages. */
static void return_to_slab(struct slab_allocator *a, void *obj)
{
	struct slab_header *h = slab_header_of(obj);
	struct slab_node_class *nc = &a->nodes[h->home][h->cls];
	unsigned long flags = spin_lock_irqsave(&nc->lock);
	void *release = NULL;

	if (!h->freelist) { /* it was full: it has a free object now */
		list_del_init(&h->link);
		list_add(&h->link, &nc->partial);
	}
	*(void **)obj = h->freelist;
	h->freelist = obj;
	if (--h->inuse == 0) {
		list_del_init(&h->link);
		if (nc->spare) {
			release = h;
			nc->slabs--;
		} else {
			nc->spare = h;
		}
	}
	spin_unlock_irqrestore(&nc->lock, flags);
	if (release) {
		((struct slab_header *)release)->magic = 0;
		a->ops.pages_free(a->ops.cookie, release, 0);
		__atomic_sub_fetch(&a->slab_pages, 1, __ATOMIC_RELAXED);
	}
}

static unsigned order_for(size_t bytes)
{
	unsigned order = 0;

	while (((size_t)SLAB_PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

static void *large_alloc(struct slab_allocator *a, size_t size, int node)
{
	unsigned order = order_for(size + SLAB_HEADER_SIZE);
	uint8_t *pages = a->ops.pages_alloc(a->ops.cookie, node, order);
	struct slab_header *h = (struct slab_header *)pages;

	if (!pages) {
		__atomic_add_fetch(&a->failures, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	*h = (struct slab_header){ .magic = SLAB_MAGIC_LARGE, .order = order, .size = size };
	h->node = (int16_t)valid_node(a, a->ops.pages_node(a->ops.cookie, pages));
	__atomic_add_fetch(&a->large_pages, 1ull << order, __ATOMIC_RELAXED);
	__atomic_add_fetch(&a->served_uncached, 1, __ATOMIC_RELAXED);
	return pages + SLAB_HEADER_SIZE;
}

/* @cc empty for @cls: a batch from its node's slabs, one of it handed out; NULL: no memory. */
static void *refill_and_pop(struct slab_allocator *a, struct slab_cpu_cache *cc, unsigned cls)
{
	/*
	 * Straight into the cache: whatever interrupts this (under the lock
	 * or while a new slab is fetched outside it) does not touch the cache.
	 */
	cc->avail[cls] = take_from_slabs(a, cls, cc->node, cc->objects[cls], SLAB_BATCH);
	__atomic_add_fetch(&a->refills, 1, __ATOMIC_RELAXED);
	return slab_cache_pop(cc, cls);
}

/* @cc full for @obj's class: its oldest batch back to the slabs, then @obj in. */
static void flush_and_push(struct slab_allocator *a, struct slab_cpu_cache *cc, unsigned cls, void *obj)
{
	for (unsigned i = 0; i < SLAB_BATCH; i++)
		return_to_slab(a, cc->objects[cls][i]);
	for (unsigned i = SLAB_BATCH; i < SLAB_CPU_OBJECTS; i++)
		cc->objects[cls][i - SLAB_BATCH] = cc->objects[cls][i];
	cc->avail[cls] -= SLAB_BATCH;
	__atomic_add_fetch(&a->flushes, 1, __ATOMIC_RELAXED);
	slab_cache_push(cc, cls, obj);
}

void *slab_alloc_cpu(struct slab_allocator *a, struct slab_cpu_cache *cc, bool use_cache, size_t size,
		     int node)
{
	int want = node < 0 ? cc->node : valid_node(a, node);
	unsigned cls;
	void *obj;

	if (size > SLAB_MAX_OBJECT)
		return large_alloc(a, size, want);
	cls = slab_class_of(size);
	if (use_cache && want == cc->node) {
		obj = slab_cache_pop(cc, cls);
		if (!obj)
			obj = refill_and_pop(a, cc, cls);
	} else if (take_from_slabs(a, cls, want, &obj, 1)) { /* another node's object, or not our cache */
		__atomic_add_fetch(&a->served_uncached, 1, __ATOMIC_RELAXED);
	} else {
		obj = NULL;
	}
	if (!obj)
		__atomic_add_fetch(&a->failures, 1, __ATOMIC_RELAXED);
	return obj;
}

void *slab_alloc(struct slab_allocator *a, size_t size, int node)
{
	return slab_alloc_cpu(a, &a->cpus[a->ops.this_cpu(a->ops.cookie)], true, size, node);
}

bool slab_free_cpu(struct slab_allocator *a, struct slab_cpu_cache *cc, bool use_cache, void *obj)
{
	struct slab_header *h = slab_header_of(obj);
	int cls;

	if (!obj)
		return true;
	if (h->magic == SLAB_MAGIC_LARGE && (uint8_t *)obj == (uint8_t *)h + SLAB_HEADER_SIZE) {
		unsigned order = h->order;

		h->magic = 0;
		a->ops.pages_free(a->ops.cookie, h, order);
		__atomic_sub_fetch(&a->large_pages, 1ull << order, __ATOMIC_RELAXED);
		return true;
	}
	cls = slab_object_class(obj);
	if (cls < 0)
		return false;
	if (h->home != cc->node) {
		__atomic_add_fetch(&a->remote_frees, 1, __ATOMIC_RELAXED);
		return_to_slab(a, obj);
	} else if (!use_cache) {
		return_to_slab(a, obj);
	} else if (!slab_cache_push(cc, (unsigned)cls, obj)) {
		flush_and_push(a, cc, (unsigned)cls, obj);
	}
	return true;
}

bool slab_free(struct slab_allocator *a, void *obj)
{
	return slab_free_cpu(a, &a->cpus[a->ops.this_cpu(a->ops.cookie)], true, obj);
}

size_t slab_size_of(const void *obj)
{
	const struct slab_header *h = slab_header_of(obj);

	if (h->magic == SLAB_MAGIC_LARGE && (const uint8_t *)obj == (const uint8_t *)h + SLAB_HEADER_SIZE)
		return h->size;
	if (h->magic == SLAB_MAGIC_SLAB && h->cls < SLAB_CLASSES)
		return slab_class_size(h->cls);
	return 0;
}

uint64_t slab_objects_in_use(struct slab_allocator *a)
{
	uint64_t in_use = 0;

	for (unsigned n = 0; n < a->node_count; n++)
		for (unsigned c = 0; c < SLAB_CLASSES; c++) {
			struct slab_node_class *nc = &a->nodes[n][c];
			unsigned long flags = spin_lock_irqsave(&nc->lock);

			for (struct list_head *l = nc->partial.next; l != &nc->partial; l = l->next)
				in_use += container_of(l, struct slab_header, link)->inuse;
			for (struct list_head *l = nc->full.next; l != &nc->full; l = l->next)
				in_use += container_of(l, struct slab_header, link)->inuse;
			spin_unlock_irqrestore(&nc->lock, flags);
		}
	for (unsigned cpu = 0; cpu < a->cpu_count; cpu++)
		for (unsigned c = 0; c < SLAB_CLASSES; c++)
			in_use -= a->cpus[cpu].avail[c]; /* cached: taken from a slab, not handed out */
	return in_use;
}

uint64_t slab_objects_served(const struct slab_allocator *a)
{
	uint64_t served = __atomic_load_n(&a->served_uncached, __ATOMIC_RELAXED);

	for (unsigned cpu = 0; cpu < a->cpu_count; cpu++)
		served += __atomic_load_n(&a->cpus[cpu].served, __ATOMIC_RELAXED);
	return served;
}
