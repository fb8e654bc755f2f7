"""Firmware tables that lie, for the boot tests: MADT, SRAT and SLIT built
byte by byte (ACPI 6.x layouts), then broken on purpose, and an ISO whose
GRUB loads them in place of the firmware's own (GRUB's `acpi` command).

QEMU's -acpitable would repair a checksum or a length on its way in, so it
cannot lie for us; GRUB copies a table file as it is.
"""
import os
import shutil
import struct
import subprocess
import tempfile

HEADER = struct.Struct('<4sIBB6s8sI4sI')  # signature, length, revision, checksum, OEM ids, creator
MiB = 1 << 20


def table(signature, body, revision=1):
    """A table with a correct length and checksum."""
    raw = bytearray(HEADER.pack(signature, HEADER.size + len(body), revision, 0, b'MEMINI', b'TESTTABL', 1,
                                b'MEMI', 1) + body)
    return fix_checksum(raw)


def fix_checksum(raw):
    raw = bytearray(raw)
    raw[9] = 0
    raw[9] = (-sum(raw)) & 0xff
    return bytes(raw)


def set_length(raw, length, checksum_ok=True):
    """The header's length field set to @length (the bytes stay as they are)."""
    raw = bytearray(raw)
    struct.pack_into('<I', raw, 4, length)
    if checksum_ok:
        # Sum what the length covers, as far as there are bytes: the lie is the length alone.
        raw[9] = 0
        raw[9] = (-sum(raw[:length])) & 0xff
    return bytes(raw)


# ---- MADT: the local APIC address, flags, then one Processor Local APIC entry per CPU.

def madt(apic_ids, extra_entries=b''):
    body = struct.pack('<II', 0xfee00000, 1)
    for i, apic_id in enumerate(apic_ids):
        body += struct.pack('<BBBBI', 0, 8, i, apic_id, 1)
    body += struct.pack('<BBBBII', 1, 12, len(apic_ids), 0, 0xfec00000, 0)  # the I/O APIC
    return table(b'APIC', body + extra_entries, revision=3)


MADT_ENTRIES_OFFSET = HEADER.size + 8


# ---- SRAT: reserved words, then CPU and memory affinity entries.

def srat_cpu(apic_id, domain):
    return struct.pack('<BBBBIB3sI', 0, 16, domain & 0xff, apic_id, 1, 0, bytes(3), 0)


def srat_memory(domain, base, length):
    return struct.pack('<BBIHIIIIIIQ', 1, 40, domain, 0, base & 0xffffffff, base >> 32,
                       length & 0xffffffff, length >> 32, 0, 1, 0)


def srat(cpus, memory, extra_entries=b''):
    """cpus: [(apic_id, domain)], memory: [(domain, base, length)]."""
    body = struct.pack('<IQ', 1, 0)
    body += b''.join(srat_cpu(a, d) for a, d in cpus)
    body += b''.join(srat_memory(d, b, n) for d, b, n in memory)
    return table(b'SRAT', body + extra_entries, revision=3)


SRAT_ENTRIES_OFFSET = HEADER.size + 12


# ---- SLIT: the number of localities, then the matrix.

def slit(matrix):
    body = struct.pack('<Q', len(matrix)) + bytes(d for row in matrix for d in row)
    return table(b'SLIT', body)


# The machine the ACPI cases boot: QEMU's 2 nodes x 512 MiB, one CPU each.
TWO_NODE_CPUS = [(0, 0), (1, 1)]
TWO_NODE_MEMORY = [(0, 0, 640 * 1024), (0, 1 * MiB, 511 * MiB), (1, 512 * MiB, 512 * MiB)]


def good_tables():
    return {'APIC': madt([0, 1]), 'SRAT': srat(TWO_NODE_CPUS, TWO_NODE_MEMORY), 'SLIT': slit([[10, 21], [21, 10]])}


def iso_with_tables(iso, tables, out_dir):
    """A copy of @iso whose GRUB drops the firmware's tables of @tables'
    signatures and loads @tables instead: {signature: bytes, a list of them
    (several tables of one signature), or None (the firmware's is just dropped)}."""
    work = tempfile.mkdtemp(dir=out_dir)
    cfg = os.path.join(work, 'grub.cfg')
    subprocess.run(['xorriso', '-osirrox', 'on', '-indev', iso, '-extract', '/boot/grub/grub.cfg', cfg],
                   check=True, capture_output=True)
    os.chmod(cfg, 0o644)
    files = []
    for sig, raws in tables.items():
        raws = [] if raws is None else raws if isinstance(raws, list) else [raws]
        files += [(f'/boot/acpi-{sig.lower()}-{i}.aml', raw) for i, raw in enumerate(raws)]
    with open(cfg) as f:
        text = f.read()
    load = (f'    insmod acpi\n    acpi --exclude={",".join(tables)} {" ".join(name for name, _ in files)}\n'
            '    multiboot2 /boot/meminit.elf')
    if '    multiboot2 /boot/meminit.elf' not in text:
        raise AssertionError('the ISO\'s grub.cfg has no multiboot2 line to put the tables before')
    with open(cfg, 'w') as f:
        f.write(text.replace('    multiboot2 /boot/meminit.elf', load, 1))
    maps = ['-map', cfg, '/boot/grub/grub.cfg']
    for name, raw in files:
        path = os.path.join(work, os.path.basename(name))
        with open(path, 'wb') as f:
            f.write(raw)
        maps += ['-map', path, name]
    out = os.path.join(work, 'tables.iso')
    subprocess.run(['xorriso', '-indev', iso, '-outdev', out, '-boot_image', 'any', 'replay', '-hfsplus', 'off']
                   + maps, check=True, capture_output=True)
    return out, work


def cleanup(work):
    shutil.rmtree(work, ignore_errors=True)
