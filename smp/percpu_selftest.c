// SPDX-License-Identifier: MIT
/*
 * selftest=percpu: the dynamic per-CPU allocator on every online CPU.
 * The boot CPU allocates objects of several sizes and alignments, and each
 * CPU, in a cross-call, allocates one more (the map's lock, offsets handed
 * out on any CPU) and writes its own copy of every object through %gs; the
 * boot CPU then reads every CPU's copy through per_cpu_ptr() and checks it,
 * checks that each copy is on its CPU's node, frees everything, allocates
 * the same again and checks it comes back zeroed at the same offsets.
 * Prints @percpu_test; the @test verdict is the same check.
 */
#include "arch/x86_64/string.h"
#include "init/format.h"
#include "init/record.h"
#include "init/selftest.h"
#include "smp/percpu_area.h"
#include "smp/smp.h"

static const struct {
	uint64_t size, align;
} shapes[] = {
	{ 8, 8 }, { 24, 16 }, { 20, 4 }, { 136, 64 }, { 4096, 4096 }, { 10000, 256 }, { 40, 2048 },
};
#define SHAPES (sizeof(shapes) / sizeof(shapes[0]))
#define OWN_SIZE 48 /* what each CPU allocates itself */
#define OWN_ALIGN 32

struct percpu_probe {
	uint64_t shared[SHAPES];  /* the boot CPU's objects */
	uint64_t own[MAX_CPUS];   /* the one each CPU allocated */
	unsigned alloc_failed;
};

static uint64_t pattern(unsigned cpu, uint64_t off, uint64_t word)
{
	return (uint64_t)cpu << 48 ^ off << 8 ^ word ^ 0x5a5a000000000000ull;
}

/* Every whole word of this CPU's copy of the object at @off, written through %gs, the last added to. */
static void write_own_copy(uint64_t off, uint64_t size)
{
	unsigned cpu = smp_processor_id();
	uint64_t words = size / 8;

	for (uint64_t w = 0; w < words; w++)
		this_cpu_write_u64(off + 8 * w, pattern(cpu, off, w) - (w == words - 1));
	this_cpu_add_u64(off + 8 * (words - 1), 1);
}

/* On each CPU: allocate its own object, then write its copy of every object. */
static void fill_on_cpu(void *arg)
{
	struct percpu_probe *p = arg;
	unsigned cpu = smp_processor_id();

	p->own[cpu] = alloc_percpu(OWN_SIZE, OWN_ALIGN);
	if (!p->own[cpu])
		__atomic_add_fetch(&p->alloc_failed, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < SHAPES; i++)
		if (p->shared[i])
			write_own_copy(p->shared[i], shapes[i].size);
	if (p->own[cpu])
		write_own_copy(p->own[cpu], OWN_SIZE);
}

/* Words of CPU @cpu's copy of @off that are not what that CPU wrote. */
static uint64_t bad_words(uint64_t off, uint64_t size, unsigned cpu)
{
	const uint64_t *copy = per_cpu_ptr(off, cpu);
	uint64_t bad = 0;

	for (uint64_t w = 0; w < size / 8; w++)
		bad += copy[w] != pattern(cpu, off, w);
	return bad;
}

static uint64_t nonzero_bytes(uint64_t off, uint64_t size, unsigned cpu)
{
	const uint8_t *copy = per_cpu_ptr(off, cpu);
	uint64_t n = 0;

	for (uint64_t i = 0; i < size; i++)
		n += copy[i] != 0;
	return n;
}

static bool test_percpu(char *detail, size_t len)
{
	static struct percpu_probe probe; /* too big for the stack with MAX_CPUS entries */
	struct percpu_area_stats before, after;
	uint64_t checked = 0, bad = 0, off_node = 0, not_zeroed = 0, moved = 0, misaligned = 0;
	unsigned cpus = 0, alloc_failed = 0;
	struct record r;
	bool ok;

	memset(&probe, 0, sizeof(probe));
	percpu_area_stats(&before);
	for (unsigned i = 0; i < SHAPES; i++) {
		probe.shared[i] = alloc_percpu(shapes[i].size, shapes[i].align);
		alloc_failed += !probe.shared[i];
		misaligned += probe.shared[i] % shapes[i].align != 0;
	}
	smp_call_many(&cpu_online_mask, fill_on_cpu, &probe, true);
	alloc_failed += probe.alloc_failed;

	for_each_cpu_in(cpu, &cpu_online_mask) {
		cpus++;
		for (unsigned i = 0; i < SHAPES; i++) {
			if (!probe.shared[i])
				continue;
			checked += shapes[i].size / 8;
			bad += bad_words(probe.shared[i], shapes[i].size, cpu);
			/* Every page the object spans, on this CPU's node. */
			for (uint64_t b = 0; b < shapes[i].size; b += 4096)
				off_node += percpu_page_node(probe.shared[i] + b, cpu) != cpu_node(cpu);
		}
		for_each_cpu_in(owner, &cpu_online_mask)
			if (probe.own[owner]) {
				checked += OWN_SIZE / 8;
				/* Only its allocator wrote its copy; the others' copies are still zero. */
				bad += cpu == owner ? bad_words(probe.own[owner], OWN_SIZE, cpu) :
						      nonzero_bytes(probe.own[owner], OWN_SIZE, cpu) != 0;
			}
	}

	/* Free all and allocate the same again: first fit gives the same offsets back, zeroed everywhere. */
	for (unsigned i = 0; i < SHAPES; i++)
		free_percpu(probe.shared[i]);
	for_each_cpu_in(cpu, &cpu_online_mask)
		free_percpu(probe.own[cpu]);
	for (unsigned i = 0; i < SHAPES; i++) {
		uint64_t again = alloc_percpu(shapes[i].size, shapes[i].align);

		moved += again != probe.shared[i];
		for_each_cpu_in(cpu, &cpu_online_mask)
			not_zeroed += again ? nonzero_bytes(again, shapes[i].size, cpu) : 0;
		probe.shared[i] = again;
	}
	for (unsigned i = 0; i < SHAPES; i++)
		free_percpu(probe.shared[i]);
	percpu_area_stats(&after);

	ok = cpus > 0 && !alloc_failed && !misaligned && !bad && !off_node && !not_zeroed && !moved &&
	     after.allocations == before.allocations && after.bytes_in_use == before.bytes_in_use;
	record_begin(&r, "percpu_test");
	rec_u64(&r, "cpus", cpus);
	rec_u64(&r, "objects", SHAPES + cpus);
	rec_u64(&r, "alloc_failed", alloc_failed);
	rec_u64(&r, "misaligned", misaligned);
	rec_u64(&r, "words_checked", checked);
	rec_u64(&r, "words_wrong", bad);
	rec_u64(&r, "pages_off_node", off_node);
	rec_u64(&r, "bytes_not_zeroed", not_zeroed);
	rec_u64(&r, "offsets_moved", moved);
	rec_u64(&r, "allocations_left", after.allocations - before.allocations);
	rec_u64(&r, "pages_populated", after.pages_populated);
	record_end(&r);
	ksnprintf(detail, len, "%u CPUs, %llu objects, %llu words checked, %llu wrong, %llu pages off node",
		  cpus, (unsigned long long)(SHAPES + cpus), (unsigned long long)checked,
		  (unsigned long long)bad, (unsigned long long)off_node);
	return ok;
}
SELFTEST("percpu", test_percpu);
