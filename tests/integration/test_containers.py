"""Container awareness, user-space half (common/containers.h), on the real
cgroup2 tree: cgroups named as podman names its containers' (libpod-<64
hex>), nothing moved into them, resolved from their ids (the directories'
inode numbers) and found by --container-style prefixes, through
tests/cgroupinfo; every directory is removed afterwards."""
import os
import secrets
import subprocess
import time
import uuid

from lib import Tracer, check, eq, on_cleanup, run, slow, tmpdir, wait_for, workload


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


def test_vpid_in_a_pid_namespace():
    p = subprocess.Popen(["unshare", "--pid", "--fork", "--kill-child", "sleep", "30"])
    on_cleanup(lambda: p.poll() is None and p.kill())

    def child():
        try:
            with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
                kids = f.read().split()
            return int(kids[0]) if kids else None
        except OSError:
            return None

    kid = wait_for(child, timeout=5 * slow())
    check(kid, "unshare's child started")
    lines = _info("vpid", kid, "vpid", os.getpid())
    eq(lines[0][2], "1", "PID 1 in its own namespace")
    eq(lines[1][2], str(os.getpid()), "ours: the same PID")
    p.kill()
    p.wait()
    wait_for(lambda: not os.path.exists(f"/proc/{kid}"), timeout=5)
    eq(_info("vpid", kid)[0][2], str(-3), "gone: ESRCH")


def test_loupe_in_a_pid_namespace_of_its_own():
    # PIDs stay the host's, said once; loupe's own opens are still left out
    # (its PID there is not getpid(): bpf/whoami.bpf.c)
    path = os.path.join(tmpdir(), "pidns-" + uuid.uuid4().hex[:8])
    tr = Tracer("opensnoop", "-j", "-d", str(2 * slow()),
                wrap=["unshare", "--pid", "--fork", "--mount-proc"])
    with open(path, "w"):
        pass
    eq(tr.wait(), 0, "exit status: " + tr.stderr)
    check("PID namespace of its own" in tr.stderr, tr.stderr)
    ev = [e for e in tr.events() if e.get("path") == path]
    eq([(e["pid"], e["fd"] >= 0) for e in ev], [(os.getpid(), True)], "the host's PID")
    own = [e for e in tr.events() if e["comm"] == "opensnoop"]
    eq(own, [], "opensnoop's own opens")


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
    check(best < 50 * slow(), f"walk took {best:.1f} ms")
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
