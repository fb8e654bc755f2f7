"""Boot tests of memmap.code_pages: under QEMU's TCG the struct page arrays'
pages that still hold the boot loader's translated code are found and written
whole before the first run, and so are the new page tables' as they are made;
off and scrub do what they say."""
from bootlib import GiB, boot, check, expect_clean_success, one
from meminit_bench.topology import machine

# 2 nodes of 1 GiB: node 1's 16 MiB of struct pages, at the top of the RAM below 4 GiB, cover the stretch
# where GRUB ran its modules (about 16 MiB under the top; with 1 GiB in all the arrays lie above it).
TWO_NODES = machine(2, 2, 2 * GiB).qemu_args()
PAGE = 4096


def code_pages_boot(iso, cmdline):
    """One xcall boot; its verified @result and its @code_pages."""
    b = boot(iso, cmdline=f'strategy=xcall {cmdline}', qemu_args=TWO_NODES)
    expect_clean_success(b)
    res = one(b.records, 'result')
    check(res['verified'] is True, f'{cmdline}: not verified: {res}')
    return res, one(b.records, 'code_pages')


def check_probed_all(res, cp, cmdline):
    """Every whole 4 KiB page of the arrays probed (2 MiB aligned: all of mem_map_bytes, to a page)."""
    check(cp['probed'] is True, f'{cmdline}: not probed: {cp}')
    expected = res['mem_map_bytes'] // PAGE
    check(expected - 2 * len(res['nodes']) <= cp['probed_pages'] <= expected,
          f'{cmdline}: probed {cp["probed_pages"]} pages of a {res["mem_map_bytes"]}-byte mem_map')


def case_code_pages_found(iso):
    """auto: under the emulator every page is probed and GRUB's old code pages under
    node 1's struct pages are found; outside an emulator nothing is probed."""
    res, cp = code_pages_boot(iso, '')
    check(cp['mode'] == 'auto', f'mode {cp["mode"]}')
    if not cp['emulator']:
        check(cp['probed'] is False and cp['probed_pages'] == 0 and cp['fresh_pages'] == 0,
              f'probed outside an emulator: {cp}')
        return
    check_probed_all(res, cp, 'auto')
    check(cp['code_pages'] >= 1, f'no old code page found under node 1\'s struct pages: {cp}')
    check(cp['code_pages'] <= cp['probed_pages'], f'more code pages than probed: {cp}')
    # QEMU's machines have fw_cfg with DMA: its one write per page lifts each guard, which the
    # kernel checks by probing again (a host hiccup in that probe sends one page to the stores).
    check(cp['cleared_by_device'] >= max(1, cp['code_pages'] - 1), f'pages left to word-by-word clearing: {cp}')
    # The highest is GRUB's (its heap tops the RAM below 4 GiB); a host hiccup may mark a page anywhere.
    check(1 * GiB <= cp['last_phys'] < 2 * GiB and cp['first_phys'] <= cp['last_phys'],
          f'no code page in node 1\'s RAM: {cp["first_phys"]:#x}..{cp["last_phys"]:#x}')
    check(cp['ns'] > 0, f'no time: {cp}')
    # The page tables made after the TSC calibration (the per-CPU units' among them) come from the
    # same top of the RAM: probed as they are made, GRUB's pages among them cleared by the device.
    check(cp['fresh_pages'] >= 1 and 1 <= cp['fresh_code_pages'] <= cp['fresh_pages'] and cp['fresh_ns'] > 0,
          f'no new page table probed, or none of GRUB\'s: {cp}')
    check(cp['fresh_by_device'] >= cp['fresh_code_pages'] - 1, f'tables left to word-by-word clearing: {cp}')


def case_code_pages_off_and_scrub(iso):
    """off: nothing probed, the same verified mem_map; scrub: probed whatever the CPU says."""
    res_off, off = code_pages_boot(iso, 'memmap.code_pages=off')
    check(off['mode'] == 'off' and off['probed'] is False, f'off probed: {off}')
    check(off['probed_pages'] == 0 and off['code_pages'] == 0 and off['ns'] == 0 and off['fresh_pages'] == 0,
          f'off did work: {off}')
    res_scrub, scrub = code_pages_boot(iso, 'memmap.code_pages=scrub')
    check(scrub['mode'] == 'scrub', f'mode {scrub["mode"]}')
    check_probed_all(res_scrub, scrub, 'scrub')
    check(res_off['digest'] == res_scrub['digest'], f'digests differ: {res_off["digest"]} {res_scrub["digest"]}')


CASES = {
    'code_pages_found': case_code_pages_found,
    'code_pages_off_and_scrub': case_code_pages_off_and_scrub,
}
