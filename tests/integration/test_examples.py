"""The checked-in examples (examples/<tool>.txt) still show what the tools
print, in shape: tests/examples.py runs every recipe again into a temporary
directory, and each output block must have the same command, headers,
column names, JSON record types and keys, and kinds of rows as the
checked-in one. Values (PIDs, times, counts, latencies, ports, how many
rows of a kind) may differ. When a tool's output changes on purpose,
regenerate: python3 tests/examples.py (and read the commentary again)."""
import importlib.util
import json
import os
import re
import subprocess
import sys

from lib import REPO, check, eq, host_only, tmpdir
from test_tools import tools


def examples_module():
    spec = importlib.util.spec_from_file_location(
        "examples", os.path.join(REPO, "tests", "examples.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def blocks(path):
    with open(path) as f:
        items = examples_module().parse(f.read())
    return {it[1]: it[2] for it in items if it[0] == "block"}


def json_shape(v):
    """A JSON value's shape: objects by their keys in order (and "type" by
    its value), arrays by the set of their elements' shapes."""
    if isinstance(v, dict):
        return "{" + ",".join(f"{k}={v[k]!r}" if k == "type" else f"{k}:{json_shape(v[k])}"
                              for k in v) + "}"
    if isinstance(v, list):
        return "[" + ",".join(sorted({json_shape(x) for x in v})) + "]"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "num"
    return "null" if v is None else "str"


def line_shape(line):
    """A line without its values: numbers (1, 2.5) are N, the cells between two bars
    (a histogram's stars, a heat map's shades) their width, blanks one."""
    s = line.strip()
    if s[:1] in "{[":
        try:
            return "json " + json_shape(json.loads(s))
        except ValueError:
            pass
    if not s.startswith("# "):
        s = re.sub(r"\|[^|]*\|", lambda m: f"|{len(m.group(0)) - 2}|", s)
    return " ".join(re.sub(r"\d+(\.\d+)?", "N", s).split())


LOSS_LINE = re.compile(r"[a-z]+: N events, N lost \(")


def shape(lines):
    """The set of line shapes: how many rows of a kind, and in which order
    rows of equal counts come, do not matter."""
    return {line_shape(l) for l in lines}


def test_checked_in_examples_are_complete():
    for t in tools():
        path = os.path.join(REPO, "examples", t + ".txt")
        check(os.path.exists(path), f"examples/{t}.txt")
        with open(path) as f:
            text = f.read()
        check("(commentary for " not in text, f"examples/{t}.txt: commentary to write")
        bs = blocks(path)
        check(bs and all(b and b[0].startswith(f"# {t}") for b in bs.values()),
              f"examples/{t}.txt: blocks that start with the command")


def test_examples_match_the_tools_in_shape():
    host_only("the examples are this machine's output")
    out = tmpdir()
    r = subprocess.run([sys.executable, os.path.join(REPO, "tests", "examples.py"), "-o", out],
                       capture_output=True, text=True, timeout=300)
    eq(r.returncode, 0, "tests/examples.py: " + r.stderr[-3000:])
    changed = []
    for t in tools():
        old = blocks(os.path.join(REPO, "examples", t + ".txt"))
        new = blocks(os.path.join(out, t + ".txt"))
        eq(sorted(new), sorted(old), f"{t}: the blocks")
        for name in old:
            a, b = shape(old[name]), shape(new[name])
            # a JSON run's stats line on stderr is there only when something
            # was lost (biolatency's "end not seen" on a loop device: the
            # kernel's, now and then): its presence is a value
            a, b = ({x for x in v if not LOSS_LINE.match(x)} for v in (a, b))
            if a != b:
                changed.append(f"{t}.{name}: only in examples/{t}.txt: {sorted(a - b)}; "
                               f"only in a new run: {sorted(b - a)}")
    eq(changed, [], "examples whose output changed shape (regenerate with "
                    "python3 tests/examples.py and check the commentary)")
