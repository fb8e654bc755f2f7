/* SPDX-License-Identifier: MIT */
/*
 * record - the kernel's machine-readable output: "@type {json}" on one line.
 *
 * This is the output contract bench/ and tests/ read (DESIGN.md, Records):
 * keys may be added, never renamed or dropped. A record is built in a
 * buffer and written in one piece, so records from several CPUs never
 * interleave. Pure C apart from record_end(), which writes to the console.
 *
 *	struct record r;
 *	record_begin(&r, "boot");
 *	rec_u64(&r, "tsc_hz", hz);
 *	rec_array_begin(&r, "mem_ranges");
 *	...
 *	rec_array_end(&r);
 *	record_end(&r);
 *
 * Inside arrays pass NULL as the key.
 */
#ifndef MEMINIT_INIT_RECORD_H
#define MEMINIT_INIT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RECORD_MAX 6144

struct record {
	char *buf;       /* inline_buf, or the caller's storage for a big record */
	size_t cap;
	char inline_buf[RECORD_MAX];
	size_t len;
	bool need_comma;
	bool overflow;
	const char *type;
};

void record_begin(struct record *r, const char *type);
/*
 * The same into @storage of @cap bytes, for records that grow with the
 * machine (@topology's distance matrix, @result's nodes): 64 nodes do not fit
 * in RECORD_MAX, and kernel stacks cannot hold much more.
 */
void record_begin_in(struct record *r, const char *type, char *storage, size_t cap);
/* From now on every record starts with "@key": "@value" (numa.model=slit labels modelled boots). */
void record_tag_all(const char *key, const char *value);
void rec_str(struct record *r, const char *key, const char *value);
void rec_strf(struct record *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rec_u64(struct record *r, const char *key, uint64_t value);
void rec_i64(struct record *r, const char *key, int64_t value);
/* A JSON number with three decimals, from an integer count of thousandths (2345 -> 2.345). */
void rec_milli(struct record *r, const char *key, uint64_t thousandths);
void rec_bool(struct record *r, const char *key, bool value);
void rec_null(struct record *r, const char *key);
void rec_array_begin(struct record *r, const char *key);
void rec_array_end(struct record *r);
void rec_object_begin(struct record *r, const char *key);
void rec_object_end(struct record *r);
/* Finish the record into r->buf (NUL-terminated line with '\n'); false on overflow. */
bool record_finish(struct record *r);
/* Finish and print it; an overflowing record becomes an @error instead. */
void record_end(struct record *r);

/* @error {"what", "detail", "action"}: input the kernel refused and what it did instead. */
void record_error(const char *what, const char *detail, const char *action);
/* The same, with a formatted detail. */
void record_errorf(const char *what, const char *action, const char *detail_fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
