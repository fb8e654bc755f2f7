// SPDX-License-Identifier: MIT
#include "arch/x86_64/paging.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/spinlock.h"
#include "arch/x86_64/string.h"
#include "arch/x86_64/trap.h"
#include "init/exit.h"
#include "init/format.h"
#include "init/selftest.h"
#include "init/record.h"
#include "mm/code_pages.h"
#include "mm/memblock.h"
#include "smp/cpumask.h"

#define TABLE_ENTRIES 512
/* Table pages must be reachable through the boot tables, which map the first 4 GiB. */
#define TABLE_ALLOC_LIMIT (4ull << 30)

struct paging_info paging;

static uint64_t *root;         /* the PML4 */
static uint64_t nx_bit;        /* PTE_NX, or 0 if the CPU has no NX */
static struct spinlock map_lock; /* direct_map_ensure may be called from any CPU */
static const struct fw_mem_range *ram_map; /* what paging_init mapped, for the self-test */
static size_t ram_count;

extern const char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern const char __data_start[], __kernel_end[];
extern const char boot_stack_guard[];

static uint64_t *new_table(void)
{
	uint64_t phys = memblock_alloc(&boot_memblock, 4096, 4096, NUMA_NO_NODE, TABLE_ALLOC_LIMIT);
	uint64_t *t;

	if (!phys) {
		record_error("page tables",
			     boot_memblock.frozen ? "early allocator retired (mem_map laid out)" :
						    "early allocator has no memory below 4 GiB",
			     "machine stopped");
		machine_exit(false);
	}
	t = phys_to_virt(phys);
	code_pages_zero_fresh(t); /* memblock gives out GRUB's old heap first: maybe old code */
	paging.table_pages++;
	return t;
}

static unsigned index_at(uint64_t virt, int level)
{
	return (virt >> (12 + 9 * level)) & 511;
}

/* The table that entry @e points to, made on demand (never for a huge entry). */
static uint64_t *next_table(uint64_t *e)
{
	if (!(*e & PTE_PRESENT))
		*e = virt_to_phys(new_table()) | PTE_PRESENT | PTE_WRITE;
	return phys_to_virt(*e & PTE_ADDR_MASK);
}

/*
 * Map [virt, virt + size) to phys with pages of @page_size (4K, 2M or 1G);
 * all three must be @page_size aligned. Entries already present are kept:
 * neighbouring RAM ranges round into the same large page.
 */
static void map_pages(uint64_t virt, uint64_t phys, uint64_t size, uint64_t page_size,
		      uint64_t flags)
{
	int leaf_level = page_size == SIZE_1G ? 2 : page_size == SIZE_2M ? 1 : 0;

	for (uint64_t off = 0; off < size; off += page_size) {
		uint64_t *table = root, *leaf, v = virt + off;

		for (int level = 3; level > leaf_level; level--) {
			uint64_t *e = &table[index_at(v, level)];

			if (*e & PTE_HUGE)
				goto next; /* already covered by a larger page */
			table = next_table(e);
		}
		leaf = &table[index_at(v, leaf_level)];
		if (!(*leaf & PTE_PRESENT))
			*leaf = (phys + off) | flags | PTE_PRESENT | (leaf_level ? PTE_HUGE : 0);
		else if (leaf_level && !(*leaf & PTE_HUGE))
			/* Smaller pages already live here: fill the rest of it with them. */
			map_pages(v, phys + off, page_size, page_size >> 9, flags);
next:;
	}
}

static uint64_t round_down(uint64_t v, uint64_t a) { return v & ~(a - 1); }
static uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

/* Direct-map [start, end) rounded out to 2 MiB, with 1 GiB pages where they fit. */
static void direct_map_range(uint64_t start, uint64_t end, uint64_t flags)
{
	uint64_t a = round_down(start, SIZE_2M), b = round_up(end, SIZE_2M);

	while (a < b) {
		uint64_t step = SIZE_2M;

		if (paging.direct_map_page == SIZE_1G && !(a & (SIZE_1G - 1)) && b - a >= SIZE_1G)
			step = SIZE_1G;
		map_pages(PAGE_OFFSET + a, a, step, step, flags);
		a += step;
	}
}

static void map_kernel_section(const char *start, const char *end, uint64_t flags)
{
	uint64_t s = (uint64_t)start, e = round_up((uint64_t)end, 4096);

	map_pages(s, s - KERNEL_VMA, e - s, 4096, flags | PTE_GLOBAL);
}

/* Remove the 4 KiB page at @virt from the kernel image's mapping. */
static void unmap_kernel_page(uint64_t virt)
{
	uint64_t *table = root;

	for (int level = 3; level > 0; level--)
		table = next_table(&table[index_at(virt, level)]);
	table[index_at(virt, 0)] = 0;
}

uint64_t paging_map_stack(unsigned cpu, uint64_t phys, uint64_t size)
{
	uint64_t guard = STACK_VMA + (uint64_t)cpu * STACK_SLOT;

	map_pages(guard + 4096, phys, size, 4096, PTE_WRITE | nx_bit);
	return guard + 4096 + size;
}

void paging_map_percpu_unit(uint64_t virt, uint64_t phys, uint64_t size, uint64_t page_size,
			    uint64_t dynamic_bytes)
{
	spin_lock(&map_lock);
	map_pages(virt, phys, size, page_size, PTE_WRITE | PTE_GLOBAL | nx_bit);
	for (uint64_t off = 0; off < dynamic_bytes; off += SIZE_2M) {
		uint64_t *table = root, v = virt + SIZE_2M + off;

		for (int level = 3; level > 0; level--)
			table = next_table(&table[index_at(v, level)]);
	}
	spin_unlock(&map_lock);
}

void paging_map_percpu_page(uint64_t virt, uint64_t phys)
{
	spin_lock(&map_lock);
	map_pages(virt, phys, 4096, 4096, PTE_WRITE | PTE_GLOBAL | nx_bit);
	spin_unlock(&map_lock);
	/* A new entry where none was present: no stale translation to flush on any CPU. */
}

uint64_t paging_lookup(uint64_t virt)
{
	const uint64_t *table = root;

	for (int level = 3; level >= 0; level--) {
		uint64_t e = table[index_at(virt, level)];
		uint64_t page = 1ull << (12 + 9 * level);

		if (!(e & PTE_PRESENT))
			return UINT64_MAX;
		if (level == 0 || (e & PTE_HUGE))
			return (e & PTE_ADDR_MASK & ~(page - 1)) + (virt & (page - 1));
		table = phys_to_virt(e & PTE_ADDR_MASK);
	}
	return UINT64_MAX;
}

int paging_stack_guard_cpu(uint64_t virt)
{
	if (virt - (uint64_t)boot_stack_guard < 4096)
		return 0;
	if (virt >= STACK_VMA && virt - STACK_VMA < (uint64_t)MAX_CPUS * STACK_SLOT &&
	    (virt - STACK_VMA) % STACK_SLOT < 4096)
		return (int)((virt - STACK_VMA) / STACK_SLOT);
	return -1;
}

static bool ram_like(uint32_t type)
{
	return type == FW_MEM_USABLE || type == FW_MEM_ACPI_RECLAIM || type == FW_MEM_ACPI_NVS;
}

void paging_init(const struct fw_mem_range *map, size_t count)
{
	bool gb_pages = cpuid_max_ext_leaf() >= 0x80000001 &&
			(cpuid(0x80000001, 0).edx & (1u << 26)); /* Page1GB */

	paging.nx = rdmsr(MSR_EFER) & EFER_NXE;
	nx_bit = paging.nx ? PTE_NX : 0;
	paging.direct_map_page = gb_pages ? SIZE_1G : SIZE_2M;
	ram_map = map;
	ram_count = count;
	root = new_table();

	map_kernel_section(__text_start, __text_end, 0);
	map_kernel_section(__rodata_start, __rodata_end, nx_bit);
	map_kernel_section(__data_start, __kernel_end, PTE_WRITE | nx_bit);
	unmap_kernel_page((uint64_t)boot_stack_guard);

	/* Coalesce RAM rounded to 2 MiB first, so that 1 GiB pages span neighbouring ranges. */
	uint64_t ext_start = 0, ext_end = 0;

	for (size_t i = 0; i <= count; i++) {
		uint64_t s = 0, e = 0;

		if (i < count) {
			if (!ram_like(map[i].type))
				continue;
			s = round_down(map[i].start, SIZE_2M);
			e = round_up(map[i].end, SIZE_2M);
			paging.direct_map_bytes += map[i].end - map[i].start;
			if (ext_end && s <= ext_end) {
				if (e > ext_end)
					ext_end = e;
				continue;
			}
		}
		if (ext_end)
			direct_map_range(ext_start, ext_end, PTE_WRITE | nx_bit);
		ext_start = s;
		ext_end = e;
	}
	write_cr4(read_cr4() | CR4_PGE);
	write_cr3(virt_to_phys(root));
}

void direct_map_ensure(uint64_t phys, uint64_t size)
{
	spin_lock(&map_lock);
	direct_map_range(phys, phys + size, PTE_WRITE | nx_bit);
	spin_unlock(&map_lock);
	/* Only new entries were added: no stale translation to flush. */
}

void *ioremap(uint64_t phys, uint64_t size)
{
	uint64_t a = round_down(phys, 4096), b = round_up(phys + size, 4096);

	spin_lock(&map_lock);
	map_pages(PAGE_OFFSET + a, a, b - a, 4096, PTE_WRITE | PTE_PCD | PTE_PWT | nx_bit);
	spin_unlock(&map_lock);
	return phys_to_virt(phys);
}

uint64_t paging_root(void)
{
	return virt_to_phys(root);
}

/* The protections paging_init promised, probed through the exception table. */
static uint8_t probe_data_page[16] __attribute__((aligned(16))) = { 0xc3 }; /* ret */

enum probe_kind { PROBE_READ, PROBE_WRITE, PROBE_EXEC };

/* Probe @addr and compare the outcome with @want_vec (0: no fault) and the error bits. */
static bool probe_expect(const char *what, enum probe_kind kind, void *addr,
			 unsigned long want_vec, unsigned long want_bits, char *detail, size_t len)
{
	unsigned long err = 0, got;

	got = kind == PROBE_READ ? probe_read(addr, &err) :
	      kind == PROBE_WRITE ? probe_write(addr, &err) : probe_exec(addr, &err);
	if (got == want_vec && (err & want_bits) == want_bits)
		return true;
	ksnprintf(detail, len, "%s: probe returned %lu (error %#lx), expected %lu (bits %#lx)", what,
		  got, err, want_vec, want_bits);
	return false;
}

static bool test_paging(char *detail, size_t len)
{
	const unsigned long PF = VEC_PF + 1;
	const struct fw_mem_range *last_ram = NULL;

	for (size_t i = 0; i < ram_count; i++)
		if (ram_map[i].type == FW_MEM_USABLE)
			last_ram = &ram_map[i];
	if (!probe_expect("write .text", PROBE_WRITE, (void *)(uintptr_t)test_paging, PF,
			  PF_PRESENT | PF_WRITE, detail, len) ||
	    !probe_expect("write .rodata", PROBE_WRITE, (void *)(uintptr_t)"rodata", PF,
			  PF_PRESENT | PF_WRITE, detail, len) ||
	    !probe_expect("write .data", PROBE_WRITE, probe_data_page + 1, 0, 0, detail, len) ||
	    (paging.nx && !probe_expect("execute .data", PROBE_EXEC, probe_data_page, PF,
					PF_PRESENT | PF_INSTR, detail, len)) ||
	    !probe_expect("read page 0", PROBE_READ, (void *)0x10, PF, 0, detail, len))
		return false;
	/* The last byte of RAM must be in the direct map, however far above 4 GiB. */
	if (last_ram && !probe_expect("write last RAM byte", PROBE_WRITE,
				      phys_to_virt(last_ram->end - 1), 0, 0, detail, len))
		return false;
	ksnprintf(detail, len, "text RX, rodata R, data RW%s, null unmapped, %s direct map to %#lx",
		  paging.nx ? " NX" : "", paging.direct_map_page == SIZE_1G ? "1G" : "2M",
		  last_ram ? last_ram->end : 0);
	return true;
}
SELFTEST("paging", test_paging);
