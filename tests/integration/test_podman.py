"""-C and --container with a real container runtime: Debian's podman
running busybox containers under runc (DESIGN.md §10). Where podman cannot
run (the kernel lane's read-only root), the same situation is built by
hand: a cgroup v2 directory named as podman names its containers', and a
new PID and mount namespace (unshare); each test says which one ran."""
import os
import secrets
import shutil
import socket
import subprocess
import uuid

from lib import (Skip, Tracer, check, eq, expect_usage_error, on_cleanup, run, run_tool, tmpdir,
                 wait_for)

IMAGE = "loupe-test-bb"
PODMAN = ["podman", "--runtime", "runc"]
RUN_OPTS = ["--rm", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


def cgroup2():
    with open("/proc/self/mounts") as f:
        for line in f:
            dev, mnt, typ = line.split()[:3]
            if typ == "cgroup2":
                return mnt
    raise Skip("no cgroup2 mount")


def podman_image():
    """A busybox-static root file system imported as an image (no
    registry); removed at cleanup. None when podman cannot run here."""
    if (not shutil.which("podman") or not os.path.exists("/bin/busybox") or
            os.environ.get("LOUPE_NO_PODMAN") == "1"):
        return None
    root = tmpdir()
    os.makedirs(os.path.join(root, "bin"))
    for d in ("etc", "tmp", "proc", "sys", "dev"):
        os.makedirs(os.path.join(root, d))
    shutil.copy("/bin/busybox", os.path.join(root, "bin", "busybox"))
    for a in ("sh", "cat", "ls", "sleep", "true", "nc", "echo"):
        os.symlink("busybox", os.path.join(root, "bin", a))
    with open(os.path.join(root, "etc", "hostname"), "w") as f:
        f.write("inside\n")
    tar = os.path.join(tmpdir(), "root.tar")
    if run(["tar", "-C", root, "-cf", tar, "."]).returncode:
        return None
    if run(PODMAN + ["import", tar, IMAGE], timeout=60).returncode:
        return None
    on_cleanup(lambda: run(PODMAN + ["rmi", "-f", IMAGE], timeout=60))
    probe = run(PODMAN + ["run"] + RUN_OPTS + [IMAGE, "true"], timeout=60)
    return IMAGE if probe.returncode == 0 else None


class Container:
    """A container running `sh -c SCRIPT` (podman, or by hand); .id is its
    full id, .how says which ran. start() returns at once; wait() for it."""

    def __init__(self, script, image):
        self.cid_file = os.path.join(tmpdir(), "cid")
        if image:
            self.how = "podman"
            self.proc = subprocess.Popen(PODMAN + ["run", "--cidfile", self.cid_file] +
                                         RUN_OPTS + [image, "sh", "-c", script],
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            wait_for(lambda: os.path.exists(self.cid_file) and
                     os.path.getsize(self.cid_file) >= 64, timeout=30)
            with open(self.cid_file) as f:
                self.id = f.read().strip()
            # running once its cgroup exists (runc makes it at the start)
            found = wait_for(lambda: any(f"libpod-{self.id}" in d for d, _, _ in
                                         os.walk(cgroup2())), timeout=30)
            check(found, f"the container's cgroup libpod-{self.id}")
        else:
            self.how = "by hand"
            self.id = secrets.token_hex(32)
            self.cg = os.path.join(cgroup2(), f"libpod-{self.id}")
            os.mkdir(self.cg)
            on_cleanup(lambda: os.rmdir(self.cg) if os.path.isdir(self.cg) else None)
            # into the cgroup, then a PID namespace of its own (sh is PID 1)
            self.proc = subprocess.Popen(
                ["sh", "-c", f'echo $$ > {self.cg}/cgroup.procs && exec unshare --pid '
                 f'--fork --mount-proc sh -c "$1"', "sh", script],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        on_cleanup(lambda: self.proc.poll() is None and self.proc.kill())

    def wait(self):
        out, err = self.proc.communicate(timeout=60)
        eq(self.proc.returncode, 0, f"container ({self.how}): {err.decode()}")
        return out.decode()


def test_execsnoop_shows_the_container_and_its_pids():
    image = podman_image()
    tag = "t" + uuid.uuid4().hex[:10]
    tr = Tracer("execsnoop", "-C", "-j", "--ancestors", "-l", tag)
    tr_text = Tracer("execsnoop", "-C", "-l", tag)
    c = Container(f"cat /etc/hostname {tag} 2>/dev/null; true", image)
    c.wait()
    eq(tr.stop(), 0, "exit status")
    eq(tr_text.stop(), 0, "exit status")
    print(f"    container: {c.how} {c.id[:12]}")
    # (execs that worked; python tries each $PATH entry for the host's sh)
    ev = [e for e in tr.events() if e["ret"] == 0]
    sh = [e for e in ev if e["args"][:2] == ["sh", "-c"] and e["vpid"] == 1]
    cat = [e for e in ev if e["args"][0] == "cat"]
    eq(len(sh), 1, "the container's sh -c")
    eq(len(cat), 1, "the cat inside it")
    for e in sh + cat:
        eq(e["container_id"], c.id, "the container id the runtime reports")
        check(e["cgroup"].endswith(f"libpod-{c.id}"), e["cgroup"])
    eq(sh[0]["vpid"], 1, "sh is PID 1 inside")
    check(cat[0]["vpid"] > 1 and cat[0]["vpid"] != cat[0]["pid"],
          f"cat's PID inside ({cat[0]['vpid']}) next to the host's ({cat[0]['pid']})")
    check(sh[0]["mntns"] == cat[0]["mntns"] != 0, "one mount namespace")
    eq(cat[0]["ancestors"], [f"sh (pid 1 in container {c.id[:12]})"],
       "the chain stops at the container's first process")
    # PID PCOMM CONTAINER PPID RET ARGS: the two execs that worked
    rows = [l.split(None, 5) for l in tr_text.text_lines()[1:] if tag in l]
    rows = [r for r in rows if len(r) == 6 and r[4] == "0" and
            (r[5].startswith("sh -c cat") or r[5].startswith("cat /etc"))]
    check(len(rows) == 2 and all(r[2] == c.id[:12] for r in rows),
          f"CONTAINER column: {rows}")


def test_container_filter_with_a_host_control():
    image = podman_image()
    tag = "f" + uuid.uuid4().hex[:10]
    c = Container(f"sleep 2; cat /etc/hostname {tag}-in 2>/dev/null; true", image)
    tr = Tracer("execsnoop", "-j", "--container", c.id[:8].upper(), "-l", tag)
    tr_all = Tracer("execsnoop", "-j", "-l", tag)
    run(["cat", "/dev/null", f"{tag}-host"])
    c.wait()
    eq(tr.stop(), 0, "exit status")
    eq(tr_all.stop(), 0, "exit status")
    print(f"    container: {c.how} {c.id[:12]}")
    eq([e["args"][-1] for e in tr.events() if e["args"][0] == "cat"], [f"{tag}-in"],
       "--container: only the container's exec")
    # (the host's cat: python tries each $PATH entry: the exec that worked)
    eq(sorted(e["args"][-1] for e in tr_all.events() if e["args"][0] == "cat" and
              e["ret"] == 0),
       [f"{tag}-host", f"{tag}-in"], "the positive control: both, unfiltered")


def test_opensnoop_and_tcpconnect_inside_a_container():
    image = podman_image()
    tag = "o" + uuid.uuid4().hex[:10]
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    tr_o = Tracer("opensnoop", "-C", "-j", "--path", f"/tmp/{tag}")
    tr_t = Tracer("tcpconnect", "-C", "-j", "-P", str(port))
    # the container's own loopback: nothing listens, the connect is refused
    c = Container(f"cat /tmp/{tag} 2>/dev/null; busybox nc 127.0.0.1 {port} </dev/null 2>/dev/null;"
                  " true", image)
    c.wait()
    eq(tr_o.stop(), 0, "exit status")
    eq(tr_t.stop(), 0, "exit status")
    print(f"    container: {c.how} {c.id[:12]}")
    opens = [e for e in tr_o.events() if e["path"] == f"/tmp/{tag}"]
    eq([(e["container_id"], e["errno_name"]) for e in opens], [(c.id, "ENOENT")],
       "the open inside the container")
    conns = tr_t.events()
    eq([(e["container_id"], e["daddr"], e["errno_name"]) for e in conns],
       [(c.id, "127.0.0.1", "ECONNREFUSED")], "the connect inside the container")


def test_bad_container_ids():
    base = cgroup2()
    common = secrets.token_hex(4)
    dirs = [os.path.join(base, f"libpod-{common}{secrets.token_hex(28)}") for _ in range(2)]
    for d in dirs:
        os.mkdir(d)
        on_cleanup(lambda d=d: os.rmdir(d))
    r = run_tool("execsnoop", "--container", common, "-d", "1")
    eq(r.returncode, 1, "ambiguous: exit 1")
    check("several containers match" in r.stderr and
          all(os.path.basename(d)[7:19] in r.stderr for d in dirs), r.stderr)
    r = run_tool("execsnoop", "--container", "f" * 20, "-d", "1")
    eq(r.returncode, 1, "unknown: exit 1")
    check("no such container" in r.stderr, r.stderr)
    expect_usage_error("execsnoop", ["--container", "xyz"], "--container")
    expect_usage_error("opensnoop", ["--container", "abc", "--cgroup", base], "exclude")
    expect_usage_error("opensnoop", ["-C", "-c"], "-C adds a per-event column")
