// SPDX-License-Identifier: MIT
/*
 * kmain - the boot, top to bottom (DESIGN.md, "Boot flow").
 * boot.S has already read the TSC (time zero) and entered long mode.
 */
#include <stdint.h>

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/tsc.h"
#include "init/bootinfo.h"
#include "init/console.h"
#include "init/debug.h"
#include "init/dump.h"
#include "init/exit.h"
#include "init/memmap_run.h"
#include "init/params.h"
#include "init/record.h"
#include "init/report.h"
#include "init/selftest.h"
#include "mm/physmem.h"
#include "smp/acpi_boot.h"
#include "smp/percpu.h"
#include "smp/smp.h"
#include "smp/topology.h"

extern const struct kernel_param __start_kparams[], __stop_kparams[];

static void report_param_problem(void *cookie, const char *what, const char *detail,
				 const char *action)
{
	(void)cookie;
	record_error(what, detail, action);
}

void kmain(uint32_t magic, uint32_t info_phys)
{
	bool ok;

	percpu_init_boot_cpu();         /* first: time_ns() and printk read the per-CPU area */
	console_init();                 /* COM1 next: everything after may need to speak */
	printk("\nmeminit: booting\n");
	gdt_init_boot_cpu();            /* a TSS, so a double fault has a stack of its own */
	idt_init();                     /* from here a fault is reported, not a silent reset */
	bootinfo_read(magic, info_phys); /* copy out of the loader's memory before reusing any */
	params_parse(boot_info.cmdline, __start_kparams, __stop_kparams, report_param_problem, NULL);
	params_print_help_if_asked();   /* "help": after parsing, so it sees the whole line */
	physmem_init(boot_info.mmap, boot_info.mmap_count, boot_info.mmap_from_efi,
		     boot_info_start, boot_info_end);
	paging_init(physmem.map, physmem.count); /* needs physmem: tables come from memblock */
	acpi_boot_init(boot_info.rsdp, boot_info.rsdp_len); /* needs the direct map */
	dump_if_asked();                /* debug.dump=: the raw input, before anything reads it further */
	tsc_calibrate(&boot_tsc_references); /* needs ACPI: the PM timer and the HPET */
	report_boot();                  /* @boot */
	debug_fault_if_asked();         /* debug.fault=: after @boot, so tests see both */
	topology_init();                /* MADT, SRAT, SLIT -> nodes; before any per-node allocation */
	smp_boot(&numa, madt_lapic_phys); /* all APs awake, before anything touches the mem_map */
	report_topology();              /* @topology: after smp_boot, it lists online CPUs */
	ok = memmap_run();              /* the measured part: mem_map, buddy, verify, @result */
	ok &= selftests_run();
	machine_exit(ok);
}
