"""opensnoop beyond the core: -F (full paths, a second BPF object), --path,
-f, -e, creat and open_by_handle_at, --cgroup, --exec, the static build.
Every check is on values the test's own workloads cause."""
import os
import shutil
import signal
import subprocess
import time
import uuid

import lib
from lib import (REPO, Skip, Tracer, check, eq, expect_usage_error, on_cleanup, run, run_tool,
                 tmpdir, wait_for, workload)

T = "opensnoop"
O_WRONLY, O_CREAT, O_TRUNC = 0o1, 0o100, 0o1000


def rtmp():
    """A fresh directory, its path without symlinks (what the kernel shows)."""
    return os.path.realpath(tmpdir())


def touch(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "w").close()


class Waiting:
    """A workload started with -w: it prints its pid, then waits for go()."""

    def __init__(self, name, *args):
        self.proc = subprocess.Popen([workload(name), "-w"] + list(args),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        on_cleanup(self.kill)
        self.pid = int(self.proc.stdout.readline().split()[1])

    def go(self):
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.close()
        out = self.proc.stdout.read().decode()
        eq(self.proc.wait(10), 0, f"{self.proc.args[0]} exit status")
        return out

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def paths_of(tr, pid=None):
    return [e["path"] for e in tr.events() if pid is None or e["pid"] == pid]


def by_path(tr):
    return {e["path"]: e for e in tr.events()}


def test_full_path_relative_open():
    d = rtmp()
    touch(f"{d}/sub/f")
    w = Waiting("opener", "-d", d, "sub/f", "./sub/missing")
    full = Tracer(T, "-F", "-j", "-p", str(w.pid))
    plain = Tracer(T, "-j", "-p", str(w.pid))
    w.go()
    eq(full.stop(), 0, "-F exit status")
    eq(plain.stop(), 0, "exit status")
    ev = by_path(full)
    check(f"{d}/sub/f" in ev, f"-F: absolute path of the relative open: {sorted(ev)}")
    check(ev[f"{d}/sub/f"]["fd"] >= 3, "-F: fd")
    eq(ev[f"{d}/./sub/missing"]["errno_name"], "ENOENT", "-F: the failed relative open")
    eq([p for p in paths_of(plain) if "sub/" in p], ["sub/f", "./sub/missing"],
       "without -F: the names as passed")


def test_full_path_across_bind_mount():
    d = rtmp()
    touch(f"{d}/real/inner/f")
    mnt = f"{d}/mnt"
    os.mkdir(mnt)
    r = run(["mount", "--bind", f"{d}/real", mnt])
    if r.returncode:
        lib.host_only("mount --bind")  # skips in the lane, fails here
        raise AssertionError("mount --bind: " + r.stderr)
    on_cleanup(lambda: run(["umount", "-l", mnt]))
    # cwd inside the bind mount, and cwd at its root (the walk crosses
    # from the mount's root to its mount point)
    w1 = Waiting("opener", "-d", f"{mnt}/inner", "f")
    w2 = Waiting("opener", "-d", mnt, "inner/f")
    tr = Tracer(T, "-F", "-j", "-p", f"{w1.pid},{w2.pid}")
    w1.go()
    w2.go()
    eq(tr.stop(), 0, "exit status")
    eq(paths_of(tr, w1.pid), [f"{mnt}/inner/f"], "cwd inside the bind mount")
    eq(paths_of(tr, w2.pid), [f"{mnt}/inner/f"], "cwd at the bind mount's root")


def test_full_path_dirfd_and_open_by_handle_at():
    d = rtmp()
    touch(f"{d}/sub/f")
    plain = Tracer(T, "-j", "-n", "opencalls")
    full = Tracer(T, "-F", "-j", "-n", "opencalls")
    r1 = run([workload("opencalls"), "dirfd", f"{d}/sub", "f"])
    r2 = run([workload("opencalls"), "handle", f"{d}/sub/f"])
    eq((r1.returncode, r2.returncode), (0, 0), "opencalls: " + r1.stderr + r2.stderr)
    pid1, pid2 = (int(r.stdout.split()[1]) for r in (r1, r2))
    fd2 = int(r2.stdout.split()[3])
    eq(full.stop(), 0, "-F exit status")
    eq(plain.stop(), 0, "exit status")
    # openat(dirfd, "f"): the directory fd's path with -F, the name without
    eq(paths_of(full, pid1)[-1], f"{d}/sub/f", "-F: openat relative to a dirfd")
    eq(paths_of(plain, pid1)[-1], "f", "without -F: the name as passed")
    # open_by_handle_at has no name: "[handle]", or the file of its fd with -F
    h = [e for e in plain.events() if e["pid"] == pid2 and e["syscall"] == "open_by_handle_at"]
    eq([(e["path"], e["fd"], e["flags"]) for e in h], [("[handle]", fd2, 0)], "handle, default")
    h = [e for e in full.events() if e["pid"] == pid2 and e["syscall"] == "open_by_handle_at"]
    eq([(e["path"], e["fd"]) for e in h], [(f"{d}/sub/f", fd2)], "handle, -F")


def test_creat():
    if not os.path.exists("/sys/kernel/tracing/events/syscalls/sys_enter_creat"):
        raise Skip("no creat(2) on this architecture")
    d = rtmp()
    path = f"{d}/created"
    tr = Tracer(T, "-j", "-n", "opencalls")
    r = run([workload("opencalls"), "creat", path, "0604"])
    eq(r.returncode, 0, "opencalls creat")
    eq(tr.stop(), 0, "exit status")
    ev = [e for e in tr.events() if e["path"] == path]
    eq([(e["pid"], e["syscall"], e["flags"], e["mode"], e["errno"]) for e in ev],
       [(int(r.stdout.split()[1]), "creat", O_CREAT | O_WRONLY | O_TRUNC, 0o604, 0)], "creat")


def test_path_prefix():
    d = rtmp()
    for f in ("in/a", "inside/b", "out/c"):
        touch(f"{d}/{f}")
    w = Waiting("opener", "-d", f"{d}/in", f"{d}/in/a", f"{d}/inside/b", f"{d}/out/c", "a")
    plain = Tracer(T, "-j", "--path", f"{d}/in/", "-p", str(w.pid))
    full = Tracer(T, "-j", "-F", "--path", f"{d}/in/", "-p", str(w.pid))
    two = Tracer(T, "-j", "--path", f"{d}/in/", "--path", f"{d}/out", "-p", str(w.pid))
    w.go()
    for tr in (plain, full, two):
        eq(tr.stop(), 0, "exit status")
    eq(paths_of(plain), [f"{d}/in/a"], "--path: only under the prefix (relative 'a' is not)")
    eq(paths_of(full), [f"{d}/in/a", f"{d}/in/a"], "--path with -F: the relative open too")
    eq(paths_of(two), [f"{d}/in/a", f"{d}/out/c"], "two prefixes")


def test_flag_filter_and_extended_fields():
    d = rtmp()
    existing, new = f"{d}/existing", f"{d}/new"
    touch(existing)
    wc = Waiting("opener", "-F", "%o" % (O_CREAT | O_WRONLY), "-m", "0640", new)
    wr = Waiting("opener", existing)
    pids = f"{wc.pid},{wr.pid}"
    creat_only = Tracer(T, "-j", "-f", "O_CREAT", "-p", pids)
    rdonly_only = Tracer(T, "-j", "-f", "O_RDONLY", "-p", pids)
    text = Tracer(T, "-e", "-p", pids)
    wc.go()
    wr.go()
    for tr in (creat_only, rdonly_only, text):
        eq(tr.stop(), 0, "exit status")
    ev = [e for e in creat_only.events() if e["path"].startswith(d)]
    eq([(e["path"], e["flags"], e["mode"]) for e in ev], [(new, O_CREAT | O_WRONLY, 0o640)],
       "-f O_CREAT: only the creating open, its flags and mode")
    ev = [e for e in rdonly_only.events() if e["path"].startswith(d)]
    eq([(e["path"], e["flags"], "mode" in e) for e in ev], [(existing, 0, False)],
       "-f O_RDONLY: only the read-only open; no mode without O_CREAT")
    lines = text.text_lines()
    eq(lines[0].split(), ["PID", "COMM", "FD", "ERR", "ERRNO", "FLAGS", "MODE", "PATH"], "-e header")
    rows = {r[7]: r[5:7] for r in (l.split(None, 7) for l in lines[1:]) if len(r) == 8}
    eq(rows.get(new), ["00000101", "0640"], "-e: octal flags and mode")
    eq(rows.get(existing), ["00000000", "n/a"], "-e: no mode without O_CREAT")


def cgroup2_root():
    with open("/proc/mounts") as f:
        for line in f:
            parts = line.split()
            if parts[2] == "cgroup2":
                return parts[1]
    raise Skip("no cgroup2 mount")


def test_cgroup_filter():
    root = cgroup2_root()
    cg = os.path.join(root, "loupe-test-" + uuid.uuid4().hex[:8])
    try:
        os.mkdir(cg)
    except OSError as e:
        lib.host_only(f"cgroup2 not writable: {e}")
        raise
    on_cleanup(lambda: os.rmdir(cg))
    below = os.path.join(cg, "below")
    os.mkdir(below)
    on_cleanup(lambda: os.rmdir(below))
    d = rtmp()
    w_in = Waiting("opener", f"{d}/in")
    w_below = Waiting("opener", f"{d}/below")
    w_out = Waiting("opener", f"{d}/out")
    with open(os.path.join(cg, "cgroup.procs"), "w") as f:
        f.write(str(w_in.pid))
    with open(os.path.join(below, "cgroup.procs"), "w") as f:
        f.write(str(w_below.pid))
    tr = Tracer(T, "-j", "--cgroup", cg)
    for w in (w_in, w_below, w_out):
        w.go()
    eq(tr.stop(), 0, "exit status")
    got = {(e["pid"], e["path"]) for e in tr.events() if e["path"].startswith(d)}
    eq(got, {(w_in.pid, f"{d}/in"), (w_below.pid, f"{d}/below")},
       "only the tasks in the cgroup or below it")
    # (any other pid is a child of the two, e.g. LeakSanitizer's in the
    # sanitizer build: in the cgroup too)
    others = {e["pid"] for e in tr.events()} - {w_in.pid, w_below.pid}
    check(not others & {w_out.pid, os.getpid()}, f"no process outside: {others}")


def test_exec_traces_only_the_command_and_exits_with_it():
    d = rtmp()
    mine, noise = f"{d}/mine", f"{d}/noise"
    # another process opening all along, which must not show
    bg = subprocess.Popen([workload("opener"), "-n", "10000000", noise],
                          stdout=subprocess.DEVNULL)
    on_cleanup(lambda: (bg.kill(), bg.wait()))
    t0 = time.monotonic()
    # the command runs 0.3 s (sh execs opener: the same process)
    tr = Tracer(T, "-j", "--exec", "sh", "-c", f"sleep 0.3; exec {workload('opener')} {mine}")
    eq(tr.wait(15), 0, "exit status once the command has exited")
    took = time.monotonic() - t0
    check(took >= 0.3, f"ran as long as the command: {took:.2f}s")
    check(bg.poll() is None, "the other process still runs")
    # the command's stdout goes to the tool's stderr (stdout is data only)
    pid = int(tr.stderr.split("pid ")[1].split()[0])
    evs = tr.events()
    check(any(e["path"] == mine and e["pid"] == pid for e in evs), "the command's open")
    # the command and what it starts (sh's child sleep), nothing else
    # (the sanitizer build's LeakSanitizer reads /proc from a helper
    # process of opener's own)
    others = {e["comm"] for e in evs if e["pid"] != pid}
    check("sleep" in others and others <= {"sleep", "opener"},
          f"the command's children: {others}")
    check(all(e["path"] != noise for e in evs), "no open of the other process")


def test_exec_follows_descendants():
    d = rtmp()
    a, b = f"{d}/a", f"{d}/b"
    open(a, "w").close()
    open(b, "w").close()
    tr = Tracer(T, "-j", "--exec", "sh", "-c", f"cat {a}; (cat {b}); echo done")
    eq(tr.wait(15), 0, "exit status")
    evs = {e["path"]: e for e in tr.events() if e["path"] in (a, b)}
    eq(set(evs), {a, b}, "opens by the child and the grandchild")
    check(evs[a]["pid"] != evs[b]["pid"], "two processes")
    eq((evs[a]["comm"], evs[b]["comm"]), ("cat", "cat"), "comm")
    eq([l for l in os.listdir(cgroup2_root()) if l.startswith("loupe-exec-")], [],
       "--exec's cgroup removed")


def test_exec_command_dies_with_the_tracer():
    """SIGKILL to the tracer: its --exec command does not run on unobserved
    (PR_SET_PDEATHSIG); what the command started, left in the tracer's
    loupe-exec-PID cgroup, is killed and the cgroup removed by the next
    start of a loupe tool."""
    import signal as sig
    tr = Tracer(T, "--exec", "sh", "-c", "sleep 60 & sleep 61; wait")
    sh = None

    def children():
        found = []
        for p in os.listdir("/proc"):
            if p.isdigit():
                try:
                    with open(f"/proc/{p}/cmdline", "rb") as f:
                        cmd = f.read().split(b"\0")
                    with open(f"/proc/{p}/status") as f:
                        ppid = int([l for l in f if l.startswith("PPid:")][0].split()[1])
                except OSError:
                    continue
                found.append((int(p), ppid, cmd))
        return found
    wait_for(lambda: [c for c in children() if c[2][:2] == [b"sleep", b"61"]], timeout=5)
    procs = children()
    sh = [p for p, ppid, cmd in procs if ppid == tr.proc.pid]
    sleeps = [p for p, ppid, cmd in procs if cmd[:1] == [b"sleep"] and ppid in sh]
    eq(len(sh), 1, "the command is the tracer's child")
    eq(len(sleeps), 2, "the command's two children")
    cg = f"{cgroup2_root()}/loupe-exec-{tr.proc.pid}"
    check(os.path.isdir(cg), "the tracer's --exec cgroup")
    tr.proc.send_signal(sig.SIGKILL)
    tr.proc.wait(5)
    check(wait_for(lambda: not os.path.exists(f"/proc/{sh[0]}"), timeout=2),
          "the command was killed with the tracer")
    # the orphans still run in the stale cgroup, until the next start
    check(any(os.path.exists(f"/proc/{p}") for p in sleeps), "orphans before the sweep")
    r = run_tool(T, "-d", "100ms", "--exec", "true", timeout=15)
    eq(r.returncode, 0, "the next start: " + r.stderr)
    check(wait_for(lambda: not any(os.path.exists(f"/proc/{p}") for p in sleeps), timeout=2),
          "the orphans were killed")
    check(not os.path.exists(cg), "the stale cgroup was removed")


def test_default_object_does_not_load_kernel_btf():
    r = run_tool(T, "-vv", "-d", "100ms")
    eq(r.returncode, 0, "exit status")
    check("object opensnoop (no CO-RE)" in r.stderr, "-v names the object")
    check("loading kernel BTF" not in r.stderr and "CO-RE relocating" not in r.stderr,
          "default: kernel BTF not loaded, nothing relocated")
    r = run_tool(T, "-vv", "-F", "-d", "100ms")
    eq(r.returncode, 0, "-F exit status")
    check("object opensnoop_full" in r.stderr, "-v names the -F object")
    # the kernel's BTF, from its file (skel_core_opts): relocated against it
    check("CO-RE relocating" in r.stderr and "in [vmlinux]" in r.stderr,
          "-F: relocated against the kernel's BTF")


def test_bad_values_exit_2_and_load_nothing():
    cases = [["-f", "O_BOGUS"], ["-f", ""], ["-f"], ["--path", ""], ["--path", "/" + "x" * 255],
             ["--path"], ["--path=/a"] * 9]
    for args in cases:
        expect_usage_error(T, args)


def test_cgroup_and_exec_errors_exit_1_before_loading():
    d = tmpdir()
    for args, want in ((["--cgroup", d], "not a cgroup v2 directory"),
                       (["--cgroup", d + "/none"], "No such file"),
                       (["--exec", "loupe-no-such-command"], "command not found"),
                       (["--exec", "/etc/passwd"], "--exec /etc/passwd: not executable")):
        r = run_tool(T, *args, timeout=10)
        eq(r.returncode, 1, f"exit status for {args}")
        check(want in r.stderr and "Tracing" not in r.stderr, f"{args}: {r.stderr!r}")


def test_static_binary_from_tmp():
    lib.host_only("builds into the repository")
    jobs = str(os.cpu_count() or 2)
    r = run(["make", "-C", REPO, "-j", jobs, "STATIC=1", "build-static/opensnoop"], timeout=900)
    eq(r.returncode, 0, "make STATIC=1: " + r.stdout[-2000:] + r.stderr[-2000:])
    d = rtmp()
    exe = os.path.join(d, T)
    shutil.copy(os.path.join(REPO, "build-static", T), exe)
    r = run(["readelf", "-l", exe])
    check(r.returncode == 0 and "INTERP" not in r.stdout, "no program interpreter: static")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LD_LIBRARY_PATH": ""}
    # the core test: an existing and a missing path, exact values
    present, missing = f"{d}/present", f"{d}/missing"
    touch(present)
    for extra in ((), ("-F",)):
        tr = Tracer(exe, "-j", "-p", str(os.getpid()), *extra, env=env)
        fd = os.open(present, os.O_RDONLY)
        os.close(fd)
        try:
            os.open(missing, os.O_RDONLY)
        except FileNotFoundError:
            pass
        eq(tr.stop(signal.SIGINT), 0, f"static {extra}: exit status")
        ev = by_path(tr)
        eq((ev[present]["pid"], ev[present]["fd"], ev[present]["errno"]), (os.getpid(), fd, 0),
           f"static {extra}: the existing path")
        eq((ev[missing]["fd"], ev[missing]["errno_name"]), (-1, "ENOENT"),
           f"static {extra}: the missing path")
        eq(tr.json_records()[-1]["type"], "stats", "stats record last")
