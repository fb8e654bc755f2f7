/* SPDX-License-Identifier: MIT */
/* debug - faults on request (debug.fault=KIND), to test that faults are reported. */
#ifndef MEMINIT_INIT_DEBUG_H
#define MEMINIT_INIT_DEBUG_H

void debug_fault_if_asked(void);

#endif
