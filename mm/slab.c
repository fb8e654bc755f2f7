// SPDX-License-Identifier: MIT
#include "mm/slab.h"

static unsigned class_of(size_t size)
{
	unsigned cls = 0;

	while ((size_t)1 << (SLAB_MIN_SHIFT + cls) < size)
		cls++;
	return cls;
}

static size_t class_size(unsigned cls)
{
	return (size_t)1 << (SLAB_MIN_SHIFT + cls);
}

/* Objects start at the first multiple of their size past the header. */
static size_t first_object(unsigned cls)
{
	size_t size = class_size(cls);

	return size > SLAB_HEADER_SIZE ? size : SLAB_HEADER_SIZE;
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
		for (unsigned c = 0; c < SLAB_CLASSES; c++)
			cpus[cpu].avail[c] = 0;
}

static int valid_node(const struct slab_allocator *a, int node)
{
	return node >= 0 && (unsigned)node < a->node_count ? node : 0;
}

/* A fresh slab of class @cls on (preferably) @node, its objects chained; NULL if no page. */
static struct slab_header *new_slab(struct slab_allocator *a, unsigned cls, int node)
{
	uint8_t *page = a->ops.pages_alloc(a->ops.cookie, node, 0);
	struct slab_header *h = (struct slab_header *)page;
	size_t size = class_size(cls);
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
	for (size_t off = first_object(cls); off + size <= SLAB_PAGE_SIZE; off += size) {
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
	return pages + SLAB_HEADER_SIZE;
}

void *slab_alloc(struct slab_allocator *a, size_t size, int node)
{
	unsigned cpu = a->ops.this_cpu(a->ops.cookie);
	int here = valid_node(a, a->ops.cpu_node(a->ops.cookie, cpu));
	struct slab_cpu_cache *cc = &a->cpus[cpu];
	unsigned cls, got;
	unsigned long flags;
	void *obj;

	if (size > SLAB_MAX_OBJECT)
		return large_alloc(a, size, node < 0 ? here : valid_node(a, node));
	cls = class_of(size ? size : 1);
	if (node >= 0 && valid_node(a, node) != here) { /* another node's object: from its slabs */
		if (take_from_slabs(a, cls, valid_node(a, node), &obj, 1))
			return obj;
		__atomic_add_fetch(&a->failures, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	flags = local_irq_save(); /* a cross-call handler here could allocate mid-cache */
	if (!cc->avail[cls]) {
		got = take_from_slabs(a, cls, here, cc->objects[cls], SLAB_BATCH);
		cc->avail[cls] = got;
		a->refills++;
		if (!got) {
			local_irq_restore(flags);
			__atomic_add_fetch(&a->failures, 1, __ATOMIC_RELAXED);
			return NULL;
		}
	}
	obj = cc->objects[cls][--cc->avail[cls]];
	local_irq_restore(flags);
	return obj;
}

bool slab_free(struct slab_allocator *a, void *obj)
{
	struct slab_header *h = slab_header_of(obj);
	unsigned cpu, cls;
	struct slab_cpu_cache *cc;
	unsigned long flags;

	if (!obj)
		return true;
	if (h->magic == SLAB_MAGIC_LARGE && (uint8_t *)obj == (uint8_t *)h + SLAB_HEADER_SIZE) {
		unsigned order = h->order;

		h->magic = 0;
		a->ops.pages_free(a->ops.cookie, h, order);
		__atomic_sub_fetch(&a->large_pages, 1ull << order, __ATOMIC_RELAXED);
		return true;
	}
	if (h->magic != SLAB_MAGIC_SLAB || h->cls >= SLAB_CLASSES ||
	    ((uintptr_t)obj - (uintptr_t)h) < first_object(h->cls) ||
	    ((uintptr_t)obj - (uintptr_t)h) % class_size(h->cls))
		return false;
	cpu = a->ops.this_cpu(a->ops.cookie);
	cls = h->cls;
	if (h->home != valid_node(a, a->ops.cpu_node(a->ops.cookie, cpu))) {
		__atomic_add_fetch(&a->remote_frees, 1, __ATOMIC_RELAXED);
		return_to_slab(a, obj);
		return true;
	}
	cc = &a->cpus[cpu];
	flags = local_irq_save(); /* a cross-call handler here could allocate mid-cache */
	if (cc->avail[cls] == SLAB_CPU_OBJECTS) { /* full: the oldest batch goes back to the slabs */
		for (unsigned i = 0; i < SLAB_BATCH; i++)
			return_to_slab(a, cc->objects[cls][i]);
		for (unsigned i = SLAB_BATCH; i < SLAB_CPU_OBJECTS; i++)
			cc->objects[cls][i - SLAB_BATCH] = cc->objects[cls][i];
		cc->avail[cls] -= SLAB_BATCH;
		a->flushes++;
	}
	cc->objects[cls][cc->avail[cls]++] = obj;
	local_irq_restore(flags);
	return true;
}

size_t slab_size_of(const void *obj)
{
	const struct slab_header *h = slab_header_of(obj);

	if (h->magic == SLAB_MAGIC_LARGE && (const uint8_t *)obj == (const uint8_t *)h + SLAB_HEADER_SIZE)
		return h->size;
	if (h->magic == SLAB_MAGIC_SLAB && h->cls < SLAB_CLASSES)
		return class_size(h->cls);
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
