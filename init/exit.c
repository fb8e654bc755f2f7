// SPDX-License-Identifier: MIT
#include "init/exit.h"

#include "arch/x86_64/cpu.h"
#include "init/console.h"
#include "init/record.h"
#include "init/span.h"
#include "arch/x86_64/tsc.h"

#define PM1_SLP_EN (1u << 13) /* ACPI 6.4, 4.8.3.2.1 PM1 Control Registers */
#define PM1_SLP_TYP_SHIFT 10
#define BOCHS_SHUTDOWN_PORT 0x8900

struct acpi_poweroff acpi_poweroff;

static void acpi_s5(void)
{
	if (!acpi_poweroff.valid)
		return;
	outw(acpi_poweroff.pm1a_cnt, (uint16_t)((acpi_poweroff.slp_typa << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN));
	if (acpi_poweroff.pm1b_cnt)
		outw(acpi_poweroff.pm1b_cnt,
		     (uint16_t)((acpi_poweroff.slp_typb << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN));
}

void machine_exit(bool success)
{
	struct record r;

	boot_phase_end();
	console_flush(); /* a boot that ends early still says what it said */
	/*
	 * The last phases and @exit are put together in memory and written
	 * after: a span cannot time its own printing, so the boot's end
	 * (@exit's ns) is when the kernel is done, not when the UART is.
	 */
	console_defer();
	spans_report();
	record_begin(&r, "exit");
	rec_bool(&r, "ok", success);
	rec_u64(&r, "ns", time_ns());
	record_end(&r);
	console_flush();
	console_drain();

	/* Without the device the write goes nowhere and we carry on. */
	outl(EXIT_DEBUG_PORT, success ? EXIT_DEBUG_SUCCESS : EXIT_DEBUG_FAILURE);
	acpi_s5();
	for (const char *s = "Shutdown"; *s; s++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
	printk("meminit: could not power off; halted (%s)\n", success ? "success" : "failure");
	console_drain();
	cpu_halt_forever();
}
