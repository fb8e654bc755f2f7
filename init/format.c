// SPDX-License-Identifier: MIT
/* A small vsnprintf; see format.h for what it understands. */
#include "init/format.h"

#include <stdbool.h>
#include <stdint.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left, zero, alt, plus;
	int width, precision; /* precision < 0: none */
	int length;           /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t */
};

static void put_string(struct out *o, const char *s, const struct spec *sp)
{
	int n = 0;

	if (!s)
		s = "(null)";
	while (s[n] && (sp->precision < 0 || n < sp->precision))
		n++;
	if (!sp->left)
		pad(o, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		put(o, s[i]);
	if (sp->left)
		pad(o, ' ', sp->width - n);
}

static void put_number(struct out *o, uint64_t v, bool negative, unsigned base, bool upper,
		       const struct spec *sp, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, plen = 0, total;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (negative)
		prefix = "-";
	while (prefix && prefix[plen])
		plen++;
	total = n + plen;
	if (!sp->left && !sp->zero)
		pad(o, ' ', sp->width - total);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (!sp->left && sp->zero)
		pad(o, '0', sp->width - total);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, ' ', sp->width - total);
}

static uint64_t take_unsigned(va_list *ap, int length)
{
	switch (length) {
	case -2: return (unsigned char)va_arg(*ap, unsigned int);
	case -1: return (unsigned short)va_arg(*ap, unsigned int);
	case 1: return va_arg(*ap, unsigned long);
	case 2: return va_arg(*ap, unsigned long long);
	case 3: return va_arg(*ap, size_t);
	default: return va_arg(*ap, unsigned int);
	}
}

static int64_t take_signed(va_list *ap, int length)
{
	switch (length) {
	case -2: return (signed char)va_arg(*ap, int);
	case -1: return (short)va_arg(*ap, int);
	case 1: return va_arg(*ap, long);
	case 2: return va_arg(*ap, long long);
	case 3: return (int64_t)va_arg(*ap, size_t);
	default: return va_arg(*ap, int);
	}
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .precision = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '#')
			sp->alt = true;
		else if (*f == '+')
			sp->plus = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	}
	for (; *f >= '0' && *f <= '9'; f++)
		sp->width = sp->width * 10 + (*f - '0');
	if (*f == '.') {
		f++;
		sp->precision = 0;
		if (*f == '*') {
			sp->precision = va_arg(*ap, int);
			f++;
		}
		for (; *f >= '0' && *f <= '9'; f++)
			sp->precision = sp->precision * 10 + (*f - '0');
	}
	if (*f == 'h') {
		sp->length = -1;
		if (*++f == 'h') {
			sp->length = -2;
			f++;
		}
	} else if (*f == 'l') {
		sp->length = 1;
		if (*++f == 'l') {
			sp->length = 2;
			f++;
		}
	} else if (*f == 'z') {
		sp->length = 3;
		f++;
	}
	return f;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list ap;

	va_copy(ap, ap_in);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f = parse_spec(f + 1, &sp, &ap);
		switch (*f) {
		case 'd':
		case 'i': {
			int64_t v = take_signed(&ap, sp.length);

			put_number(&o, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0, 10, false, &sp,
				   sp.plus ? "+" : NULL);
			break;
		}
		case 'u': put_number(&o, take_unsigned(&ap, sp.length), false, 10, false, &sp, NULL); break;
		case 'x': {
			uint64_t v = take_unsigned(&ap, sp.length);

			put_number(&o, v, false, 16, false, &sp, sp.alt && v ? "0x" : NULL);
			break;
		}
		case 'X': put_number(&o, take_unsigned(&ap, sp.length), false, 16, true, &sp, NULL); break;
		case 'o': put_number(&o, take_unsigned(&ap, sp.length), false, 8, false, &sp, NULL); break;
		case 'p':
			put_number(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, &sp, "0x");
			break;
		case 'c': {
			char c[2] = { (char)va_arg(ap, int), 0 };

			put_string(&o, c, &sp);
			break;
		}
		case 's': put_string(&o, va_arg(ap, const char *), &sp); break;
		case '%': put(&o, '%'); break;
		case '\0': f--; break; /* a lone '%' at the end */
		default: put(&o, '%'); put(&o, *f); break;
		}
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
