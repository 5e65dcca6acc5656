"""Muscle memory (issue 17): every row of doc/compat.tsv, the command lines
of bcc's and libbpf-tools' tools, run against the built tools with the
outcome the table records; the man pages document every difference; and
doc/compat-output.tsv's column headers and histogram layouts are what the
tools print. The rows run concurrently beside a workload (direct reads of
a loop device, opens, execs, failing calls, refused connects), each
stopped with SIGINT about a second after it attached."""
import concurrent.futures
import ctypes.util
import os
import re
import shlex
import shutil
import socket
import signal
import subprocess
import threading
import time

from lib import (REPO, Skip, check, eq, expect_usage_error, loop_device, on_cleanup, slow,
                 tmpdir, tool_path, wait_for, workload)
from test_man_examples import have_kprobes, unroff

TABLE = os.path.join(REPO, "doc", "compat.tsv")
OUTPUT_TABLE = os.path.join(REPO, "doc", "compat-output.tsv")
TOOLS = {"opensnoop", "execsnoop", "tcpconnect", "errsnoop", "fileslower", "funccount",
         "biolatency"}
OUTCOMES = {"runs", "differs", "hint"}
WORKERS = 8
RUN_FOR = 0.6  # seconds after attach before SIGINT


def read_tsv(path):
    """The rows of a table as dicts (comment lines and the header left out)."""
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
    cols = lines[0].split("\t")
    rows = []
    for n, line in enumerate(lines[1:], 2):
        cells = line.split("\t")
        eq(len(cells), len(cols), f"{os.path.basename(path)} row {n} cells: {line!r}")
        rows.append(dict(zip(cols, cells)))
    return rows


def compat_section(tool):
    """The COMPATIBILITY section of a tool's man page as plain text: fonts,
    escapes and requests removed, lines joined."""
    with open(os.path.join(REPO, "man", "man8", tool + ".8"), encoding="utf-8") as f:
        page = f.read()
    m = re.search(r"^\.SH COMPATIBILITY\n(.*?)^\.SH ", page, re.S | re.M)
    check(m, f"{tool}.8 has a COMPATIBILITY section")
    text = re.sub(r"^\..*$", " ", m.group(1), flags=re.M)  # .IP \(bu ...
    return " ".join(unroff(text).split())


def test_table_is_well_formed():
    """Every row names a loupe tool, an anchor, a source, an outcome and
    what its outcome needs (a hint text and a man phrase for a hint...);
    no line is listed twice for one anchor."""
    rows = read_tsv(TABLE)
    check(len(rows) > 150, f"{len(rows)} rows")
    seen = set()
    for r in rows:
        what = f"{r['anchor']} {r['typed']!r}"
        check(r["tool"] in TOOLS, f"{what}: tool {r['tool']}")
        check(r["anchor"] in ("bcc", "libbpf-tools"), f"{what}: anchor")
        check(r["source"] != "-", f"{what}: source")
        check(r["outcome"] in OUTCOMES, f"{what}: outcome {r['outcome']}")
        check(r["loupe"].split()[0] == r["tool"], f"{what}: loupe command {r['loupe']!r}")
        check((r["says"] != "-") == (r["outcome"] == "hint"), f"{what}: says")
        check(r["fix"] == "-" or r["outcome"] == "hint", f"{what}: fix")
        check(r["fix"] == "-" or r["fix"].split()[0] == r["tool"], f"{what}: fix {r['fix']!r}")
        check(r["man"] != "-" or r["outcome"] == "runs", f"{what}: man")
        key = (r["anchor"], r["typed"])
        check(key not in seen, f"{what}: listed twice")
        seen.add(key)


def test_man_pages_document_every_difference():
    """Each row that runs with a difference or answers with a hint has its
    phrase in its tool's COMPATIBILITY section."""
    sections = {t: compat_section(t) for t in TOOLS}
    missing = [f"{r['tool']}.8: {r['man']!r} ({r['anchor']} {r['typed']!r})"
               for r in read_tsv(TABLE)
               if r["man"] != "-" and r["man"] not in sections[r["tool"]]]
    eq(missing, [], "COMPATIBILITY phrases missing")


# ---- running the rows ------------------------------------------------------

def _libc():
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if re.search(r"/libc[.-][^/]*so", path):
                return path
    raise AssertionError("no libc in /proc/self/maps")


class Need:
    """A row's needs: whether this machine has them, and what loupe must
    say (exit 1) where it has not."""

    def have(self, need):
        if need in ("-", "io", "./test"):
            return True
        if need == "kprobes":
            return have_kprobes()
        if need == "libgo":
            return bool(ctypes.util.find_library("go"))
        if need == "node":
            return bool(shutil.which("node"))
        if need.startswith("tracepoint "):
            cat, ev = need.split()[1].split(":")
            return os.path.isdir(f"/sys/kernel/tracing/events/{cat}/{ev}")
        raise AssertionError(f"unknown need {need!r}")

    @staticmethod
    def says(need):
        if need == "kprobes":
            return "kernel functions cannot be traced"
        if need == "libgo":
            return "'go'"
        if need == "node":
            return "'node'"
        return "no tracepoint matches"


class Env:
    """What the rows' placeholders stand for, and the workload beside them."""

    def __init__(self):
        self.dev = loop_device()
        self.dir = tmpdir()
        shutil.copy(_libc(), os.path.join(self.dir, "test"))  # ./test:read*
        self.sleeper = subprocess.Popen(["sleep", "600"])
        on_cleanup(self.sleeper.kill)
        self.needs = Need()
        with open("/proc/mounts") as f:
            cg = [l.split()[1] for l in f if l.split()[2] == "cgroup2"]
        check(cg, "a cgroup2 mount")
        self.values = {"{pid}": str(self.sleeper.pid), "{tid}": str(self.sleeper.pid),
                       "{disk}": os.path.basename(self.dev), "{cgroup}": cg[0]}
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._work, daemon=True)
        self._t.start()
        on_cleanup(self.stop)

    def _work(self):
        """Block I/O, opens, execs, failing calls and refused connects,
        every 50 ms, so that the rows' tools have events to show."""
        while not self._stop.is_set():
            subprocess.run([workload("dioread"), "-n", "4", "-s", "4096", self.dev],
                           capture_output=True)
            try:
                open("/nonexistent/loupe-compat")
            except OSError:
                pass
            s = socket.socket()
            s.settimeout(0.2)
            s.connect_ex(("127.0.0.1", 9))
            s.close()
            self._stop.wait(0.05)

    def stop(self):
        self._stop.set()
        self._t.join(5)

    def command(self, line):
        """A table's command line with the loupe tool's path and real values."""
        for k, v in self.values.items():
            line = line.replace(k, v)
        words = line.split(" ", 1)
        return shlex.quote(tool_path(words[0])) + (" " + words[1] if len(words) > 1 else "")


def run_row(env, line, need, out_of=None):
    """Runs a command line as a user would (bash, in a directory holding
    ./test), stops it with SIGINT RUN_FOR after it attached; returns None
    when it behaved as the table says, else why not. out_of[line] gets its
    stdout."""
    have = env.needs.have(need)
    cmd = env.command(line)
    d = tmpdir()
    out, err = os.path.join(d, "out"), os.path.join(d, "err")
    with open(out, "wb") as fo, open(err, "wb") as fe:
        p = subprocess.Popen(["bash", "-c", "exec " + cmd], stdout=fo, stderr=fe,
                             stdin=subprocess.DEVNULL, cwd=env.dir)

    def errtext():
        with open(err, encoding="utf-8", errors="replace") as f:
            return f.read()

    # a hang catcher: 8 commands at once, single kprobes on 6.1 under TCG
    limit = 30 * slow()
    ready = wait_for(lambda: p.poll() is not None or "Tracing" in errtext(), timeout=limit)
    if not ready:
        p.kill()
        return f"not attached within {limit:.0f} s: {errtext()!r}"
    if p.poll() is None:
        time.sleep(RUN_FOR)
        p.send_signal(signal.SIGINT)
    try:
        rc = p.wait(15)
    except subprocess.TimeoutExpired:
        p.kill()
        return "still running 15 s after SIGINT"
    with open(out, "rb") as f:
        stdout = f.read()
    if out_of is not None:
        out_of[line] = stdout
    if not have:
        if rc != 1 or Need.says(need) not in errtext():
            return f"needs {need} (missing here): exit {rc}, {errtext()!r}, want exit 1 saying so"
        return None
    if rc != 0:
        return f"exit {rc}: {errtext()!r}"
    if not stdout:
        return f"no output; stderr {errtext()!r}"
    if need == "io" and b"distribution" not in stdout and b'"hist"' not in stdout:
        return f"no histogram: {stdout[:200]!r}"
    return None


def check_hint(row):
    """A hint row: exit 2, one line holding the hint, nothing loaded or
    printed on stdout (lib.expect_usage_error)."""
    args = shlex.split(row["loupe"])
    try:
        expect_usage_error(args[0], args[1:], row["says"])
    except AssertionError as e:
        return str(e)
    except subprocess.TimeoutExpired:
        return "still running after 10 s: it was not refused"
    return None


def test_every_row_has_its_outcome():
    """Each row's command line: "runs" and "differs" exit 0 with output
    (a histogram where the row needs I/O); "hint" exits 2 with the hint,
    and the command the hint leads to runs. Rows that need what this
    machine lacks (kprobes, libgo...) must exit 1 and say so."""
    if not os.path.exists(tool_path("biolatency")):
        raise Skip("tools not built")
    env = Env()
    rows = read_tsv(TABLE)
    runs = {}  # command -> need, each run once
    for r in rows:
        if r["outcome"] in ("runs", "differs"):
            runs.setdefault(r["loupe"], r["needs"])
        elif r["fix"] != "-":
            runs.setdefault(r["fix"], r["needs"])
    failures = []
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        hints = {pool.submit(check_hint, r): r for r in rows if r["outcome"] == "hint"}
        started = {pool.submit(run_row, env, line, need): line for line, need in runs.items()}
        for fut, r in hints.items():
            why = fut.result()
            if why:
                failures.append(f"hint {r['anchor']} {r['typed']!r} ({r['loupe']}): {why}")
        for fut, line in started.items():
            why = fut.result()
            if why:
                failures.append(f"{line}: {why}")
    env.stop()
    eq(failures, [], f"rows not as doc/compat.tsv says ({len(runs)} commands run, "
                     f"{len(hints)} hints)")


def test_output_layouts():
    """doc/compat-output.tsv: each loupe command prints its recorded line
    byte for byte, and each row's "kept" is true of the two lines: bytes
    (the same), fields (the anchor's columns start loupe's) or no (neither:
    a layout that came to match must be recorded as such)."""
    if not os.path.exists(tool_path("biolatency")):
        raise Skip("tools not built")
    env = Env()
    rows = read_tsv(OUTPUT_TABLE)
    outs = {}
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        done = {pool.submit(run_row, env, line, "-", outs): line
                for line in {r["loupe"] for r in rows}}
        failures = [f"{line}: {f.result()}" for f, line in done.items() if f.result()]
    env.stop()

    def text(cell):
        check(cell.startswith('"') and cell.endswith('"'), f"quoted: {cell!r}")
        return cell[1:-1].replace("\\t", "\t").replace("{disk}", env.values["{disk}"])

    for r in rows:
        anchor, mine = text(r["anchor_text"]), text(r["loupe_text"])
        what = f"{r['tool']} {r['what']} ({r['anchor']})"
        lines = outs.get(r["loupe"], b"").decode("utf-8", "replace").splitlines()
        if mine not in lines:
            failures.append(f"{what}: {r['loupe']} prints no line {mine!r}: {lines[:3]}")
        fields = mine.split()[:len(anchor.split())] == anchor.split()
        kept = "bytes" if anchor == mine else "fields" if fields else "no"
        if kept != r["kept"]:
            failures.append(f"{what}: kept is {kept}, the table says {r['kept']}")
        if kept != "bytes" and r["why"] == "-":
            failures.append(f"{what}: no reason given")
    eq(failures, [], "output layouts not as doc/compat-output.tsv says")
