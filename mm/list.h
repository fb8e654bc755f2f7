/* SPDX-License-Identifier: MIT */
/* list - a circular doubly linked list head, as the page allocator's free lists use it. */
#ifndef MEMINIT_MM_LIST_H
#define MEMINIT_MM_LIST_H

#include <stdbool.h>

struct list_head {
	struct list_head *next, *prev;
};

static inline void list_init(struct list_head *h)
{
	h->next = h->prev = h;
}

static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}

static inline void list_add(struct list_head *n, struct list_head *head)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

/* Unlink @n and leave it self-linked (the state of a page on no list). */
static inline void list_del_init(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

#endif
