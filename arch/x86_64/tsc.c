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
#define PIT_WINDOWS 5
#define PIT_WINDOW_MS 10
#define CALIBRATION_TARGET_PPM 100 /* the worst-case error the chosen measured source must reach */
#define CHECK_TARGET_PPM (TSC_AGREE_PPM / 5) /* a checking source's: noise cannot fake a disagreement */
#define CALIBRATION_MAX_NS 25000000ull /* refine no longer than this (at 4 GHz; longer when slower) */
#define READ_TRIES 3 /* reads of a counter per sample; the tightest-bracketed is kept */

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

/*
 * CPUID 15h (SDM vol. 2A, CPUID: TSC and core crystal clock). Trusted only
 * when the CPU states its crystal (ECX): the TSC rate is then exact by
 * definition. Without it, 16h's base frequency is a rounded MHz figure: a
 * last resort (@nominal), not a calibration.
 */
static uint64_t tsc_hz_from_cpuid(bool *nominal)
{
	struct cpuid_regs r;

	*nominal = false;
	if (cpuid_max_leaf() < 0x15)
		return 0;
	r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx)
		return 0;
	if (r.ecx)
		return (uint64_t)r.ecx * r.ebx / r.eax;
	*nominal = true;
	if (cpuid_max_leaf() >= 0x16)
		return (uint64_t)(cpuid(0x16, 0).eax & 0xffff) * 1000000;
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
static uint64_t pit_window_hz(void)
{
	uint16_t count = PIT_HZ / (1000 / PIT_WINDOW_MS);
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

/*
 * The PIT, only when no PM timer or HPET could be read: the median of a
 * few windows, since a window is only as exact as the polling of OUT2.
 */
static uint64_t pit_hz(void)
{
	uint64_t v[PIT_WINDOWS];

	for (int i = 0; i < PIT_WINDOWS; i++) {
		v[i] = pit_window_hz();
		if (!v[i])
			return 0;
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	}
	return v[PIT_WINDOWS / 2];
}

/* ---- counting the TSC against the PM timer and the HPET, both in one window ---- */

#define HPET_CAPABILITIES 0x000 /* bits 63:32: counter period in femtoseconds */
#define  HPET_COUNT_SIZE_64 (1u << 13)
#define HPET_CONFIG 0x010
#define  HPET_ENABLE 1u
#define HPET_COUNTER 0x0f0
#define FS_PER_S 1000000000000000ull

static uint64_t hpet_reg(const struct tsc_references *ref, unsigned off)
{
	return *(volatile uint64_t *)((volatile uint8_t *)ref->hpet + off);
}

static uint64_t pm_timer_count(const struct tsc_references *ref)
{
	return inl(ref->pm_timer_port);
}

static uint64_t hpet_count(const struct tsc_references *ref)
{
	return hpet_reg(ref, HPET_COUNTER);
}

/* A reference clock: a counter at a known rate, read at a known TSC time. */
struct ref_clock {
	const char *name;
	uint64_t (*read)(const struct tsc_references *ref);
	uint64_t mask, hz;
	uint64_t target_ppm;         /* the window may end for it when bound_ppm is within this */
	uint64_t count0, tsc0, err0; /* the window's first reading: counter, TSC, TSC uncertainty */
	uint64_t tsc_hz, bound_ppm;  /* the estimate so far and its worst-case error */
};

/*
 * Read @c's counter between two TSC readings, a few times, and keep the
 * tightest: the counter was read somewhere in [before, after], so the
 * middle is its TSC time within half the bracket. A read stretched by an
 * SMI or by the host descheduling the vCPU widens its bracket and loses.
 */
static void read_bracketed(const struct ref_clock *c, const struct tsc_references *ref,
			   uint64_t *count, uint64_t *tsc_at, uint64_t *err)
{
	*err = UINT64_MAX;
	for (int i = 0; i < READ_TRIES; i++) {
		uint64_t before = rdtsc_ordered(), v = c->read(ref) & c->mask;
		uint64_t after = rdtsc_ordered();

		if ((after - before) / 2 < *err) {
			*count = v;
			*tsc_at = before + (after - before) / 2;
			*err = (after - before) / 2;
		}
	}
}

static void ref_start(struct ref_clock *c, const struct tsc_references *ref)
{
	read_bracketed(c, ref, &c->count0, &c->tsc0, &c->err0);
}

/*
 * Read @c again and update its estimate. The error bound counts both
 * readings' brackets and one counter tick, against the cycles elapsed.
 */
static void ref_update(struct ref_clock *c, const struct tsc_references *ref)
{
	uint64_t count, tsc_at, err, ticks, cycles;

	read_bracketed(c, ref, &count, &tsc_at, &err);
	ticks = (count - c->count0) & c->mask;
	cycles = tsc_at - c->tsc0;
	if (!ticks || !cycles)
		return;
	/* A window is at most ~1e8 cycles and a counter at most ~1e9 Hz: the products fit 64 bits. */
	c->tsc_hz = cycles * c->hz / ticks;
	c->bound_ppm = (c->err0 + err + cycles / ticks) * 1000000 / cycles;
}

/*
 * The references the firmware described, in order of preference; returns
 * how many. The HPET first: its tick is ~25 TSC cycles against the PM
 * timer's ~700, so its estimate tightens several times faster.
 */
static unsigned ref_clocks(const struct tsc_references *ref, struct ref_clock *out)
{
	unsigned n = 0;

	if (ref->hpet) {
		uint64_t cap = hpet_reg(ref, HPET_CAPABILITIES), period_fs = cap >> 32;

		/* The spec caps the period at 100 ns; a zero or larger one is no HPET. */
		if (period_fs && period_fs <= 100000000ull) {
			*(volatile uint64_t *)((volatile uint8_t *)ref->hpet + HPET_CONFIG) =
				hpet_reg(ref, HPET_CONFIG) | HPET_ENABLE;
			out[n++] = (struct ref_clock){ .name = "hpet", .read = hpet_count,
						       .mask = cap & HPET_COUNT_SIZE_64 ? UINT64_MAX : 0xffffffffu,
						       .hz = FS_PER_S / period_fs };
		}
	}
	if (ref->pm_timer_port)
		out[n++] = (struct ref_clock){ .name = "pmtimer", .read = pm_timer_count,
					       .mask = ref->pm_timer_32bit ? 0xffffffffu : 0xffffffu,
					       .hz = PM_TIMER_HZ };
	return n;
}

/*
 * One window for every reference at once: it lasts until each estimate's
 * worst-case error is within its target (how long that takes depends on
 * how fast the counters can be read), or CALIBRATION_MAX_NS. A counter
 * that never moves gives no estimate.
 */
static void measure_refs(struct ref_clock *c, unsigned n, const struct tsc_references *ref)
{
	uint64_t start = rdtsc();
	bool done;

	for (unsigned i = 0; i < n; i++)
		ref_start(&c[i], ref);
	do {
		done = true;
		for (unsigned i = 0; i < n; i++) {
			if (c[i].tsc_hz && c[i].bound_ppm <= c[i].target_ppm)
				continue;
			ref_update(&c[i], ref);
			done &= c[i].tsc_hz && c[i].bound_ppm <= c[i].target_ppm;
		}
		/* The give-up time in cycles, at most 4 GHz: ~CALIBRATION_MAX_NS at 4 GHz, 4x that at 1 GHz. */
	} while (!done && rdtsc() - start < CALIBRATION_MAX_NS * 4);
}

static void take_source(uint64_t hz, const char *name, uint64_t bound_ppm)
{
	if (!hz)
		return;
	if (!tsc.hz) {
		tsc.hz = hz;
		tsc.source = name;
		tsc.bound_ppm = bound_ppm;
	} else if (!tsc.check_hz) {
		tsc.check_hz = hz;
		tsc.check_source = name;
	}
}

void tsc_calibrate(const struct tsc_references *ref)
{
	uint64_t start = rdtsc(), nominal_hz;
	struct ref_clock refs[2];
	unsigned n;
	bool nominal;

	/*
	 * A frequency the CPU or the hypervisor states exactly comes first;
	 * then the measured ones (ref_clocks()); the first found is used and
	 * the next checks it. A checking source needs only enough precision to
	 * tell a disagreement of TSC_AGREE_PPM from measuring noise. The PIT
	 * only when neither timer answers: under QEMU it has been seen to run
	 * 1.193 times slow.
	 */
	nominal_hz = tsc_hz_from_cpuid(&nominal);
	if (!nominal)
		take_source(nominal_hz, "cpuid-15h", 0);
	take_source(tsc_hz_from_hypervisor(), "hypervisor", 0);
	n = tsc.check_hz ? 0 : ref_clocks(ref, refs);
	if (tsc.hz && n > 1)
		n = 1; /* a stated frequency needs one check */
	for (unsigned i = 0; i < n; i++)
		refs[i].target_ppm = i == 0 && !tsc.hz ? CALIBRATION_TARGET_PPM : CHECK_TARGET_PPM;
	measure_refs(refs, n, ref);
	for (unsigned i = 0; i < n; i++)
		take_source(refs[i].tsc_hz, refs[i].name, refs[i].bound_ppm);
	if (!tsc.check_hz)
		take_source(pit_hz(), "pit", 0);
	if (nominal)
		take_source(nominal_hz, "cpuid-16h", 0);
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
