"""Container awareness, user-space half (common/containers.h), on the real
cgroup2 tree: cgroups named as podman names its containers' (libpod-<64
hex>), nothing moved into them, resolved from their ids (the directories'
inode numbers) and found by --container-style prefixes, through
tests/cgroupinfo; every directory is removed afterwards."""
import os
import secrets
import shutil
import signal
import subprocess
import time
import uuid

from lib import (Tracer, check, eq, least_privilege_caps, on_cleanup, run, slow, tmpdir,
                 tool_path, wait_for, workload)


def _info(*args, stdin=None):
    r = run([workload("cgroupinfo")] + [str(a) for a in args], timeout=30, input=stdin)
    eq(r.returncode, 0, f"cgroupinfo {args[:4]}: {r.stderr}")
    return [l.split("\t") for l in r.stdout.splitlines()]


def _mount():
    """The cgroup2 mount sys_cgroup2_mount() finds."""
    return _info("mount")[0][1]


def _rmtree(top):
    """rmdir a cgroup tree, leaves first (its control files go with it)."""
    for d, _, _ in os.walk(top, topdown=False):
        try:
            os.rmdir(d)
        except OSError:
            pass


def _base():
    """A fresh directory of our own under the cgroup2 mount (not
    /libpod_parent: a podman run on this machine may be using that)."""
    base = os.path.join(_mount(), f"loupe-test-containers-{os.getpid()}")
    _rmtree(base)
    os.mkdir(base)
    on_cleanup(lambda: _rmtree(base))
    return base


def _mkdir(path):
    os.mkdir(path)
    return os.stat(path).st_ino


def _get(lines):
    """{id: (path, container, runtime, pod_uid, name)} of the get lines."""
    return {int(l[1]): tuple(l[2:7]) for l in lines if l[0] == "get"}


def test_podman_named_cgroups_resolve_by_id_and_prefix():
    base = _base()
    mount = _mount()
    rel = base[len(mount):]
    cid = secrets.token_hex(32)
    other = cid[:16] + secrets.token_hex(24)  # shares 16 digits with cid
    while other[16] == cid[16]:
        other = cid[:16] + secrets.token_hex(24)
    ctr = _mkdir(f"{base}/libpod-{cid}")
    nested = _mkdir(f"{base}/libpod-{cid}/container")
    conmon = _mkdir(f"{base}/libpod-conmon-{cid}")
    _mkdir(f"{base}/libpod-{other}")
    top = os.stat(base).st_ino
    root = os.stat(mount).st_ino

    lines = _info("get", ctr, "get", nested, "get", conmon, "get", top, "get", root,
                  "find", cid[:17], "find", cid[:20].upper(), "find", cid,
                  "find", cid[:16], "find", "xyz", "find", secrets.token_hex(10))
    got = _get(lines)
    eq(got[ctr], (f"{rel}/libpod-{cid}", cid, "podman", "", cid[:12]), "the container's cgroup")
    eq(got[nested], (f"{rel}/libpod-{cid}/container", cid, "podman", "", cid[:12]),
       "a cgroup inside the container")
    eq(got[conmon], (f"{rel}/libpod-conmon-{cid}", "", "", "", f"libpod-conmon-{cid}"),
       "podman's conmon cgroup is no container")
    eq(got[top], (rel, "", "", "", os.path.basename(base)), "a plain cgroup")
    eq(got[root], ("/", "", "", "", "-"), "the root cgroup")

    finds = [l[1:] for l in lines if l[0] == "find"]
    want_dir = f"{base}/libpod-{cid}"  # the topmost cgroup, not the nested one
    eq(finds[0], [cid[:17], "0", want_dir], "a unique prefix")
    eq(finds[1], [cid[:20].upper(), "0", want_dir], "uppercase")
    eq(finds[2], [cid, "0", want_dir], "the whole id")
    a, b = sorted([cid, other])
    eq(finds[3], [cid[:16], str(-17), f"{a[:17]} (podman), {b[:17]} (podman)"],
       "ambiguous: EEXIST, both listed")
    eq(finds[4][1], str(-22), "not hex: EINVAL")
    eq(finds[5][1], str(-2), "no such container: ENOENT")


def test_a_removed_cgroup_keeps_its_path():
    """podman --rm removes the cgroup at once: its id still resolves."""
    base = _base()
    rel = base[len(_mount()):]
    cid = secrets.token_hex(32)
    ctr = _mkdir(f"{base}/libpod-{cid}")
    p = subprocess.Popen([workload("cgroupinfo"), "get", str(ctr), "pause",
                          "sleep", "150", "get", "1", "get", str(ctr)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    on_cleanup(lambda: p.poll() is None and p.kill())
    first = p.stdout.readline().split("\t")
    eq(p.stdout.readline(), "pause\n", "paused")
    os.rmdir(f"{base}/libpod-{cid}")
    check(not os.path.exists(f"{base}/libpod-{cid}"), "removed")
    out, _ = p.communicate("\n", timeout=10)
    last = out.splitlines()[-1].split("\t")
    eq(first[2:4], [f"{rel}/libpod-{cid}", cid], "before removal")
    eq(last[2:4], [f"{rel}/libpod-{cid}", cid], "after removal")
    eq(last[6], cid[:12], "its name")


def test_a_cgroup_made_after_the_walk():
    """An id the walk at start-up did not see: found by walking again."""
    base = _base()
    rel = base[len(_mount()):]
    cid = secrets.token_hex(32)
    p = subprocess.Popen([workload("cgroupinfo"), "pause", "sleep", "150", "get", "@", "walks"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    on_cleanup(lambda: p.poll() is None and p.kill())
    eq(p.stdout.readline(), "pause\n", "walked and paused")
    made = _mkdir(f"{base}/libpod-{cid}/")
    out, _ = p.communicate(f"{made}\n", timeout=10)
    lines = [l.split("\t") for l in out.splitlines()]
    eq(_get(lines)[made][:3], (f"{rel}/libpod-{cid}", cid, "podman"), "found by a later walk")
    eq(lines[-1], ["walks", "2"], "one more walk")


def _child(pid):
    """The first child of process pid, or None."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = f.read().split()
        return int(kids[0]) if kids else None
    except OSError:
        return None


def _nspids(pid):
    """Process pid's PIDs, from the initial namespace down to its own
    (/proc/PID/status NSpid)."""
    with open(f"/proc/{pid}/status") as f:
        return [int(x) for x in next(l for l in f if l.startswith("NSpid:")).split()[1:]]


def test_vpid_in_a_pid_namespace():
    p = subprocess.Popen(["unshare", "--pid", "--fork", "--kill-child", "sleep", "30"])
    on_cleanup(lambda: p.poll() is None and p.kill())
    kid = wait_for(lambda: _child(p.pid), timeout=5 * slow())
    check(kid, "unshare's child started")
    lines = _info("vpid", kid, "vpid", os.getpid())
    eq(lines[0][2], "1", "PID 1 in its own namespace")
    eq(lines[1][2], str(os.getpid()), "ours: the same PID")
    p.kill()
    p.wait()
    wait_for(lambda: not os.path.exists(f"/proc/{kid}"), timeout=5)
    eq(_info("vpid", kid)[0][2], str(-3), "gone: ESRCH")


def _opener(*args, exe=None, wrap=()):
    """opener -w args (exe: a copy of it), started and waiting for a line:
    (process, the PID it has as getpid() says)."""
    p = subprocess.Popen(list(wrap) + [exe or workload("opener"), "-w"] + list(args),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    on_cleanup(lambda: p.poll() is None and p.kill())
    return p, int(p.stdout.readline().split()[1])


class PidNs:
    """A PID namespace with a /proc of its own (sleep is its PID 1), as a
    container without the host's PIDs has; commands run inside it through
    nsenter, which forks them there. Killed with everything in it at
    cleanup."""

    def __init__(self):
        self.holder = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc",
                                        "--kill-child", "sleep", "600"])
        on_cleanup(lambda: self.holder.poll() is None and self.holder.kill())
        self.init = wait_for(lambda: _child(self.holder.pid), timeout=5 * slow())
        check(self.init, "the namespace's init started")
        # its mounts (/proc), with its root and directory: entering a mount
        # namespace leaves a chroot (the kernel lane runs in one)
        self.wrap = ["nsenter", "--target", str(self.init), "--pid", "--mount", "--root",
                     "--wd", "--"]

    def opener(self, *args, exe=None, nested=False):
        """_opener inside (or in a namespace nested inside it): (process,
        its PID in this namespace)."""
        p, own = _opener(*args, exe=exe,
                         wrap=self.wrap + (["unshare", "--pid", "--fork"] if nested else []))
        if not nested:
            return p, own
        eq(own, 1, "PID 1 of the nested namespace")
        return p, _nspids(_child(_child(p.pid)))[1]

    def stop(self, tr):
        """SIGINT to the tool itself (nsenter, whose child it is, forwards
        no signal): its exit status."""
        os.kill(_child(tr.proc.pid), signal.SIGINT)
        return tr.wait()


def _go(*procs):
    """Let waiting openers open; each reports a success or the errno."""
    for p in procs:
        out, _ = p.communicate("\n", timeout=10 * slow())
        eq(p.returncode, 0, f"opener: {out}")


def test_loupe_in_a_pid_namespace_of_its_own():
    """PIDs are those of loupe's namespace: a process inside shows the PID
    it has there (also one in a namespace nested inside it), one outside
    shows 0, and loupe's own opens are left out."""
    ns = PidNs()
    d = tmpdir()
    inside, host, nested = (os.path.join(d, f"{w}-{uuid.uuid4().hex[:8]}")
                            for w in ("inside", "host", "nested"))
    for path in (inside, host, nested):
        open(path, "w").close()
    w_in, pid_in = ns.opener(inside)
    w_nested, pid_nested = ns.opener(nested, nested=True)
    w_host, pid_host = _opener(host)
    eq(pid_host, w_host.pid, "the host's opener")
    tr = Tracer("opensnoop", "-j", "-v", wrap=ns.wrap)
    own = _nspids(_child(tr.proc.pid))[1]
    _go(w_in, w_nested, w_host)
    eq(ns.stop(tr), 0, "exit status: " + tr.stderr)
    check("PIDs are those of loupe's PID namespace" in tr.stderr, tr.stderr)
    ev = tr.events()

    def opens(path):
        return [(e["pid"], e["tid"], e["fd"] >= 0) for e in ev if e.get("path") == path]

    eq(opens(inside), [(pid_in, pid_in, True)], "inside: its PID there")
    check(pid_nested not in (0, 1, pid_in), f"nested: {pid_nested}")
    eq(opens(nested), [(pid_nested, pid_nested, True)], "nested: its PID in loupe's namespace")
    eq(opens(host), [(0, 0, True)], "outside: PID 0")
    eq([e for e in ev if e["pid"] == own], [], "opensnoop's own opens")


def test_pid_filter_in_a_pid_namespace():
    """-p takes the namespace's PIDs; a PID of the host's that is not one of
    the namespace's is no such process."""
    ns = PidNs()
    d = tmpdir()
    mine, other, host = (os.path.join(d, f"{w}-{uuid.uuid4().hex[:8]}")
                         for w in ("mine", "other", "host"))
    w_mine, pid_mine = ns.opener(mine)
    w_other, _ = ns.opener(other)
    w_host, _ = _opener(host)
    tr = Tracer("opensnoop", "-j", "-p", str(pid_mine), wrap=ns.wrap)
    _go(w_mine, w_other, w_host)
    eq(ns.stop(tr), 0, "exit status: " + tr.stderr)
    eq([(e["pid"], e["path"], e["errno"]) for e in tr.events()], [(pid_mine, mine, 2)],
       "-p: only that process (ENOENT: the path does not exist)")
    r = run(ns.wrap + [tool_path("opensnoop"), "-p", str(w_host.pid), "-d", "1"])
    eq((r.returncode, r.stderr.strip()),
       (1, f"opensnoop: no such process: {w_host.pid}"), "a host PID")


def test_count_by_process_in_a_pid_namespace():
    """errsnoop -c -k process counts under the namespace's PIDs, everything
    outside under 0; with only CAP_BPF and CAP_PERFMON."""
    ns = PidNs()
    # a name of its own: nothing else on the host counts with it
    name = "op" + uuid.uuid4().hex[:10]
    exe = os.path.join(tmpdir(), name)
    shutil.copy(workload("opener"), exe)
    missing = os.path.join(tmpdir(), "missing")
    w_in, pid_in = ns.opener("-n", "5", missing + "/a", exe=exe)
    w_host, _ = _opener("-n", "3", missing + "/b", exe=exe)
    tr = Tracer("errsnoop", "-j", "-c", "-k", "process", "-s", "openat", wrap=ns.wrap,
                least_privilege=True)
    eq(least_privilege_caps(_child(tr.proc.pid)), {"bpf", "perfmon"}, "capabilities")
    _go(w_in, w_host)
    eq(ns.stop(tr), 0, "exit status: " + tr.stderr)
    rows = sorted((r["pid"], r["count"]) for r in tr.json_records()
                  if r["type"] == "count" and r["comm"] == name)
    eq(rows, [(0, 3), (pid_in, 5)], "(pid, failed openat calls)")


def test_execsnoop_parents_in_a_pid_namespace():
    """PPID and --ancestors in loupe's namespace: a parent outside it is 0,
    and the chain ends there."""
    ns = PidNs()
    t = "t" + uuid.uuid4().hex[:10]
    tr = Tracer("execsnoop", "-j", "--ancestors", "-l", t, wrap=ns.wrap)
    r = run(ns.wrap + ["sh", "-c", f"/bin/true {t}; echo $$"])
    eq(r.returncode, 0, r.stderr)
    sh = int(r.stdout)
    r = run(["sh", "-c", f"/bin/true {t}-host; echo $$"])
    eq(r.returncode, 0, r.stderr)
    eq(ns.stop(tr), 0, "exit status: " + tr.stderr)
    def who(pid):
        return "sh" if pid == sh else "host" if pid == 0 else "inside"

    got = sorted((e["args"][0], who(e["pid"]), e["ppid"], e["ancestors"]) for e in tr.events()
                 if e["ret"] == 0)
    eq(got, [("/bin/true", "host", 0, ["sh:0"]),
             ("/bin/true", "inside", sh, [f"sh:{sh}", "nsenter:0"]),
             ("nsenter", "host", 0, ["python3:0"]),
             ("sh", "host", 0, ["python3:0"]),
             ("sh", "sh", 0, ["nsenter:0"])], "(program, whose PID, PPID, ancestors)")


def test_walk_of_2000_real_cgroups():
    """2,000 real cgroups (20 groups of 99, podman-named) walk in well under
    50 ms; the number is printed for the record."""
    base = _base()
    cid = secrets.token_hex(26)
    for s in range(20):
        os.mkdir(f"{base}/s{s}.slice")
        for j in range(99):
            os.mkdir(f"{base}/s{s}.slice/libpod-{cid}{j:012x}")
    before = int(_info("walk")[0][1])
    check(before >= 2001, f"{before} cgroups walked")
    times = [float(_info("walk", "walk", "walk")[k][2]) for k in range(3)]
    best = min(times)
    print(f"  walk of {before} real cgroups: {', '.join(f'{t:.1f}' for t in times)} ms")
    check(best < 2000 * slow(), f"walk took {best:.1f} ms (a hang catcher)")
    # every one resolves through the walk
    some = [f"{base}/s{s}.slice/libpod-{cid}{j:012x}" for s, j in ((0, 1), (7, 50), (19, 98))]
    ids = [os.stat(d).st_ino for d in some]
    got = _get(_info(*sum((["get", i] for i in ids), [])))
    for i, d in zip(ids, some):
        eq(got[i][0], d[len(_mount()):], "path")
        eq(got[i][1], cid + d[-12:], "container")
    t0 = time.monotonic()
    _rmtree(base)
    check(time.monotonic() - t0 < 30, "removed")
