"""Helpers for the integration tests: start a tool, wait until it is
attached, run a workload, stop it, parse what it printed."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("LOUPE_BUILD", os.path.join(REPO, "build"))
LANE = False
_cleanups = []


class Skip(Exception):
    pass


def host_only(why="host kernel only"):
    if LANE:
        raise Skip(why)


def tool_path(name):
    return os.path.join(BUILD, name)


def workload(name):
    return os.path.join(BUILD, "tests", name)


def tmpdir(prefix="loupe-test-"):
    d = tempfile.mkdtemp(prefix=prefix)
    _cleanups.append(lambda: shutil.rmtree(d, ignore_errors=True))
    return d


def on_cleanup(fn):
    _cleanups.append(fn)


def cleanup():
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception:  # noqa: BLE001
            pass


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def eq(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def bpf_prog_ids_of(pid):
    """IDs of the BPF programs whose fds the process holds (/proc fdinfo)."""
    ids = set()
    fddir = f"/proc/{pid}/fd"
    for fd in os.listdir(fddir):
        try:
            if "bpf-prog" not in os.readlink(os.path.join(fddir, fd)):
                continue
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                for line in f:
                    if line.startswith("prog_id:"):
                        ids.add(int(line.split()[1]))
        except OSError:
            pass
    return sorted(ids)


def bpf_prog_ids():
    out = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True, text=True)
    try:
        return {p["id"] for p in json.loads(out.stdout or "[]")}
    except ValueError:
        return set()


def slow():
    """How much longer things take here: the kernel lane runs under qemu's
    software emulation (about 3x the host)."""
    return 3.0 if LANE else 1.0


def release_children():
    """The pids of the release children (common/attach.c) that still run."""
    pids = []
    for p in os.listdir("/proc"):
        try:
            with open(f"/proc/{p}/comm") as f:
                if f.read().strip() == "loupe-release":
                    pids.append(int(p))
        except (OSError, ValueError):
            pass
    return pids


def settle(within=300):
    """Waits (a hang catcher, scaled by slow()) until no earlier run's
    release child is still detaching: a test that times a release must not
    queue behind another's (the kernel serializes perf-event releases, and
    a kernel without uprobe_multi takes minutes for a libc glob)."""
    left = wait_for(lambda: not release_children(), timeout=within * slow(), step=0.1)
    check(left, f"release children {release_children()} still running after "
                f"{within * slow():.0f}s")


def stops_and_releases(name, min_programs, *args):
    """The tool started with args holds at least min_programs BPF programs,
    exits with 0 within 1 s (scaled by slow()) of SIGINT with only its banner
    and stats line on stderr, and its programs are gone within 1 s more."""
    settle()
    tr = Tracer(name, *args)
    ids = bpf_prog_ids_of(tr.proc.pid)
    check(len(ids) >= min_programs, f"holds its programs: {ids}")
    t0 = time.monotonic()
    eq(tr.stop(signal.SIGINT), 0, "exit status")
    check(time.monotonic() - t0 < 1.0 * slow(), "exited within 1 s of SIGINT")
    only_banner_and_stats(name, tr.stderr)
    released_after_exit(ids)


def released_after_exit(ids, within=1.0):
    """The programs ids (held by a tool that has exited) are gone within
    `within` seconds (scaled by slow()): the tool hands its links to a
    detached child that releases them. Returns the seconds it took."""
    t0 = time.monotonic()
    left = wait_for(lambda: not (set(ids) & bpf_prog_ids()), timeout=within * slow() + 2,
                    step=0.02)
    took = time.monotonic() - t0
    check(left, f"BPF programs {sorted(set(ids) & bpf_prog_ids())} still loaded "
                f"{took:.1f}s after the tool exited")
    check(took <= within * slow(), f"BPF programs released {took:.2f}s after exit "
                                   f"(more than {within * slow():.1f}s)")
    return took


# Root with exactly CAP_BPF and CAP_PERFMON (the bounding set limits what
# root's exec gains; nothing inheritable): what README promises suffices.
LEAST_PRIVILEGE = ["setpriv", "--inh-caps=-all", "--bounding-set=-all,+bpf,+perfmon"]


def least_privilege_caps(pid):
    """The effective capabilities of a running process, as a set of names."""
    with open(f"/proc/{pid}/status") as f:
        eff = int(next(l for l in f if l.startswith("CapEff:")).split()[1], 16)
    names = {38: "perfmon", 39: "bpf", 21: "sys_admin"}
    return {names.get(i, str(i)) for i in range(64) if eff >> i & 1}


class Tracer:
    """A running tool. stdout goes to a file (or a pipe with stdout=PIPE);
    stderr is collected. start() returns once the tool is attached (its
    'Tracing' banner, printed after attach) or raises."""

    def __init__(self, name, *args, stdout_file=None, env=None, timeout=20, ready=True,
                 preexec_fn=None, user=None, least_privilege=False, wrap=None, cwd=None):
        self.name = name
        self.args = list(args)
        self.outpath = stdout_file or os.path.join(tmpdir(), "out")
        self.stderr_lines = []
        self.attached = False
        self._ready = threading.Event()
        cmd = [tool_path(name)] + self.args
        if least_privilege:
            cmd = LEAST_PRIVILEGE + cmd
        if wrap:  # a command that runs the tool (unshare ...)
            cmd = list(wrap) + cmd
        if user:
            cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups",
                   "--inh-caps=-all"] + cmd
        self.out = open(self.outpath, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                     preexec_fn=preexec_fn)
        on_cleanup(self.kill)
        self._t = threading.Thread(target=self._read_err, daemon=True)
        self._t.start()
        if ready:
            self.wait_ready(timeout)

    def _read_err(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace")
            self.stderr_lines.append(line)
            if line.startswith("Tracing") or "Tracing" in line:
                self.attached = True
                self._ready.set()
        self._ready.set()

    def wait_ready(self, timeout=20):
        if not self._ready.wait(timeout):
            raise AssertionError(f"{self.name} not attached within {timeout}s")
        if self.proc.poll() is not None and not self.attached:
            raise AssertionError(f"{self.name} exited {self.proc.returncode} at start: "
                                 + "".join(self.stderr_lines))

    def stop(self, sig=signal.SIGINT, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"{self.name} did not exit within {timeout}s of signal {sig}")
        self._t.join(5)
        self.out.close()
        return self.proc.returncode

    def wait(self, timeout=30):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"{self.name} did not exit within {timeout}s")
        self._t.join(5)
        self.out.close()
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    @property
    def stderr(self):
        return "".join(self.stderr_lines)

    def output_bytes(self):
        with open(self.outpath, "rb") as f:
            return f.read()

    def text_lines(self):
        return self.output_bytes().decode("utf-8", "strict").splitlines()

    def json_records(self):
        recs = []
        for line in self.output_bytes().decode("utf-8", "strict").splitlines():
            recs.append(json.loads(line))  # every line must parse
        return recs

    def events(self):
        return [r for r in self.json_records() if r.get("type") == "event"]


def run(cmd, timeout=60, **kw):
    """Run a command to completion; returns CompletedProcess (text)."""
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def run_tool(name, *args, timeout=30, **kw):
    return run([tool_path(name)] + list(args), timeout=timeout, **kw)


def loop_device(size_mb=16):
    """A loop device over a file in a fresh tmpdir (direct I/O to the backing
    file when its file system allows it); detached at cleanup. udevd does not
    run here, so nothing else reads it."""
    d = tmpdir()
    backing = os.path.join(d, "disk")
    with open(backing, "wb") as f:
        f.truncate(size_mb << 20)
    for extra in (["--direct-io=on"], []):
        r = run(["losetup", "--find", "--show"] + extra + [backing])
        if r.returncode == 0:
            dev = r.stdout.strip()
            on_cleanup(lambda: run(["losetup", "-d", dev]))
            return dev
    raise AssertionError("losetup failed: " + r.stderr)


def wait_for(pred, timeout=5.0, step=0.01):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def expect_usage_error(name, args, msg=None):
    """The tool rejects args: exit status 2, one "<tool>: ..." line on stderr
    (containing msg), nothing on stdout, and no bpf() call (strace)."""
    cmd = [tool_path(name)] + list(args)
    strace = shutil.which("strace")
    if strace:
        cmd = [strace, "-f", "-qq", "-e", "trace=bpf", "-o", "/dev/stderr"] + cmd
    # LeakSanitizer cannot run under ptrace (the sanitizer build)
    r = run(cmd, timeout=10, env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
    shown = list(args)[:3]
    eq(r.returncode, 2, f"exit status for {shown}")
    lines = [l for l in r.stderr.splitlines() if l.startswith(name + ":")]
    eq(len(lines), 1, f"one error line for {shown}: {r.stderr!r}")
    if msg:
        check(msg in lines[0], f"message for {shown}: {lines[0]}")
    check("bpf(" not in r.stderr, f"no bpf() call for {shown}")
    eq(r.stdout, "", f"nothing on stdout for {shown}")


def pipe_into(tool_args, reader_cmd, feed=None, timeout=10):
    """Run `tool ARGS | READER` with both processes visible: returns (the
    tool's exit status, its stderr, the reader's stdout, seconds from the
    reader's exit to the tool's). feed(), when given, is called in a loop
    while the tool runs (to make events)."""
    tool = subprocess.Popen([tool_path(tool_args[0])] + list(tool_args[1:]),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    reader = subprocess.Popen(reader_cmd, stdin=tool.stdout, stdout=subprocess.PIPE)
    tool.stdout.close()  # only the reader holds the read end
    on_cleanup(lambda: tool.poll() is None and tool.kill())
    t0 = time.monotonic()
    while reader.poll() is None and time.monotonic() - t0 < timeout:
        if feed:
            feed()
        time.sleep(0.01)
    out = reader.communicate(timeout=5)[0]
    t_reader = time.monotonic()
    try:
        rc = tool.wait(timeout)
    except subprocess.TimeoutExpired:
        tool.kill()
        raise AssertionError(f"{tool_args[0]} still running {timeout}s after its reader exited")
    took = time.monotonic() - t_reader
    err = tool.stderr.read().decode("utf-8", "replace")
    return rc, err, out, took


def only_banner_and_stats(tool, stderr):
    """stderr holds the banner and the stats line, nothing else (no error)."""
    extra = [l for l in stderr.splitlines()
             if not l.startswith("Tracing") and not (l.startswith(tool + ":") and " lost (" in l)]
    eq(extra, [], f"{tool}: nothing on stderr but the banner and the stats line")
