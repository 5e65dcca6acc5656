"""funccount on the real kernel: probes the test's own workload fires a
known number of times."""
import os
import signal
import subprocess
import time

from lib import (LANE, Skip, Tracer, bpf_prog_ids_of, check, eq, expect_usage_error, on_cleanup,
                 only_banner_and_stats, released_after_exit, run_tool, settle, slow, tmpdir,
                 workload)

T = "funccount"
K = 17


def fcount(k=K, offset=None):
    """The workload, stopped before its K rounds: returns (proc, pid, path)."""
    path = os.path.join(tmpdir(), "fc-target")
    open(path, "w").close()
    args = [workload("fcount")] + (["-o", str(offset)] if offset is not None else []) + \
        [str(k), path]
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    on_cleanup(lambda: p.poll() is None and p.kill())
    pid = int(p.stdout.readline().split()[1])
    return p, pid, path


def go(p):
    p.stdin.write(b"go\n")
    p.stdin.close()
    out = p.stdout.read()
    eq(p.wait(20), 0, "fcount")
    check(out.startswith(b"done"), "fcount ran")


def counts(tr):
    return {r["probe"]: r["count"] for r in tr.json_records() if r["type"] == "count"}


def test_user_functions_libc_and_usdt_exact():
    p, pid, _ = fcount()
    exe = workload("fcount")
    tr = Tracer(T, "-j", "-p", str(pid), f"{exe}:loupe_fc_*", "c:rand", "c:malloc",
                "c:free", f"u:{exe}:tick")
    go(p)
    eq(tr.stop(), 0, "exit status: " + tr.stderr)
    got = counts(tr)
    base = os.path.basename(exe)
    eq({k: v for k, v in got.items() if k.startswith(base + ":loupe_fc_")},
       {f"{base}:loupe_fc_target": K, f"{base}:loupe_fc_other": K},
       "the glob matched both functions, each counted exactly")
    eq([v for k, v in got.items() if k.endswith(":rand")], [K], "libc's rand")
    # aliases (__libc_malloc): the name asked for, each call once
    eq(sorted((k.split(":")[1], v) for k, v in got.items() if k.endswith(("malloc", "free"))),
       [("free", K), ("malloc", K)], "libc's malloc and free")
    eq(got.get(f"{base}:loupe:tick"), K, "the USDT probe")


def test_syscall_tracepoint_exact_and_glob():
    p, pid, _ = fcount()
    tr = Tracer(T, "-j", "-p", str(pid), "t:syscalls:sys_enter_openat",
                "t:syscalls:sys_exit_open*")
    go(p)
    eq(tr.stop(), 0, "exit status")
    got = counts(tr)
    # the dynamic linker's opens come before "go": only the K rounds count
    eq(got.get("syscalls:sys_enter_openat"), K, "sys_enter_openat")
    eq(got.get("syscalls:sys_exit_openat"), K, "sys_exit_openat through the glob")


def syscall_events():
    for d in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing"):
        try:
            with open(os.path.join(d, "available_events")) as f:
                return {l.strip() for l in f if l.startswith("syscalls:")}
        except OSError:
            pass
    raise AssertionError("no tracefs")


def test_syscall_events_named_after_the_implementation():
    """syscalls:sys_enter_newfstat is fstat(2)'s tracepoint (umount is
    umount2, newuname uname...): counted by its syscall number."""
    import ctypes
    if os.uname().machine != "x86_64":
        raise Skip("x86-64 syscall numbers")
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(4096)  # struct stat, struct new_utsname (390)
    tr = Tracer(T, "-j", "-p", str(os.getpid()), "t:syscalls:sys_enter_newfstat",
                "t:syscalls:sys_exit_newuname")
    for _ in range(K):
        eq(libc.syscall(5, 0, buf), 0, "fstat(0)")  # SYS_fstat
    eq(libc.syscall(63, buf), 0, "uname")  # SYS_uname
    eq(tr.stop(), 0, "exit status: " + tr.stderr)
    eq(counts(tr), {"syscalls:sys_enter_newfstat": K, "syscalls:sys_exit_newuname": 1},
       "fstat and uname counted")


def test_all_syscall_tracepoints_attach_and_exit_fast():
    settle()
    tr = Tracer(T, "-j", "t:syscalls:*", timeout=30)
    n = int(tr.stderr.split("Tracing ")[1].split()[0])
    eq(n, len(syscall_events()), "every syscalls:* tracepoint, none left out")
    ids = bpf_prog_ids_of(tr.proc.pid)
    check(1 <= len(ids) <= 4, f"a program or two, not hundreds: {ids}")
    time.sleep(0.3)
    t0 = time.monotonic()
    eq(tr.stop(signal.SIGINT), 0, "exit status")
    took = time.monotonic() - t0
    check(took < 1.0 * slow(), f"exited {took:.2f}s after SIGINT")
    check(len(counts(tr)) > 5, "counts of several syscalls")
    only_banner_and_stats(T, tr.stderr)
    released_after_exit(ids)


def test_sched_tracepoints_and_many_libc_functions_exit_fast():
    """Exit within a second whatever is attached. Without uprobe_multi
    (before 6.6) every libc function is a uprobe link of its own, which the
    release child takes ~0.1 s each to release (minutes for all of libc,
    longer under TCG, stalling the machine's forks): there a small glob."""
    multi = tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2]) >= (6, 6)
    settle()
    for pattern, least in (("t:sched:*", 10), ("c:*", 500) if multi else ("c:mem*", 5)):
        tr = Tracer(T, "-v", pattern, timeout=60)
        n = int(tr.stderr.split("Tracing ")[1].split()[0])
        check(n >= least, f"{pattern}: {n} probes")
        ids = bpf_prog_ids_of(tr.proc.pid)
        t0 = time.monotonic()
        eq(tr.stop(signal.SIGINT), 0, "exit status")
        took = time.monotonic() - t0
        check(took < 1.0 * slow(), f"{pattern}: exited {took:.2f}s after SIGINT")
        if pattern.startswith("c"):
            eq("hooks: uprobe_multi" in tr.stderr, multi, "uprobe_multi, as -v says")
        if pattern.startswith("t") or multi:
            # a hang catcher (bench/ measures): each classic tracepoint
            # waits for RCU grace periods as it is released
            released_after_exit(ids, within=5.0)
    settle()  # the single uprobes' release, before the next test


def test_keys_process_and_regex():
    p, pid, _ = fcount()
    exe = workload("fcount")
    tr = Tracer(T, "-j", "-k", "probe,process", "-r", f"{exe}:loupe_fc_(target|other)")
    go(p)
    eq(tr.stop(), 0, "exit status")
    rows = [r for r in tr.json_records() if r["type"] == "count" and r.get("pid") == pid]
    eq(sorted((r["probe"].split(":")[1], r["count"], r["comm"]) for r in rows),
       [("loupe_fc_other", K, "fcount"), ("loupe_fc_target", K, "fcount")],
       "-k process,probe... by process")


def test_offset_heatmap_shows_the_offset():
    p, pid, _ = fcount(k=3, offset=300)
    exe = workload("fcount")
    tr = Tracer(T, "-j", "--offset-heatmap", "-p", str(pid), f"{exe}:loupe_fc_target")
    go(p)
    time.sleep(1.2)
    eq(tr.stop(), 0, "exit status")
    hists = [r for r in tr.json_records() if r["type"] == "hist" and r["count"]]
    eq(sum(h["count"] for h in hists), 3, "three hits in all")
    for h in hists:
        for b in h["buckets"]:
            if b["count"]:
                check(b["lo"] <= 300 <= b["hi"] + 1 or b["lo"] in (280, 320),
                      f"the hit in the 300 ms bucket: {b}")


def test_kernel_functions():
    """Here (no kprobes, no fentry, no kprobe.multi): one message naming
    what failed and what works, exit 1. On the lane's kernels: exact."""
    p, pid, path = fcount()
    tr = Tracer(T, "-j", "-p", str(pid), "k:do_sys_openat2", ready=False)
    deadline = time.monotonic() + 20 * slow()
    while not tr.attached and tr.proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not tr.attached:
        rc = tr.wait(10)
        eq(rc, 1, "exit status where kernel functions cannot be traced")
        check("kernel functions cannot be traced on this kernel" in tr.stderr and
              "t:CAT:EVENT" in tr.stderr, tr.stderr)
        check(not LANE, "the lane's kernels have kprobes: " + tr.stderr)
        p.kill()
        return
    go(p)
    eq(tr.stop(), 0, "exit status")
    eq(counts(tr).get("do_sys_openat2"), K, "do_sys_openat2 per open")


def test_bad_patterns_and_nothing_matched():
    for args, msg in ((["t:sched"], "not a pattern"), (["a:b:c:d:e"], "too many"),
                      (["t::x"], "empty"), (["-r", "t:sched:("], "regular expression"),
                      ([], "at least one PATTERN"), (["-k", "bogus", "t:sched:*"], "-k"),
                      (["--svg", "/tmp/x.svg", "t:sched:*"], "--offset-heatmap"),
                      # glibc's regcomp would take gigabytes or minutes on these
                      (["-r", "c:x" + "+" * 40], "too large a regular expression"),
                      (["-r", "c:o" + "*" * 30 + "c"], "a repetition repeated"),
                      (["c:malloc", "-d", "5"], "options go before the PATTERNs")):
        expect_usage_error(T, args, msg)
    for pattern, msg in (("t:nosuchcat:*", "no tracepoint matches"),
                         ("c:no_such_function_xyz", "no function"),
                         ("nosuchlib_xyz:f", "no library or program"),
                         ("c:strlen", "IFUNC"),
                         # a hostile name is quoted escaped: stderr stays one clean line
                         ("c:\x1b[2J\n", "matches \\x1b[2J\\n")):
        r = run_tool(T, "-d", "1", pattern)
        eq(r.returncode, 1, f"{pattern}: exit status")
        check(msg in r.stderr, f"{pattern}: {r.stderr}")
    # bcc's spelling of a kernel function, p::FUNC, is one (not "an empty part")
    r = run_tool(T, "-d", "0.2", "p::vfs_read")
    if LANE:
        eq(r.returncode, 0, "p::vfs_read on a kernel with kprobes: " + r.stderr)
    else:
        eq(r.returncode, 1, "p::vfs_read: exit status")
        check("kernel functions cannot be traced" in r.stderr, r.stderr)


def test_least_privilege_cap_bpf_and_cap_perfmon():
    """funccount as root with only CAP_BPF and CAP_PERFMON (setpriv, lib.LEAST_PRIVILEGE)
    traces the test's own workload exactly."""
    from lib import least_privilege_caps
    p, pid, _ = fcount()
    tr = Tracer(T, "-j", "-p", str(pid), "t:syscalls:sys_enter_openat", least_privilege=True)
    eq(least_privilege_caps(tr.proc.pid), {"bpf", "perfmon"}, "effective capabilities")
    go(p)
    eq(tr.stop(), 0, "exit status: " + tr.stderr)
    eq(counts(tr).get("syscalls:sys_enter_openat"), K, "the opens")
