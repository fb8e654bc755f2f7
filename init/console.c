// SPDX-License-Identifier: MIT
#include "init/console.h"

#include <stdarg.h>
#include <stdbool.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/spinlock.h"
#include "init/format.h"
#include "init/multiboot2.h"
#include "init/params.h"

#define COM1 0x3f8
#define  UART_DATA 0
#define  UART_IER 1
#define  UART_FCR 2
#define  UART_LCR 3
#define   LCR_DLAB 0x80
#define   LCR_8N1 0x03
#define  UART_MCR 4
#define  UART_LSR 5
#define   LSR_THRE 0x20 /* transmit holding register empty: room for a byte */
#define   LSR_TEMT 0x40 /* transmitter empty: the last byte left the wire */
#define DEBUGCON 0xe9

#define UART_SPIN_LIMIT 100000 /* no UART answers: do not hang on it */

static struct spinlock console_lock;
static bool panic_mode;
static bool uart_present;

/*
 * Until the mem_map is done, console output is kept in memory and written
 * afterwards: under emulation a byte to COM1 costs microseconds, on a real
 * 115200-baud line 87 us, and the boot before the mem_map prints kilobytes.
 * Anything that ends the boot early writes it out first, so nothing is lost
 * but output of a boot that hangs.
 */
#define DEFER_MAX (64 * 1024)
static char defer_buf[DEFER_MAX];
static size_t defer_len;
static bool deferring = true;

/* The text screen, when the loader left one: the same bytes as COM1, for a machine without a serial port. */
static struct {
	volatile uint16_t *cells; /* NULL: no screen */
	unsigned cols, rows, stride; /* stride in cells */
	unsigned row, col;
} screen;

#define SCREEN_ATTR 0x0700 /* light grey on black */

void console_use_screen(const struct mb2_text_screen *t)
{
	if (!t->cols)
		return;
	screen.cells = ioremap(t->addr, (uint64_t)t->pitch * t->rows);
	screen.cols = t->cols;
	screen.rows = t->rows;
	screen.stride = t->pitch / 2;
	screen.row = screen.rows - 1; /* below what the loader printed: the first newline scrolls */
	screen.col = 0;
}

static void screen_newline(void)
{
	volatile uint16_t *c = screen.cells;

	screen.col = 0;
	if (screen.row + 1 < screen.rows) {
		screen.row++;
		return;
	}
	for (unsigned r = 0; r + 1 < screen.rows; r++)
		for (unsigned i = 0; i < screen.cols; i++)
			c[r * screen.stride + i] = c[(r + 1) * screen.stride + i];
	for (unsigned i = 0; i < screen.cols; i++)
		c[screen.row * screen.stride + i] = SCREEN_ATTR | ' ';
}

static void screen_put(char ch)
{
	if (ch == '\n') {
		screen_newline();
		return;
	}
	if (ch == '\r')
		return;
	if (screen.col == screen.cols)
		screen_newline(); /* a long record wraps */
	screen.cells[screen.row * screen.stride + screen.col++] = SCREEN_ATTR | (uint8_t)ch;
}

void console_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DATA, 1); /* divisor 1: 115200 baud */
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0xc7); /* FIFO on, cleared, 14-byte threshold */
	outb(COM1 + UART_MCR, 0x03);
	/* A missing UART reads back all ones. */
	uart_present = inb(COM1 + UART_LSR) != 0xff;
}

static void uart_wait(unsigned char bit)
{
	for (unsigned i = 0; i < UART_SPIN_LIMIT; i++)
		if (inb(COM1 + UART_LSR) & bit)
			return;
}

static void put_byte(char c)
{
	if (uart_present) {
		uart_wait(LSR_THRE);
		outb(COM1 + UART_DATA, (unsigned char)c);
	}
	outb(DEBUGCON, (unsigned char)c);
	if (screen.cells)
		screen_put(c);
}

static void write_bytes(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			put_byte('\r');
		put_byte(s[i]);
	}
}

/* Write out what was kept (console lock held, or panic). */
static void write_deferred(void)
{
	write_bytes(defer_buf, defer_len);
	defer_len = 0;
}

void console_flush(void)
{
	unsigned long flags;

	if (panic_mode) { /* the lock may be held by the code that faulted */
		write_deferred();
		deferring = false;
		return;
	}
	flags = spin_lock_irqsave(&console_lock);
	write_deferred();
	deferring = false;
	spin_unlock_irqrestore(&console_lock, flags);
}

void console_defer(void)
{
	if (!panic_mode)
		deferring = true;
}

static bool defer_wanted = true;

/* console.defer=off: what was kept goes out now, and the rest as it is written. */
static void apply_defer(void)
{
	if (!defer_wanted)
		console_flush();
}
PARAM_BOOL_THEN("console.defer", defer_wanted, apply_defer,
		"keep console output in memory until the mem_map is done (default on; off shows a hang)");

void console_drain(void)
{
	if (uart_present)
		uart_wait(LSR_TEMT);
}

void console_enter_panic(void)
{
	panic_mode = true;
}

void console_write(const char *s, size_t len)
{
	unsigned long flags;

	if (panic_mode) {
		write_deferred(); /* first: the fault report comes after what led to it */
		write_bytes(s, len);
		return;
	}
	flags = spin_lock_irqsave(&console_lock);
	if (deferring && defer_len + len <= DEFER_MAX) {
		for (size_t i = 0; i < len; i++)
			defer_buf[defer_len++] = s[i];
	} else {
		write_deferred(); /* full: out in order, and keep deferring what follows */
		write_bytes(s, len);
	}
	spin_unlock_irqrestore(&console_lock, flags);
}

int printk(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}
