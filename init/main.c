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
#include "init/span.h"
#include "mm/kmalloc.h"
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
	const struct smp_wake_work *wake_work;
	bool ok;

	/* Each boot_phase() ends the phase before it: together they tile the boot (init/span.h). */
	percpu_init_boot_cpu();         /* first: time_ns(), printk and boot_phase read the per-CPU area */
	boot_phase("console");
	console_init();                 /* COM1 next: everything after may need to speak */
	printk("\nmeminit: booting\n");
	boot_phase("idt");
	gdt_init_boot_cpu();            /* a TSS, so a double fault has a stack of its own */
	idt_init();                     /* from here a fault is reported, not a silent reset */
	boot_phase("bootinfo");
	bootinfo_read(magic, info_phys); /* copies what it needs; the memory map is read in place */
	boot_phase("params");
	params_drop_cut_word(boot_info.cmdline, boot_info.cmdline_cut_at, report_param_problem, NULL);
	params_parse(boot_info.cmdline, __start_kparams, __stop_kparams, report_param_problem, NULL);
	params_print_help_if_asked();   /* "help": after parsing, so it sees the whole line */
	boot_phase("memory_map");
	physmem_init(&boot_info, boot_info_start, boot_info_end);
	boot_phase("direct_map");
	paging_init(physmem.map, physmem.count); /* needs physmem: tables come from memblock */
	kmalloc_advance(KMALLOC_MEMBLOCK); /* kmalloc from memblock: all RAM is mapped now */
	give_back_late(virt_to_phys(early_pml4), virt_to_phys(early_page_tables_end), "early_page_tables");
	console_use_screen(&boot_info.text_screen); /* needs the final tables: mapped uncached */
	boot_phase("acpi");
	acpi_boot_init(boot_info.rsdp, boot_info.rsdp_len); /* needs the direct map */
	dump_if_asked();                /* debug.dump=: the raw input, before anything reads it further */
	physmem_release_boot_info();    /* read, copied: free RAM in the layout, whatever its size */
	boot_phase("tsc_calibration");
	tsc_calibrate(&boot_tsc_references); /* needs ACPI: the PM timer and the HPET */
	boot_phase("report_boot");
	report_boot();                  /* @boot */
	debug_fault_if_asked();         /* debug.fault=: after @boot, so tests see both */
	debug_undefined_if_asked();     /* debug.undefined=: the same, for the sanitizers */
	boot_phase("topology");
	topology_init();                /* MADT, SRAT, SLIT -> nodes; before any per-node allocation */
	smp_boot_prepare(&numa, madt_lapic_phys); /* lapic, percpu: the bring-up's memblock allocations */
	span_logs_init();               /* per-CPU, from memblock: needs the per-CPU units, before any span */
	wake_work = memmap_run_early(); /* strategy=overlap only: memmap_setup and its run begun before any AP wakes */
	smp_boot_wake(wake_work);       /* ap_wake, tsc_sync: all APs awake (under overlap, working) before the mem_map */
	physmem_give_back_table();      /* the normalized map's table in RAM, if it needed one: read no more */
	boot_phase("report_topology");
	report_topology();              /* @topology: after smp_boot, it lists online CPUs */
	ok = memmap_run();              /* phases memmap_setup .. report_run: the measured part, @result */
	boot_phase("selftest");
	ok &= selftests_run();
	machine_exit(ok);               /* ends the last phase, prints what is left, @exit */
}
