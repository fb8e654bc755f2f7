// SPDX-License-Identifier: MIT
#include "init/record.h"

#include <stdarg.h>

#include "init/format.h"

#ifndef MEMINIT_HOST
#include "init/console.h"
#endif

/* Room kept for the closing brackets and newline once the buffer is full. */
#define RECORD_TAIL 8

static void emit(struct record *r, char c)
{
	if (r->len + RECORD_TAIL < r->cap)
		r->buf[r->len++] = c;
	else
		r->overflow = true;
}

static void emit_raw(struct record *r, const char *s)
{
	while (*s)
		emit(r, *s++);
}

static void emit_json_string(struct record *r, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	emit(r, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			emit(r, '\\');
			emit(r, (char)c);
		} else if (c < 0x20 || c == 0x7f) {
			emit_raw(r, "\\u00");
			emit(r, hex[c >> 4]);
			emit(r, hex[c & 15]);
		} else {
			emit(r, (char)c);
		}
	}
	emit(r, '"');
}

/* Comma and key before a value. */
static void begin_value(struct record *r, const char *key)
{
	if (r->need_comma)
		emit(r, ',');
	if (key) {
		emit_json_string(r, key);
		emit(r, ':');
	}
	r->need_comma = true;
}

static const char *tag_key, *tag_value;

void record_tag_all(const char *key, const char *value)
{
	tag_key = key;
	tag_value = value;
}

void record_begin(struct record *r, const char *type)
{
	record_begin_in(r, type, r->inline_buf, sizeof(r->inline_buf));
}

void record_begin_in(struct record *r, const char *type, char *storage, size_t cap)
{
	r->buf = storage;
	r->cap = cap;
	r->len = 0;
	r->overflow = false;
	r->type = type;
	emit(r, '@');
	emit_raw(r, type);
	emit(r, ' ');
	emit(r, '{');
	r->need_comma = false;
	if (tag_key)
		rec_str(r, tag_key, tag_value);
}

void rec_str(struct record *r, const char *key, const char *value)
{
	begin_value(r, key);
	emit_json_string(r, value ? value : "");
}

void rec_strf(struct record *r, const char *key, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	rec_str(r, key, tmp);
}

void rec_u64(struct record *r, const char *key, uint64_t value)
{
	char tmp[24];

	begin_value(r, key);
	ksnprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)value);
	emit_raw(r, tmp);
}

void rec_milli(struct record *r, const char *key, uint64_t thousandths)
{
	char buf[32];

	begin_value(r, key);
	ksnprintf(buf, sizeof(buf), "%llu.%03llu", (unsigned long long)(thousandths / 1000),
		  (unsigned long long)(thousandths % 1000));
	emit_raw(r, buf);
}

void rec_i64(struct record *r, const char *key, int64_t value)
{
	char tmp[24];

	begin_value(r, key);
	ksnprintf(tmp, sizeof(tmp), "%lld", (long long)value);
	emit_raw(r, tmp);
}

void rec_bool(struct record *r, const char *key, bool value)
{
	begin_value(r, key);
	emit_raw(r, value ? "true" : "false");
}

void rec_null(struct record *r, const char *key)
{
	begin_value(r, key);
	emit_raw(r, "null");
}

void rec_array_begin(struct record *r, const char *key)
{
	begin_value(r, key);
	emit(r, '[');
	r->need_comma = false;
}

void rec_array_end(struct record *r)
{
	emit(r, ']');
	r->need_comma = true;
}

void rec_object_begin(struct record *r, const char *key)
{
	begin_value(r, key);
	emit(r, '{');
	r->need_comma = false;
}

void rec_object_end(struct record *r)
{
	emit(r, '}');
	r->need_comma = true;
}

bool record_finish(struct record *r)
{
	/* RECORD_TAIL guarantees room for these even after an overflow. */
	r->buf[r->len++] = '}';
	r->buf[r->len++] = '\n';
	r->buf[r->len] = '\0';
	return !r->overflow;
}

#ifndef MEMINIT_HOST
void record_end(struct record *r)
{
	if (record_finish(r)) {
		console_write(r->buf, r->len);
		return;
	}
	record_errorf("record overflow", "record dropped", "@%s longer than %llu bytes", r->type,
		      (unsigned long long)r->cap);
}

void record_error(const char *what, const char *detail, const char *action)
{
	struct record r;

	record_begin(&r, "error");
	rec_str(&r, "what", what);
	rec_str(&r, "detail", detail);
	rec_str(&r, "action", action);
	record_end(&r);
}

void record_errorf(const char *what, const char *action, const char *detail_fmt, ...)
{
	char detail[256];
	va_list ap;

	va_start(ap, detail_fmt);
	kvsnprintf(detail, sizeof(detail), detail_fmt, ap);
	va_end(ap);
	record_error(what, detail, action);
}
#endif
