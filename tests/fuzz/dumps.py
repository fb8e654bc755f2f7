"""The kernel's @dump records (debug.dump=, init/dump.c) put back together.

Shared by tests/fuzz/make-corpus, which turns them into seeds, and the boot
test that checks them, so the record layout is read in one place.
"""


class Blob:
    """One dumped thing: what ('mbi', 'rsdp', 'acpi'), sig (tables), addr, data."""

    def __init__(self, what, sig, addr, data):
        self.what, self.sig, self.addr, self.data = what, sig, addr, data

    def __repr__(self):
        return f'Blob({self.what} {self.sig or ""} at {self.addr:#x}, {len(self.data)} bytes)'


def blobs(dump_records):
    """[Blob] in the order first seen, from @dump record bodies; raises on a gap or overlap."""
    parts = {}
    for rec in dump_records:
        key = (rec['what'], rec.get('sig'), rec['addr'])
        parts.setdefault(key, (rec['len'], {}))[1][rec['offset']] = bytes.fromhex(rec['hex'])
    out = []
    for (what, sig, addr), (length, pieces) in parts.items():
        data = b''
        for offset in sorted(pieces):
            if offset != len(data):
                raise ValueError(f'@dump {what} {sig or ""} at {addr:#x}: piece at {offset}, expected {len(data)}')
            data += pieces[offset]
        if len(data) != length:
            raise ValueError(f'@dump {what} {sig or ""} at {addr:#x}: {len(data)} bytes of {length}')
        out.append(Blob(what, sig, addr, data))
    return out


def checksum_ok(data):
    """ACPI 6.4, 5.2.6: all bytes of a table (or the RSDP's first 20) sum to zero mod 256."""
    return sum(data) % 256 == 0
