// SPDX-License-Identifier: MIT
/*
 * Bringing up the application processors (smp.h). The wake-up follows the
 * SDM's MP initialization protocol (vol. 3A, "MP Initialization Protocol
 * Algorithm for MP Systems" and "Typical BSP Initialization Sequence"):
 * INIT IPI, 10 ms, STARTUP IPI, 200 us, STARTUP IPI. We send each step to
 * every AP before waiting, so all APs start together, then wait once.
 *
 * The 10 ms after INIT comes from the MultiProcessor Specification's
 * example, written for external APICs: CPUs with an integrated APIC of
 * the families below accept the STARTUP at once. Like Linux
 * (smp_quirk_init_udelay), we wait only on older CPUs, and then 10 us
 * instead of 200 us between the STARTUPs; smp.init_delay_us= forces a wait.
 */
#include "smp/smp.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/string.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/tsc.h"
#include "init/debug.h"
#include "init/params.h"
#include "init/record.h"
#include "init/span.h"
#include "mm/code_pages.h"
#include "mm/kmalloc.h"
#include "mm/memblock.h"
#include "mm/physmem.h"
#include "smp/idle.h"
#include "smp/percpu_area.h"
#include "smp/trampoline.h"
#include "smp/wait.h"

#define INIT_DELAY_LEGACY_US 10000 /* 10 ms after INIT (SDM, MP spec): CPUs older than modern_cpu() */
#define INIT_DELAY_MAX_US 1000000   /* the parameter's bound: a second is already absurd */
#define INIT_DELAY_BY_FAMILY UINT64_MAX /* smp.init_delay_us not given: init_delay_ns() decides */
#define AP_TIMEOUT_MAX_MS 600000    /* smp.timeout_ms's bound: ten minutes */
#define STARTUP_DELAY_NS 200000ull  /* 200 us between the STARTUP IPIs (SDM) */
#define STARTUP_DELAY_MODERN_NS 10000ull /* 10 us when INIT needed no wait (as Linux) */
#define TRAMPOLINE_LIMIT 0x100000   /* STARTUP's vector addresses pages below 1 MiB */
#define TRAMPOLINE_TABLE_PAGES 3    /* the trampoline's page table: PML4, PDPT, PD */
#define TSC_SYNC_ROUNDS 64
#define TSC_SYNC_MIN_ROUNDS 4
#define TSC_SYNC_GOOD_RTT_NS 2000 /* an offset known within 1 us is good enough for spans */
#define TSC_SYNC_BUDGET_NS 2000000ull /* per AP: 2 ms of ping-pong, then take the best so far */
#define AP_POLL_NS 20000ull          /* 20 us between looks at the waking APs */
#define TSC_SYNC_TIMEOUT_NS 1000000000ull /* a partner silent for 1 s: give up, never hang */
#define IST_SIZE IST_STACK_SIZE

struct percpu *cpu_area[MAX_CPUS];
unsigned nr_cpus;
struct cpumask cpu_online_mask;
struct smp_boot_stats smp_stats;

struct ap_boot_slot ap_boot_slots[MAX_CPUS];
volatile uint32_t ap_boot_slot_count;
uint64_t ap_boot_cr3;
volatile uint32_t ap_unknown_apic_id = UINT32_MAX;

static struct percpu boot_percpu;
static unsigned max_cpus = MAX_CPUS;
static bool nosmp;
static uint64_t ap_timeout_ms = 2000;
/* What each AP and the boot CPU do while the APs wake (smp_boot_wake); NULL: nothing. */
static const struct smp_wake_work *wake_work;
static uint64_t init_delay_us = INIT_DELAY_BY_FAMILY;

PARAM_UINT("smp.maxcpus", max_cpus, 1, MAX_CPUS, "bring up at most N CPUs (the boot CPU included)");
PARAM_FLAG("nosmp", nosmp, "run on the boot CPU only (same as smp.maxcpus=1)");
PARAM_U64("smp.timeout_ms", ap_timeout_ms, 1, AP_TIMEOUT_MAX_MS,
	  "how long to wait for the APs to answer (default 2000)");
PARAM_U64("smp.init_delay_us", init_delay_us, 0, INIT_DELAY_MAX_US,
	  "wait N us after INIT before STARTUP (default: 0 on modern CPUs, 10000 on older ones)");

/* Intel family 6 and later, AMD 0Fh and later, Hygon 18h and later: no wait after INIT (Linux). */
static bool modern_cpu(void)
{
	char vendor[13];
	unsigned family = cpuid_family();

	cpuid_vendor(vendor);
	if (!__builtin_memcmp(vendor, "GenuineIntel", 12))
		return family >= 6;
	if (!__builtin_memcmp(vendor, "AuthenticAMD", 12))
		return family >= 0xf;
	if (!__builtin_memcmp(vendor, "HygonGenuine", 12))
		return family >= 0x18;
	return false;
}

static uint64_t init_delay_ns(void)
{
	if (init_delay_us != INIT_DELAY_BY_FAMILY)
		return init_delay_us * 1000;
	return modern_cpu() ? 0 : INIT_DELAY_LEGACY_US * 1000ull;
}

void percpu_install(struct percpu *p)
{
	wrmsr(MSR_GS_BASE, (uint64_t)p);
}

void percpu_init_boot_cpu(void)
{
	boot_percpu.self = &boot_percpu;
	boot_percpu.state = CPU_ONLINE;
	percpu_install(&boot_percpu);
	cpu_area[0] = &boot_percpu;
	nr_cpus = 1;
	cpumask_set(&cpu_online_mask, 0);
}

/*
 * A CPU's area, kernel stack and IST stacks: the static part of its per-CPU
 * unit, a 2 MiB page on its node (smp/percpu_area.h), whose unused tail is
 * given back late. Layout: [percpu, page-rounded][kernel stack][double-fault
 * stack][NMI stack]; the kernel stack is used through its mapping in the
 * guarded stack region, the IST stacks through the direct map.
 */
static struct percpu *alloc_cpu_area(unsigned cpu, uint32_t apic_id, int node)
{
	uint64_t area = (sizeof(struct percpu) + 4095) & ~4095ull, phys;
	struct percpu *p = percpu_unit_create(cpu, node, area + KERNEL_STACK_SIZE + 2 * IST_SIZE, &phys);

	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->self = p;
	p->cpu = cpu;
	p->apic_id = apic_id;
	p->node = node;
	/* The boot CPU keeps its guarded stack in the image (move_boot_cpu_area): map APs' only. */
	p->stack_top = cpu ? paging_map_stack(cpu, phys + area, KERNEL_STACK_SIZE) : 0;
	p->ist_base = (uint64_t)phys_to_virt(phys + area + KERNEL_STACK_SIZE);
	return p;
}

/* The IST stacks stay in the direct map: a double fault must not need the guarded region. */
static uint64_t ist_top(const struct percpu *p, int which)
{
	return p->ist_base + (uint64_t)which * IST_SIZE;
}

/* The AP's first C: its own GDT, TSS, IDT and LAPIC, then report and idle. */
void __attribute__((noreturn)) ap_main(unsigned cpu);
void ap_main(unsigned cpu)
{
	struct percpu *p = cpu_area[cpu];

	percpu_install(p);
	gdt_load(&p->gdt, ist_top(p, 1), ist_top(p, 2));
	idt_load();
	lapic_enable();
	p->online_ns = time_ns();
	p->online_tsc = rdtsc_ordered();
	__atomic_store_n(&p->state, CPU_ONLINE, __ATOMIC_RELEASE);
	if (wake_work) {
		/* Interrupts on: the boot CPU's TSC ping-pong reaches this CPU while it works. */
		irq_enable();
		wake_work->ap_online(wake_work->arg);
	}
	smp_idle();
}

/* A page below 1 MiB that the firmware map calls usable: at 0x8000 when possible. */
static uint64_t find_trampoline_page(void)
{
	uint64_t best = 0;

	for (size_t i = 0; i < physmem.count; i++) {
		const struct fw_mem_range *r = &physmem.map[i];
		uint64_t start = r->start < 0x1000 ? 0x1000 : r->start;

		if (r->type != FW_MEM_USABLE || start + 4096 > r->end || start + 4096 > TRAMPOLINE_LIMIT)
			continue;
		if (start <= 0x8000 && 0x8000 + 4096 <= r->end)
			return 0x8000;
		if (!best)
			best = start;
	}
	return best;
}

/* The kernel's page table plus a 1:1 map of the first 2 MiB, where the trampoline runs. */
static uint64_t build_trampoline_page_table(void)
{
	uint64_t pml4 = memblock_alloc(&boot_memblock, TRAMPOLINE_TABLE_PAGES * 4096, 4096, NUMA_NO_NODE, 1ull << 32);
	uint64_t *t;

	if (!pml4)
		return 0;
	/* All three, the PML4 too though the copy below overwrites it: zeroing lifts any old-code guard cheaply. */
	for (unsigned i = 0; i < TRAMPOLINE_TABLE_PAGES; i++)
		code_pages_zero_fresh(phys_to_virt(pml4 + i * 4096ull));
	t = phys_to_virt(pml4);
	memcpy(t, phys_to_virt(paging_root()), 4096);
	t[0] = (pml4 + 4096) | PTE_PRESENT | PTE_WRITE;
	((uint64_t *)phys_to_virt(pml4 + 4096))[0] = (pml4 + 8192) | PTE_PRESENT | PTE_WRITE;
	((uint64_t *)phys_to_virt(pml4 + 8192))[0] = 0 | PTE_PRESENT | PTE_WRITE | PTE_HUGE;
	return pml4;
}

static bool install_trampoline(uint64_t page, uint64_t cr3)
{
	uint8_t *dst = phys_to_virt(page);
	struct trampoline_params *tp = (struct trampoline_params *)(dst + TRAMPOLINE_PARAMS);
	size_t code = (size_t)(trampoline_end - trampoline_start);

	if (code > TRAMPOLINE_PARAMS)
		return false;
	direct_map_ensure(page, 4096);
	memcpy(dst, trampoline_start, code);
	memset(tp, 0, sizeof(*tp));
	tp->gdt[0] = 0;
	tp->gdt[TRAMP_CS64 / 8] = 0x00af9a000000ffffull;
	tp->gdt[TRAMP_DS / 8] = 0x00cf92000000ffffull;
	tp->gdt[TRAMP_CS32 / 8] = 0x00cf9a000000ffffull;
	tp->gdt_limit = sizeof(tp->gdt) - 1;
	tp->gdt_base = (uint32_t)(page + TRAMPOLINE_PARAMS + TP_GDT);
	tp->pm_entry = (uint32_t)(page + (uint64_t)(trampoline_pm - trampoline_start));
	tp->pm_cs = TRAMP_CS32;
	tp->lm_entry = (uint32_t)(page + (uint64_t)(trampoline_lm - trampoline_start));
	tp->lm_cs = TRAMP_CS64;
	tp->cr3 = (uint32_t)cr3;
	tp->efer = (1u << 8) | (paging.nx ? EFER_NXE : 0); /* LME, NXE */
	tp->kernel_entry = (uint64_t)ap_entry64;
	return true;
}

/* ---- TSC offsets: ping-pong with each AP, keep the sample with the shortest round trip ---- */

static volatile uint64_t sync_seq, sync_ack, sync_ap_tsc;

#define TSC_SYNC_STOP UINT64_MAX /* sync_seq: the boot CPU has enough samples */

/* Wait until *@v is @want or TSC_SYNC_STOP; false on a timeout. */
static bool wait_for_value(volatile uint64_t *v, uint64_t want)
{
	uint64_t start = time_ns(), now;

	while ((now = __atomic_load_n(v, __ATOMIC_ACQUIRE)) != want && now != TSC_SYNC_STOP) {
		if (time_ns() - start > TSC_SYNC_TIMEOUT_NS)
			return false;
		cpu_relax();
	}
	return true;
}

static void tsc_sync_ap_side(void *arg)
{
	(void)arg;
	for (uint64_t r = 1; r <= TSC_SYNC_ROUNDS; r++) {
		if (!wait_for_value(&sync_seq, r))
			return;
		if (sync_seq == TSC_SYNC_STOP) {
			/* Said so the boot CPU can reuse the variables with the next AP. */
			__atomic_store_n(&sync_ack, TSC_SYNC_STOP, __ATOMIC_RELEASE);
			return;
		}
		sync_ap_tsc = rdtsc_ordered();
		__atomic_store_n(&sync_ack, r, __ATOMIC_RELEASE);
	}
}

static uint64_t abs_cycles(int64_t cycles)
{
	return cycles < 0 ? (uint64_t)-cycles : (uint64_t)cycles;
}

static void measure_tsc_offset(struct percpu *ap)
{
	struct cpumask one = { { 0 } };
	uint64_t best_rtt = UINT64_MAX, start = time_ns();
	int64_t best_offset = 0;

	sync_seq = sync_ack = 0;
	cpumask_set(&one, ap->cpu);
	smp_call_many(&one, tsc_sync_ap_side, NULL, false);
	for (uint64_t r = 1; r <= TSC_SYNC_ROUNDS; r++) {
		uint64_t t0 = rdtsc_ordered(), t1;

		__atomic_store_n(&sync_seq, r, __ATOMIC_RELEASE);
		if (!wait_for_value(&sync_ack, r)) {
			record_errorf("tsc sync", "its TSC offset is taken as 0",
				      "CPU %u stopped answering the TSC ping-pong", ap->cpu);
			best_offset = 0;
			best_rtt = 0;
			break;
		}
		t1 = rdtsc_ordered();
		if (t1 - t0 < best_rtt) {
			best_rtt = t1 - t0;
			/* The AP read its TSC somewhere in [t0, t1]; assume the middle. */
			best_offset = (int64_t)(sync_ap_tsc - (t0 + (t1 - t0) / 2));
		}
		/*
		 * Each round is a handoff between two CPUs, which on a busy
		 * emulator host can cost a scheduler slice: stop at the first
		 * round trip short enough to pin the offset, or when the time
		 * is up (the uncertainty is reported, not hidden).
		 */
		if ((r >= TSC_SYNC_MIN_ROUNDS && tsc_to_ns(best_rtt) <= TSC_SYNC_GOOD_RTT_NS) ||
		    time_ns() - start > TSC_SYNC_BUDGET_NS) {
			__atomic_store_n(&sync_seq, TSC_SYNC_STOP, __ATOMIC_RELEASE);
			wait_for_value(&sync_ack, TSC_SYNC_STOP);
			break;
		}
	}
	/*
	 * An offset within half the round trip cannot be told from zero: keep
	 * zero then, rather than "correct" a clock by measurement noise (under
	 * emulation all vCPUs read the host's TSC, and a busy host stretches
	 * round trips to milliseconds).
	 */
	ap->tsc_rtt_ns = tsc_to_ns(best_rtt);
	ap->tsc_offset = abs_cycles(best_offset) <= best_rtt / 2 ? 0 : best_offset;
}


/* Wait at least @ns; with wake work, the boot CPU's chunks fill it (the last may run past it). */
static void delay_or_work(uint64_t ns)
{
	uint64_t end = time_ns() + ns, now;

	while (wake_work && (now = time_ns()) < end && wake_work->boot_cpu_step(wake_work->arg))
		;
	now = time_ns();
	if (now < end)
		delay_ns(end - now);
}

/* Send one IPI kind to every AP still waking. */
static void send_to_waking(bool init, uint64_t page)
{
	for (unsigned cpu = 1; cpu < nr_cpus; cpu++) {
		struct percpu *p = cpu_area[cpu];

		if (!p || p->state != CPU_WAKING || debug_ap_silent(p->apic_id))
			continue;
		if (init)
			lapic_send_init(p->apic_id);
		else
			lapic_send_startup(p->apic_id, (uint32_t)page);
	}
}

static unsigned count_waking(void)
{
	unsigned n = 0;

	for (unsigned cpu = 1; cpu < nr_cpus; cpu++)
		n += cpu_area[cpu] && __atomic_load_n(&cpu_area[cpu]->state, __ATOMIC_ACQUIRE) == CPU_WAKING;
	return n;
}

/* Give the boot CPU its area on its node too; it keeps running on the boot stack. */
static void move_boot_cpu_area(int node)
{
	struct percpu *p = alloc_cpu_area(0, cpuid_apic_id(), node);

	if (!p)
		return;
	p->state = CPU_ONLINE;
	p->stack_top = 0; /* the boot stack is in the kernel image */
	cpu_area[0] = p;
	percpu_install(p);
}

static void prepare_aps(const struct numa_topology *topo)
{
	uint32_t boot_apic = cpuid_apic_id();
	unsigned cpus_wanted = nosmp ? 1 : max_cpus;

	move_boot_cpu_area(topo->cpu_count ? topo->cpus[0].node : 0);
	cpu_area[0]->apic_id = boot_apic;
	for (unsigned i = 1; i < topo->cpu_count && nr_cpus < cpus_wanted; i++) {
		struct percpu *p;

		if (topo->cpus[i].apic_id == boot_apic)
			continue;
		p = alloc_cpu_area(nr_cpus, topo->cpus[i].apic_id, topo->cpus[i].node);
		if (!p) {
			record_errorf("smp", "CPU left out", "no memory for the area of APIC id %u",
				      topo->cpus[i].apic_id);
			continue;
		}
		p->state = CPU_WAKING;
		cpu_area[nr_cpus] = p;
		ap_boot_slots[ap_boot_slot_count++] =
			(struct ap_boot_slot){ p->apic_id, p->cpu, p->stack_top };
		nr_cpus++;
	}
	smp_stats.requested = nr_cpus - 1;
	percpu_dynamic_init(nr_cpus); /* every unit made: alloc_percpu() backs them all */
}

static void wait_for_aps(uint64_t start)
{
	uint64_t deadline = start + ap_timeout_ms * 1000000ull, last = start;

	/*
	 * Halt between looks: a spinning boot CPU holds a host core that the
	 * waking vCPUs need when there are more of them than host cores. The
	 * APs time their own arrival (online_ns), so the look's grain costs
	 * the measurement nothing.
	 */
	while (count_waking() && time_ns() < deadline)
		if (!wake_work || !wake_work->boot_cpu_step(wake_work->arg))
			sleep_ns(AP_POLL_NS);
	for (unsigned cpu = 1; cpu < nr_cpus; cpu++) {
		struct percpu *p = cpu_area[cpu];

		if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == CPU_ONLINE) {
			cpumask_set(&cpu_online_mask, cpu);
			if (p->online_ns > last)
				last = p->online_ns;
			continue;
		}
		p->state = CPU_FAILED;
		smp_stats.failed++;
		record_errorf("smp", "CPU left out; boot goes on without it",
			      "AP with APIC id %u did not answer within %llu ms", p->apic_id,
			      (unsigned long long)ap_timeout_ms);
		if (wake_work)
			wake_work->ap_failed(wake_work->arg, cpu);
	}
	if (ap_unknown_apic_id != UINT32_MAX)
		record_errorf("smp", "that CPU halted", "an AP woke with APIC id %u, which no slot names",
			      ap_unknown_apic_id);
	smp_stats.wake_ns = last - start;
}

/* The boot timeline's "ap_wake" of each AP that came: INIT sent -> online, on the AP's row. */
static void log_ap_wake_spans(uint64_t init_cycles)
{
	for (unsigned cpu = 1; cpu < nr_cpus; cpu++) {
		const struct percpu *p = cpu_area[cpu];

		if (cpumask_test(&cpu_online_mask, cpu))
			boot_span_cpu(cpu, p->node, "ap_wake", init_cycles,
				      p->online_tsc - (uint64_t)p->tsc_offset - boot_tsc0);
	}
}

static uint64_t trampoline_page, trampoline_cr3;

void smp_boot_prepare(const struct numa_topology *topo, uint64_t lapic_phys)
{
	uint64_t cr3;

	boot_phase("lapic");
	lapic_init_boot_cpu(lapic_phys); /* with the LAPIC timer's calibration (100 us) */
	xcall_init();
	smp_stats.apic_mode = lapic_mode_name();
	boot_phase("percpu");
	prepare_aps(topo);
	irq_enable(); /* nothing but our own IPIs can arrive: the PICs are masked */
	if (nr_cpus == 1)
		return;

	trampoline_page = find_trampoline_page();
	cr3 = trampoline_cr3 = build_trampoline_page_table();
	if (!trampoline_page || !cr3 || !install_trampoline(trampoline_page, cr3)) {
		record_error("smp", "no page below 1 MiB or below 4 GiB for the AP trampoline",
			     "running on the boot CPU only");
		nr_cpus = 1;
		return;
	}
	ap_boot_cr3 = paging_root();
}

/*
 * Every AP woken is online: none will start from the trampoline again
 * (nothing wakes a CPU after smp_boot, and each runs on the kernel's page
 * table since ap_entry64), so its page below 1 MiB and its page table go
 * back at the end of boot. An AP that did not answer might still start
 * there later: then both stay reserved.
 */
static void give_back_trampoline(void)
{
	static const char what[] = "trampoline";

	if (smp_stats.failed)
		return;
	give_back_late(trampoline_page, trampoline_page + 4096, what);
	give_back_late(trampoline_cr3, trampoline_cr3 + TRAMPOLINE_TABLE_PAGES * 4096, what);
}

void smp_boot_wake(const struct smp_wake_work *work)
{
	uint64_t page = trampoline_page, start, init_cycles, init_wait;

	if (nr_cpus == 1)
		return;
	init_wait = init_delay_ns();
	smp_stats.init_delay_ns = init_wait;
	/* Published before the first INIT: an AP reads it the moment it is online. */
	__atomic_store_n(&wake_work, work, __ATOMIC_SEQ_CST);

	boot_phase("ap_wake");
	init_cycles = rdtsc_ordered() - boot_tsc0;
	start = time_ns();
	send_to_waking(true, 0);
	delay_or_work(init_wait);       /* the SDM's wait after INIT: at least, never less */
	send_to_waking(false, page);
	delay_ns(init_wait ? STARTUP_DELAY_NS : STARTUP_DELAY_MODERN_NS);
	send_to_waking(false, page); /* the SDM's second STARTUP; an AP already running ignores it */
	wait_for_aps(start);
	if (work) {
		/*
		 * The boot CPU's share before the ping-pong: a spinning pair of
		 * vCPUs takes host cores from the working ones, and APs done
		 * with their work halt and answer at once.
		 */
		boot_phase("wake_work");
		while (work->boot_cpu_step(work->arg))
			;
	}

	boot_phase("tsc_sync");
	for (unsigned cpu = 1; cpu < nr_cpus; cpu++) {
		if (!cpumask_test(&cpu_online_mask, cpu))
			continue;
		measure_tsc_offset(cpu_area[cpu]);
		if (tsc_to_ns(abs_cycles(cpu_area[cpu]->tsc_offset)) > smp_stats.tsc_skew_ns)
			smp_stats.tsc_skew_ns = tsc_to_ns(abs_cycles(cpu_area[cpu]->tsc_offset));
		if (cpu_area[cpu]->tsc_rtt_ns / 2 > smp_stats.tsc_uncertainty_ns)
			smp_stats.tsc_uncertainty_ns = cpu_area[cpu]->tsc_rtt_ns / 2;
	}
	log_ap_wake_spans(init_cycles); /* after the offsets: an AP's online reading is on its own clock */
	give_back_trampoline();
}
