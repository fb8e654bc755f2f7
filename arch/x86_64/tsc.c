// SPDX-License-Identifier: MIT
#include "arch/x86_64/tsc.h"

#include "arch/x86_64/cpu.h"
#include "init/format.h"
#include "init/selftest.h"

struct tsc_calibration tsc;

/* ns = cycles * ns_per_cycle_q32 >> 32; 1 GHz until calibrated. */
static uint64_t ns_per_cycle_q32 = 1ull << 32;

#define PIT_HZ 1193182
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61 /* bit 0: channel 2 gate, bit 1: speaker, bit 5: channel 2 output */
#define PM_TIMER_HZ 3579545
#define CALIBRATION_ROUNDS 5
#define CALIBRATION_WINDOW_MS 10
/* A reference clock that stops mid-window must not hang the boot: ~4 s at 4 GHz, ~17 s at 1 GHz. */
#define WINDOW_GIVE_UP_CYCLES (1ull << 34)

uint64_t tsc_to_ns(uint64_t cycles)
{
	return (uint64_t)(((unsigned __int128)cycles * ns_per_cycle_q32) >> 32);
}

/* This CPU's TSC minus the boot CPU's, from its per-CPU area (smp/percpu.h: %gs:8). */
static inline int64_t this_cpu_tsc_offset(void)
{
	int64_t off;

	__asm__ volatile("movq %%gs:8, %0" : "=r"(off));
	return off;
}

uint64_t time_ns(void)
{
	return tsc_to_ns(rdtsc() - boot_tsc0 - (uint64_t)this_cpu_tsc_offset());
}

void delay_ns(uint64_t ns)
{
	uint64_t start = time_ns();

	while (time_ns() - start < ns)
		cpu_relax();
}

static void set_frequency(uint64_t hz)
{
	tsc.hz = hz;
	ns_per_cycle_q32 = (uint64_t)((1000000000ull << 32) / hz);
}

/* CPUID 15h (SDM vol. 2A, CPUID: TSC and core crystal clock), with 16h for the crystal. */
static uint64_t tsc_hz_from_cpuid(void)
{
	struct cpuid_regs r;

	if (cpuid_max_leaf() < 0x15)
		return 0;
	r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx)
		return 0;
	if (r.ecx)
		return (uint64_t)r.ecx * r.ebx / r.eax;
	if (cpuid_max_leaf() >= 0x16) {
		uint64_t base_hz = (uint64_t)(cpuid(0x16, 0).eax & 0xffff) * 1000000;

		return base_hz; /* the base frequency is the TSC rate when 15h lacks the crystal */
	}
	return 0;
}

/* The hypervisor timing leaf 0x40000010: EAX = TSC kHz (where the hypervisor offers it). */
static uint64_t tsc_hz_from_hypervisor(void)
{
	if (!(cpuid(1, 0).ecx & (1u << 31)))
		return 0;
	if (cpuid(0x40000000, 0).eax < 0x40000010)
		return 0;
	return (uint64_t)cpuid(0x40000010, 0).eax * 1000;
}

/* One PIT window: channel 2 in mode 0 counts down, OUT2 rises at zero. */
static uint64_t pit_window_hz(const struct tsc_references *ref)
{
	(void)ref;
	uint16_t count = PIT_HZ / (1000 / CALIBRATION_WINDOW_MS);
	uint64_t t0, t1;
	unsigned long spins = 0;

	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);
	outb(PIT_CMD, 0xb0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	t0 = rdtsc_ordered();
	while (!(inb(PORT_B) & 0x20))
		if (++spins > 100000000ul)
			return 0; /* no PIT */
	t1 = rdtsc_ordered();
	return (t1 - t0) * PIT_HZ / count;
}

static uint32_t pm_timer_read(uint16_t port, uint32_t mask)
{
	return inl(port) & mask;
}

/* One PM-timer window: count TSC cycles while the 3.58 MHz timer advances a fixed amount. */
static uint64_t pm_timer_window_hz(const struct tsc_references *ref)
{
	uint16_t port = ref->pm_timer_port;
	uint32_t mask = ref->pm_timer_32bit ? 0xffffffffu : 0xffffffu;
	uint32_t ticks = PM_TIMER_HZ / (1000 / CALIBRATION_WINDOW_MS), start, now;
	uint64_t t0, t1;
	unsigned long spins = 0;

	start = pm_timer_read(port, mask);
	/* Start on an edge so the window begins on a tick boundary. */
	while ((now = pm_timer_read(port, mask)) == start)
		if (++spins > 10000000ul)
			return 0; /* a timer that does not move */
	t0 = rdtsc_ordered();
	start = now;
	do {
		now = pm_timer_read(port, mask);
		if (rdtsc() - t0 > WINDOW_GIVE_UP_CYCLES)
			return 0;
	} while (((now - start) & mask) < ticks);
	t1 = rdtsc_ordered();
	return (t1 - t0) * PM_TIMER_HZ / ((now - start) & mask);
}

#define HPET_CAPABILITIES 0x000 /* bits 63:32: counter period in femtoseconds */
#define HPET_CONFIG 0x010
#define  HPET_ENABLE 1u
#define HPET_COUNTER 0x0f0
#define FS_PER_S 1000000000000000ull

static uint64_t hpet_reg(const struct tsc_references *ref, unsigned off)
{
	return *(volatile uint64_t *)((volatile uint8_t *)ref->hpet + off);
}

/* One HPET window: the main counter's period is stated in femtoseconds. */
static uint64_t hpet_window_hz(const struct tsc_references *ref)
{
	uint64_t period_fs = hpet_reg(ref, HPET_CAPABILITIES) >> 32;
	uint64_t ticks, c0, c1, t0, t1;

	if (!period_fs || period_fs > 100000000ull) /* the spec caps the period at 100 ns */
		return 0;
	*(volatile uint64_t *)((volatile uint8_t *)ref->hpet + HPET_CONFIG) =
		hpet_reg(ref, HPET_CONFIG) | HPET_ENABLE;
	ticks = FS_PER_S / 1000 * CALIBRATION_WINDOW_MS / period_fs;
	c0 = hpet_reg(ref, HPET_COUNTER);
	t0 = rdtsc_ordered();
	do {
		c1 = hpet_reg(ref, HPET_COUNTER);
		if (rdtsc() - t0 > WINDOW_GIVE_UP_CYCLES)
			return 0;
	} while (c1 - c0 < ticks);
	t1 = rdtsc_ordered();
	/* cycles per second = cycles * HPET Hz / HPET ticks (fits 64 bits for 10 ms windows) */
	return (t1 - t0) * (FS_PER_S / period_fs) / (c1 - c0);
}

/*
 * The median of several short windows: under emulation a window can be
 * stretched when the host deschedules the vCPU, and the median ignores it.
 */
static uint64_t median_of_windows(uint64_t (*window)(const struct tsc_references *),
				  const struct tsc_references *ref)
{
	uint64_t v[CALIBRATION_ROUNDS];

	for (int i = 0; i < CALIBRATION_ROUNDS; i++) {
		v[i] = window(ref);
		if (!v[i])
			return 0;
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	}
	return v[CALIBRATION_ROUNDS / 2];
}

static void take_source(uint64_t hz, const char *name)
{
	if (!hz)
		return;
	if (!tsc.hz) {
		tsc.hz = hz;
		tsc.source = name;
	} else if (!tsc.check_hz) {
		tsc.check_hz = hz;
		tsc.check_source = name;
	}
}

void tsc_calibrate(const struct tsc_references *ref)
{
	uint64_t start = rdtsc();

	/*
	 * Stated frequencies first, then measured ones; the first found is used,
	 * the next checks it. The PIT comes last: under QEMU it has been seen to
	 * run 1.193 times slow in some boots (as if clocked at 1 MHz).
	 */
	take_source(tsc_hz_from_cpuid(), "cpuid-15h");
	take_source(tsc_hz_from_hypervisor(), "hypervisor");
	if (ref->pm_timer_port && !tsc.check_hz)
		take_source(median_of_windows(pm_timer_window_hz, ref), "pmtimer");
	if (ref->hpet && !tsc.check_hz)
		take_source(median_of_windows(hpet_window_hz, ref), "hpet");
	if (!tsc.check_hz)
		take_source(median_of_windows(pit_window_hz, ref), "pit");
	if (!tsc.hz) {
		tsc.source = "assumed-1ghz";
		tsc.hz = 1000000000ull;
	}
	set_frequency(tsc.hz);
	if (tsc.check_hz)
		tsc.check_ppm = ((int64_t)tsc.check_hz - (int64_t)tsc.hz) * 1000000 / (int64_t)tsc.hz;
	tsc.invariant = cpuid_max_ext_leaf() >= 0x80000007 &&
			(cpuid(0x80000007, 0).edx & (1u << 8));
	tsc.calibration_ns = tsc_to_ns(rdtsc() - start);
}

/* Time never runs backwards on one CPU, and a delay lasts what it says by the second source. */
static bool test_tsc(char *detail, size_t len)
{
	uint64_t prev = time_ns(), start_tsc, elapsed;

	for (int i = 0; i < 100000; i++) {
		uint64_t now = time_ns();

		if (now < prev) {
			ksnprintf(detail, len, "time went back from %llu to %llu ns",
				  (unsigned long long)prev, (unsigned long long)now);
			return false;
		}
		prev = now;
	}
	start_tsc = rdtsc_ordered();
	delay_ns(5000000);
	elapsed = rdtsc_ordered() - start_tsc;
	if (elapsed < tsc.hz / 200) {
		ksnprintf(detail, len, "delay_ns(5 ms) took %llu cycles at %llu Hz",
			  (unsigned long long)elapsed, (unsigned long long)tsc.hz);
		return false;
	}
	ksnprintf(detail, len, "%s %llu Hz, %s says %+lld ppm", tsc.source,
		  (unsigned long long)tsc.hz, tsc.check_source ? tsc.check_source : "nothing",
		  (long long)tsc.check_ppm);
	return true;
}
SELFTEST("tsc", test_tsc);
