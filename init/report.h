/* SPDX-License-Identifier: MIT */
#ifndef MEMINIT_INIT_REPORT_H
#define MEMINIT_INIT_REPORT_H

/* @boot: version, command line, TSC calibration, memory (DESIGN.md, Records). */
void report_boot(void);

#endif
