"""Every command in the man pages' EXAMPLES, and every one in loupe(7), runs
here.

Each `.TP` + `.B` command is run for a second: `-d 1` is put after the
tool's name (or replaces the command's own duration), placeholder PIDs
become the PID of a workload started here (a bash, or a process named
myapp, as loupe(7) calls its service), a cgroup path a cgroup made here,
and the command runs from a directory with a Makefile (for --exec make) in
bash with pipefail. It must exit 0; a command that needs what
this machine lacks (a disk, kprobes) must fail with the message and exit
status its man page documents, and runs again with what the machine has
where there is a stand-in."""
import os
import re
import shlex
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from lib import REPO, check, eq, host_only, on_cleanup, tmpdir, tool_path
from test_tools import tools

# PIDs the pages use as placeholders, and the workload whose PID replaces each
PLACEHOLDER_PIDS = {"181": "bash", "4242": "bash", "1234": "myapp"}
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


def lacking(cmd):
    """What the command needs and this machine lacks: None, or (the exit
    status and message its man page documents then, the command with a
    stand-in the machine has, or None)."""
    words = shlex.split(cmd.partition(" | ")[0])
    if "--disk" in words:
        disk = words[words.index("--disk") + 1]
        if not have_disk(disk):
            other = a_disk()
            return 2, f"--disk {disk}: no such disk", \
                other and cmd.replace(f"--disk {disk}", f"--disk {other}")
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


def placeholders(cmd, pids, cgroup):
    """cmd with the PIDs and the cgroup of this machine's workloads."""
    cmd = re.sub(r"(-p|--pid) (\d+)\b", lambda m: f"{m.group(1)} "
                 f"{pids[PLACEHOLDER_PIDS[m.group(2)]]}" if m.group(2) in PLACEHOLDER_PIDS
                 else m.group(0), cmd)
    return cmd.replace(PLACEHOLDER_CGROUP, cgroup)


def shell_line(cmd):
    """The shell command that runs cmd for a second: -d 1 after the tool's
    name, or in place of its own duration (not inside --exec's command)."""
    head, bar, rest = cmd.partition(" | ")
    tool = head.split()[0]
    words = shlex.split(head)
    opts = words[1:words.index("--exec")] if "--exec" in words else words[1:]
    if "-d" in opts:
        head = re.sub(r" -d \S+", " -d 1", head, count=1)
    else:
        head = tool + " -d 1" + head[len(tool):]
    return shlex.quote(tool_path(tool)) + head[len(tool):] + bar + rest


def setup():
    """A bash and a process named myapp that run until cleanup, a cgroup,
    and a directory with a Makefile: ({workload: pid}, cgroup path,
    directory)."""
    d = tmpdir()
    with open(os.path.join(d, "Makefile"), "w") as f:
        f.write("all:\n\t@echo built\n")
    shutil.copy("/usr/bin/sleep", os.path.join(d, "myapp"))
    pids = {}
    for name, cmd in (("bash", ["/usr/bin/bash", "-c", "while :; do sleep 0.1; done"]),
                      ("myapp", [os.path.join(d, "myapp"), "1h"])):
        p = subprocess.Popen(cmd)
        on_cleanup(lambda p=p: (p.kill(), p.wait()))
        pids[name] = str(p.pid)
    with open("/proc/mounts") as f:
        mnt = next(l.split()[1] for l in f if l.split()[2] == "cgroup2")
    cg = os.path.join(mnt, f"loupe-man-{os.getpid()}")
    os.makedirs(cg, exist_ok=True)
    on_cleanup(lambda: os.rmdir(cg))
    return pids, cg, d


def run_one(line, cwd):
    t0 = time.monotonic()
    r = subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=cwd, capture_output=True,
                       text=True, timeout=30, stdin=subprocess.DEVNULL,
                       env=dict(os.environ, PATH="/usr/sbin:/usr/bin:/sbin:/bin"))
    return r, time.monotonic() - t0


def check_pages(pages, sections):
    host_only("one second per command; the lane's kernels run the tools' own tests")
    pids, cg, d = setup()
    jobs = []  # (command as in the page, shell line, want status, want message)
    for page in pages:
        for cmd in commands(page, sections):
            real = placeholders(cmd, pids, cg)
            lacks = lacking(real)
            if lacks:
                status, msg, stand_in = lacks
                jobs.append((cmd, shell_line(real), status, msg))
                if stand_in:
                    jobs.append((cmd, shell_line(stand_in), 0, None))
            else:
                jobs.append((cmd, shell_line(real), 0, None))
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


def test_loupe7_commands_run():
    jobs = check_pages([os.path.join(REPO, "man", "man7", "loupe.7")], None)
    check(len(jobs) >= 15, f"the walk-through and the pipelines: {len(jobs)} commands")
