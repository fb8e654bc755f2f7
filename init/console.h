/* SPDX-License-Identifier: MIT */
/*
 * console - COM1 at 115200 8N1, mirrored to port 0xe9 (Bochs' and QEMU's
 * debug console) and to the text screen when the loader left one, and
 * printk on top. Lines from different CPUs never mix:
 * each printk writes one whole formatted buffer under the console lock.
 */
#ifndef MEMINIT_INIT_CONSOLE_H
#define MEMINIT_INIT_CONSOLE_H

#include <stddef.h>

struct mb2_text_screen;

void console_init(void);
/* Mirror the console to this text screen too (from the boot information; none: nothing changes). */
void console_use_screen(const struct mb2_text_screen *t);
void console_write(const char *s, size_t len);
/*
 * Write out the output kept since boot and write through from now on
 * (after the measured part, and before anything that ends the boot).
 */
void console_flush(void);
/* Keep output in memory again until the next console_flush() (the last records of a boot). */
void console_defer(void);
/* Wait until COM1 has sent its last byte: call before the machine goes away. */
void console_drain(void);
/* A fault handler may interrupt a printk on the same CPU: never wait for the lock. */
void console_enter_panic(void);

int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
