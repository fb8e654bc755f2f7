/* SPDX-License-Identifier: MIT */
/*
 * unaligned - little-endian fields at any address, as firmware tables and
 * boot information lay them out. memcpy, not a cast: a misaligned pointer
 * dereference is undefined behaviour in C even where x86 tolerates it.
 */
#ifndef MEMINIT_ARCH_UNALIGNED_H
#define MEMINIT_ARCH_UNALIGNED_H

#include <stdint.h>

static inline uint16_t get_le16(const void *p)
{
	uint16_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t get_le32(const void *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t get_le64(const void *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

#endif
