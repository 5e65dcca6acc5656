"""opensnoop on the real kernel: the test's own opens, with exact values."""
import errno
import os
import shutil
import signal
import subprocess
import time
import unicodedata
import uuid

from lib import (Tracer, bpf_prog_ids_of, check, eq, expect_usage_error, on_cleanup,
                 only_banner_and_stats, pipe_into, released_after_exit, run, run_tool, settle,
                 slow, tmpdir, tool_path, workload)

T = "opensnoop"


def on_cleanup_kill(p):
    on_cleanup(lambda: p.poll() is None and p.kill())


def unique(d, stem="f"):
    return os.path.join(d, f"{stem}-{uuid.uuid4().hex[:12]}")


def open_close(path, flags=os.O_RDONLY):
    try:
        fd = os.open(path, flags)
    except OSError as e:
        return -1, e.errno
    os.close(fd)
    return fd, 0


def text_rows(tr, path):
    rows = []
    for line in tr.text_lines()[1:]:
        parts = line.split(None, 5)
        if len(parts) == 6 and parts[5] == path:
            rows.append(parts)
    return rows


def test_text_existing_and_missing_path():
    d = tmpdir()
    present, missing = unique(d, "present"), unique(d, "missing")
    open(present, "w").close()
    tr = Tracer(T, "-p", str(os.getpid()))
    fd, _ = open_close(present)
    _, err = open_close(missing)
    eq(err, errno.ENOENT, "errno of the missing open")
    eq(tr.stop(), 0, "exit status")
    header = tr.text_lines()[0].split()
    eq(header, ["PID", "COMM", "FD", "ERR", "ERRNO", "PATH"], "header")
    ok = text_rows(tr, present)
    eq(len(ok), 1, "rows for the existing path")
    eq(ok[0][0], str(os.getpid()), "pid")
    eq(ok[0][2], str(fd), "fd")
    eq(ok[0][3:5], ["0", "-"], "err, errno")
    bad = text_rows(tr, missing)
    eq(len(bad), 1, "rows for the missing path")
    eq(bad[0][2:5], ["-1", "2", "ENOENT"], "fd, err, errno")
    check("0 lost" in tr.stderr, "loss line on stderr: " + tr.stderr)


def test_json_existing_and_missing_path():
    d = tmpdir()
    present, missing = unique(d, "present"), unique(d, "missing")
    open(present, "w").close()
    tr = Tracer(T, "-j", "-p", str(os.getpid()))
    fd, _ = open_close(present)
    t_missing = time.time()
    open_close(missing)
    eq(tr.stop(), 0, "exit status")
    recs = tr.json_records()
    ev = {r["path"]: r for r in recs if r["type"] == "event" and r["path"] in (present, missing)}
    eq(set(ev), {present, missing}, "paths seen")
    p = ev[present]
    eq((p["pid"], p["tid"], p["fd"], p["errno"], p["syscall"]),
       (os.getpid(), os.getpid(), fd, 0, "openat"), "existing open")
    check("errno_name" not in p, "no errno name for a success")
    eq(p["ret"], fd, "ret")
    m = ev[missing]
    eq((m["pid"], m["fd"], m["errno"], m["errno_name"]), (os.getpid(), -1, 2, "ENOENT"), "missing open")
    check(m["time"].startswith(time.strftime("%Y-")) and "T" in m["time"], "RFC 3339 time")
    # the event's own time, within 1 s of the workload's clock
    import datetime
    t = datetime.datetime.fromisoformat(m["time"]).timestamp()
    check(abs(t - t_missing) < 1.0, f"time {m['time']} vs the open at {t_missing:.6f}")
    eq(recs[-1]["type"], "stats", "last record")
    eq(recs[-1]["lost"], 0, "lost")
    eq(recs[-1]["events"], len([r for r in recs if r["type"] == "event"]), "events count")


def test_pid_filter_excludes_other_process():
    d = tmpdir()
    mine, theirs = unique(d, "mine"), unique(d, "theirs")
    tr = Tracer(T, "-j", "-p", str(os.getpid()))
    open_close(mine)
    out = run([workload("opener"), theirs])
    eq(out.returncode, 0, "opener")
    eq(tr.stop(), 0, "exit status")
    paths = [r["path"] for r in tr.events()]
    check(mine in paths, "own open shown")
    check(theirs not in paths, "other process's open hidden")
    check(all(r["pid"] == os.getpid() for r in tr.events()), "only our pid")


def test_failed_only():
    d = tmpdir()
    present, missing = unique(d, "present"), unique(d, "missing")
    open(present, "w").close()
    tr = Tracer(T, "-j", "-x", "-p", str(os.getpid()))
    open_close(present)
    open_close(missing)
    eq(tr.stop(), 0, "exit status")
    paths = [r["path"] for r in tr.events()]
    check(missing in paths, "failed open shown")
    check(present not in paths, "successful open hidden")
    check(all(r["errno"] != 0 for r in tr.events()), "only failures")


def test_name_and_uid_filters():
    d = tmpdir()
    path = unique(d, "named")
    tr = Tracer(T, "-j", "-n", "opene", "-u", "0")
    out = run([workload("opener"), path])
    pid = int(out.stdout.split()[1])
    open_close(unique(d, "python"))
    eq(tr.stop(), 0, "exit status")
    evs = tr.events()
    check(any(r["path"] == path and r["pid"] == pid for r in evs), "opener's open shown")
    check(all("opene" in r["comm"] for r in evs), "only comm containing 'opene'")
    # -u: another uid sees nothing, while the same run with ours sees it
    other = Tracer(T, "-j", "-u", "4242")
    ours = Tracer(T, "-j", "-u", str(os.getuid()))
    path = unique(d, "uid")
    open_close(path)
    eq(other.stop(), 0, "exit status")
    eq(ours.stop(), 0, "exit status")
    eq([r["path"] for r in other.events() if r["path"] == path], [], "-u 4242: not ours")
    eq([(r["pid"], r["uid"]) for r in ours.events() if r["path"] == path],
       [(os.getpid(), os.getuid())], "-u <our uid>: our open")


def test_hostile_names_text_and_json():
    d = tmpdir()
    name = "evil\n\x1b[31mred\x1b[0m\t\\x" 
    path = os.path.join(d, name).encode() + b"\xff\xfe"
    tr_text = Tracer(T, "-p", str(os.getpid()))
    tr_json = Tracer(T, "-j", "-p", str(os.getpid()))
    open(path, "wb").close()
    eq(tr_text.stop(), 0, "text exit")
    eq(tr_json.stop(), 0, "json exit")
    raw = tr_text.output_bytes()
    check(b"\x1b" not in raw, "no raw ESC in text output")
    want = (d + "/evil\\n\\x1b[31mred\\x1b[0m\\t\\\\x\\xff\\xfe").encode()
    check(want in raw, f"escaped path in text: {raw[-300:]!r}")
    for line in tr_text.text_lines()[1:]:
        check(len(line.split(None, 5)) >= 5, "every text line is one row: " + repr(line))
    evs = [r for r in tr_json.events() if r["path"].startswith(d)]
    eq(len(evs), 1, "one JSON event for the hostile path")
    eq(evs[0]["path"], d + "/" + name + "\ufffd\ufffd", "JSON path intact (invalid bytes as U+FFFD)")


def test_bidi_and_wide_names_text_and_json():
    # RLO would show "txt.sh" as "hs.txt"; C1 CSI, NEL, LINE SEPARATOR, RLM
    # and an isolate act on terminals; CJK takes two columns each.
    d = tmpdir()
    name = "\u202etxt.sh\u0085\u009b2J\u2028\u200f\u2066"
    wide = "\u4e2d\u6587caf\u00e9"
    tr_text = Tracer(T, "-p", str(os.getpid()))
    tr_json = Tracer(T, "-j", "-p", str(os.getpid()))
    open(os.path.join(d, name), "wb").close()
    with open("/proc/self/comm") as f:
        comm = f.read().rstrip("\n")
    try:  # a COMM of two CJK characters and an é: 8 bytes, 5 columns
        with open("/proc/self/comm", "w") as f:
            f.write("\u4e2d\u6587\u00e9")
        open(os.path.join(d, wide), "wb").close()
    finally:
        with open("/proc/self/comm", "w") as f:
            f.write(comm)
    eq(tr_text.stop(), 0, "text exit")
    eq(tr_json.stop(), 0, "json exit")
    raw = tr_text.output_bytes()
    want = (d + "/\\u202etxt.sh\\u0085\\u009b2J\\u2028\\u200f\\u2066").encode()
    check(want in raw, f"escaped path in text: {raw[-300:]!r}")
    for cp in "\u202e\u0085\u009b\u2028\u200f\u2066":
        check(cp.encode() not in raw, f"no raw U+{ord(cp):04X} in text output")
    check((d + "/" + wide).encode() in raw, "wide name passes through")
    # the PATH column starts at the same terminal column on every line
    def width(t):
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in t)
    lines = tr_text.text_lines()
    col = lines[0].index("PATH")
    rows = [line for line in lines[1:] if d in line]
    eq(len(rows), 2, "two rows")
    check(any("\u4e2d\u6587\u00e9 " in r for r in rows), "wide COMM shown")
    for r in rows:
        eq(width(r[:r.index(d)]), col, "PATH column aligned: " + repr(r))
    jraw = tr_json.output_bytes()
    for cp in "\u202e\u0085\u009b\u2028\u200f\u2066":
        check(cp.encode() not in jraw, f"no raw U+{ord(cp):04X} in JSON output")
    check(b"\\u202etxt.sh\\u0085\\u009b2J\\u2028\\u200f\\u2066" in jraw,
          "\\u escapes in JSON")
    paths = sorted(r["path"] for r in tr_json.events() if r["path"].startswith(d))
    eq(paths, sorted([d + "/" + name, d + "/" + wide]), "JSON decodes to the names")


def test_long_path():
    d = tmpdir()
    comp = "x" * 200
    path = d + ("/" + comp) * 19  # ~3.8 KB, beyond NAME_MAX-sized buffers
    tr = Tracer(T, "-j", "-p", str(os.getpid()))
    open_close(path)
    eq(tr.stop(), 0, "exit status")
    evs = [r for r in tr.events() if r["path"].startswith(d)]
    eq(len(evs), 1, "one event")
    eq(evs[0]["path"], path, "whole long path")
    eq(evs[0]["errno_name"], "ENOENT", "errno")


def test_head_closes_pipe():
    """`opensnoop | head -n 2`: the tool itself exits 0, promptly, with no
    error on stderr, once head has its lines and is gone."""
    d = tmpdir()
    rc, err, out, took = pipe_into([T], ["head", "-n", "2"],
                                   feed=lambda: open_close(unique(d)))
    eq(rc, 0, "the tool's own exit status")
    eq(len(out.decode().splitlines()), 2, "two lines through head")
    only_banner_and_stats(T, err)
    check(took < 1.0 * slow(), f"exited {took:.2f}s after head")


def test_reader_gone_on_a_quiet_machine():
    """`opensnoop -n nosuchcomm | head -c0`: nothing matches, so nothing is
    ever written, yet the tool notices its reader has gone and exits 0
    within a second (libbpf-tools runs on until the next event)."""
    rc, err, out, took = pipe_into([T, "-n", "nosuchcommxyz"], ["sh", "-c", "sleep 0.5"])
    eq(rc, 0, "exit status")
    only_banner_and_stats(T, err)
    check(took < 1.0 * slow(), f"exited {took:.2f}s after its reader")


def _lifecycle(sig=None, args=()):
    """The tool exits with status 0 within 1 s of the signal (a hang
    catcher: bench/ measures the real figure) and nothing of it stays
    loaded more than 1 s after it has exited."""
    settle()
    tr = Tracer(T, *args)
    ids = bpf_prog_ids_of(tr.proc.pid)
    check(len(ids) >= 4, f"tool holds its BPF programs while running: {ids}")
    t0 = time.monotonic()
    rc = tr.stop(sig) if sig else tr.wait(10)
    took = time.monotonic() - t0
    eq(rc, 0, f"exit status after {sig or '-d'}")
    eq(tr.stderr.count("opensnoop:"), 1, "only the stats line on stderr: " + tr.stderr)
    if sig:
        check(took < 1.0 * slow(), f"exited {took:.2f}s after {sig}")
    released_after_exit(ids)
    return took


def test_sigint_exits_clean():
    _lifecycle(signal.SIGINT)


def test_sigterm_exits_clean():
    _lifecycle(signal.SIGTERM)


def test_duration_exits_clean():
    took = _lifecycle(None, ("-d", "1s"))
    # a hang catcher (the sanitizer build's exit is slow): bench/ measures
    check(took < 2.5 * slow(), f"-d 1s ended {took:.1f}s after the tool attached")


def test_max_events():
    d = tmpdir()
    tr = Tracer(T, "-j", "--max-events", "3", "-p", str(os.getpid()))
    for _ in range(10):
        open_close(unique(d))
    eq(tr.wait(5), 0, "exit status")
    eq(len(tr.events()), 3, "exactly 3 events")
    # the last of them ends the run: no later event is needed to notice
    tr = Tracer(T, "-j", "--max-events", "2", "-p", str(os.getpid()))
    for _ in range(2):
        open_close(unique(d))
    eq(tr.wait(1 * slow()), 0, "exit status after the 2nd of 2 events")
    eq(len(tr.events()), 2, "exactly 2 events")


def test_bad_input_exits_2_and_loads_nothing():
    cases = [["-p", "abc"], ["-d", "-1"], ["--bogus"], ["-p", "1x"], ["-p", ""],
             ["-d", "0"], ["-p", "99999999999999999999"], ["-u", "-5"],
             ["--max-events", "0"], ["--buffer-size", "1000"], ["-n", ""], ["extra"]]
    for args in cases:
        expect_usage_error(T, args)


def test_no_such_process_exits_1():
    r = run_tool(T, "-p", "999999")
    eq(r.returncode, 1, "exit status")
    check("no such process" in r.stderr, r.stderr)


def test_unprivileged_exits_1():
    d = tmpdir()
    os.chmod(d, 0o755)
    exe = os.path.join(d, T)
    shutil.copy(tool_path(T), exe)
    os.chmod(exe, 0o755)
    r = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             "--inh-caps=-all", exe], timeout=10)
    eq(r.returncode, 1, "exit status")
    check("root" in r.stderr and "CAP_BPF" in r.stderr, "message names the privilege: " + r.stderr)


def test_help_and_version():
    r = run_tool(T, "--help")
    eq(r.returncode, 0, "help status")
    check("Examples:" in r.stdout and "--pid" in r.stdout, "help text")
    r = run_tool(T, "-V")
    eq(r.returncode, 0, "version status")
    check(r.stdout.startswith("opensnoop (loupe) "), r.stdout)


def test_timestamp_and_elapsed_columns():
    d = tmpdir()
    path = unique(d)
    tr = Tracer(T, "-T", "-t", "-U", "--tid", str(os.getpid()))
    t_open = time.time()
    open_close(path)
    eq(tr.stop(), 0, "exit status")
    lines = tr.text_lines()
    eq(lines[0].split(), ["TIME", "TIME(s)", "UID", "PID", "TID", "COMM", "FD", "ERR",
                          "ERRNO", "PATH"], "header")
    rows = [l.split(None, 9) for l in lines[1:] if l.endswith(path)]
    eq(len(rows), 1, "one row")
    r = rows[0]
    check(len(r[0]) == 15 and r[0][2] == ":" and r[0][8] == ".", "HH:MM:SS.ffffff: " + r[0])
    # the event's time is the workload's own clock (within 1 s)
    now = time.time()
    h, m, sec = r[0].split(":")
    shown = time.mktime(time.localtime(now)[:3] + (int(h), int(m), 0, 0, 0, -1)) + float(sec)
    check(abs(shown - t_open) < 1.0, f"-T {r[0]} vs the open at {t_open:.6f}")
    check(0 <= float(r[1]) < 30, "elapsed seconds " + r[1])
    eq(r[2:5], ["0", str(os.getpid()), str(os.getpid())], "uid, pid, tid")


def test_raw_syscalls_source_sees_the_same_opens():
    """The syscall event source's other way in (raw_syscalls, forced): the
    same exact events, and -v names it."""
    d = tmpdir()
    present, missing = unique(d, "present"), unique(d, "missing")
    open(present, "w").close()
    env = dict(os.environ, LOUPE_FORCE_HOOK="raw_tp")
    tr = Tracer(T, "-v", "-j", "-p", str(os.getpid()), env=env)
    fd, _ = open_close(present)
    open_close(missing)
    fd2 = os.open(present, os.O_RDONLY | os.O_CREAT, 0o600)  # openat with a mode
    os.close(fd2)
    eq(tr.stop(), 0, "exit status")
    check("hooks: raw_tp raw_syscalls:sys_{enter,exit} for {open,openat," in tr.stderr,
          tr.stderr)
    ev = [r for r in tr.events() if r["path"] in (present, missing)]
    eq([(r["pid"], r["syscall"], r["ret"], r["errno"], r.get("errno_name"), r["path"])
        for r in ev],
       [(os.getpid(), "openat", fd, 0, None, present),
        (os.getpid(), "openat", -2, 2, "ENOENT", missing),
        (os.getpid(), "openat", fd2, 0, None, present)], "events")
    eq((ev[2]["flags"] & 0o100, ev[2]["mode"]), (0o100, 0o600), "O_CREAT and mode")


def test_path_cut_at_the_copy_limit_is_marked():
    """A name longer than the kernel copy (4095 bytes) fails with
    ENAMETOOLONG and shows cut: '...' in text, path_truncated in JSON."""
    d = tmpdir()
    path = d + "/" + "/".join(["y" * 200] * 25)  # ~5,000 bytes
    tr_text = Tracer(T, "-p", str(os.getpid()))
    tr_json = Tracer(T, "-j", "-p", str(os.getpid()))
    _, err = open_close(path)
    eq(err, errno.ENAMETOOLONG, "errno")
    eq(tr_text.stop(), 0, "text exit")
    eq(tr_json.stop(), 0, "json exit")
    ev = [r for r in tr_json.events() if r["path"].startswith(d)]
    eq(len(ev), 1, "one event")
    eq(ev[0]["path"], path[:4095], "the first 4095 bytes")
    eq((ev[0]["path_truncated"], ev[0]["errno_name"]), (True, "ENAMETOOLONG"), "marked cut")
    rows = [l for l in tr_text.text_lines() if d in l]
    eq(len(rows), 1, "one text row")
    check(rows[0].endswith(path[:4095] + "..."), "text ends with the marker")


def test_least_privilege_cap_bpf_and_cap_perfmon():
    """Root with only CAP_BPF and CAP_PERFMON (setpriv): the default object
    and -F (CO-RE: the kernel's BTF, no module BTF) both trace exactly."""
    from lib import least_privilege_caps
    d = tmpdir()
    for args in ((), ("-F",)):
        path = unique(d, "lp")
        tr = Tracer(T, "-j", "-p", str(os.getpid()), *args, least_privilege=True)
        eq(least_privilege_caps(tr.proc.pid), {"bpf", "perfmon"}, "effective capabilities")
        fd, _ = open_close(path)
        eq(tr.stop(), 0, f"exit status {args}: {tr.stderr}")
        ev = [(r["pid"], r["fd"], r["path"]) for r in tr.events() if r["path"] == path]
        eq(ev, [(os.getpid(), fd, path)], f"the open {args}")


def test_non_root_user_with_capabilities():
    """A non-root user with CAP_BPF + CAP_PERFMON is told precisely what is
    missing (tracefs is mode 0700: CAP_DAC_READ_SEARCH), and with that one
    too traces exactly."""
    st = os.stat("/sys/kernel/tracing")
    if st.st_mode & 0o005:
        from lib import Skip
        raise Skip("tracefs is readable by others here")
    d = tmpdir()
    os.chmod(d, 0o755)
    exe = os.path.join(d, T)
    shutil.copy(tool_path(T), exe)
    os.chmod(exe, 0o755)
    base = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    caps = "-all,+bpf,+perfmon"
    r = run(base + [f"--inh-caps={caps}", f"--ambient-caps={caps}", exe, "-d", "1"],
            timeout=10)
    eq(r.returncode, 1, "exit status without CAP_DAC_READ_SEARCH")
    check("cannot read tracefs" in r.stderr and "CAP_DAC_READ_SEARCH" in r.stderr, r.stderr)
    caps += ",+dac_read_search"
    path = unique(d, "nonroot")
    p = subprocess.Popen(base + [f"--inh-caps={caps}", f"--ambient-caps={caps}", exe, "-j",
                                 "-p", str(os.getpid())],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = b""
    while b"Tracing" not in err and p.poll() is None:
        err += p.stderr.read1(4096)
    fd, _ = open_close(path)
    time.sleep(0.1)
    p.send_signal(signal.SIGINT)
    out, err2 = p.communicate(timeout=10)
    eq(p.returncode, 0, "exit status: " + (err + err2).decode())
    import json
    ev = [json.loads(l) for l in out.decode().splitlines()]
    eq([(e["pid"], e["fd"]) for e in ev if e.get("path") == path], [(os.getpid(), fd)],
       "the open, seen by a non-root tracer")


def test_repeated_options_accumulate_or_are_refused():
    """-p A -p B traces both; a scalar option given twice is an error."""
    d = tmpdir()
    child = subprocess.Popen([workload("opener"), "-w", unique(d, "child")],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    on_cleanup_kill(child)
    mine = unique(d, "mine")
    tr = Tracer(T, "-j", "-p", str(os.getpid()), "-p", str(child.pid))
    open_close(mine)
    child.stdin.write(b"go\n")
    child.stdin.close()  # the opener opens its path now
    child.wait(10)
    eq(tr.stop(), 0, "exit status")
    pids = {r["pid"] for r in tr.events() if r["path"].startswith(d)}
    eq(pids, {os.getpid(), child.pid}, "both -p processes traced")
    for args, msg in ((["-d", "1", "-d", "2"], "option --duration given more than once"),
                      (["-n", "a", "-n", "b"], "option --name given more than once"),
                      (["--json=1"], "option --json takes no value")):
        expect_usage_error(T, args, msg)


def test_pid_of_a_thread_is_refused():
    """-p with the TID of a non-main thread: exit 1, naming the process
    and suggesting --tid."""
    import threading
    ready, done = threading.Event(), threading.Event()
    tid = []

    def body():
        tid.append(threading.get_native_id())
        ready.set()
        done.wait(10)
    t = threading.Thread(target=body)
    t.start()
    ready.wait(5)
    try:
        r = run_tool(T, "-p", str(tid[0]), "-d", "1")
    finally:
        done.set()
        t.join()
    eq(r.returncode, 1, "exit status")
    check(f"that is a thread of process {os.getpid()}" in r.stderr and
          f"--tid {tid[0]}" in r.stderr, r.stderr)
