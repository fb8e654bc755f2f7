/* SPDX-License-Identifier: MIT */
/*
 * memmap_template - memmap.method=template: a run's struct pages are copies
 * of one precomputed template page, patched where a page differs from it.
 *
 * Within a run only the lru differs from page to page (it links the page
 * to itself); init_gen is the run's, the rest is the run's kind, node and
 * zone (page.h). So the loop holds the template in registers and writes it
 * whole, with the lru lane advanced by one struct page per page. What the
 * method changes is the width of the stores (memmap.template_store):
 *
 *   plain    eight 8-byte stores (the same stores as memmap.method=fields)
 *   movnti   eight 8-byte non-temporal stores
 *   sse      four 16-byte stores (movdqa)
 *   movntdq  four 16-byte non-temporal stores (the kind Linux's template
 *            patch series for ZONE_DEVICE uses, at 16 bytes)
 *
 * The kernel is built with -mno-sse, so no compiled code ever holds a
 * value in an XMM register; the boot CPU (boot.S) and the APs
 * (trampoline.S) set CR4.OSFXSR, so SSE instructions run. The 16-byte
 * loops therefore keep the XMM registers they use only inside one asm
 * statement, and save and restore them there: an interrupt whose handler
 * fills struct pages too (xcall's IPI) finds and leaves them as they were.
 * AVX's 32-byte stores would need CR4.OSXSAVE and XCR0, which the kernel
 * does not set (no XSAVE area, no AVX state to switch), so they are not
 * offered. Never rep stos / rep movs: TCG runs them one element at a time.
 */
#ifndef MEMINIT_MM_MEMMAP_TEMPLATE_H
#define MEMINIT_MM_MEMMAP_TEMPLATE_H

#include <stdint.h>

#include "mm/page.h"

/* How the per-page loop writes a struct page (memmap.method). */
enum memmap_method { MEMMAP_FIELDS, MEMMAP_TEMPLATE, MEMMAP_METHODS };

/* The stores of memmap.method=template (memmap.template_store). */
enum template_store { TEMPLATE_PLAIN, TEMPLATE_MOVNTI, TEMPLATE_SSE, TEMPLATE_MOVNTDQ, TEMPLATE_STORES };

#define TEMPLATE_WORDS (sizeof(struct page) / sizeof(uint64_t))
#define TEMPLATE_LRU_WORD 2 /* lru.next, then lru.prev: the words patched per page */

_Static_assert(__builtin_offsetof(struct page, lru) == TEMPLATE_LRU_WORD * sizeof(uint64_t),
	       "the template loops patch the lru at word 2 and 3");

/*
 * The 8-byte kinds: the template's words, the two lru words replaced by the
 * page's own address; unrolled four pages deep, as the 16-byte loop is.
 */
#define TEMPLATE_FILL_WORDS(store)                                                     \
	do {                                                                           \
		_Pragma("GCC unroll 4")                                                \
		for (; p < end; p++) {                                                 \
			uint64_t *w_ = (uint64_t *)(void *)p;                          \
			uint64_t self_ = (uint64_t)(uintptr_t)&p->lru;                 \
			store(&w_[0], t0);                                             \
			store(&w_[1], t1);                                             \
			store(&w_[2], self_);                                          \
			store(&w_[3], self_);                                          \
			store(&w_[4], t4);                                             \
			store(&w_[5], t5);                                             \
			store(&w_[6], t6);                                             \
			store(&w_[7], t7);                                             \
		}                                                                      \
	} while (0)

static inline void template_store_plain(uint64_t *dst, uint64_t v)
{
	*(volatile uint64_t *)dst = v; /* volatile: 8-byte stores, never a memset call or rep stos */
}

static inline void template_store_movnti(uint64_t *dst, uint64_t v)
{
	__asm__ volatile("movnti %1, %0" : "=m"(*dst) : "r"(v));
}

/*
 * Four 16-byte stores per page: xmm0 = flags|counts, xmm1 = lru (self,
 * self), xmm2 = private|mapping, xmm3 = index|init_gen, xmm4 = the lru's
 * step (one struct page in each lane). Four pages per iteration, then one
 * at a time: under TCG each guest instruction costs, and the loop's own
 * are a quarter as many. @insn is movdqa or movntdq; both need @p 16-byte
 * aligned (struct pages are, in any array of them on a 16-byte boundary).
 * xmm0-4 are saved on entry and restored on exit.
 */
#define TEMPLATE_XMM_PAGE(insn, off)                                                    \
	insn " %%xmm0, " #off "+0(%[p])\n\t"                                           \
	insn " %%xmm1, " #off "+16(%[p])\n\t"                                          \
	insn " %%xmm2, " #off "+32(%[p])\n\t"                                          \
	insn " %%xmm3, " #off "+48(%[p])\n\t"                                          \
	"paddq %%xmm4, %%xmm1\n\t"

#define TEMPLATE_FILL_XMM(insn, p, end, tmpl)                                          \
	do {                                                                           \
		uint8_t save_[5 * 16];                                                 \
		uint64_t self_ = (uint64_t)(uintptr_t)&(p)->lru, step_ = sizeof(struct page); \
		uintptr_t last4_ = (uintptr_t)(end) - 3 * sizeof(struct page);         \
		__asm__ volatile("movdqu %%xmm0, 0(%[save])\n\t"                         \
				 "movdqu %%xmm1, 16(%[save])\n\t"                        \
				 "movdqu %%xmm2, 32(%[save])\n\t"                        \
				 "movdqu %%xmm3, 48(%[save])\n\t"                        \
				 "movdqu %%xmm4, 64(%[save])\n\t"                        \
				 "movdqu 0(%[t]), %%xmm0\n\t"                            \
				 "movdqu 32(%[t]), %%xmm2\n\t"                           \
				 "movdqu 48(%[t]), %%xmm3\n\t"                           \
				 "movq %[self], %%xmm1\n\t"                              \
				 "punpcklqdq %%xmm1, %%xmm1\n\t"                         \
				 "movq %[step], %%xmm4\n\t"                              \
				 "punpcklqdq %%xmm4, %%xmm4\n\t"                         \
				 "cmp %[last4], %[p]\n\t"                                \
				 "jae 3f\n"                                              \
				 "1:\n\t"                                                \
				 TEMPLATE_XMM_PAGE(insn, 0)                              \
				 TEMPLATE_XMM_PAGE(insn, 64)                             \
				 TEMPLATE_XMM_PAGE(insn, 128)                            \
				 TEMPLATE_XMM_PAGE(insn, 192)                            \
				 "add $256, %[p]\n\t"                                    \
				 "cmp %[last4], %[p]\n\t"                                \
				 "jb 1b\n"                                               \
				 "3:\n\t"                                                \
				 "cmp %[end], %[p]\n\t"                                  \
				 "jae 2f\n"                                              \
				 "4:\n\t"                                                \
				 TEMPLATE_XMM_PAGE(insn, 0)                              \
				 "add $64, %[p]\n\t"                                     \
				 "cmp %[end], %[p]\n\t"                                  \
				 "jb 4b\n"                                               \
				 "2:\n\t"                                                \
				 "movdqu 0(%[save]), %%xmm0\n\t"                         \
				 "movdqu 16(%[save]), %%xmm1\n\t"                        \
				 "movdqu 32(%[save]), %%xmm2\n\t"                        \
				 "movdqu 48(%[save]), %%xmm3\n\t"                        \
				 "movdqu 64(%[save]), %%xmm4"                            \
				 : [p] "+r"(p)                                           \
				 : [end] "r"(end), [last4] "r"(last4_), [t] "r"(tmpl),   \
				   [self] "r"(self_), [step] "r"(step_), [save] "r"(save_) \
				 : "memory", "cc");                                      \
	} while (0)

_Static_assert(sizeof(struct page) == 64, "the 16-byte loops write 64 bytes per page");

/*
 * __memmap_fill_template - @n struct pages from @first, each @tmpl with its
 * lru self-linked, with the stores of @store (followed by a fence for the
 * non-temporal ones). The 16-byte kinds fall back to movnti when @first is
 * not 16-byte aligned. Writes exactly what __memmap_fill writes.
 */
static inline void __memmap_fill_template(struct page *first, uint64_t n, const struct page *tmpl,
					  enum template_store store)
{
	uint64_t t0, t1, t4, t5, t6, t7;
	struct page *p = first, *end = first + n;
	const uint64_t *w = (const uint64_t *)(const void *)tmpl;

	if ((store == TEMPLATE_SSE || store == TEMPLATE_MOVNTDQ) && ((uintptr_t)first & 15))
		store = TEMPLATE_MOVNTI;
	switch (store) {
	case TEMPLATE_SSE:
		TEMPLATE_FILL_XMM("movdqa", p, end, tmpl);
		return;
	case TEMPLATE_MOVNTDQ:
		TEMPLATE_FILL_XMM("movntdq", p, end, tmpl);
		__asm__ volatile("sfence" ::: "memory"); /* order the streaming stores before any later use */
		return;
	default:
		break;
	}
	/* The template in registers: the stores below must not make the compiler reload it. */
	t0 = w[0], t1 = w[1], t4 = w[4], t5 = w[5], t6 = w[6], t7 = w[7];
	if (store == TEMPLATE_MOVNTI) {
		TEMPLATE_FILL_WORDS(template_store_movnti);
		__asm__ volatile("sfence" ::: "memory");
	} else {
		TEMPLATE_FILL_WORDS(template_store_plain);
	}
}

#endif
