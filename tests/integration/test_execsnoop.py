"""execsnoop on the real kernel: the test's own execs, with exact values."""
import os
import subprocess
import uuid

from lib import (Tracer, check, eq, expect_usage_error, run, stops_and_releases, tmpdir, workload)

T = "execsnoop"
TRUE = "/bin/true"


def tag():
    return "loupe-" + uuid.uuid4().hex[:12]


def execer(mode, path, *args):
    r = run([workload("execer"), mode, path] + list(args))
    eq(r.returncode, 0, "execer: " + r.stderr)
    out = dict(l.split(None, 1) for l in r.stdout.splitlines()
               if l.startswith(("pid ", "status ", "errno ")))
    return int(out["pid"]), out


def mine(tr, t):
    """The events whose arguments hold tag t (not execer's own exec)."""
    return [e for e in tr.events() if any(t in a for a in e.get("args", []))
            and e["args"][0] != workload("execer")]


def test_execve_execveat_and_a_thread_exact():
    t = tag()
    hostile = f"{t}-nl\nesc\x1b[31m"
    spaced = f"{t} with spaces"
    tr = Tracer(T, "-j")
    pid1, _ = execer("execve", TRUE, "true", hostile, spaced)
    pid2, _ = execer("fexecve", TRUE, "true", f"{t}-fexecve")
    pid3, _ = execer("thread", TRUE, "true", f"{t}-thread")
    eq(tr.stop(), 0, "exit status")
    ev = {e["pid"]: e for e in mine(tr, t)}
    eq(set(ev), {pid1, pid2, pid3}, "one event per exec, by pid")
    for pid in (pid1, pid2, pid3):
        e = ev[pid]
        eq((e["ret"], e["errno"], e["comm"], e["tid"]), (0, 0, "true", pid), f"exec {pid}")
        check(e["ppid"] != os.getpid() and e["ppid"] > 1, "the parent is execer")
        eq(e["exe"], os.path.realpath(TRUE), "the executable")
    eq(ev[pid1]["args"], ["true", hostile, spaced], "execve's argv, exact")
    eq(ev[pid1]["syscall"], "execve", "syscall")
    eq((ev[pid2]["args"], ev[pid2]["syscall"]), (["true", f"{t}-fexecve"], "execveat"),
       "fexecve is execveat")
    eq(ev[pid3]["args"], ["true", f"{t}-thread"], "the exec from a non-main thread")
    st = tr.json_records()[-1]
    eq((st["type"], st["lost"]), ("stats", 0), "nothing lost")


def test_text_output_is_escaped_and_aligned():
    t = tag()
    tr = Tracer(T, "-q")
    pid, _ = execer("execve", TRUE, "true", f"{t}\n\x1b[2Jx", f"{t} two", "")
    eq(tr.stop(), 0, "exit status")
    raw = tr.output_bytes()
    check(b"\x1b" not in raw, "no raw ESC in text")
    lines = tr.text_lines()
    eq(lines[0].split(), ["PID", "COMM", "PPID", "RET", "ARGS"], "header")
    rows = [l for l in lines if t in l and workload("execer") not in l]
    eq(len(rows), 1, "one row for the exec")
    f = rows[0].split(None, 4)
    eq((f[0], f[1], f[3]), (str(pid), "true", "0"), "pid, comm, ret")
    eq(f[4], f"true {t}\\n\\x1b[2Jx '{t} two' ''", "arguments escaped, -q quoted")


def test_failed_exec_and_failed_only():
    t = tag()
    missing = os.path.join(tmpdir(), t)
    tr_all = Tracer(T, "-j")
    tr_x = Tracer(T, "-j", "-x")
    pid_ok, _ = execer("execve", TRUE, "true", f"{t}-ok")
    pid_bad, out = execer("execve", missing, "prog", f"{t}-arg", "two")
    eq(out.get("errno"), "2", "the exec failed with ENOENT")
    eq(tr_all.stop(), 0, "exit status")
    eq(tr_x.stop(), 0, "exit status")
    bad = [e for e in mine(tr_all, t) if e["pid"] == pid_bad]
    eq(len(bad), 1, "the failed exec")
    b = bad[0]
    eq((b["ret"], b["errno"], b["errno_name"], b["args"], b["exe"], b["comm"]),
       (-2, 2, "ENOENT", ["prog", f"{t}-arg", "two"], missing, "execer"),
       "failed exec: errno, the arguments passed, the path named")
    check(any(e["pid"] == pid_ok for e in mine(tr_all, t)), "the good exec, without -x")
    eq([(e["pid"], e["errno_name"]) for e in mine(tr_x, t)], [(pid_bad, "ENOENT")],
       "-x: only the failed exec")


def test_script_shows_the_interpreters_argv():
    t = tag()
    d = tmpdir()
    script = os.path.join(d, "s.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(script, 0o755)
    tr = Tracer(T, "-j")
    pid, _ = execer("execve", script, "s.sh", f"{t}-a", "b")
    eq(tr.stop(), 0, "exit status")
    ev = [e for e in mine(tr, t) if e["pid"] == pid]
    eq(len(ev), 1, "one event")
    eq((ev[0]["args"], ev[0]["script"], ev[0]["exe"]),
       (["/bin/sh", script, f"{t}-a", "b"], True, os.path.realpath("/bin/sh")),
       "the interpreter's argv, flagged; the interpreter is the executable")


def test_max_args_marks_truncation():
    t = tag()
    args = [f"{t}-{i}" for i in range(30)]
    tr_text = Tracer(T, "--max-args", "5")
    tr_json = Tracer(T, "-j", "--max-args", "5")
    execer("execve", TRUE, "true", *args)
    missing = os.path.join(tmpdir(), "none")
    execer("execve", missing, "x", *args)
    eq(tr_text.stop(), 0, "exit status")
    eq(tr_json.stop(), 0, "exit status")
    ev = mine(tr_json, t)
    eq(len(ev), 2, "both execs")
    for e in ev:
        eq((len(e["args"]), e["args_truncated"]), (5, True), f"5 arguments, marked ({e['ret']})")
    rows = [l for l in tr_text.text_lines() if t in l and workload("execer") not in l]
    check(len(rows) == 2 and all(r.endswith(f"{t}-3 ...") for r in rows),
          f"text ends with ' ...': {rows}")
    # without the option: 20 arguments, not cut
    tr = Tracer(T, "-j")
    execer("execve", TRUE, "true", *args[:18])
    eq(tr.stop(), 0, "exit status")
    e = mine(tr, t)
    eq((len(e[0]["args"]), "args_truncated" in e[0]), (19, False), "19 arguments, whole")


def test_ancestors_and_ppid_filter():
    t = tag()
    tr = Tracer(T, "-j", "--ancestors", "-e")
    pid, _ = execer("execve", TRUE, "true", t)
    eq(tr.stop(), 0, "exit status")
    e = [e for e in mine(tr, t) if e["pid"] == pid][0]
    eq(e["pcomm"], "execer", "the parent's name")
    # the chain from the parent up: execer, this test (python), its parent
    eq(e["ancestors"][0], f"execer:{e['ppid']}", "the parent first")
    check(e["ancestors"][1].endswith(f":{os.getpid()}"), f"ancestors: {e['ancestors']}")
    eq(e["ancestors"][2].rsplit(":", 1)[1], str(os.getppid()), "the test's parent")
    # --ppid: only children of one process (with a positive control)
    tr_no = Tracer(T, "-j", "--ppid", "1")
    execer("execve", TRUE, "true", t + "-2")
    eq(tr_no.stop(), 0, "exit status")
    eq(mine(tr_no, t + "-2"), [], "--ppid 1: not a child of init")
    p = subprocess.Popen(["sh", "-c", f"read x; {TRUE} {t}-3"], stdin=subprocess.PIPE)
    tr_yes = Tracer(T, "-j", "--ppid", str(p.pid))
    p.communicate(b"go\n", timeout=5)
    eq(tr_yes.stop(), 0, "exit status")
    eq([e["ppid"] for e in mine(tr_yes, t + "-3")], [p.pid], "--ppid: sh's child")


def test_name_and_line_filters():
    t = tag()
    tr_n = Tracer(T, "-j", "-n", "true")
    tr_l = Tracer(T, "-j", "-l", f"{t}-needle")
    execer("execve", TRUE, "true", f"{t}-needle")
    execer("execve", "/bin/echo", "echo", f"{t}-hay")
    eq(tr_n.stop(), 0, "exit status")
    eq(tr_l.stop(), 0, "exit status")
    eq([e["comm"] for e in mine(tr_n, t)], ["true"], "-n true: only true")
    eq([e["args"][1] for e in mine(tr_l, t)], [f"{t}-needle"], "-l: only the needle")


def test_lifecycle_and_bad_input():
    stops_and_releases(T, 3)
    for args, msg in ((["--max-args", "0"], "--max-args"), (["--max-args", "1001"], "--max-args"),
                      (["--ppid", "x"], "--ppid"), (["-l", ""], "--line"),
                      (["-q", "-j"], "-q quotes text output"),
                      (["--max-args", "3", "--max-args", "4"], "given more than once")):
        expect_usage_error(T, args, msg)


def test_least_privilege_cap_bpf_and_cap_perfmon():
    """execsnoop as root with only CAP_BPF and CAP_PERFMON (setpriv, lib.LEAST_PRIVILEGE)
    traces the test's own workload exactly."""
    from lib import least_privilege_caps
    t = tag()
    tr = Tracer(T, "-j", least_privilege=True)
    eq(least_privilege_caps(tr.proc.pid), {"bpf", "perfmon"}, "effective capabilities")
    pid, _ = execer("execve", TRUE, "true", t)
    eq(tr.stop(), 0, "exit status: " + tr.stderr)
    eq([(e["pid"], e["args"]) for e in mine(tr, t)], [(pid, ["true", t])], "the exec")
