"""The count-summary template through opensnoop -c: opens counted in the
kernel, exact counts for the test's own paths."""
import os
import re
import time
import uuid

from lib import Tracer, check, eq, run, run_tool, tmpdir, workload

T = "opensnoop"


def unique(d, stem="f"):
    return os.path.join(d, f"{stem}-{uuid.uuid4().hex[:12]}")


def opener(*args):
    r = run([workload("opener")] + list(args))
    eq(r.returncode, 0, "opener")
    return int(r.stdout.split()[1])


def counts(tr):
    return [r for r in tr.json_records() if r["type"] == "count"]


def test_exact_count_by_path_and_process():
    d = tmpdir()
    a, b = unique(d, "a"), unique(d, "b")
    open(a, "w").close()
    tr = Tracer(T, "-c", "-j")
    pid = opener("-n", "37", a, b)
    eq(tr.stop(), 0, "exit status")
    rows = {r["path"]: r for r in counts(tr) if r["path"] in (a, b)}
    eq(rows[a]["count"], 37, "opens of the existing path")
    eq(rows[b]["count"], 37, "opens of the missing path (failed opens count too)")
    eq((rows[a]["pid"], rows[a]["comm"]), (pid, "opener"), "process key")
    check(tr.json_records()[-1]["type"] == "stats", "stats last")
    eq(tr.json_records()[-1]["lost"], 0, "nothing lost")


def test_by_path_merges_processes_and_top():
    d = tmpdir()
    p, q = unique(d, "p"), unique(d, "q")
    tr = Tracer(T, "-c", "-k", "path", "-j", "--path", d)
    opener("-n", "5", p)
    opener("-n", "6", p)
    opener("-n", "2", q)
    eq(tr.stop(), 0, "exit status")
    rows = counts(tr)
    eq([(r["path"], r["count"]) for r in rows], [(p, 11), (q, 2)], "rows, largest first")
    check(all(set(r) == {"type", "time", "count", "path"} for r in rows),
          "only the -k keys (and the interval's time)")
    tr = Tracer(T, "-c", "-k", "path", "--top", "1", "--path", d)
    opener("-n", "3", p)
    opener("-n", "4", q)
    eq(tr.stop(), 0, "exit status")
    lines = tr.text_lines()
    eq(lines[0].split(), ["COUNT", "PATH"], "header")
    eq([l.split() for l in lines[1:]], [["4", q]], "only the top row")


def test_by_comm_and_failed_only():
    d = tmpdir()
    present, missing = unique(d, "present"), unique(d, "missing")
    open(present, "w").close()
    tr = Tracer(T, "-c", "-x", "-k", "comm", "-j", "-n", "opener")
    opener("-n", "4", present, missing)
    eq(tr.stop(), 0, "exit status")
    rows = counts(tr)
    # the loader's own failed opens may count too: at least our 4 misses
    eq([r["comm"] for r in rows], ["opener"], "one row per comm")
    check(rows[0]["count"] >= 4, f"failed opens counted: {rows[0]}")
    tr = Tracer(T, "-c", "-x", "-k", "path", "-j", "--path", d)
    opener("-n", "4", present, missing)
    eq(tr.stop(), 0, "exit status")
    eq([(r["path"], r["count"]) for r in counts(tr)], [(missing, 4)], "only failures")


def test_key_by_key_fallback_same_counts():
    d = tmpdir()
    paths = [unique(d, f"k{i}") for i in range(40)]
    env = dict(os.environ, LOUPE_NO_BATCH="1")
    tr = Tracer(T, "-c", "-k", "path", "-j", "--path", d, env=env)
    opener("-n", "3", *paths)
    eq(tr.stop(), 0, "exit status")
    got = {r["path"]: r["count"] for r in counts(tr)}
    eq(got, {p: 3 for p in paths}, "every path, 3 opens each")


def test_intervals_add_up():
    d = tmpdir()
    p = unique(d)
    tr = Tracer(T, "-c", "-k", "path", "-i", "100ms", "-T", "--path", d)
    total = 0
    for _ in range(8):
        opener("-n", "50", p)
        total += 50
        time.sleep(0.06)
    eq(tr.stop(), 0, "exit status")
    lines = tr.text_lines()
    times = [l for l in lines if re.fullmatch(r"\d\d:\d\d:\d\d", l)]
    check(len(times) >= 2, f"several intervals: {len(times)}")
    got = sum(int(l.split()[0]) for l in lines if l.endswith(p))
    eq(got, total, "opens over all intervals")


def test_count_options_need_c():
    for args, msg in ((["-k", "path"], "need -c"), (["--top", "3"], "need -c"),
                      (["-i", "1"], "need -c"), (["-c", "-k", "pid"], "invalid -k value"),
                      (["-c", "-k", ""], "invalid --by value"), (["-c", "--top", "0"], "--top"),
                      # what a count summary would silently ignore
                      (["-c", "--max-events", "5"], "--max-events counts events printed"),
                      (["-c", "-e"], "-e adds per-event columns"),
                      (["-c", "-t"], "-t adds a per-event column"),
                      (["-c", "-U"], "-U adds a per-event column"),
                      (["-c", "--buffer-size", "1M"], "--buffer-size sizes the event buffer")):
        r = run_tool(T, *args, timeout=10)
        eq(r.returncode, 2, f"exit status for {args}")
        check(msg in r.stderr, f"message for {args}: {r.stderr}")


def test_interval_records_carry_their_time():
    """-c -i -j: each interval's records carry that interval's end, so
    successive tables can be told apart (and match the workload's clock)."""
    import datetime
    d = tmpdir()
    p = unique(d, "t")
    tr = Tracer(T, "-c", "-k", "path", "-j", "-i", "300ms", "--path", d)
    t0 = time.time()
    for _ in range(3):
        opener("-n", "2", p)
        time.sleep(0.35)
    eq(tr.stop(), 0, "exit status")
    rows = [r for r in counts(tr) if r["path"] == p]
    times = [datetime.datetime.fromisoformat(r["time"]).timestamp() for r in rows]
    eq(sum(r["count"] for r in rows), 6, "every open counted once")
    check(len(set(times)) == len(rows) >= 2, f"one time per interval: {times}")
    check(all(t0 - 0.1 < t < time.time() + 0.1 for t in times), f"times {times} in the run")
