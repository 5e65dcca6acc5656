"""Every command in the man pages' EXAMPLES (and in loupe(7)) runs here.

Each `.TP` + `.B` command is run for a second: `-d 1` is put after the
tool's name (or replaces the command's own duration), placeholder PIDs
become the PID of a workload started here, a cgroup path a cgroup made
here, and the command runs from a directory with a Makefile (for --exec
make) in bash with pipefail. It must exit 0; a command that needs what
this machine lacks (a disk, kprobes) must fail with the message and exit
status its man page documents, and runs again with what the machine has
where there is a stand-in."""
import os
import re
import shlex
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from lib import REPO, check, eq, host_only, on_cleanup, tmpdir, tool_path
from test_tools import tools

# PIDs the pages use as placeholders: each becomes the bash workload's PID
PLACEHOLDER_PIDS = ("181", "4242")
# the cgroup a page names as an example of a service's cgroup
PLACEHOLDER_CGROUP = "/sys/fs/cgroup/system.slice/nginx.service"


def have_disk(name):
    return os.path.exists(f"/sys/class/block/{name}")


def have_kprobes():
    return any(os.path.exists(f"{d}/kprobe_events")
               for d in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing"))


def a_disk():
    """A disk this machine has (not a loop, RAM or zram device), or None."""
    for name in sorted(os.listdir("/sys/class/block")):
        if os.path.exists(f"/sys/class/block/{name}/device") and \
                not name.startswith(("loop", "zram", "ram")):
            return name
    return None


def lacking(words):
    """What the command (its words) needs and this machine lacks: None, or
    (the exit status and message its man page documents then, the words
    with a stand-in the machine has, or None)."""
    if "--disk" in words:
        disk = words[words.index("--disk") + 1]
        if not have_disk(disk):
            other = a_disk()
            return 2, f"--disk {disk}: no such disk", \
                other and [other if w == disk else w for w in words]
    if any(w.startswith("k:") for w in words) and not have_kprobes():
        return 1, "kernel functions cannot be traced on this kernel", None
    return None


ROFF = {r"\-": "-", r"\(aq": "'", r"\(dq": '"', r"\e": "\\", r"\(ti": "~", r"\&": "",
        r"\fB": "", r"\fR": "", r"\fI": "", r"\fP": ""}


def unroff(text):
    out = re.sub(r"\\(\(..|f.|.)", lambda m: ROFF.get(m.group(0), m.group(0)), text)
    check("\\" not in out.replace("\\\\", ""), f"an escape this test does not know: {text}")
    return out


def commands(page, sections=("EXAMPLES",)):
    """The `.B` commands after `.TP` in the named sections of a man page
    (every section when sections is None)."""
    with open(page) as f:
        lines = f.read().splitlines()
    out, sec = [], None
    for i, line in enumerate(lines):
        if line.startswith(".SH "):
            sec = line[4:].strip('"')
        elif line == ".TP" and i + 1 < len(lines) and lines[i + 1].startswith(".B ") and \
                (sections is None or sec in sections):
            cmd = unroff(lines[i + 1][3:])
            if cmd.split()[0] in tools():
                out.append(cmd)
    return out


def parse(cmd, pid, cgroup):
    """The tool's words of cmd, placeholders replaced, and the rest of its
    pipeline ("" when none)."""
    head, _, rest = cmd.partition(" | ")
    words = shlex.split(head)
    for i, w in enumerate(words):
        if words[i - 1] in ("-p", "--pid") and w in PLACEHOLDER_PIDS:
            words[i] = pid
        elif w == PLACEHOLDER_CGROUP:
            words[i] = cgroup
    return words, rest


def shell_line(words, rest):
    """The shell command that runs the tool's words for a second: -d 1
    after the tool's name, or in place of its own duration (not inside
    --exec's command)."""
    tool, args = words[0], words[1:]
    end = args.index("--exec") if "--exec" in args else len(args)
    opts = args[:end]
    if "-d" in opts:
        opts[opts.index("-d") + 1] = "1"
    else:
        opts = ["-d", "1"] + opts
    line = shlex.join([tool_path(tool)] + opts + args[end:])
    return line + (" | " + rest if rest else "")


def setup():
    """A bash that runs until cleanup, a cgroup, and a directory with a
    Makefile: (pid, cgroup path, directory)."""
    d = tmpdir()
    with open(os.path.join(d, "Makefile"), "w") as f:
        f.write("all:\n\t@echo built\n")
    sh = subprocess.Popen(["/usr/bin/bash", "-c", "while :; do sleep 0.1; done"])
    on_cleanup(lambda: (sh.kill(), sh.wait()))
    with open("/proc/mounts") as f:
        mnt = next(l.split()[1] for l in f if l.split()[2] == "cgroup2")
    cg = os.path.join(mnt, f"loupe-man-{os.getpid()}")
    os.makedirs(cg, exist_ok=True)
    on_cleanup(lambda: os.rmdir(cg))
    return str(sh.pid), cg, d


def run_one(line, cwd):
    t0 = time.monotonic()
    r = subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=cwd, capture_output=True,
                       text=True, timeout=30, stdin=subprocess.DEVNULL,
                       env=dict(os.environ, PATH="/usr/sbin:/usr/bin:/sbin:/bin"))
    return r, time.monotonic() - t0


def check_pages(pages, sections):
    host_only("one second per command; the lane's kernels run the tools' own tests")
    pid, cg, d = setup()
    jobs = []  # (command as in the page, shell line, want status, want message)
    for page in pages:
        for cmd in commands(page, sections):
            words, rest = parse(cmd, pid, cg)
            lacks = lacking(words)
            if lacks:
                status, msg, stand_in = lacks
                jobs.append((cmd, shell_line(words, rest), status, msg))
                if stand_in:
                    jobs.append((cmd, shell_line(stand_in, rest), 0, None))
            else:
                jobs.append((cmd, shell_line(words, rest), 0, None))
    check(jobs, f"commands in {pages}")
    # three at a time: most of a second is the duration, not CPU
    with ThreadPoolExecutor(3) as ex:
        results = list(ex.map(lambda j: run_one(j[1], d), jobs))
    bad = []
    for (cmd, line, status, msg), (r, took) in zip(jobs, results):
        if r.returncode != status or (msg and msg not in r.stderr):
            bad.append(f"{cmd}\n    ran: {line}\n    exit {r.returncode} (want {status}"
                       f"{', ' + repr(msg) if msg else ''}) after {took:.1f}s: "
                       f"{r.stderr.strip()[-400:]}")
    eq(bad, [], "man page commands that do not run as documented")
    return jobs


def test_man8_examples_run():
    pages = [os.path.join(REPO, "man", "man8", t + ".8") for t in tools()]
    jobs = check_pages(pages, ("EXAMPLES",))
    check(len(jobs) >= 7 * 5, f"every page has its examples: {len(jobs)} commands")
