"""biolatency on the real kernel: exact I/O counts on a loop device that
only the test's own workload (tests/workloads/dioread.c) touches."""
import os
import re
import shutil
import signal
import struct
import time

from lib import (Skip, Tracer, bpf_prog_ids_of, check, eq, expect_usage_error, loop_device,
                 on_cleanup, only_banner_and_stats, pipe_into, released_after_exit, run, settle,
                 run_tool, slow, tmpdir, wait_for, workload)

T = "biolatency"


def partitioned_loop_device():
    """A loop device with two partitions (an MBR written here; losetup -P
    scans it and devtmpfs makes loopNp1, loopNp2)."""
    d = tmpdir()
    backing = os.path.join(d, "disk")
    mbr = bytearray(512)
    for i, (start, count) in enumerate(((2048, 8192), (10240, 8192))):
        mbr[446 + 16 * i:446 + 16 * (i + 1)] = struct.pack(
            "<B3sB3sII", 0, b"\0\0\0", 0x83, b"\0\0\0", start, count)
    mbr[510:512] = b"\x55\xaa"
    with open(backing, "wb") as f:
        f.write(mbr)
        f.truncate(16 << 20)
    r = run(["losetup", "--find", "--show", "-P", backing])
    eq(r.returncode, 0, "losetup -P: " + r.stderr)
    dev = r.stdout.strip()
    on_cleanup(lambda: run(["losetup", "-d", dev]))
    if not wait_for(lambda: os.path.exists(dev + "p2"), timeout=3):
        # e.g. this CI kernel: CONFIG_MSDOS_PARTITION and EFI_PARTITION unset
        raise Skip("this kernel reads no MBR partition table (runs in the kernel lane)")
    return dev


def dio_reads(dev, n, size=4096):
    r = run([workload("dioread"), "-n", str(n), "-s", str(size), dev])
    eq(r.returncode, 0, "dioread: " + r.stderr)
    eq(r.stdout.split()[:2], ["reads", str(n)], "reads done")


def hists(tr):
    return [r for r in tr.json_records() if r["type"] == "hist"]


def stats(tr):
    recs = tr.json_records()
    eq(recs[-1]["type"], "stats", "last record")
    return recs[-1]


def exact(counted, st, n, what):
    """Every I/O is counted, or reported lost: a completion the kernel ran
    no program for (seen only under heavy load, as lost_end)."""
    eq(counted + st["lost_end"], n, f"{what} (+ lost_end {st['lost_end']})")
    check(st["lost_end"] <= n // 1000 + 1, f"lost_end {st['lost_end']} out of {n}")
    eq(st["lost"], st["lost_end"], "no other loss")


def test_exact_count_for_one_disk():
    dev = loop_device()
    name = os.path.basename(dev)
    tr = Tracer(T, "-j", "--disk", name)
    dio_reads(dev, 200)
    eq(tr.stop(), 0, "exit status")
    hs = hists(tr)
    eq(len(hs), 1, "one summary at the end")
    h = hs[0]
    st = stats(tr)
    exact(h["count"], st, 200, "I/Os counted")
    eq(sum(b["count"] for b in h["buckets"]), h["count"], "sum of the buckets")
    eq(h["unit"], "usecs", "unit")
    check(h["sum_ns"] > 0, "sum_ns")
    for i, b in enumerate(h["buckets"]):
        eq((b["lo"], b["hi"]), (0 if i == 0 else 1 << i, (1 << (i + 1)) - 1), f"bucket {i} bounds")
    eq(st["events"], h["count"], "stats: events are the I/Os")


def test_text_histogram_and_extended():
    dev = loop_device()
    tr = Tracer(T, "-e", "--disk", os.path.basename(dev))
    dio_reads(dev, 50)
    eq(tr.stop(signal.SIGTERM), 0, "exit status after SIGTERM")
    lines = tr.text_lines()
    eq(lines[0], "", "bcc's empty line before a summary")
    eq(lines[1], "     usecs               : count     distribution", "header")
    rows = [l for l in lines if " -> " in l]
    n = sum(int(l.split(":")[1].split()[0]) for l in rows)
    check(49 <= n <= 50, f"rows add up: {n}")
    check(any(l.endswith("|****************************************|") for l in rows),
          "the largest row has 40 stars")
    avg = [l for l in lines if l.startswith("avg = ")]
    eq(len(avg), 1, "one -e line")
    check(avg[0].endswith(f", count: {n}"), avg[0])
    check(any(l.startswith("p50 ~ ") and "(estimated from the buckets)" in l for l in lines),
          "percentile estimates, labelled")
    check("Tracing block device I/O" in tr.stderr, "banner on stderr")


def test_per_flags_shows_reads():
    dev = loop_device()
    tr = Tracer(T, "-j", "--per-flags", "--disk", os.path.basename(dev))
    dio_reads(dev, 64)
    eq(tr.stop(), 0, "exit status")
    hs = hists(tr)
    check(hs, "records")
    exact(sum(h["count"] for h in hs), stats(tr), 64, "I/Os over all flag sets")
    for h in hs:
        check(re.fullmatch(r"([A-Za-z]+-)*Read", h["flags"]), "a read: " + h["flags"])
    tr = Tracer(T, "--per-flags", "--disk", os.path.basename(dev))
    dio_reads(dev, 8)
    eq(tr.stop(), 0, "exit status")
    sections = [l for l in tr.text_lines() if l.startswith("flags = ")]
    check(sections and all(l.endswith("Read") for l in sections), f"text sections {sections}")


def test_per_disk_and_queued():
    dev = loop_device()
    name = os.path.basename(dev)
    tr = Tracer(T, "-j", "-D", "-Q", "--disk", name)
    dio_reads(dev, 30)
    eq(tr.stop(), 0, "exit status")
    hs = hists(tr)
    eq([h["disk"] for h in hs], [name], "one histogram, for the disk")
    exact(hs[0]["count"], stats(tr), 30, "I/Os")


def test_partitions_by_name():
    dev = partitioned_loop_device()
    disk, p1, p2 = (os.path.basename(dev) + x for x in ("", "p1", "p2"))
    tr = Tracer(T, "-j", "-D", "--disk", disk)
    dio_reads(dev + "p1", 30)
    dio_reads(dev + "p2", 20)
    dio_reads(dev, 10)
    eq(tr.stop(), 0, "exit status")
    got = {h["disk"]: h["count"] for h in hists(tr)}
    lost = stats(tr)["lost_end"]
    check(lost <= 1, f"lost_end {lost}")
    check(got.get(p1, 0) >= 30 - lost and got.get(p2, 0) >= 20 - lost and
          got.get(disk, 0) >= 10 - lost and set(got) <= {disk, p1, p2},
          f"a histogram per partition, named: {got}")
    eq(sum(got.values()) + lost, 60, "the whole disk includes its partitions")
    tr = Tracer(T, "-j", "--disk", p2)
    dio_reads(dev + "p1", 30)
    dio_reads(dev + "p2", 20)
    eq(tr.stop(), 0, "exit status")
    exact(hists(tr)[0]["count"], stats(tr), 20, "only the partition's I/O")


def test_raw_tp_fallback_counts_the_same():
    dev = loop_device()
    env = dict(os.environ, LOUPE_FORCE_HOOK="raw_tp")
    tr = Tracer(T, "-v", "-j", "-m", "--disk", os.path.basename(dev), env=env)
    dio_reads(dev, 40)
    eq(tr.stop(), 0, "exit status")
    check("hooks: raw_tp (raw_tp/block_rq_complete, raw_tp/block_rq_requeue, "
          "raw_tp/block_rq_issue)" in tr.stderr,
          "-v names the hooks: " + tr.stderr)
    h = hists(tr)[0]
    eq(h["unit"], "msecs", "msecs histogram")
    exact(h["count"], stats(tr), 40, "I/Os")
    tr = Tracer(T, "-v", "-d", "100ms")
    eq(tr.wait(10), 0, "exit status")
    check(re.search(r"hooks: (tp_btf|raw_tp) \(", tr.stderr), "-v names the hook: " + tr.stderr)


def test_interval_count_prints_n_summaries():
    t0 = time.monotonic()
    r = run_tool(T, "-T", "1", "3", timeout=20)
    took = time.monotonic() - t0
    eq(r.returncode, 0, "exit status: " + r.stderr)
    times = [l for l in r.stdout.splitlines() if re.fullmatch(r"\d\d:\d\d:\d\d", l)]
    eq(len(times), 3, "three summaries (time lines)")
    check(2.5 < took < 6, f"took {took:.1f}s")
    r = run_tool(T, "-j", "500ms", "3", timeout=20)
    eq(r.returncode, 0, "exit status")
    import json
    recs = [json.loads(l) for l in r.stdout.splitlines()]
    eq([x["type"] for x in recs], ["hist"] * 3 + ["stats"], "three hist records, then stats")


def test_no_io_lost_between_intervals():
    dev = loop_device()
    tr = Tracer(T, "-j", "--disk", os.path.basename(dev), "100ms")
    total = 0
    for _ in range(10):
        dio_reads(dev, 300)
        total += 300
        time.sleep(0.12)  # spread the reads over more than one interval
    eq(tr.stop(), 0, "exit status")
    hs = hists(tr)
    check(len(hs) >= 3, f"several intervals ({len(hs)})")
    exact(sum(h["count"] for h in hs), stats(tr), total, "every I/O in exactly one interval")


def test_svg_one_column_per_interval():
    dev = loop_device()
    d = tmpdir()
    svg = os.path.join(d, "lat.svg")
    tr = Tracer(T, "--svg", svg, "--disk", os.path.basename(dev), "1", "3")
    dio_reads(dev, 100)
    eq(tr.wait(20), 0, "exit status")
    if shutil.which("xmllint"):
        r = run(["xmllint", "--noout", svg])
        eq(r.returncode, 0, "well-formed XML: " + r.stderr)
    import xml.etree.ElementTree as ET
    root = ET.parse(svg).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    cols = [g for g in root.iter(ns + "g") if g.get("class") == "col"]
    eq(len(cols), 3, "one column per interval")
    got = sum(int(g.get("data-count")) for g in cols)
    check(99 <= got <= 100, f"I/Os over the columns: {got}")
    eq(root.find(ns + "title").text, "biolatency: block I/O latency of " + os.path.basename(dev),
       "title")
    texts = [t.text or "" for t in root.iter(ns + "text")]
    check(any(t.startswith("latency (usecs") for t in texts), "y axis title")
    check(any(t.startswith("time (") for t in texts), "x axis title")
    eq(os.listdir(d), ["lat.svg"], "no temporary file left")
    lines = tr.text_lines()
    check(sum(1 for l in lines if " -> " in l) >= 1, "the histogram still printed")


def test_heatmap_plain_rows():
    dev = loop_device()
    tr = Tracer(T, "--heatmap", "--disk", os.path.basename(dev), "1", "2")
    dio_reads(dev, 20)
    eq(tr.wait(20), 0, "exit status")
    lines = tr.text_lines()
    check(lines[0].startswith("biolatency: block I/O latency of "), lines[0])
    eq(lines[1], "one row per interval, one column per usecs bucket (log2)", "explanation")
    check(lines[2].startswith("I/Os per cell: . 1+  : 4+"), "plain legend: " + lines[2])
    check(lines[3].startswith("TIME     |0       16us"), "axis: " + lines[3])
    eq([l for l in lines if len(l) > 80], [], "lines within 80 columns")
    rows = lines[4:]
    eq(len(rows), 2, "a row per interval")
    check(all("\x1b" not in l for l in lines), "no ANSI codes into a file")
    got = sum(int(r.rsplit("|", 1)[1]) for r in rows)
    check(19 <= got <= 20, f"counts per row add up: {got}")


def test_bad_input_exits_2():
    cases = [(["--disk", "no-such-disk0"], "no such disk"),
             (["--disk", "../sda"], "no such disk"),
             (["0"], "invalid interval '0'"),
             (["1", "-1"], "invalid count '-1'"),
             (["1", "0"], "invalid count '0'"),
             (["x"], "invalid interval 'x'"),
             (["1", "2", "3"], "unexpected argument"),
             (["-i", "1", "2"], "either with -i"),
             (["--heatmap", "-j"], "exclude each other"),
             (["1", "-D"], "options go before"),
             (["--bogus"], "unknown option")]
    for args, msg in cases:
        expect_usage_error(T, args, msg)


def test_lifecycle_leaves_nothing_attached():
    """SIGINT, SIGTERM and -d: exit 0 within 1 s of the signal (a hang
    catcher), a final summary, nothing loaded 1 s after the exit."""
    settle()
    for how in (signal.SIGINT, signal.SIGTERM, None):
        tr = Tracer(T, *(["-d", "1s"] if how is None else []))
        ids = bpf_prog_ids_of(tr.proc.pid)
        check(len(ids) >= 2, f"holds its programs: {ids}")
        t0 = time.monotonic()
        rc = tr.wait(10) if how is None else tr.stop(how)
        took = time.monotonic() - t0
        eq(rc, 0, f"exit status ({how})")
        if how is not None:
            check(took < 1.0 * slow(), f"exited {took:.2f}s after {how}")
        released_after_exit(ids)
        check(tr.output_bytes().startswith(b"\n"), "a final summary was printed")
        only_banner_and_stats(T, tr.stderr)


def test_closed_pipe_ends_quietly():
    """`biolatency -T 100ms | head -n 1`: the tool itself exits 0 with no
    error once head is gone."""
    rc, err, out, took = pipe_into([T, "-T", "100ms"], ["head", "-n", "1"])
    eq(rc, 0, "the tool's own exit status")
    eq(out, b"\n", "head's line: the summary's leading empty line")
    only_banner_and_stats(T, err)
    check(took < 1.0 * slow(), f"exited {took:.2f}s after head")


def test_least_privilege_cap_bpf_and_cap_perfmon():
    """Root with only CAP_BPF and CAP_PERFMON (setpriv) loads the CO-RE
    object (libbpf pointed at the kernel's BTF: no module BTF, which needs
    CAP_SYS_ADMIN) and counts N direct reads exactly."""
    from lib import least_privilege_caps
    dev = loop_device()
    n = 50
    tr = Tracer(T, "-j", "--disk", os.path.basename(dev), least_privilege=True)
    eq(least_privilege_caps(tr.proc.pid), {"bpf", "perfmon"}, "effective capabilities")
    dio_reads(dev, n)
    eq(tr.stop(), 0, "exit status: " + tr.stderr)
    exact(sum(h["count"] for h in hists(tr)), stats(tr), n, "I/Os counted")
