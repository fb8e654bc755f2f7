/* SPDX-License-Identifier: MIT */
/* string.h - the few C string and memory functions the kernel uses. */
#ifndef MEMINIT_ARCH_STRING_H
#define MEMINIT_ARCH_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
/* Plain 8-byte stores, never rep stos: that runs a byte at a time under emulation. */
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strcpy(char *dst, const char *src);

#endif
