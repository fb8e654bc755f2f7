/* SPDX-License-Identifier: MIT */
/* pool_exhaust - boot.pool_exhaust=on: a mempool under exhausted memory, @mempool (pool_exhaust.c). */
#ifndef MEMINIT_INIT_POOL_EXHAUST_H
#define MEMINIT_INIT_POOL_EXHAUST_H

/* In the boot's rest, if asked: exhaust memory, serve the pool's callers, give everything back. */
void pool_exhaust_if_asked(void);

#endif
