"""Reading the kernel's records: lines "@type {json}" on its console.

The one parser of the records contract for bench/ and tests/. Anything that
is not a record line is prose for people and ignored. What each record type
holds is written once, in init/records.schema.json (JSON Schema, beside the
code that prints the records): validate() checks a record against it and
required_fields() reads it, so no field list is kept by hand here.

The strategies are the kernel's own: strategy_names() reads them from the
kernel's ELF (its "strategies" registry) or from a boot's records.
"""
import json
import os
import re
import struct

from . import REPO_DIR as ROOT

RECORD_LINE = re.compile(r'^@([a-z_]+) (\{.*\})\s*$')
SCHEMA_PATH = os.path.join(ROOT, 'init', 'records.schema.json')


def parse_records(text):
    """Return [(type, dict)] for every record line in console output, in order.

    A line that looks like a record but whose JSON does not parse is returned
    as ('unparsable', {'line': ...}) so that callers can fail on it.
    """
    records = []
    for raw in text.splitlines():
        line = raw.strip('\r')
        at = line.find('@')
        if at < 0:
            continue
        match = RECORD_LINE.match(line[at:])
        if not match:
            continue
        try:
            records.append((match.group(1), json.loads(match.group(2))))
        except ValueError:
            records.append(('unparsable', {'line': line}))
    return records


def of_type(records, kind):
    """All records of one type, as dicts."""
    return [body for rtype, body in records if rtype == kind]


def one(records, kind):
    """The single record of a type; raises if there is not exactly one."""
    found = of_type(records, kind)
    if len(found) != 1:
        raise AssertionError(f'expected exactly one @{kind}, found {len(found)}')
    return found[0]


# ---- the schema ----

_schema = None


def schema():
    """init/records.schema.json, read once."""
    global _schema
    if _schema is None:
        with open(SCHEMA_PATH) as f:
            _schema = json.load(f)
    return _schema


def record_types():
    """Every record type the schema defines, in its order ('boot', 'topology', ...)."""
    return [key[1:] for key in schema()['$defs'] if key.startswith('@')]


def type_schema(rtype):
    """The schema of one record type; KeyError for a type the schema lacks."""
    return schema()['$defs']['@' + rtype]


def required_fields(rtype):
    """The keys every record of this type carries, in the schema's order."""
    return tuple(type_schema(rtype).get('required', ()))


def fields(rtype):
    """Every key the schema names for this type (required or not), in its order."""
    return tuple(type_schema(rtype).get('properties', {}))


_validators = {}


def _validator(rtype):
    """A jsonschema validator for one type: its definition, with the shared $defs to resolve against."""
    if rtype not in _validators:
        try:
            import jsonschema
        except ImportError as e:
            raise RuntimeError('validating records needs python3-jsonschema (bash bench/setup)') from e
        whole = schema()
        one_type = {'$schema': whole['$schema'], '$defs': whole['$defs'], '$ref': f'#/$defs/@{rtype}'}
        cls = jsonschema.validators.validator_for(one_type)
        cls.check_schema(one_type)
        _validators[rtype] = cls(one_type)
    return _validators[rtype]


def _where(error):
    """'nodes[0].cpus' from a validation error's path inside the record."""
    out = ''
    for part in error.absolute_path:
        out += f'[{part}]' if isinstance(part, int) else (f'.{part}' if out else part)
    return out


def validate(rtype, body):
    """Problems of one record against the schema: ['@result.nodes[0].cpus: ...'], [] if none."""
    if rtype == 'unparsable':
        return [f'unparsable record line: {body.get("line", "")[:200]}']
    if '@' + rtype not in schema()['$defs']:
        return [f'@{rtype}: a record type init/records.schema.json does not define']
    problems = []
    for error in sorted(_validator(rtype).iter_errors(body), key=lambda e: list(e.absolute_path)):
        where = _where(error)
        if error.validator == 'required':
            # The missing key is the field to name, not the object that lacks it.
            missing = re.match(r"'([^']+)'", error.message)
            where = '.'.join(filter(None, [where, missing.group(1) if missing else '']))
        problems.append(f'@{rtype}.{where}: {error.message}' if where else f'@{rtype}: {error.message}')
    return problems


def validate_all(records):
    """Problems of every record of a boot, each naming the record's position, type and field."""
    problems = []
    for i, (rtype, body) in enumerate(records):
        problems += [f'record {i + 1}: {p}' for p in validate(rtype, body)]
    return problems


# ---- the strategies, from the kernel ----

ELF_MAGIC = b'\x7fELF'
SHT_SYMTAB = 2
REGISTRY = 'strategies'  # the linker section STRATEGY() puts its pointers in (strategies/strategy.h)


class _Elf:
    """Just enough of an ELF64 little-endian file: sections, symbols, bytes at an address."""

    def __init__(self, data):
        if data[:4] != ELF_MAGIC or data[4] != 2 or data[5] != 1:
            raise ValueError('not a 64-bit little-endian ELF file')
        self.data = data
        shoff, = struct.unpack_from('<Q', data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3a)
        self.sections = [struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize) for i in range(shnum)]
        names = self.sections[shstrndx]
        self.names = {self._string(names[4] + s[0]): s for s in self.sections}

    def _string(self, offset):
        return self.data[offset:self.data.index(b'\0', offset)].decode()

    def symbols(self):
        """{name: value} of the symbol table."""
        out = {}
        for s in self.sections:
            if s[1] != SHT_SYMTAB:
                continue
            strtab = self.sections[s[6]]
            for off in range(s[4], s[4] + s[5], s[9]):
                name, _, _, _, value, _ = struct.unpack_from('<IBBHQQ', self.data, off)
                if name:
                    out[self._string(strtab[4] + name)] = value
        return out

    def at(self, addr, size):
        """The file's bytes at a loaded address."""
        for s in self.sections:
            start, offset, length = s[3], s[4], s[5]
            if start and start <= addr and addr + size <= start + length:
                return self.data[offset + addr - start:offset + addr - start + size]
        raise ValueError(f'address {addr:#x} is in no section of the file')

    def c_string(self, addr):
        for s in self.sections:
            start, offset, length = s[3], s[4], s[5]
            if start and start <= addr < start + length:
                at = offset + addr - start
                return self.data[at:self.data.index(b'\0', at)].decode()
        raise ValueError(f'address {addr:#x} is in no section of the file')

    def registry(self, name):
        """(address, size) of a linker-section registry: the section itself, or __start_/__stop_ symbols."""
        if name in self.names:
            return self.names[name][3], self.names[name][5]
        syms = self.symbols()
        start, stop = syms.get(f'__start_{name}'), syms.get(f'__stop_{name}')
        if start is None or stop is None:
            raise ValueError(f'no "{name}" section and no __start_{name}/__stop_{name} symbols')
        return start, stop - start


def strategies_in_elf(path):
    """The registered strategy names, in link order: each entry points to a struct strategy whose first field is its name."""
    with open(path, 'rb') as f:
        elf = _Elf(f.read())
    addr, size = elf.registry(REGISTRY)
    pointers = struct.unpack('<%dQ' % (size // 8), elf.at(addr, size))
    return [elf.c_string(struct.unpack('<Q', elf.at(p, 8))[0]) for p in pointers]


def strategies_in_records(records):
    """The strategies a boot names, in its order: a strategy=all boot's @bench records, else its @result."""
    names = [b['strategy'] for b in of_type(records, 'bench')] or \
            [r['strategy'] for r in of_type(records, 'result')]
    return list(dict.fromkeys(names))


def strategy_names(source):
    """The kernel's strategies, from a kernel ELF file, a console log file or parsed records."""
    if not isinstance(source, (str, os.PathLike)):
        return strategies_in_records(source)
    with open(source, 'rb') as f:
        is_elf = f.read(4) == ELF_MAGIC
    if is_elf:
        return strategies_in_elf(source)
    with open(source, errors='replace') as f:
        return strategies_in_records(parse_records(f.read()))


def kernel_elf(iso):
    """The kernel ELF the build put beside an ISO (meminit.iso: meminit.elf)."""
    return os.path.splitext(iso)[0] + '.elf'
