#!/usr/bin/env python3
"""Regenerate the output in examples/<tool>.txt from real runs.

  python3 tests/examples.py [-o DIR] [TOOL | TOOL.NAME]...  (root, after make tests)

An example file is commentary around output blocks:

  [output NAME]
  # the command
  what the terminal showed
  [end]

The recipe NAME of the tool (below) runs the tool against a workload it
starts itself, and the block is replaced by the command and what a
terminal would have shown: standard error up to the tool's "Tracing"
banner, standard output ("^C" where the run was interrupted), then the
rest of standard error. Everything outside the blocks is kept. A recipe
without a block is appended to its file, for commentary to be written; a
block without a recipe is an error. -o DIR writes the files into DIR
instead of examples/ (tests/integration/test_examples.py compares their
shape with the checked-in ones); TOOL.NAME runs only that recipe and keeps
the other blocks as they are.
"""
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "integration"))

import lib  # noqa: E402
from lib import Tracer, loop_device, workload  # noqa: E402

EXAMPLES = os.path.join(lib.REPO, "examples")
BEGIN = re.compile(r"^\[output ([a-z0-9-]+)\]$")
END = "[end]"
# the workloads' environment: the same on every machine and every run
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin", "LANG": "C",
       "HOME": "/root", "TERM": "dumb"}
RECIPES = {}  # tool -> {name: function}
W = None  # the work directory: /tmp/demo.<pid>, copies of the workloads in it


def recipe(tool, name):
    def add(fn):
        RECIPES.setdefault(tool, {})[name] = fn
        return fn
    return add


def wl(name):
    """The path of a workload, copied into the work directory (so that paths
    shown do not depend on where the repository is)."""
    dst = os.path.join(W, name)
    if not os.path.exists(dst):
        shutil.copy2(workload(name), dst)
    return dst


def start(*cmd, user=None):
    """Start a workload that prints "pid N" and waits for a line on stdin;
    returns (process, pid)."""
    cmd = list(cmd)
    if user:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] + cmd
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, cwd=W, env=ENV)
    lib.on_cleanup(lambda: p.poll() is None and p.kill())
    line = p.stdout.readline().split()
    if line[:1] != [b"pid"]:
        raise RuntimeError(f"{cmd}: no pid line")
    return p, int(line[1])


def go(*procs):
    """Let waiting workloads run, one after the other."""
    for p in procs:
        p.stdin.write(b"go\n")
        p.stdin.close()
        p.stdout.read()
        if p.wait(60):
            raise RuntimeError(f"{p.args}: exit status {p.returncode}")


def sh(cmd, check=True):
    r = subprocess.run(["sh", "-c", cmd], cwd=W, env=ENV, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=60)
    if check and r.returncode:
        raise RuntimeError(f"{cmd}: exit status {r.returncode}: {r.stderr}")
    return r


def shown(args):
    return " ".join(a if re.fullmatch(r"[\w./:,=@+-]+", a) else shlex.quote(a) for a in args)


def run(*args, workload=None, pipe=None, interrupt=None, status=False):
    """Run the tool args[0] with args[1:] from the work directory; once it
    has attached, workload() runs. The tool is interrupted (SIGINT, "^C")
    after the workload unless it ends by itself (-d, --exec, --max-events,
    or interrupt=False). pipe: a shell command that reads the tool's
    standard output, shown after "|". status: show the exit status.
    Returns the block's lines."""
    if interrupt is None:
        interrupt = not {"-d", "--exec", "--max-events"} & set(args) and not status
    tr = Tracer(args[0], *args[1:], env=ENV, cwd=W, ready=not status)
    if workload:
        workload()
    mark = None
    if interrupt and tr.proc.poll() is None:
        time.sleep(0.3)  # a lone event shows within 100 ms
        mark = os.path.getsize(tr.outpath)
        rc = tr.stop(signal.SIGINT)
    else:
        rc = tr.wait(60)
    if rc and not status:
        raise RuntimeError(f"{shown(args)}: exit status {rc}: {tr.stderr}")
    out = tr.output_bytes()
    if pipe:
        out = subprocess.run(["bash", "-o", "pipefail", "-c", pipe], input=out, cwd=W,
                             env=ENV, capture_output=True, check=True).stdout
    err = [l.rstrip("\n") for l in tr.stderr_lines]
    n = next((i + 1 for i, l in enumerate(err) if "Tracing" in l), 0)
    lines = ["# " + shown(args) + (" | " + pipe if pipe else "")] + err[:n]
    if mark is None or pipe:
        lines += out.decode().splitlines()
    else:
        lines += out[:mark].decode().splitlines() + ["^C"] + out[mark:].decode().splitlines()
    lines += err[n:]
    if status:
        lines += ["# echo $?", str(rc)]
    return lines


# ---- opensnoop -----------------------------------------------------------

def myapp_opens(user_too=True):
    """opener looks for myapp.conf in three places (found in the last) and
    reads a data file; as user nobody, it tries a key file that is root's."""
    os.makedirs(f"{W}/etc", exist_ok=True)
    for f in ("etc/myapp.conf", "data.db"):
        open(f"{W}/{f}", "w").close()
    with open(f"{W}/secret.key", "w") as f:
        os.fchmod(f.fileno(), 0o600)
    procs = [start(wl("opener"), "-w", "myapp.conf", "/root/.config/myapp.conf",
                   f"{W}/etc/myapp.conf", f"{W}/data.db")[0]]
    if user_too:
        procs.append(start(wl("opener"), "-w", f"{W}/secret.key", user=65534)[0])
    return lambda: go(*procs)


@recipe("opensnoop", "basic")
def opensnoop_basic():
    return run("opensnoop", "-n", "opener", workload=myapp_opens())


@recipe("opensnoop", "failed-full")
def opensnoop_failed_full():
    return run("opensnoop", "-x", "-F", "-T", "-U", "-n", "opener", workload=myapp_opens())


@recipe("opensnoop", "count")
def opensnoop_count():
    os.makedirs(f"{W}/cache", exist_ok=True)
    for i in range(3):
        open(f"{W}/cache/{i}", "w").close()
    a = start(wl("opener"), "-w", "-n", "40", f"{W}/cache/0", f"{W}/cache/1")[0]
    b = start(wl("opener"), "-w", "-n", "7", f"{W}/cache/2", f"{W}/cache/missing")[0]
    return run("opensnoop", "-c", "-k", "path", "-n", "opener", workload=lambda: go(a, b))


@recipe("opensnoop", "json")
def opensnoop_json():
    return run("opensnoop", "-j", "-n", "opener", "--max-events", "2",
               workload=myapp_opens(user_too=False))


@recipe("opensnoop", "jq")
def opensnoop_jq():
    return run("opensnoop", "-j", "-x", "-n", "opener", "--max-events", "3",
               pipe="jq -c 'select(.type==\"event\") | [.pid, .errno_name, .path]'",
               workload=myapp_opens())


# ---- execsnoop -----------------------------------------------------------

def project():
    """A small C library: make compiles hello.c (keeping the compiler's
    intermediate files, whose names are then known), archives it, and runs
    a #! script to check the result."""
    with open(f"{W}/Makefile", "w") as f:
        f.write("libhello.a: hello.o\n\tar rcs $@ hello.o\n\t./check.sh $@\n"
                "hello.o: hello.c\n\tcc -c -save-temps hello.c\n")
    with open(f"{W}/hello.c", "w") as f:
        f.write('#include <stdio.h>\nvoid hello(void) { puts("hello"); }\n')
    with open(f"{W}/check.sh", "w") as f:
        f.write("#!/bin/sh\ntest -s \"$1\"\n")
    os.chmod(f"{W}/check.sh", 0o755)
    for f in ("libhello.a", "hello.o"):
        if os.path.exists(f"{W}/{f}"):
            os.unlink(f"{W}/{f}")


@recipe("execsnoop", "build")
def execsnoop_build():
    project()
    return run("execsnoop", "--exec", "make", "-s")


@recipe("execsnoop", "extended")
def execsnoop_extended():
    project()
    return run("execsnoop", "-x", "-e", "--exec", "make", "-s")


@recipe("execsnoop", "jq")
def execsnoop_jq():
    project()
    return run("execsnoop", "-j", "--exec", "make", "-s",
               pipe="jq -c 'select(.type==\"event\" and .errno == 0) | .args'")


# ---- tcpconnect ----------------------------------------------------------

def web():
    """A web server on 127.0.0.1 (python3 -m http.server) and a port where
    nothing listens: (server port, closed port)."""
    srv = subprocess.Popen(["python3", "-u", "-m", "http.server", "--bind", "127.0.0.1", "0"],
                           cwd=W, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    lib.on_cleanup(lambda: (srv.kill(), srv.wait()))
    port = int(re.search(rb"port (\d+)", srv.stdout.readline()).group(1))
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed = s.getsockname()[1]
    s.close()
    return port, closed


def curls(port, closed, n_ok=1, n_refused=1):
    """curl fetches from the server (n_ok times), from the closed port
    (n_refused times) and from the server's port on ::1 (where it does not
    listen) once."""
    def work():
        for _ in range(n_ok):
            sh(f"curl -s -o /dev/null http://127.0.0.1:{port}/")
        for _ in range(n_refused):
            sh(f"curl -s http://127.0.0.1:{closed}/", check=False)
        sh(f"curl -s http://[::1]:{port}/", check=False)
    return work


@recipe("tcpconnect", "basic")
def tcpconnect_basic():
    port, closed = web()
    return run("tcpconnect", "-n", "curl", workload=curls(port, closed))


@recipe("tcpconnect", "latency")
def tcpconnect_latency():
    port, closed = web()
    return run("tcpconnect", "-e", "-L", "-T", "-n", "curl", workload=curls(port, closed))


@recipe("tcpconnect", "accept")
def tcpconnect_accept():
    port, closed = web()
    return run("tcpconnect", "--accept", "-P", str(port), workload=curls(port, closed, 2, 0))


@recipe("tcpconnect", "count")
def tcpconnect_count():
    port, closed = web()
    return run("tcpconnect", "-c", "-k", "dest", "-n", "curl", workload=curls(port, closed, 5, 2))


@recipe("tcpconnect", "json")
def tcpconnect_json():
    port, closed = web()
    return run("tcpconnect", "-j", "-x", "-n", "curl", "--max-events", "1",
               workload=curls(port, closed, 0, 1))


# ---- errsnoop ------------------------------------------------------------

def troubles():
    """A shell script whose commands fail in known ways."""
    os.makedirs(f"{W}/spool", exist_ok=True)
    with open(f"{W}/troubles.sh", "w") as f:
        f.write("#!/bin/sh\n"
                "cat /etc/myapp.conf\n"                      # ENOENT
                "setpriv --reuid=nobody cat /etc/shadow\n"   # EACCES
                "mkdir spool\n"                              # EEXIST
                "curl -s http://127.0.0.1:9/\n"              # refused (EINPROGRESS)
                "exit 0\n")
    os.chmod(f"{W}/troubles.sh", 0o755)


@recipe("errsnoop", "basic")
def errsnoop_basic():
    troubles()
    return run("errsnoop", "--exec", "sh", "-c", "./troubles.sh 2>/dev/null")


@recipe("errsnoop", "count")
def errsnoop_count():
    troubles()
    return run("errsnoop", "-c", "--exec", "sh", "-c", "./troubles.sh 2>/dev/null")


@recipe("errsnoop", "by-process")
def errsnoop_by_process():
    troubles()
    return run("errsnoop", "-c", "-k", "process,errno", "--top", "6",
               "--exec", "sh", "-c", "./troubles.sh 2>/dev/null")


@recipe("errsnoop", "interval")
def errsnoop_interval():
    return run("errsnoop", "-c", "-k", "syscall,errno", "-i", "1", "-T", "-d", "3", "--exec",
               "sh", "-c", "while :; do ls /nonexistent; sleep 0.25; done 2>/dev/null")


@recipe("errsnoop", "jq")
def errsnoop_jq():
    troubles()
    return run("errsnoop", "-j", "-E", "EACCES,EEXIST", "--exec", "sh", "-c",
               "./troubles.sh 2>/dev/null",
               pipe="jq -c 'select(.type==\"event\") | [.comm, .syscall, .errno_name, .path]'")


# ---- fileslower ----------------------------------------------------------

def slowio(rounds):
    return lambda: sh(f"{wl('slowio')} -n {rounds} data.db")


@recipe("fileslower", "threshold")
def fileslower_threshold():
    return run("fileslower", "-n", "slowio", workload=slowio(3))


@recipe("fileslower", "everything")
def fileslower_everything():
    return run("fileslower", "-F", "--min", "0", "-n", "slowio", workload=slowio(1))


@recipe("fileslower", "hist")
def fileslower_hist():
    return run("fileslower", "--hist", "-k", "op", "--min", "0", "-n", "slowio",
               workload=slowio(5))


@recipe("fileslower", "heatmap")
def fileslower_heatmap():
    t = threading.Thread(target=slowio(40))
    return run("fileslower", "--heatmap", "--min", "0", "-n", "slowio", "-d", "3",
               workload=t.start)


# ---- funccount -----------------------------------------------------------

def fcount(k, offset=None):
    """fcount, waiting: K rounds of its functions, libc calls, an open and
    its USDT probe (one round a second at OFFSET ms with offset).
    Returns (process, pid)."""
    open(f"{W}/fc-target", "w").close()
    return start(wl("fcount"), *(["-o", str(offset)] if offset is not None else []),
                 str(k), "fc-target")


@recipe("funccount", "functions")
def funccount_functions():
    p, pid = fcount(17)
    exe = wl("fcount")
    return run("funccount", "-p", str(pid), f"{exe}:loupe_fc_*", "c:malloc", "c:free",
               f"u:{exe}:tick", workload=lambda: go(p))


@recipe("funccount", "syscalls")
def funccount_syscalls():
    p, pid = fcount(17)
    return run("funccount", "-p", str(pid), "t:syscalls:sys_enter_*", workload=lambda: go(p))


@recipe("funccount", "interval")
def funccount_interval():
    t = threading.Thread(target=slowio(40))
    return run("funccount", "-T", "-i", "1", "-d", "3", "-n", "slowio",
               "t:syscalls:sys_enter_*", workload=t.start)


@recipe("funccount", "offset-heatmap")
def funccount_offset_heatmap():
    p, pid = fcount(4, offset=200)
    return run("funccount", "--offset-heatmap", "-d", "5", "-p", str(pid),
               f"u:{wl('fcount')}:tick",
               workload=lambda: threading.Thread(target=go, args=(p,)).start())


@recipe("funccount", "kernel")
def funccount_kernel():
    return run("funccount", "k:vfs_read", status=True)


# ---- biolatency ----------------------------------------------------------

def disk():
    """A loop device over a file (udevd does not run here: only the
    workloads below touch it): its name."""
    return os.path.basename(loop_device(64))


def reads(name, n=2000, size=4096):
    return lambda: sh(f"{wl('dioread')} -n {n} -s {size} /dev/{name}")


def writes(name, n=200):
    return lambda: sh(f"dd if=/dev/zero of=/dev/{name} bs=64k count={n} oflag=direct "
                      "status=none")


def background(*works):
    """Run works over and over, 50 ms apart, in a thread until cleanup."""
    done = threading.Event()

    def loop():
        while not done.wait(0.05):
            for w in works:
                w()
    t = threading.Thread(target=loop)
    t.start()
    lib.on_cleanup(lambda: (done.set(), t.join()))


@recipe("biolatency", "basic")
def biolatency_basic():
    name = disk()
    return run("biolatency", "--disk", name, workload=reads(name))


@recipe("biolatency", "extended")
def biolatency_extended():
    name = disk()

    def work():
        reads(name)()
        writes(name)()
    return run("biolatency", "-e", "--per-flags", "--disk", name, workload=work)


@recipe("biolatency", "interval")
def biolatency_interval():
    name = disk()
    return run("biolatency", "-T", "--disk", name, "1", "3", interrupt=False,
               workload=lambda: background(reads(name, 200)))


@recipe("biolatency", "heatmap")
def biolatency_heatmap():
    name = disk()
    return run("biolatency", "--heatmap", "--disk", name, "-d", "4",
               workload=lambda: background(reads(name, 200), reads(name, 20, 1 << 20)))


@recipe("biolatency", "jq")
def biolatency_jq():
    name = disk()
    return run("biolatency", "-j", "-e", "--disk", name, "-d", "2",
               pipe="jq -c 'select(.type==\"hist\") | {count, avg, p50_est, p99_est}'",
               workload=lambda: background(reads(name, 200)))


# ---- the files -----------------------------------------------------------

def parse(text):
    """[("text", lines) or ("block", name, lines)...] of an example file."""
    items, cur = [], None
    for n, line in enumerate(text.splitlines(), 1):
        m = BEGIN.match(line)
        if cur is not None:
            if line == END:
                items.append(("block", cur[0], cur[1]))
                cur = None
            elif m:
                raise ValueError(f"line {n}: [output {m.group(1)}] inside a block")
            else:
                cur[1].append(line)
        elif m:
            cur = (m.group(1), [])
        else:
            if not items or items[-1][0] != "text":
                items.append(("text", []))
            items[-1][1].append(line)
    if cur is not None:
        raise ValueError(f"[output {cur[0]}] without {END}")
    return items


def render(items):
    out = []
    for it in items:
        if it[0] == "text":
            out += it[1]
        else:
            out += [f"[output {it[1]}]"] + it[2] + [END]
    return "\n".join(out) + "\n"


def generate(tool, names, outdir):
    """Regenerate the blocks of examples/<tool>.txt whose recipes are in
    names (all when None) into outdir/<tool>.txt."""
    path = os.path.join(EXAMPLES, tool + ".txt")
    text = open(path).read() if os.path.exists(path) else \
        f"Demonstrations of {tool}: real output, with notes on reading it.\n"
    items = parse(text)
    recipes = RECIPES[tool]
    unknown = [it[1] for it in items if it[0] == "block" and it[1] not in recipes]
    if unknown:
        raise ValueError(f"{path}: blocks without a recipe: {unknown}")
    have = {it[1] for it in items if it[0] == "block"}
    for name in recipes:
        if name not in have:
            items += [("text", ["", f"(commentary for {name})", ""]), ("block", name, [])]
    for i, it in enumerate(items):
        if it[0] == "block" and (names is None or it[1] in names):
            t0 = time.monotonic()
            try:
                items[i] = ("block", it[1], recipes[it[1]]())
            finally:
                lib.cleanup()
            print(f"{tool}.{it[1]}: {time.monotonic() - t0:.1f}s", file=sys.stderr)
    with open(os.path.join(outdir, tool + ".txt"), "w") as f:
        f.write(render(items))


def main():
    global W
    args = sys.argv[1:]
    outdir = EXAMPLES
    if args[:1] == ["-o"]:
        outdir = args[1]
        args = args[2:]
    want = {}  # tool -> names (None: all)
    for a in args or RECIPES:
        tool, _, name = a.partition(".")
        if tool not in RECIPES or (name and name not in RECIPES[tool]):
            sys.exit(f"examples.py: no recipe {a} (tools: {' '.join(RECIPES)})")
        want[tool] = None if not name or want.get(tool, ()) is None else \
            want.get(tool, set()) | {name}
    os.makedirs(outdir, exist_ok=True)
    W = f"/tmp/demo.{os.getpid()}"
    os.makedirs(W)
    try:
        for tool, names in want.items():
            generate(tool, names, outdir)
    finally:
        lib.cleanup()
        shutil.rmtree(W, ignore_errors=True)


if __name__ == "__main__":
    main()
