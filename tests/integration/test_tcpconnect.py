"""tcpconnect on the real kernel: the test's own connects, with exact
addresses, ports, pids and outcomes."""
import errno
import os
import socket
import time
import uuid

from lib import (Skip, Tracer, check, eq, expect_usage_error, on_cleanup, run, stops_and_releases)

T = "tcpconnect"


def listener(family=socket.AF_INET, addr="127.0.0.1"):
    l = socket.socket(family)
    l.bind((addr, 0))
    l.listen(16)
    on_cleanup(l.close)
    return l, l.getsockname()[1]


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return port


def events(tr, port):
    return [e for e in tr.events() if e.get("dport") == port]


def test_blocking_and_non_blocking_outcomes():
    l, port = listener()
    refused = closed_port()
    tr = Tracer(T, "-j", "-e", "-p", str(os.getpid()))
    a = socket.socket()
    a.connect(("127.0.0.1", port))
    a_port = a.getsockname()[1]
    b = socket.socket()
    eq(b.connect_ex(("127.0.0.1", refused)), errno.ECONNREFUSED, "blocking refused")
    c = socket.socket()
    c.setblocking(False)
    eq(c.connect_ex(("127.0.0.1", port)), errno.EINPROGRESS, "non-blocking")
    d = socket.socket()
    d.setblocking(False)
    eq(d.connect_ex(("127.0.0.1", refused)), errno.EINPROGRESS, "non-blocking refused")
    time.sleep(0.2)
    eq(tr.stop(), 0, "exit status")
    ok = events(tr, port)
    eq(len(ok), 2, "two connects to the listener")
    eq([(e["pid"], e["ip"], e["saddr"], e["daddr"], e["ret"], e["errno"]) for e in ok],
       [(os.getpid(), 4, "127.0.0.1", "127.0.0.1", 0, 0)] * 2, "established")
    eq(ok[0]["lport"], a_port, "the blocking connect's local port")
    check("nonblocking" not in ok[0] and ok[1]["nonblocking"], "non-blocking flagged")
    check(all(0 < e["lat_ns"] < 1e9 for e in ok), "connect latency (-e)")
    bad = events(tr, refused)
    eq([(e["pid"], e["errno_name"], e["ret"]) for e in bad],
       [(os.getpid(), "ECONNREFUSED", -errno.ECONNREFUSED)] * 2,
       "refused, blocking or not (not EINPROGRESS)")
    check(bad[1]["nonblocking"], "the non-blocking one's final outcome")


def test_ipv6_and_v4_mapped():
    try:
        l6, port6 = listener(socket.AF_INET6, "::1")
        l4, port4 = listener(socket.AF_INET6, "::")
    except OSError:
        raise Skip("no IPv6 here")
    tr = Tracer(T, "-j", "-p", str(os.getpid()))
    s = socket.socket(socket.AF_INET6)
    s.connect(("::1", port6))
    m = socket.socket(socket.AF_INET6)
    m.connect(("::ffff:127.0.0.1", port4))
    eq(tr.stop(), 0, "exit status")
    eq([(e["ip"], e["saddr"], e["daddr"], e["errno"]) for e in events(tr, port6)],
       [(6, "::1", "::1", 0)], "IPv6")
    eq([(e["ip"], e["daddr"], e["errno"]) for e in events(tr, port4)],
       [(6, "::ffff:127.0.0.1", 0)], "v4-mapped")


def test_timeout_is_seen_after_the_fact():
    """SYNs to one port are dropped (nft, in a network namespace of the
    test's own); a connect with TCP_SYNCNT=1 gives up after ~3 s with
    ETIMEDOUT, reported with the connecting process's pid."""
    ns = "loupe-" + uuid.uuid4().hex[:8]
    if run(["ip", "netns", "add", ns]).returncode:
        raise Skip("cannot create a network namespace")
    on_cleanup(lambda: run(["ip", "netns", "del", ns]))
    port = 9
    for cmd in (["ip", "link", "set", "lo", "up"], ["nft", "add", "table", "inet", "t"],
                ["nft", "add chain inet t in { type filter hook input priority 0; }"],
                ["nft", f"add rule inet t in tcp dport {port} tcp flags syn drop"]):
        r = run(["ip", "netns", "exec", ns] + cmd)
        eq(r.returncode, 0, f"{cmd}: {r.stderr}")
    tr = Tracer(T, "-j", "-e", "-P", str(port))
    script = ("import os, socket, errno\n"
              "print(os.getpid(), flush=True)\n"
              "s = socket.socket()\n"
              "s.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, 1)\n"
              f"print(s.connect_ex(('127.0.0.1', {port})))\n")
    t0 = time.monotonic()
    r = run(["ip", "netns", "exec", ns, "python3", "-c", script], timeout=30)
    took = time.monotonic() - t0
    pid, rc = (int(x) for x in r.stdout.split())
    eq(rc, errno.ETIMEDOUT, "the connect timed out")
    eq(tr.stop(), 0, "exit status")
    ev = events(tr, port)
    eq([(e["pid"], e["comm"], e["errno_name"]) for e in ev], [(pid, "python3", "ETIMEDOUT")],
       "the timeout, with the connecting process")
    check(2.0 < ev[0]["lat_ns"] / 1e9 <= took + 0.1, f"latency {ev[0]['lat_ns'] / 1e9:.2f}s")


def test_port_filter_failed_only_and_count():
    l1, p1 = listener()
    l2, p2 = listener()
    refused = closed_port()
    tr_p = Tracer(T, "-j", "-P", f"{p1},{refused}", "-p", str(os.getpid()))
    tr_x = Tracer(T, "-j", "-x", "-p", str(os.getpid()))
    tr_c = Tracer(T, "-j", "-c", "-k", "dest", "-p", str(os.getpid()))
    n = 7
    for _ in range(n):
        socket.create_connection(("127.0.0.1", p1)).close()
    socket.create_connection(("127.0.0.1", p2)).close()
    socket.socket().connect_ex(("127.0.0.1", refused))
    for tr in (tr_p, tr_x, tr_c):
        eq(tr.stop(), 0, "exit status")
    eq(sorted({e["dport"] for e in tr_p.events()}), sorted({p1, refused}),
       "-P: only the listed ports (the other listener's hidden)")
    eq(len(events(tr_p, p1)), n, "-P: every connect to the listed port")
    eq([(e["dport"], e["errno_name"]) for e in tr_x.events()], [(refused, "ECONNREFUSED")],
       "-x: only the failed connect")
    rows = {(r["addr"], r["port"]): r["count"] for r in tr_c.json_records()
            if r["type"] == "count"}
    eq(rows, {("127.0.0.1", p1): n, ("127.0.0.1", p2): 1, ("127.0.0.1", refused): 1},
       "-c -k dest: exact counts")


def test_accept_shows_the_client():
    l, port = listener()
    tr = Tracer(T, "--accept", "-j", "-P", str(port))
    c = socket.create_connection(("127.0.0.1", port))
    cport = c.getsockname()[1]
    conn, _ = l.accept()
    conn.close()
    eq(tr.stop(), 0, "exit status")
    eq([(e["pid"], e["raddr"], e["rport"], e["laddr"], e["lport"]) for e in tr.events()],
       [(os.getpid(), "127.0.0.1", cport, "127.0.0.1", port)], "the accept, client's port")


def test_text_columns():
    l, port = listener()
    tr = Tracer(T, "-L", "-p", str(os.getpid()))
    s = socket.create_connection(("127.0.0.1", port))
    lport = s.getsockname()[1]
    eq(tr.stop(), 0, "exit status")
    lines = tr.text_lines()
    eq(lines[0].split(), ["PID", "COMM", "IP", "SADDR", "LPORT", "DADDR", "DPORT", "RESULT"],
       "header")
    eq([l.split() for l in lines[1:] if l.split()[6] == str(port)],
       [[str(os.getpid()), "python3", "4", "127.0.0.1", str(lport), "127.0.0.1", str(port),
         "ok"]], "the row")


def test_loads_only_the_connect_programs():
    """Without --accept, the accept syscalls' programs are neither loaded
    nor attached: connect's entry and exit and the socket state program,
    from either syscall source."""
    from lib import bpf_prog_ids_of
    tr = Tracer(T)
    eq(len(bpf_prog_ids_of(tr.proc.pid)), 3, "programs held")
    eq(tr.stop(), 0, "exit status")


def test_lifecycle_and_bad_input():
    stops_and_releases(T, 3)
    for args, msg in ((["-P", "http"], "--port"), (["-P", "70000"], "--port"),
                      (["-P", "0"], "--port"), (["-P", "80,,443"], "--port"),
                      (["-4", "-6"], "exclude each other"), (["-c", "-k", "path"], "-k"),
                      (["--accept", "-x"], "--accept"), (["-k", "dest"], "need -c")):
        expect_usage_error(T, args, msg)


def test_least_privilege_cap_bpf_and_cap_perfmon():
    """tcpconnect as root with only CAP_BPF and CAP_PERFMON (setpriv, lib.LEAST_PRIVILEGE)
    traces the test's own workload exactly."""
    from lib import least_privilege_caps
    l, port = listener()
    tr = Tracer(T, "-j", "-P", str(port), least_privilege=True)
    eq(least_privilege_caps(tr.proc.pid), {"bpf", "perfmon"}, "effective capabilities")
    socket.create_connection(("127.0.0.1", port)).close()
    eq(tr.stop(), 0, "exit status: " + tr.stderr)
    eq([(e["pid"], e["errno"]) for e in events(tr, port)], [(os.getpid(), 0)], "the connect")
