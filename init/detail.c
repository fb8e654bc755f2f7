// SPDX-License-Identifier: MIT
#include "init/detail.h"

void detail_add(struct detail *d, const char *s)
{
	while (*s && d->len < sizeof(d->buf) - 1)
		d->buf[d->len++] = *s++;
	d->buf[d->len] = '\0';
}

void detail_num(struct detail *d, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[2 + 16 + 1];
	unsigned i = sizeof(tmp) - 1, base = v < 10000 ? 10 : 16;

	tmp[i] = '\0';
	do {
		tmp[--i] = digits[v % base];
		v /= base;
	} while (v);
	if (base == 16) {
		tmp[--i] = 'x';
		tmp[--i] = '0';
	}
	detail_add(d, &tmp[i]);
}
