"""Reading the kernel's records: lines "@type {json}" on its console.

The one parser of the records contract (DESIGN.md, "Records") for bench/ and
tests/. Anything that is not a record line is prose for people and ignored.
"""
import json
import re

RECORD_LINE = re.compile(r'^@([a-z_]+) (\{.*\})\s*$')


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
