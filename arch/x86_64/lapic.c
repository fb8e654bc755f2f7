// SPDX-License-Identifier: MIT
#include "arch/x86_64/lapic.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/tsc.h"
#include "init/params.h"
#include "init/record.h"

/* Register offsets in xAPIC mode; x2APIC MSR = 0x800 + offset / 16 (SDM vol. 3A, 11.12.1.2). */
#define LAPIC_ID 0x020
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define  SVR_ENABLE (1u << 8)
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LOW 0x300
#define  ICR_FIXED 0x000
#define  ICR_INIT 0x500
#define  ICR_STARTUP 0x600
#define  ICR_DELIVERY_PENDING (1u << 12)
#define  ICR_LEVEL_ASSERT (1u << 14)
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0
#define  TIMER_DIVIDE_BY_1 0xb
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define  LVT_MASKED (1u << 16)
#define LAPIC_TPR 0x080

#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_X2APIC (1u << 10)
#define X2APIC_MSR(off) (0x800 + ((off) >> 4))

#define ICR_IDLE_TIMEOUT_NS 100000000ull /* 100 ms: a LAPIC that never accepts an IPI is broken */

static volatile uint32_t *lapic_mmio;
static bool x2apic;
static enum apic_mode_request apic_request = APIC_AUTO;

static const char *const apic_mode_names[] = {
	[APIC_AUTO] = "auto", [APIC_FORCE_XAPIC] = "xapic", [APIC_FORCE_X2APIC] = "x2apic",
};
PARAM_ENUM("apic", apic_request, apic_mode_names,
	   "local APIC mode: auto (x2APIC when the CPU has it) or forced");

static uint32_t lapic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(X2APIC_MSR(reg));
	return lapic_mmio[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(X2APIC_MSR(reg), v);
	else
		lapic_mmio[reg / 4] = v;
}

/* Remap the 8259 PICs away from the exception vectors and mask every line: we use only the LAPIC. */
static void legacy_pic_disable(void)
{
	outb(0x20, 0x11); /* ICW1: init, expect ICW4 */
	outb(0xa0, 0x11);
	outb(0x21, 0x20); /* ICW2: vectors 0x20-0x27 and 0x28-0x2f */
	outb(0xa1, 0x28);
	outb(0x21, 0x04); /* ICW3: slave on IRQ2 */
	outb(0xa1, 0x02);
	outb(0x21, 0x01); /* ICW4: 8086 mode */
	outb(0xa1, 0x01);
	outb(0x21, 0xff); /* mask all */
	outb(0xa1, 0xff);
}

static void ignore_interrupt(struct trap_frame *f)
{
	(void)f; /* spurious: no EOI (SDM vol. 3A, 11.9) */
}

static uint64_t timer_rate(void);

/* The timer and the wake-up IPI only end a halt; the halted code re-checks what it waits for. */
static void eoi_only(struct trap_frame *f)
{
	(void)f;
	lapic_eoi();
}

void lapic_init_boot_cpu(uint64_t lapic_phys)
{
	bool has_x2apic = cpuid(1, 0).ecx & (1u << 21);

	legacy_pic_disable();
	/* A spurious interrupt from a PIC line masked too late lands on 0x27 or 0x2f. */
	idt_set_handler(0x27, ignore_interrupt);
	idt_set_handler(0x2f, ignore_interrupt);
	idt_set_handler(VEC_SPURIOUS, ignore_interrupt);
	idt_set_handler(VEC_TIMER, eoi_only);
	idt_set_handler(VEC_WAKEUP, eoi_only);

	if (apic_request == APIC_FORCE_X2APIC && !has_x2apic)
		record_error("apic", "x2apic requested but the CPU has no x2APIC", "using xAPIC");
	x2apic = has_x2apic && apic_request != APIC_FORCE_XAPIC;
	if (!x2apic)
		lapic_mmio = ioremap(lapic_phys ? lapic_phys : LAPIC_DEFAULT_PHYS, 4096);
	lapic_enable();
	timer_rate(); /* measured now (100 us), not inside the first timed wait */
}

void lapic_enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;

	/* xAPIC -> x2APIC is allowed directly; the reverse needs a disable first (SDM 11.12.5). */
	if (x2apic)
		base |= APIC_BASE_X2APIC;
	wrmsr(MSR_APIC_BASE, base);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_ESR, 0);
	lapic_eoi();
}

bool lapic_x2apic_mode(void)
{
	return x2apic;
}

const char *lapic_mode_name(void)
{
	return x2apic ? "x2apic" : "xapic";
}

uint32_t lapic_id(void)
{
	return x2apic ? lapic_read(LAPIC_ID) : lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

static void wait_icr_idle(void)
{
	uint64_t start;

	if (x2apic)
		return; /* x2APIC has no delivery-status bit: the write is the send (SDM 11.12.9) */
	start = time_ns();
	while (lapic_read(LAPIC_ICR_LOW) & ICR_DELIVERY_PENDING) {
		if (time_ns() - start > ICR_IDLE_TIMEOUT_NS) {
			record_error("apic", "IPI never left the local APIC", "sending the next anyway");
			return;
		}
		cpu_relax();
	}
}

static void send_icr(uint32_t apic_id, uint32_t low)
{
	uint64_t flags = read_rflags();

	/* The two xAPIC ICR writes must not be split by an interrupt that sends an IPI too. */
	irq_disable();
	wait_icr_idle();
	if (x2apic) {
		wrmsr(X2APIC_MSR(LAPIC_ICR_LOW), ((uint64_t)apic_id << 32) | low);
	} else {
		lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
		lapic_write(LAPIC_ICR_LOW, low);
	}
	if (flags & (1u << 9))
		irq_enable();
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	send_icr(apic_id, ICR_FIXED | ICR_LEVEL_ASSERT | vector);
}

void lapic_send_init(uint32_t apic_id)
{
	send_icr(apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
}

void lapic_send_startup(uint32_t apic_id, uint32_t page_phys)
{
	send_icr(apic_id, ICR_STARTUP | (page_phys >> 12));
}

uint32_t cpuid_apic_id(void)
{
	/* Leaf 0Bh EDX is the full x2APIC id; leaf 1 EBX[31:24] the 8-bit initial APIC id. */
	if (cpuid_max_leaf() >= 0xb && cpuid(0xb, 0).ebx)
		return cpuid(0xb, 0).edx;
	return cpuid(1, 0).ebx >> 24;
}

/* ---- the one-shot timer (SDM vol. 3A, 11.5.4 "APIC Timer") ---- */

#define TIMER_CALIBRATION_NS 100000ull /* 100 us: 1e5 counts at QEMU's 1 GHz, plenty */
#define TIMER_MAX_NS 1000000000000ull  /* one shot ends a halt, not a boot: 1000 s at most */

static volatile uint64_t timer_counts_per_ms; /* 0: not measured yet */

/* All LAPIC timers run off one clock, so one CPU's measurement serves all. */
static uint64_t timer_rate(void)
{
	uint64_t t0, t1, counted;

	if (timer_counts_per_ms)
		return timer_counts_per_ms;
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_1);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INITIAL, 0xffffffffu);
	t0 = time_ns();
	delay_ns(TIMER_CALIBRATION_NS);
	counted = 0xffffffffu - lapic_read(LAPIC_TIMER_CURRENT);
	t1 = time_ns();
	lapic_write(LAPIC_TIMER_INITIAL, 0);
	counted = counted * 1000000 / (t1 - t0);
	timer_counts_per_ms = counted ? counted : 1;
	return timer_counts_per_ms;
}

void lapic_timer_oneshot_ns(uint64_t ns)
{
	uint64_t count;

	if (ns > TIMER_MAX_NS)
		ns = TIMER_MAX_NS;
	count = ns * timer_rate() / 1000000; /* <= 1e12 * 1e7 counts per ms: no overflow */
	if (count == 0)
		count = 1;
	if (count > 0xffffffffu)
		count = 0xffffffffu; /* the caller loops until its deadline */
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_1);
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER); /* one-shot, unmasked */
	lapic_write(LAPIC_TIMER_INITIAL, (uint32_t)count);
}
