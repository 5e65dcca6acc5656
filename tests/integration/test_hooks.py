"""Which hook each tool chooses on the running kernel (-v), so that the
kernel lane proves the preferred path on 6.1, 6.12 and the host's kernel."""
import os
import re

from lib import check, eq, run_tool


def _hooks(tool, *args):
    r = run_tool(tool, "-v", "-d", "200ms", *args, timeout=30)
    eq(r.returncode, 0, f"{tool} exit status: {r.stderr}")
    m = re.search(rf"^{tool}: hooks: (.*)$", r.stderr, re.M)
    check(m, f"{tool} -v names its hooks: {r.stderr}")
    print(f"    {os.uname().release}: {tool}: {m.group(1)}")
    return m.group(1)


def test_opensnoop_uses_syscall_tracepoints():
    h = _hooks("opensnoop")
    check(h.startswith("tracepoint syscalls:sys_{enter,exit}_{"), h)
    # open(2) and creat(2) exist on x86-64; openat2(2) since 5.6
    for name in ("open", "openat", "openat2", "creat"):
        check(re.search(rf"[{{,]{name}[,}}]", h), f"{name} traced: {h}")
    check("no CO-RE" in h, "default object without CO-RE: " + h)


def test_biolatency_prefers_tp_btf():
    # every kernel the suite runs on (5.8+ with BTF) has tp_btf
    h = _hooks("biolatency")
    check(h.startswith("tp_btf (tp_btf/block_rq_complete"), h)


def test_tracefs_mounted_when_missing():
    """A fresh boot may have no tracefs mounted: the tool mounts it (here in
    a private mount namespace, so the host's mounts stay as they are)."""
    import uuid
    from lib import run, tmpdir, tool_path
    import json
    path = os.path.join(tmpdir(), "tracefs-" + uuid.uuid4().hex[:8])
    # debugfs's tracing directory is an automount of tracefs: debugfs goes too
    script = ("umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug/tracing "
              "2>/dev/null; umount -l /sys/kernel/debug 2>/dev/null; "
              "test -e /sys/kernel/tracing/events && exit 99; "
              "test -e /sys/kernel/debug/tracing/events && exit 99; "
              f"exec {tool_path('opensnoop')} -v -j --exec cat {path}")
    r = run(["unshare", "-m", "--propagation", "private", "sh", "-c", script], timeout=30)
    check(r.returncode != 99, "tracefs still mounted in the namespace")
    eq(r.returncode, 0, "exit status: " + r.stderr)
    check("mounted tracefs on /sys/kernel/tracing" in r.stderr, r.stderr)
    evs = [json.loads(l) for l in r.stdout.splitlines()]
    hit = [e for e in evs if e.get("path") == path]
    eq(len(hit), 1, "cat's open of the path")
    eq((hit[0]["comm"], hit[0]["errno_name"]), ("cat", "ENOENT"), "comm, errno")


def test_perf_paranoid_3_without_sys_admin_uses_raw_syscalls():
    """Debian's kernels refuse perf events (classic tracepoints) to all but
    CAP_SYS_ADMIN when kernel.perf_event_paranoid is 3, their default: with
    CAP_BPF + CAP_PERFMON only, the syscall source then takes raw_syscalls,
    and the tool still traces exactly."""
    import uuid
    from lib import LEAST_PRIVILEGE, on_cleanup, tmpdir, tool_path
    knob = "/proc/sys/kernel/perf_event_paranoid"
    with open(knob) as f:
        old = f.read().strip()
    on_cleanup(lambda: open(knob, "w").write(old))
    with open(knob, "w") as f:
        f.write("3")
    path = os.path.join(tmpdir(), "p3-" + uuid.uuid4().hex[:8])
    import subprocess
    import json
    p = subprocess.Popen(LEAST_PRIVILEGE + [tool_path("opensnoop"), "-v", "-j", "-p",
                                            str(os.getpid()), "-d", "2"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = b""
    while b"Tracing" not in err and p.poll() is None:
        err += p.stderr.read1(4096)
    try:
        os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        pass
    out, err2 = p.communicate(timeout=10)
    err = (err + err2).decode()
    eq(p.returncode, 0, "exit status: " + err)
    check("perf_event_paranoid is 3" in err and "raw_syscalls" in err, err)
    ev = [json.loads(l) for l in out.decode().splitlines()]
    eq([e.get("errno_name") for e in ev if e.get("path") == path], ["ENOENT"], "the open")
