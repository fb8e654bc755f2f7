/* SPDX-License-Identifier: MIT */
/*
 * tsc - time since entry, from the calibrated TSC.
 *
 * boot.S reads the TSC before anything else: that is time zero for every
 * record. tsc_calibrate() takes the TSC frequency from CPUID 15h or the
 * hypervisor's leaf where they state it exactly, else counts the TSC
 * against the ACPI PM timer and the HPET in one window that ends as soon
 * as both estimates are within 100 ppm (else the PIT), and cross-checks
 * against a second source when there is one.
 */
#ifndef MEMINIT_ARCH_TSC_H
#define MEMINIT_ARCH_TSC_H

#include <stdbool.h>
#include <stdint.h>

extern uint64_t boot_tsc0;

struct tsc_calibration {
	uint64_t hz;
	const char *source;       /* "cpuid-15h", "hypervisor", "pmtimer", "hpet", "pit", "cpuid-16h" */
	uint64_t bound_ppm;       /* a measured source's worst-case error (0: stated, or not bounded) */
	uint64_t check_hz;        /* a second source's opinion, 0 if none */
	const char *check_source;
	int64_t check_ppm;        /* (check_hz - hz) / hz in parts per million */
	bool invariant;           /* CPUID 80000007h EDX[8]: constant rate in all states */
	uint64_t calibration_ns;  /* how long calibrating took */
};

extern struct tsc_calibration tsc;

/* Two sources further apart than this: one of them is wrong (@error). */
#define TSC_AGREE_PPM 1000

/* Reference clocks the firmware described (0: absent). */
struct tsc_references {
	uint16_t pm_timer_port; /* FADT PM_TMR_BLK */
	bool pm_timer_32bit;    /* FADT TMR_VAL_EXT */
	volatile void *hpet;    /* the HPET's registers, mapped */
};

void tsc_calibrate(const struct tsc_references *ref);

/* Nanoseconds between two TSC readings, and since time zero. */
uint64_t tsc_to_ns(uint64_t cycles);
uint64_t time_ns(void);
void delay_ns(uint64_t ns);

#endif
