"""--textfile, the systemd unit and doc/fleet.md against the real things:
promtool, node_exporter's textfile collector, Prometheus's HTTP API,
systemd-analyze, rsyslogd (Debian's packages, `make deps`)."""
import errno
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

from lib import (LEAST_PRIVILEGE, REPO, Skip, Tracer, check, eq, expect_usage_error,
                 on_cleanup, run, tmpdir, tool_path, wait_for)
from test_biolatency import dio_reads, loop_device

DOC = os.path.join(REPO, "doc", "fleet.md")


def need(*cmds):
    for c in cmds:
        if not shutil.which(c):
            raise Skip(f"{c} not installed (make deps)")


def doc_blocks(kind):
    """The fenced blocks of doc/fleet.md marked <!-- check: KIND -->."""
    with open(DOC) as f:
        text = f.read()
    return re.findall(r"<!-- check: " + re.escape(kind) + r" -->\n```[a-z]*\n(.*?)```", text,
                      re.S)


def promtool_ok(path):
    with open(path, "rb") as f:
        r = subprocess.run(["promtool", "check", "metrics"], stdin=f, capture_output=True,
                           timeout=30)
    out = (r.stdout + r.stderr).decode("utf-8", "replace")
    # promtool also lints (e.g. "counter metrics should have _total suffix"):
    # exit 3 with lint problems, 1 when the file does not parse
    eq((r.returncode, out.strip()), (0, ""), f"promtool check metrics {os.path.basename(path)}")


def samples(path):
    """{(name, frozenset(labels)): value} of a text-format file."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$', line.rstrip("\n"))
            check(m, f"sample line: {line!r}")
            labels = frozenset(re.findall(r'([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
            out[(m.group(1), labels)] = float(m.group(3))
    return out


def hostile_process():
    """A process whose name holds a newline, a quote, a brace and ESC; it
    fails close(2) once per line on its stdin, then exits at EOF."""
    code = ("import os,sys\n"
            "open('/proc/self/comm','wb').write(b'x\\n\"} 1\\x1b[m')\n"
            "print('ready',flush=True)\n"
            "for _ in sys.stdin:\n"
            "    try: os.close(9999)\n"
            "    except OSError: pass\n")
    p = subprocess.Popen(["python3", "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    on_cleanup(lambda: p.poll() is None and p.kill())
    eq(p.stdout.readline(), b"ready\n", "hostile process started")
    return p


def test_promtool_accepts_every_summary_mode():
    """Each tool's --textfile, written at intervals and at the end,
    passes promtool; a hostile process name stays one label."""
    need("promtool")
    d = tmpdir()
    dev = loop_device()
    disk = os.path.basename(dev)
    hostile = hostile_process()
    pid = str(hostile.pid)
    runs = {
        "biolatency": ["--disk", disk, "-i", "300ms"],
        "biolatency-D": ["-D", "--per-flags", "-i", "300ms"],
        "fileslower": ["--hist", "-k", "op,comm", "-i", "300ms"],
        "funccount": ["-i", "300ms", "-k", "probe,comm"],
        "errsnoop": ["-c", "-k", "syscall,errno,process", "-i", "300ms", "--top", "5"],
        "errsnoop-p": ["-c", "-k", "comm,syscall", "-p", pid, "-s", "close"],
        "opensnoop": ["-c", "-k", "comm,path", "--top", "3", "-i", "300ms"],
        "tcpconnect": ["-c", "-k", "result,port,process", "-i", "300ms"],
    }
    tracers = {}
    for name, args in runs.items():
        # funccount's patterns end its options: last
        tracers[name] = Tracer(name.split("-")[0], *args, "--textfile",
                               os.path.join(d, f"loupe_{name}.prom"),
                               *(["t:syscalls:sys_enter_close"] if name == "funccount" else []))
    dio_reads(dev, 10)
    hostile.stdin.write(b"x\n" * 3)
    hostile.stdin.close()
    eq(hostile.wait(10), 0, "hostile process")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    c = socket.socket()
    eq(c.connect_ex(("127.0.0.1", port)), errno.ECONNREFUSED, "refused connect")
    c.close()
    time.sleep(0.7)  # a write at an interval, then the one at the end
    for name, tr in tracers.items():
        eq(tr.stop(signal.SIGTERM), 0, f"{name} exit status: {tr.stderr}")
    for name in runs:
        promtool_ok(os.path.join(d, f"loupe_{name}.prom"))
    eq(sorted(f for f in os.listdir(d)), sorted(f"loupe_{n}.prom" for n in runs),
       "only the files: no temporary file left")

    bio = samples(os.path.join(d, "loupe_biolatency.prom"))
    eq(bio[("loupe_biolatency_io_latency_seconds_count", frozenset({("disk", disk)}))], 10,
       "biolatency: the 10 reads of the loop device")
    eq(bio[("loupe_biolatency_io_latency_seconds_bucket",
            frozenset({("disk", disk), ("le", "+Inf")}))], 10, "+Inf bucket")
    eq(bio[("loupe_biolatency_lost_events_total", frozenset({("reason", "map")}))], 0, "losses")
    err = samples(os.path.join(d, "loupe_errsnoop-p.prom"))
    want = frozenset({("comm", 'x\\\\n\\"} 1\\\\x1b[m'), ("syscall", "close")})
    eq(err.get(("loupe_errsnoop_failed_syscalls_total", want)), 3,
       f"the hostile process's 3 failed closes, one series: {sorted(err)}")
    top = samples(os.path.join(d, "loupe_opensnoop.prom"))
    series = [k for k in top if k[0] == "loupe_opensnoop_opens_total"]
    check(len(series) <= 4 and any(("path", "other") in k[1] for k in series),
          f"--top 3: at most 3 series and other: {series}")
    tcp = samples(os.path.join(d, "loupe_tcpconnect.prom"))
    mine = [v for (n, l), v in tcp.items() if n == "loupe_tcpconnect_connects_total" and
            ("result", "ECONNREFUSED") in l and ("port", str(port)) in l]
    eq(mine, [1], "tcpconnect: the refused connect, by result and port")


def test_textfile_options_checked_before_loading():
    d = tmpdir()
    expect_usage_error("biolatency", ["--textfile", d], "--textfile")
    expect_usage_error("biolatency", ["--textfile", os.path.join(d, "no", "x.prom")], "--textfile")
    expect_usage_error("errsnoop", ["--textfile", os.path.join(d, "x.prom")], "need -c")
    expect_usage_error("fileslower", ["--textfile", os.path.join(d, "x.prom")], "--hist")
    expect_usage_error("funccount", ["--offset-heatmap", "--textfile", os.path.join(d, "x"),
                                     "t:sched:sched_switch"], "--textfile")


# ---- end to end: node_exporter and Prometheus --------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(cmd, what, log):
    out = open(log, "wb")
    p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def stop():
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        out.close()
    on_cleanup(stop)
    return p, stop


def http_get(url, timeout=2):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode()


def up(url):
    try:
        return http_get(url)[0] == 200
    except OSError:
        return False


class Prom:
    """node_exporter (textfile collector only) on DIR and Prometheus scraping
    it every second, both on loopback ports of their own."""

    def __init__(self, textfile_dir):
        d = tmpdir()
        self.ne_port, self.port = free_port(), free_port()
        self.ne, self.stop_ne = start(
            ["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{self.ne_port}",
             "--collector.disable-defaults", "--collector.textfile",
             f"--collector.textfile.directory={textfile_dir}"],
            "node_exporter", os.path.join(d, "ne.log"))
        cfg = os.path.join(d, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: node\n    static_configs:\n"
                    f"      - targets: ['127.0.0.1:{self.ne_port}']\n")
        self.prom, self.stop_prom = start(
            ["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={d}/data",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            "prometheus", os.path.join(d, "prom.log"))
        self.logs = d
        for url, what in ((f"http://127.0.0.1:{self.ne_port}/metrics", "node_exporter"),
                          (f"http://127.0.0.1:{self.port}/-/ready", "prometheus")):
            if not wait_for(lambda: up(url), timeout=30, step=0.1):
                raise AssertionError(f"{what} not up within 30 s: " + self.log())

    def log(self):
        out = ""
        for n in ("ne.log", "prom.log"):
            with open(os.path.join(self.logs, n), errors="replace") as f:
                out += f"--- {n}\n" + f.read()[-2000:]
        return out

    def query(self, q):
        st, body = http_get(f"http://127.0.0.1:{self.port}/api/v1/query?" +
                            urllib.parse.urlencode({"query": q}))
        r = json.loads(body)
        eq(r["status"], "success", f"query {q}")
        return r["data"]["result"]

    def value(self, q):
        """The one series' value, None while there is none."""
        res = self.query(q)
        check(len(res) <= 1, f"one series for {q}: {res}")
        return float(res[0]["value"][1]) if res else None

    def wait_value(self, q, want, timeout=30):
        got = wait_for(lambda: self.value(q) == want, timeout=timeout, step=0.2)
        check(got, f"{q}: {self.value(q)}, want {want} within {timeout} s")

    def stop(self):
        self.stop_prom()
        self.stop_ne()
        eq((self.prom.poll() is not None, self.ne.poll() is not None), (True, True),
           "both servers stopped")


def failing_closes(k):
    for _ in range(k):
        try:
            os.close(9999)
        except OSError:
            pass


def refused_connects(k):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    for _ in range(k):
        c = socket.socket()
        eq(c.connect_ex(("127.0.0.1", port)), errno.ECONNREFUSED, "refused")
        c.close()


def test_end_to_end_node_exporter_and_prometheus():
    need("prometheus", "prometheus-node-exporter", "promtool")
    n, k = 40, 7
    textdir = tmpdir()
    dev = loop_device()
    disk = os.path.basename(dev)
    me = str(os.getpid())
    prom = Prom(textdir)
    bio = Tracer("biolatency", "--disk", disk, "-i", "1",
                 "--textfile", os.path.join(textdir, "loupe_biolatency.prom"))
    err = Tracer("errsnoop", "-c", "-p", me, "-s", "close", "-i", "1",
                 "--textfile", os.path.join(textdir, "loupe_errsnoop.prom"))
    tcp = Tracer("tcpconnect", "-c", "-k", "result", "-p", me, "-i", "1",
                 "--textfile", os.path.join(textdir, "loupe_tcpconnect.prom"))
    count = f'loupe_biolatency_io_latency_seconds_count{{disk="{disk}"}}'
    fails = 'loupe_errsnoop_failed_syscalls_total{syscall="close",errno="EBADF"}'
    refused = 'loupe_tcpconnect_connects_total{result="ECONNREFUSED"}'
    # a first sample of each series before the workload, so that rate()
    # sees the increase: 0 I/Os, 1 failure, 1 refused connect
    failing_closes(1)
    refused_connects(1)
    prom.wait_value(count, 0)
    prom.wait_value(fails, 1)
    prom.wait_value(refused, 1)
    dio_reads(dev, n)
    failing_closes(k - 1)
    refused_connects(k - 1)
    prom.wait_value(count, n)
    prom.wait_value(fails, k)
    prom.wait_value(refused, k)

    # doc/fleet.md's queries, as written there: a value per host
    queries = doc_blocks("promql")
    eq(len(queries), 3, "three PromQL examples in doc/fleet.md")
    for q in queries:
        q = q.strip()
        res = wait_for(lambda: [r for r in prom.query(q) if r["value"][1] not in ("NaN", "0")],
                       timeout=15, step=0.5)
        check(res and all("instance" in r["metric"] for r in res),
              f"doc query {q}: {prom.query(q)}")
    p99 = [r for r in prom.query(queries[0]) if r["metric"].get("disk") == disk]
    check(p99 and 0 < float(p99[0]["value"][1]) < 60, f"p99 of {disk}: {p99}")

    for tr in (bio, err, tcp):
        eq(tr.stop(signal.SIGTERM), 0, f"{tr.name}: {tr.stderr}")
    prom.stop()

    # the scrape config of the doc parses
    cfgs = doc_blocks("prometheus-config")
    eq(len(cfgs), 1, "one scrape config in doc/fleet.md")
    path = os.path.join(tmpdir(), "prometheus.yml")
    with open(path, "w") as f:
        f.write(cfgs[0])
    r = run(["promtool", "check", "config", path])
    eq(r.returncode, 0, "promtool check config: " + r.stdout + r.stderr)


# ---- the systemd unit ------------------------------------------------------------

def test_service_unit_verifies():
    need("systemd-analyze")
    root = tmpdir()
    r = run(["make", "-s", "--no-print-directory", "-C", REPO, "install", f"DESTDIR={root}",
             "PREFIX=/usr", "PROGRAM_SUFFIX=-loupe", "SYSTEMD_UNIT_DIR=/lib/systemd/system",
             f"BUILD={os.environ.get('LOUPE_BUILD', os.path.join(REPO, 'build'))}"],
            timeout=120)
    eq(r.returncode, 0, "make install: " + r.stderr)
    units = os.path.join(root, "lib", "systemd", "system")
    with open(os.path.join(units, "loupe@.service")) as f:
        unit = f.read()
    check("ExecStart=/usr/sbin/%i-loupe -i ${LOUPE_INTERVAL} --textfile "
          "/var/lib/prometheus/node-exporter/loupe_%i.prom $LOUPE_ARGS" in unit, "ExecStart")
    check("CapabilityBoundingSet=CAP_BPF CAP_PERFMON\n" in unit, "capabilities")
    # the targets a service depends on by default, from the host
    for f in os.listdir("/lib/systemd/system"):
        if f.endswith(".target"):
            shutil.copy(os.path.join("/lib/systemd/system", f), units)
    tools = sorted(d[len("loupe@"):-len(".service.d")] for d in os.listdir(units)
                   if d.endswith(".service.d"))
    eq(tools, ["biolatency", "errsnoop", "fileslower", "funccount", "opensnoop", "tcpconnect"],
       "an instance's defaults per summary tool")
    env = dict(os.environ, MANPATH=os.path.join(root, "usr", "share", "man"))
    for t in tools:
        r = run(["systemd-analyze", "verify", f"--root={root}", f"loupe@{t}.service"],
                env=env, cwd=root)
        eq((r.returncode, (r.stdout + r.stderr).strip()), (0, ""), f"verify loupe@{t}")
    # each tool with its defaults, as the unit runs it, in the unit's
    # sandbox emulated (systemd does not run here): root with only CAP_BPF
    # and CAP_PERFMON, no_new_privs, everything read-only (tracefs and /sys
    # too) but the textfile directory, a private /tmp
    textdir = tempfile.mkdtemp(prefix="loupe-textfile-", dir="/var/tmp")
    on_cleanup(lambda: shutil.rmtree(textdir, ignore_errors=True))
    sandbox = ("set -e; mount --make-rprivate /; mount --bind \"$0\" \"$0\"; "
               "for m in / /sys /sys/kernel/tracing; do mountpoint -q $m && "
               "mount -o remount,bind,ro $m; done; mount -t tmpfs tmpfs /tmp; "
               "mount -o remount,bind,rw \"$0\"; exec \"$@\"")
    procs = {}
    for t in tools:
        with open(os.path.join(units, f"loupe@{t}.service.d", "defaults.conf")) as f:
            args = re.search(r'LOUPE_ARGS=([^"]*)"', f.read()).group(1).split()
        cmd = ["unshare", "-m", "sh", "-c", sandbox, textdir] + LEAST_PRIVILEGE + [
            "--no-new-privs", tool_path(t), "-d", "1", "-i", "15s", "--textfile",
            os.path.join(textdir, f"loupe_{t}.prom")] + args
        procs[t] = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        on_cleanup(lambda p=procs[t]: p.poll() is None and p.kill())
    for t, p in procs.items():
        out, err = p.communicate(timeout=60)
        eq(p.returncode, 0, f"{t} with the unit's defaults, sandboxed: {err.decode()}")
        promtool_ok(os.path.join(textdir, f"loupe_{t}.prom"))


# ---- rsyslog ---------------------------------------------------------------------

def test_rsyslog_forwards_ndjson():
    need("rsyslogd")
    confs = doc_blocks("rsyslog")
    eq(len(confs), 1, "one rsyslog configuration in doc/fleet.md")
    d = tmpdir()
    path = os.path.join(d, "loupe.conf")
    with open(path, "w") as f:
        f.write(confs[0])
    # as /etc/rsyslog.d/loupe.conf in Debian's configuration (which sets
    # the work directory imfile keeps its state in)
    main = os.path.join(d, "rsyslog.conf")
    with open("/etc/rsyslog.conf") as f:
        debian = f.read()
    check("$IncludeConfig /etc/rsyslog.d/*.conf" in debian, "Debian's rsyslog.conf includes")
    with open(main, "w") as f:
        f.write(debian.replace("/etc/rsyslog.d/*.conf", path))
    r = run(["rsyslogd", "-N1", "-f", main], timeout=30)
    eq(r.returncode, 0, "rsyslogd -N1: " + r.stdout + r.stderr)

    # the same configuration, live: the test's files and a TCP listener
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(15)
    logs = os.path.join(d, "logs")
    os.mkdir(logs)
    live = (f'global(workDirectory="{d}")\n' + confs[0]
            .replace("/var/log/loupe/*.ndjson", f"{logs}/*.ndjson")
            .replace('Target="logs.example.com" Port="10514"',
                     f'Target="127.0.0.1" Port="{srv.getsockname()[1]}"'))
    with open(path, "w") as f:
        f.write(live)
    ndjson = os.path.join(logs, "opensnoop.ndjson")
    marker = os.path.join(d, 'opened "by\\ the\nfleet test" \u00e9')
    open(marker, "w").close()
    tr = Tracer("opensnoop", "-j", "--exec", "cat", marker, stdout_file=ndjson, ready=False)
    eq(tr.wait(), 0, "opensnoop: " + tr.stderr)
    with open(ndjson, "rb") as f:
        lines = f.read().splitlines()
    check(lines and json.loads(lines[-1])["type"] == "stats", "opensnoop's lines")
    rs = subprocess.Popen(["rsyslogd", "-n", "-f", path, "-i", os.path.join(d, "pid")],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    on_cleanup(lambda: rs.poll() is None and (rs.kill(), rs.wait()))
    conn, _ = srv.accept()
    conn.settimeout(15)
    got = b""
    try:
        while got.count(b"\n") < len(lines):
            chunk = conn.recv(65536)
            if not chunk:
                break
            got += chunk
    except socket.timeout:
        pass
    rs.terminate()
    eq(rs.wait(10), 0, "rsyslogd stopped")
    conn.close()
    srv.close()
    eq(got.splitlines(), lines, "every JSON line forwarded unchanged")
    mine = [json.loads(l) for l in got.splitlines() if json.loads(l).get("path") == marker]
    eq(len(mine), 1, "the marker's open, its name intact")


def test_daemonset_manifest_parses():
    py = "/usr/bin/python3"
    if run([py, "-c", "import yaml"]).returncode:
        raise Skip("python3-yaml not installed (make deps)")
    docs = doc_blocks("daemonset")
    eq(len(docs), 1, "one DaemonSet in doc/fleet.md")
    r = run([py, "-c", "import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"],
            input=docs[0])
    eq(r.returncode, 0, "yaml: " + r.stderr)
    ds = json.loads(r.stdout)
    eq(ds["kind"], "DaemonSet", "kind")
    spec = ds["spec"]["template"]["spec"]
    eq(spec["hostPID"], True, "hostPID")
    c = spec["containers"][0]
    eq(c["securityContext"]["capabilities"], {"drop": ["ALL"], "add": ["BPF", "PERFMON"]},
       "capabilities")
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    check(mounts["/sys/kernel/tracing"].get("readOnly"), "tracefs read-only")
    check("/textfile" in mounts, "textfile directory")
    paths = {v["name"]: v["hostPath"]["path"] for v in spec["volumes"]}
    eq(paths[mounts["/textfile"]["name"]], "/var/lib/prometheus/node-exporter", "host dir")
    i = c["args"].index("--textfile")
    check(c["args"][i + 1].startswith("/textfile/") and c["args"][i + 1].endswith(".prom"),
          "--textfile into the mounted directory")
