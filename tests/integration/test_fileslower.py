"""fileslower on the real kernel: the test's own reads, writes, syncs and
opens, with exact bytes, offsets, names and latencies."""
import os
import threading
import time
import uuid

from lib import (Tracer, check, eq, expect_usage_error, stops_and_releases, tmpdir)

T = "fileslower"


def mine(tr):
    return [e for e in tr.events() if e["pid"] == os.getpid()]


def test_read_of_a_known_file_threshold_0():
    d = tmpdir()
    path = os.path.join(d, "known-" + uuid.uuid4().hex[:8])
    with open(path, "wb") as f:
        f.write(b"x" * 12345)
    tr = Tracer(T, "-j", "--min", "0", "-p", str(os.getpid()))
    tr_f = Tracer(T, "-j", "-F", "-p", str(os.getpid()), "0")
    fd = os.open(path, os.O_RDONLY)
    got = os.read(fd, 65536)
    eq(len(got), 12345, "read")
    eq(os.pread(fd, 100, 8192), b"x" * 100, "pread")
    os.close(fd)
    for t in (tr, tr_f):
        eq(t.stop(), 0, "exit status")
    name = os.path.basename(path)
    ev = [e for e in mine(tr) if e.get("file") == name]
    eq([(e["op"], e["syscall"], e.get("bytes"), e.get("offset"), e["kind"]) for e in ev],
       [("open", "openat", None, None, "file"), ("read", "read", 12345, 0, "file"),
        ("read", "pread64", 100, 8192, "file")], "open, read, pread: bytes and offsets")
    check(all(e["lat_ns"] >= 0 for e in ev), "latencies")
    full = [e for e in mine(tr_f) if e.get("file") == path]
    eq(len(full), 3, "-F: the full path")


def test_slow_pipe_read_needs_all_files():
    r, w = os.pipe()

    def writer():
        time.sleep(0.08)
        os.write(w, b"hello")
    # --tid: this thread only (the test's other threads read the tracers'
    # stderr pipes)
    me = str(threading.get_native_id())
    tr_a = Tracer(T, "-j", "-a", "--min", "50ms", "--tid", me)
    tr_plain = Tracer(T, "-j", "--min", "0", "--tid", me)
    tr_high = Tracer(T, "-j", "-a", "--min", "5s", "--tid", me)
    t = threading.Thread(target=writer)
    t.start()
    eq(os.read(r, 100), b"hello", "the read")
    t.join()
    os.close(r)
    os.close(w)
    for tr in (tr_a, tr_plain, tr_high):
        eq(tr.stop(), 0, "exit status")
    ev = [e for e in mine(tr_a) if e["kind"] == "pipe"]
    eq([(e["op"], e["bytes"], e["file"]) for e in ev], [("read", 5, "[pipe]")],
       "-a: the pipe read, labelled by its kind")
    check(ev[0]["lat_ns"] >= 80e6, f"slower than the writer's wait: {ev[0]['lat_ns']}")
    eq([e for e in mine(tr_plain) if e["kind"] == "pipe"], [], "without -a: no pipe")
    eq([e for e in mine(tr_high) if e["kind"] == "pipe"], [], "a threshold above it: hidden")


def test_text_columns_fsync_and_fs_filter():
    d = tmpdir()
    path = os.path.join(d, "w-" + uuid.uuid4().hex[:8])
    fstype = None
    with open("/proc/self/mounts") as f:
        best = ""
        for line in f:
            dev, mnt, typ = line.split()[:3]
            if d.startswith(mnt.rstrip("/") + "/") and len(mnt) > len(best):
                best, fstype = mnt, typ
    tr = Tracer(T, "-p", str(os.getpid()), "0")
    tr_fs = Tracer(T, "-j", "--fs", fstype, "-p", str(os.getpid()), "0")
    tr_other = Tracer(T, "-j", "--fs", "nosuchfs", "-p", str(os.getpid()), "0")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"y" * 4096)
    os.fsync(fd)
    os.close(fd)
    for t in (tr, tr_fs, tr_other):
        eq(t.stop(), 0, "exit status")
    lines = tr.text_lines()
    eq(lines[0].split(), ["PID", "COMM", "T", "BYTES", "OFF_KB", "LAT(ms)", "FILE"], "header")
    rows = [l.split() for l in lines[1:] if l.endswith(os.path.basename(path))]
    eq([(r[0], r[2], r[3], r[4]) for r in rows],
       [(str(os.getpid()), "O", "-", "-"), (str(os.getpid()), "W", "4096", "0"),
        (str(os.getpid()), "F", "-", "-")], "open, write, fsync rows")
    eq(len([e for e in mine(tr_fs) if e["file"] == os.path.basename(path)]), 3,
       f"--fs {fstype}: shown")
    eq(mine(tr_other), [], "--fs nosuchfs: nothing")


def test_hist_counts_every_read():
    d = tmpdir()
    path = os.path.join(d, "h-" + uuid.uuid4().hex[:8])
    with open(path, "wb") as f:
        f.write(b"z" * 1000)
    n = 77
    tr = Tracer(T, "-j", "--hist", "-k", "op", "--min", "0", "-p", str(os.getpid()))
    fd = os.open(path, os.O_RDONLY)
    for i in range(n):
        os.pread(fd, 10, i)
    os.close(fd)
    eq(tr.stop(), 0, "exit status")
    hists = {r["op"]: r["count"] for r in tr.json_records() if r["type"] == "hist"}
    eq(hists.get("pread64"), n, f"--hist: {n} preads: {hists}")


def test_lifecycle_and_bad_input():
    stops_and_releases(T, 2)
    for args, msg in ((["x"], "min_ms"), (["-1"], "unknown option"), (["10", "-p", "1"], "options go before"), (["--min", "1ms", "10"], "either"),
                      (["--min", "abc"], "--min"), (["1", "2"], "unexpected argument"),
                      (["-k", "op"], "need --hist"), (["--hist", "-t"], "not with --hist"),
                      (["--hist", "-k", "op,file,comm"], "at most two"),
                      (["--fs", "a" * 20], "--fs"), (["--heatmap", "-j"], "exclude")):
        expect_usage_error(T, args, msg)


def test_least_privilege_cap_bpf_and_cap_perfmon():
    """fileslower as root with only CAP_BPF and CAP_PERFMON (setpriv, lib.LEAST_PRIVILEGE)
    traces the test's own workload exactly."""
    from lib import least_privilege_caps
    d = tmpdir()
    path = os.path.join(d, "lp-" + uuid.uuid4().hex[:8])
    tr = Tracer(T, "-j", "--min", "0", "-p", str(os.getpid()), least_privilege=True)
    eq(least_privilege_caps(tr.proc.pid), {"bpf", "perfmon"}, "effective capabilities")
    with open(path, "wb") as f:
        f.write(b"q" * 321)
    eq(tr.stop(), 0, "exit status: " + tr.stderr)
    eq([(e["op"], e.get("bytes")) for e in mine(tr) if e["file"] == os.path.basename(path)],
       [("open", None), ("write", 321)], "the open and write")
