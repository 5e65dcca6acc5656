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
