/* SPDX-License-Identifier: MIT */
/*
 * kmalloc_report - what the one allocator API did over the boot (@kmalloc):
 * when each stage began, when the slab stage served its first object, how
 * many objects each stage handed out, the early bytes given back late, and
 * a kmalloc(64)/kfree pair's cost on the boot CPU, warm (min and median of
 * rounds), beside what its timing loop alone costs (the floor under it).
 */
#ifndef MEMINIT_INIT_KMALLOC_REPORT_H
#define MEMINIT_INIT_KMALLOC_REPORT_H

/*
 * Give the early objects freed so far back (kmalloc_return_early), measure
 * the pair and print @kmalloc; after the switch to the slab stage and the
 * last verification.
 */
void kmalloc_report(void);

#endif
