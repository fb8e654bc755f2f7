/* SPDX-License-Identifier: MIT */
/*
 * format - vsnprintf for a kernel without libc. Pure C; tested on the host.
 * Conversions: %d %i %u %x %X %o %c %s %p %%, with flags '-' '0' '#' (0x for %x) '+', a width
 * (or '*'), a precision for %s (or '*'), and the length modifiers hh h l ll z.
 * Output is always NUL-terminated when size > 0; returns the length the
 * whole output would have had, as C's vsnprintf does.
 */
#ifndef MEMINIT_INIT_FORMAT_H
#define MEMINIT_INIT_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
