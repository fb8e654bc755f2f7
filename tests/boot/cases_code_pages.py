"""Boot tests of mem.code_pages: under QEMU's TCG memblock keeps its blocks off
the pages that still hold the boot loader's translated code, sets them aside and
gives them back at the end of boot; off and avoid do what they say."""
from bootlib import GiB, boot, check, expect_clean_success, one
from meminit_bench.topology import machine

# 2 nodes of 1 GiB: node 1's 16 MiB of struct pages, at the top of the RAM below 4 GiB, would cover the
# stretch where GRUB ran its modules (about 16 MiB under the top); with 1 GiB in all they lie above it.
TWO_NODES = machine(2, 2, 2 * GiB).qemu_args()
PAGE = 4096


def code_pages_boot(iso, cmdline):
    """One xcall boot; its verified @result, its @kmalloc and its @code_pages."""
    b = boot(iso, cmdline=f'strategy=xcall {cmdline}', qemu_args=TWO_NODES)
    expect_clean_success(b)
    res = one(b.records, 'result')
    check(res['verified'] is True, f'{cmdline}: not verified: {res}')
    return res, one(b.records, 'kmalloc'), one(b.records, 'code_pages')


def check_probed(res, cp, cmdline):
    """Every block memblock handed out after the calibration was probed: at least the struct pages."""
    check(cp['probed'] is True, f'{cmdline}: not probed: {cp}')
    check(cp['probed_pages'] >= res['mem_map_bytes'] // PAGE,
          f'{cmdline}: probed {cp["probed_pages"]} pages, fewer than a {res["mem_map_bytes"]}-byte mem_map')
    check(cp['code_pages'] <= cp['probed_pages'] and cp['ranges'] <= cp['code_pages'], f'{cmdline}: {cp}')


def case_code_pages_avoided(iso):
    """auto: under the emulator GRUB's old code pages under node 1's top are found
    and set aside, every page still accounted (they are reserved in @result and
    come back after it); outside an emulator nothing is probed."""
    res, km, cp = code_pages_boot(iso, '')
    check(cp['mode'] == 'auto', f'mode {cp["mode"]}')
    if not cp['emulator']:
        check(cp['probed'] is False and cp['probed_pages'] == 0, f'probed outside an emulator: {cp}')
        return
    check_probed(res, cp, 'auto')
    check(cp['code_pages'] >= 1 and cp['ranges'] >= 1, f'no old code page found at node 1\'s top: {cp}')
    # The highest is GRUB's (its heap tops the RAM below 4 GiB); a host hiccup may mark a page anywhere.
    check(1 * GiB <= cp['last_phys'] < 2 * GiB and cp['first_phys'] <= cp['last_phys'],
          f'no code page in node 1\'s RAM: {cp["first_phys"]:#x}..{cp["last_phys"]:#x}')
    check(res['reserved_pages'] >= cp['code_pages'], f'set-aside pages not reserved in @result: {res}')
    check(res['free_pages'] + res['reserved_pages'] + res['allocated_pages'] == res['total_pages'],
          f'pages unaccounted: {res}')
    check(cp['ns'] > 0, f'no time: {cp}')


def case_code_pages_off_and_avoid(iso):
    """off: nothing probed, nothing set aside; avoid: probed whatever the CPU says."""
    res_off, _, off = code_pages_boot(iso, 'mem.code_pages=off')
    check(off['mode'] == 'off' and off['probed'] is False, f'off probed: {off}')
    check(off['probed_pages'] == 0 and off['code_pages'] == 0 and off['ranges'] == 0 and off['ns'] == 0,
          f'off did work: {off}')
    res_avoid, _, avoid = code_pages_boot(iso, 'mem.code_pages=avoid')
    check(avoid['mode'] == 'avoid', f'mode {avoid["mode"]}')
    check_probed(res_avoid, avoid, 'avoid')


CASES = {
    'code_pages_avoided': case_code_pages_avoided,
    'code_pages_off_and_avoid': case_code_pages_off_and_avoid,
}
