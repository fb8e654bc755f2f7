"""Running gnuplot: one script drawn twice, as SVG and as PNG, data inline.

    paths = render(out_dir, "compare-2n-2c-4G", body, {"bars": rows}, width, height)

body is gnuplot commands that draw one graph (or a multiplot) from the named
data blocks ($bars). Strings are quoted with q() and never go through gnuplot's
enhanced-text markup, so names like memmap_init print as written.
"""
import math
import os
import subprocess

FONT = 'Sans'


def q(text):
    """A gnuplot double-quoted string."""
    return '"' + str(text).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'


def datablock(name, rows):
    """$name << EOD ... EOD; each row a sequence of numbers and strings."""
    out = [f'${name} << EOD']
    for row in rows:
        out.append(' '.join(q(v) if isinstance(v, str) else repr(float(v)) if isinstance(v, float) else str(v)
                            for v in row))
    out.append('EOD')
    return '\n'.join(out)


def rgb(hex_colour):
    """'#1f77b4' as the integer gnuplot's 'lc rgb variable' reads."""
    return int(hex_colour.lstrip('#'), 16)


def darker(hex_colour, factor=0.55):
    value = rgb(hex_colour)
    r, g, b = (value >> 16) & 255, (value >> 8) & 255, value & 255
    return '#%02x%02x%02x' % (int(r * factor), int(g * factor), int(b * factor))


def render(out_dir, name, body, blocks, width, height):
    """Write out_dir/name.svg and name.png; returns their paths. Raises
    RuntimeError with gnuplot's own message when it refuses the script."""
    os.makedirs(out_dir, exist_ok=True)
    paths = [os.path.join(out_dir, f'{name}.{ext}') for ext in ('svg', 'png')]
    terminals = [f'svg size {width},{height} dynamic noenhanced font "{FONT},11" background "white"',
                 f'pngcairo size {width},{height} noenhanced font "{FONT},10" background "white"']
    script = [datablock(n, rows) for n, rows in blocks.items()]
    for terminal, path in zip(terminals, paths):
        script += [f'set terminal {terminal}', f'set output {q(path)}', 'reset', body, 'unset output']
    done = subprocess.run(['gnuplot'], input='\n'.join(script) + '\n', text=True, capture_output=True)
    if done.returncode or any(not os.path.exists(p) or not os.path.getsize(p) for p in paths):
        raise RuntimeError(f'gnuplot could not draw {name}: {done.stderr.strip()[-800:]}')
    return paths


def log_range(values):
    """(low, high) decades around positive values, for a log axis."""
    values = [v for v in values if v and v > 0]
    low, high = min(values), max(values)
    return 10 ** math.floor(math.log10(low * 0.8)), 10 ** math.ceil(math.log10(high * 1.25))


def wants_log(values, ratio=30):
    """A log axis when the values span more than `ratio` to one."""
    values = [v for v in values if v and v > 0]
    return len(values) > 1 and max(values) / min(values) > ratio


def spread_labels(positions, gap, low, high):
    """Move label positions (one axis, in plot units) apart by at least gap,
    keeping their order and staying inside [low, high]; returns the new positions
    in the input's order. For lines labelled at their ends."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    placed = {}
    previous = None
    for i in order:
        y = max(positions[i], low) if previous is None else max(positions[i], previous + gap)
        placed[i] = y
        previous = y
    overflow = (previous - high) if previous is not None else 0
    if overflow > 0:  # push the whole stack down again, never below low
        for i in order:
            placed[i] = max(low, placed[i] - overflow)
        for a, b in zip(order, order[1:]):
            placed[b] = max(placed[b], placed[a] + gap)
    return [placed[i] for i in range(len(positions))]
