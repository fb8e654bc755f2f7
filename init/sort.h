/* SPDX-License-Identifier: MIT */
/*
 * sort - ascending insertion sort of a few figures (a benchmark's rounds:
 * at most STRATEGY_ROUNDS_MAX or a selftest's ~100), one body per type.
 */
#ifndef MEMINIT_INIT_SORT_H
#define MEMINIT_INIT_SORT_H

#include <stdint.h>

#define SORT_FEW(type, name)                                                   \
	static inline void name(type *v, unsigned n)                          \
	{                                                                      \
		for (unsigned i = 1; i < n; i++)                               \
			for (unsigned j = i; j > 0 && v[j] < v[j - 1]; j--) {  \
				type t = v[j];                                 \
                                                                               \
				v[j] = v[j - 1];                               \
				v[j - 1] = t;                                  \
			}                                                      \
	}

SORT_FEW(uint64_t, sort_u64)
SORT_FEW(int64_t, sort_i64)

#endif
