"""Output files on the real tool (biolatency --svg): a write error exits 1
naming the file, devices and FIFOs are written in place, an existing file
keeps its mode and owner, planted symlinks are neither followed nor
replaced, and a bad destination is refused before anything is loaded."""
import os
import stat
import xml.etree.ElementTree as ET

from lib import check, eq, expect_usage_error, on_cleanup, run, run_tool, tmpdir

T = "biolatency"
NOBODY = 65534


def svg_ok(path):
    """The file is one well-formed SVG document."""
    r = run(["xmllint", "--noout", path])
    eq(r.returncode, 0, f"xmllint {path}: {r.stderr}")
    eq(ET.parse(path).getroot().tag, "{http://www.w3.org/2000/svg}svg", "root element")


def sticky_dir():
    """A directory like /tmp: world-writable and sticky."""
    d = tmpdir()
    os.chmod(d, 0o1777)
    return d


def victim_file():
    d = tmpdir()
    v = os.path.join(d, "victim")
    with open(v, "w") as f:
        f.write("secret\n")
    os.chmod(v, 0o600)
    return v


def check_victim(v):
    with open(v) as f:
        eq(f.read(), "secret\n", "the victim's content")
    eq(stat.S_IMODE(os.stat(v).st_mode), 0o600, "the victim's mode")


def test_svg_dev_full_exits_1():
    before = os.stat("/dev/full")
    r = run_tool(T, "--svg", "/dev/full", "-d", "1", timeout=20)
    eq(r.returncode, 1, "exit status: " + r.stderr)
    check("biolatency: /dev/full: No space left on device" in r.stderr.splitlines(),
          "the message names the file: " + r.stderr)
    after = os.stat("/dev/full")
    check(stat.S_ISCHR(after.st_mode), "/dev/full is still a character device")
    eq((after.st_rdev, after.st_ino), (before.st_rdev, before.st_ino), "the same device node")


def test_svg_dev_null_and_fifo_written_in_place():
    r = run_tool(T, "--svg", "/dev/null", "-d", "1", timeout=20)
    eq(r.returncode, 0, "exit status for /dev/null: " + r.stderr)
    check(stat.S_ISCHR(os.stat("/dev/null").st_mode), "/dev/null is still a character device")
    fifo = os.path.join(tmpdir(), "lat.svg")
    os.mkfifo(fifo, 0o600)
    # held open for reading and writing: the tool's opens do not block, and
    # what it writes waits in the pipe (a few KiB, well under 64 KiB)
    fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    on_cleanup(lambda: os.close(fd))
    r = run_tool(T, "--svg", fifo, "-d", "1", timeout=20)
    eq(r.returncode, 0, "exit status for a FIFO: " + r.stderr)
    check(stat.S_ISFIFO(os.lstat(fifo).st_mode), "still a FIFO")
    data = os.read(fd, 1 << 16).decode()
    docs = ["<?xml" + d for d in data.split("<?xml")[1:]]
    check(len(docs) >= 2, f"a whole document per write (at start, at the end): {len(docs)}")
    for d in docs:
        eq(ET.fromstring(d.encode()).tag, "{http://www.w3.org/2000/svg}svg", "each document")


def test_svg_dev_fd_regular_file():
    """/dev/fd/3 names an open file, not a path: that file gets the SVG,
    rewritten whole (truncated) each interval; /dev/fd stays a symlink."""
    svg = os.path.join(tmpdir(), "fd3.svg")
    fd = os.open(svg, os.O_WRONLY | os.O_CREAT, 0o600)
    on_cleanup(lambda: os.close(fd))
    r = run_tool(T, "--svg", f"/dev/fd/{fd}", "-i", "300ms", "-d", "1", timeout=20,
                 pass_fds=(fd,))
    eq(r.returncode, 0, "exit status: " + r.stderr)
    check(os.path.islink("/dev/fd"), "/dev/fd is still a symlink")
    svg_ok(svg)
    eq(stat.S_IMODE(os.stat(svg).st_mode), 0o600, "the same file")


def test_svg_existing_file_keeps_mode_and_owner():
    d = tmpdir()
    svg = os.path.join(d, "lat.svg")
    with open(svg, "w") as f:
        f.write("old\n")
    os.chmod(svg, 0o600)
    os.chown(svg, NOBODY, NOBODY)
    r = run_tool(T, "--svg", svg, "-d", "1", timeout=20)
    eq(r.returncode, 0, "exit status: " + r.stderr)
    st = os.stat(svg)
    eq(stat.S_IMODE(st.st_mode), 0o600, "mode kept")
    eq((st.st_uid, st.st_gid), (NOBODY, NOBODY), "owner and group kept")
    svg_ok(svg)
    eq(os.listdir(d), ["lat.svg"], "no temporary file left")


def test_svg_planted_symlinks_not_followed():
    d = sticky_dir()
    v = victim_file()
    svg = os.path.join(d, "x.svg")
    planted = [svg + ".tmp", svg + "~", os.path.join(d, ".x.svg.tmp")]
    for p in planted:
        os.symlink(v, p)
        os.lchown(p, NOBODY, NOBODY)  # another user's, as in /tmp
    r = run_tool(T, "--svg", svg, "-d", "1", timeout=20)
    eq(r.returncode, 0, "exit status: " + r.stderr)
    check_victim(v)
    for p in planted:
        check(os.path.islink(p), f"{p} is still the planted symlink")
    svg_ok(svg)
    eq(stat.S_IMODE(os.stat(svg).st_mode), 0o644, "a new file: 0666 & ~umask")
    eq(sorted(os.listdir(d)), sorted([".x.svg.tmp", "x.svg", "x.svg.tmp", "x.svg~"]),
       "no temporary file left")


def test_svg_planted_target_refused_before_loading():
    d = sticky_dir()
    v = victim_file()
    link = os.path.join(d, "y.svg")
    os.symlink(v, link)
    os.lchown(link, NOBODY, NOBODY)
    expect_usage_error(T, ["--svg", link, "-d", "1"], "Permission denied")
    check_victim(v)
    check(os.path.islink(link), "the symlink is left alone")
    theirs = os.path.join(d, "z.svg")
    with open(theirs, "w") as f:
        f.write("theirs\n")
    os.chown(theirs, NOBODY, NOBODY)
    expect_usage_error(T, ["--svg", theirs, "-d", "1"], "Permission denied")


def test_svg_bad_destination_loads_nothing():
    d = tmpdir()
    f = os.path.join(d, "file")
    open(f, "w").close()
    for arg, msg in (("/proc/nonexist/x.svg", "No such file or directory"),
                     (os.path.join(d, "nodir", "x.svg"), "No such file or directory"),
                     ("/tmp", "Is a directory"),
                     (d + "/", "Is a directory"),
                     (os.path.join(f, "x.svg"), "Not a directory"),
                     ("", "empty")):
        expect_usage_error(T, ["--svg", arg, "-d", "1"], f"invalid --svg value '{arg}': {msg}")
    eq(os.listdir(d), ["file"], "nothing created")


def test_svg_full_file_system_later():
    """The file system fills up after a few intervals: exit 1 naming the
    file, which keeps the last complete SVG; no temporary file left."""
    d = tmpdir()
    r = run(["mount", "-t", "tmpfs", "-o", "size=8k,mode=0755", "tmpfs", d])
    eq(r.returncode, 0, "mount tmpfs: " + r.stderr)
    on_cleanup(lambda: run(["umount", d]))
    svg = os.path.join(d, "lat.svg")
    r = run_tool(T, "--svg", svg, "-i", "100ms", "-d", "30", timeout=40)
    eq(r.returncode, 1, "exit status: " + r.stderr)
    check(f"biolatency: {svg}: No space left on device" in r.stderr.splitlines(),
          "the message names the file: " + r.stderr)
    svg_ok(svg)
    eq(os.listdir(d), ["lat.svg"], "no temporary file left")
