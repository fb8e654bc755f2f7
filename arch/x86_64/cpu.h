/* SPDX-License-Identifier: MIT */
/* cpu.h - the instructions C cannot say: port I/O, MSRs, control registers, CPUID. */
#ifndef MEMINIT_ARCH_CPU_H
#define MEMINIT_ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_EFER 0xc0000080
#define  EFER_NXE (1u << 11)
#define MSR_GS_BASE 0xc0000101
#define MSR_APIC_BASE 0x1b

#define CR0_WP (1ul << 16)
#define CR4_PGE (1ul << 7)

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* rdtsc that cannot run ahead of earlier loads (SDM vol. 2B, RDTSC: use LFENCE). */
static inline uint64_t rdtsc_ordered(void)
{
	__asm__ volatile("lfence" ::: "memory");
	return rdtsc();
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

struct cpuid_regs { uint32_t eax, ebx, ecx, edx; };

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint32_t cpuid_max_leaf(void) { return cpuid(0, 0).eax; }
static inline uint32_t cpuid_max_ext_leaf(void) { return cpuid(0x80000000, 0).eax; }

/* The vendor string of leaf 0 ("GenuineIntel", "AuthenticAMD", ...) into @out[13]. */
static inline void cpuid_vendor(char out[13])
{
	struct cpuid_regs r = cpuid(0, 0);

	__builtin_memcpy(out, &r.ebx, 4);
	__builtin_memcpy(out + 4, &r.edx, 4);
	__builtin_memcpy(out + 8, &r.ecx, 4);
	out[12] = '\0';
}

/* The display family (SDM vol. 2A, CPUID leaf 1: the extended family counts only under family 0Fh). */
static inline unsigned cpuid_family(void)
{
	uint32_t eax = cpuid(1, 0).eax, family = (eax >> 8) & 0xf;

	return family == 0xf ? family + ((eax >> 20) & 0xff) : family;
}

/* The display model (the extended model counts under families 06h and 0Fh). */
static inline unsigned cpuid_model(void)
{
	uint32_t eax = cpuid(1, 0).eax, family = (eax >> 8) & 0xf, model = (eax >> 4) & 0xf;

	return family == 6 || family == 0xf ? model + (((eax >> 16) & 0xf) << 4) : model;
}

/*
 * The hypervisor's signature (leaf 40000000h: "KVMKVMKVM", "TCGTCGTCGTCG",
 * ...) into @out[13]; "" on real hardware, where leaf 1 ECX bit 31
 * ("hypervisor present") is clear.
 */
static inline void cpuid_hypervisor(char out[13])
{
	struct cpuid_regs r;

	out[0] = '\0';
	if (!(cpuid(1, 0).ecx & (1u << 31)))
		return;
	r = cpuid(0x40000000, 0);
	__builtin_memcpy(out, &r.ebx, 4);
	__builtin_memcpy(out + 4, &r.ecx, 4);
	__builtin_memcpy(out + 8, &r.edx, 4);
	out[12] = '\0';
}

/* Running under QEMU's TCG (a translating emulator)? */
static inline bool cpu_under_tcg(void)
{
	char sig[13];

	cpuid_hypervisor(sig);
	return __builtin_memcmp(sig, "TCGTCGTCGTCG", 13) == 0;
}

static inline uint64_t read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
static inline void write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cpu_halt(void) { __asm__ volatile("hlt" ::: "memory"); }

static inline uint64_t read_rflags(void)
{
	uint64_t f;

	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

static inline void __attribute__((noreturn)) cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

#define barrier() __asm__ volatile("" ::: "memory")

#endif
