/* SPDX-License-Identifier: MIT */
/*
 * rng - the random numbers of the randomized host tests: Marsaglia's
 * xorshift64 (shifts 13, 7, 17), one fixed sequence per test program.
 *
 * The state is static, one per file that includes this header, starting at
 * RNG_SEED: a test program that wants a sequence of its own defines
 * RNG_SEED before the include. Same seed, same run, so a failure found by
 * a randomized test can be replayed.
 */
#ifndef MEMINIT_TESTS_HOST_RNG_H
#define MEMINIT_TESTS_HOST_RNG_H

#include <stdint.h>

#ifndef RNG_SEED
#define RNG_SEED 0x9e3779b97f4a7c15ull /* 2^64 / golden ratio */
#endif

static uint64_t rng_state = RNG_SEED;

static inline void rnd_seed(uint64_t seed)
{
	rng_state = seed;
}

/* The next number of the sequence. */
static inline uint64_t xorshift64(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* A number in [0, @n); 0 when @n is 0. Takes a step of the sequence either way. */
static inline uint64_t rnd(uint64_t n)
{
	uint64_t x = xorshift64();

	return n ? x % n : 0;
}

#endif
