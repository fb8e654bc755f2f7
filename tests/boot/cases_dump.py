"""Boot tests of debug.dump=: the raw firmware input, as @dump records, is whole and intact."""
import os
import struct

from bootlib import MiB, ROOT, boot, check, expect_clean_success, of_type
from meminit_bench.topology import Node, Topology

from dumps import blobs, checksum_ok  # noqa: E402


def case_dump_all(iso):
    topo = Topology([Node(512 * MiB, [0]), Node(512 * MiB, [1])], [[10, 21], [21, 10]])
    b = boot(iso, cmdline='debug.dump=all', qemu_args=topo.qemu_args())
    expect_clean_success(b)
    got = blobs(of_type(b.records, 'dump'))
    kinds = {x.what for x in got}
    check(kinds == {'mbi', 'rsdp', 'acpi'}, f'dumped {kinds}, expected mbi, rsdp and acpi')
    for x in got:
        if x.what == 'mbi':
            check(struct.unpack_from('<I', x.data)[0] == len(x.data), 'mbi: total_size is not its length')
        elif x.what == 'rsdp':
            check(x.data[:8] == b'RSD PTR ' and checksum_ok(x.data[:20]), f'rsdp {x.data.hex()}')
        else:
            check(x.data[:4].decode() == x.sig, f'{x}: signature {x.data[:4]!r}')
            check(struct.unpack_from('<I', x.data, 4)[0] == len(x.data), f'{x}: length field')
            check(checksum_ok(x.data), f'{x}: bad checksum')
    sigs = {x.sig for x in got if x.what == 'acpi'}
    for sig in ('RSDT', 'FACP', 'APIC', 'SRAT', 'SLIT', 'DSDT'):
        check(sig in sigs, f'no {sig} dumped: {sorted(sigs)}')
    check(any(x.sig == 'DSDT' and len(x.data) > 2048 for x in got),
          'the DSDT should need several records')


CASES = {
    'dump_all': case_dump_all,
}
