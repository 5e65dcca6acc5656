"""errsnoop on the real kernel: the test's own failing calls, with exact
syscalls, errnos, pids and paths."""
import errno
import os
import socket
import uuid

from lib import (Tracer, check, eq, expect_usage_error, run_tool, stops_and_releases, tmpdir)

T = "errsnoop"


def fail_four(d):
    """ENOENT (openat, with its path), EBADF (close), ECONNREFUSED
    (connect), EINVAL (lseek with a bad whence)."""
    missing = os.path.join(d, "missing-" + uuid.uuid4().hex[:8])
    try:
        os.open(missing, os.O_RDONLY)
    except FileNotFoundError:
        pass
    try:
        os.close(987)
    except OSError as e:
        eq(e.errno, errno.EBADF, "close")
    s = socket.socket()
    port = s.bind(("127.0.0.1", 0)) or s.getsockname()[1]
    s.close()
    c = socket.socket()
    eq(c.connect_ex(("127.0.0.1", port)), errno.ECONNREFUSED, "connect")
    c.close()
    fd = os.open("/dev/null", os.O_RDONLY)
    try:
        os.lseek(fd, 0, 77)
    except OSError as e:
        eq(e.errno, errno.EINVAL, "lseek")
    os.close(fd)
    return missing


def mine(tr):
    return [e for e in tr.events() if e["pid"] == os.getpid()]


def test_the_tests_own_failures_exact():
    d = tmpdir()
    tr = Tracer(T, "-j", "-p", str(os.getpid()))
    missing = fail_four(d)
    eq(tr.stop(), 0, "exit status")
    got = [(e["syscall"], e["errno_name"], e["errno"], e["ret"]) for e in mine(tr)
           if e["syscall"] in ("openat", "close", "connect", "lseek")]
    eq(got, [("openat", "ENOENT", 2, -2), ("close", "EBADF", 9, -9),
             ("connect", "ECONNREFUSED", 111, -111), ("lseek", "EINVAL", 22, -22)],
       "the four failures, in order")
    op = [e for e in mine(tr) if e["syscall"] == "openat"][0]
    eq((op["path"], op["tid"], op["comm"]), (missing, os.getpid(), "python3"), "openat's path")
    check(all(e["nr"] >= 0 for e in mine(tr)), "syscall numbers")


def test_eagain_hidden_unless_asked_for():
    r, w = os.pipe()
    os.set_blocking(r, False)
    trs = {k: Tracer(T, "-j", "-p", str(os.getpid()), *a)
           for k, a in (("default", ()), ("all", ("-A",)), ("E", ("-E", "EAGAIN")))}
    try:
        os.read(r, 1)
    except BlockingIOError:
        pass
    try:
        os.close(9999)
    except OSError:
        pass
    for tr in trs.values():
        eq(tr.stop(), 0, "exit status")
    reads = {k: [e["errno_name"] for e in mine(tr) if e["syscall"] == "read"]
             for k, tr in trs.items()}
    eq(reads, {"default": [], "all": ["EAGAIN"], "E": ["EAGAIN"]},
       "EAGAIN from a non-blocking read: hidden by default, shown by -A and -E EAGAIN")
    # a positive control in the default run: the EBADF close shows
    check(any(e["syscall"] == "close" for e in mine(trs["default"])), "default shows EBADF")
    check(not any(e["syscall"] == "close" for e in mine(trs["E"])), "-E EAGAIN hides EBADF")
    os.close(r)
    os.close(w)


def test_errno_and_syscall_filters():
    d = tmpdir()
    tr_e = Tracer(T, "-j", "-p", str(os.getpid()), "-E", "ENOENT")
    tr_s = Tracer(T, "-j", "-p", str(os.getpid()), "-s", "close")
    tr_g = Tracer(T, "-j", "-p", str(os.getpid()), "-s", "conn*,lseek", "--ignore", "lseek")
    fail_four(d)
    for tr in (tr_e, tr_s, tr_g):
        eq(tr.stop(), 0, "exit status")
    eq({e["errno_name"] for e in mine(tr_e)}, {"ENOENT"}, "-E ENOENT")
    check(any(e["syscall"] == "openat" for e in mine(tr_e)), "-E ENOENT: the open")
    eq([(e["syscall"], e["errno_name"]) for e in mine(tr_s)], [("close", "EBADF")], "-s close")
    eq([e["syscall"] for e in mine(tr_g)], ["connect"], "-s glob minus --ignore")


def test_count_exact_and_by_process():
    k = 123
    tr = Tracer(T, "-j", "-c", "-s", "close")
    tr_p = Tracer(T, "-j", "-c", "-k", "process", "-s", "close")
    for _ in range(k):
        try:
            os.close(9999)
        except OSError:
            pass
    eq(tr.stop(), 0, "exit status")
    eq(tr_p.stop(), 0, "exit status")
    rows = [(r["syscall"], r["errno_name"], r["count"]) for r in tr.json_records()
            if r["type"] == "count"]
    check(("close", "EBADF", k) in rows or
          any(s == "close" and n == "EBADF" and c >= k for s, n, c in rows),
          f"-c: {k} EBADF closes: {rows}")
    mine_rows = [r for r in tr_p.json_records() if r["type"] == "count" and
                 r.get("pid") == os.getpid()]
    eq([(r["comm"], r["count"]) for r in mine_rows], [("python3", k)], "-k process: our pid")
    # exact: with -p, nothing else counts
    tr = Tracer(T, "-j", "-c", "-p", str(os.getpid()), "-s", "close")
    for _ in range(k):
        try:
            os.close(9999)
        except OSError:
            pass
    eq(tr.stop(), 0, "exit status")
    eq([(r["syscall"], r["errno_name"], r["count"]) for r in tr.json_records()
        if r["type"] == "count"], [("close", "EBADF", k)], "exactly K")


def test_latency_and_text():
    tr = Tracer(T, "-e", "-T", "-p", str(os.getpid()), "-s", "close")
    try:
        os.close(9999)
    except OSError:
        pass
    eq(tr.stop(), 0, "exit status")
    lines = tr.text_lines()
    eq(lines[0].split(), ["TIME", "PID", "TID", "COMM", "SYSCALL", "ERRNO", "RET", "LAT(us)",
                          "PATH"], "header")
    row = lines[1].split()
    eq(row[1:7], [str(os.getpid()), str(os.getpid()), "python3", "close", "EBADF", "-9"],
       "row")
    check(0 < float(row[7]) < 1e6, "latency in us")


def test_list_and_names():
    r = run_tool(T, "--list")
    eq(r.returncode, 0, "--list")
    names = dict(l.split()[::-1] for l in r.stdout.splitlines())
    eq((names["openat"], names["close"]), ("257", "3"), "x86-64 numbers")
    check("mseal" in names and "listmount" in names, "newer than Debian's headers")


def test_lifecycle_and_bad_input():
    stops_and_releases(T, 1)
    for args, msg in ((["-E", "EBOGUS"], "--errno"), (["-E", "0"], "--errno"),
                      (["-s", "nosuchcall"], "--syscall"), (["-s", "x*zz"], "--syscall"),
                      (["--ignore", "*"], "leave no syscall"), (["-c", "-e"], "not with -c"),
                      (["-c", "-k", "path"], "-k")):
        expect_usage_error(T, args, msg)


def test_least_privilege_cap_bpf_and_cap_perfmon():
    """errsnoop as root with only CAP_BPF and CAP_PERFMON (setpriv, lib.LEAST_PRIVILEGE)
    traces the test's own workload exactly."""
    from lib import least_privilege_caps
    tr = Tracer(T, "-j", "-p", str(os.getpid()), "-s", "close", least_privilege=True)
    eq(least_privilege_caps(tr.proc.pid), {"bpf", "perfmon"}, "effective capabilities")
    try:
        os.close(9999)
    except OSError:
        pass
    eq(tr.stop(), 0, "exit status: " + tr.stderr)
    eq([(e["syscall"], e["errno_name"]) for e in mine(tr)], [("close", "EBADF")], "the close")
