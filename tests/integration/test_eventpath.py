"""The event path under load: every event delivered or its loss counted,
exactly; a lone event reaches a file without more events behind it."""
import os
import re
import subprocess
import threading
import time
import uuid

import lib
from lib import Tracer, check, eq, tmpdir, wait_for, workload

# a million on the host; under the kernel lane's emulated CPUs, fewer
STORM = int(os.environ.get("LOUPE_STORM", "50000" if lib.LANE else "1000000"))


def _storm(json_mode):
    d = tmpdir()
    path = os.path.join(d, "storm-" + uuid.uuid4().hex[:8])
    open(path, "w").close()
    w = subprocess.Popen([workload("opener"), "-w", "-n", str(STORM), path],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    pid = int(w.stdout.readline().split()[1])
    args = ["-p", str(pid)] + (["-j"] if json_mode else [])
    tr = Tracer("opensnoop", *args)
    w.stdin.write("go\n")
    w.stdin.flush()
    eq(w.wait(300), 0, "workload status")
    # let the tracer drain what is buffered before stopping it
    time.sleep(0.5)
    eq(tr.stop(timeout=60), 0, "tracer status")
    data = tr.output_bytes()
    seen = data.count(path.encode() + (b'"' if json_mode else b"\n"))
    if json_mode:
        last = data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode()
        import json
        stats = json.loads(last)
        eq(stats["type"], "stats", "last record")
        lost = stats["lost"]
        eq(stats["events"], seen, "events in stats vs printed")
    else:
        m = re.search(r"(\d+) events, (\d+) lost", tr.stderr)
        check(m, "loss line on stderr: " + tr.stderr)
        eq(int(m.group(1)), seen, "events reported vs printed")
        lost = int(m.group(2))
    eq(seen + lost, STORM, f"printed {seen} + lost {lost} vs generated")
    print(f"    storm {'json' if json_mode else 'text'}: {seen} printed, {lost} lost of {STORM}")


def test_storm_text_exact_accounting():
    _storm(False)


def test_storm_json_exact_accounting():
    _storm(True)


def test_storm_tiny_buffer_counts_losses():
    """A reader that cannot keep up (its stdout is a pipe nobody reads during
    the storm) with a 64 KiB buffer must lose events, and count every one."""
    n = 20000 if lib.LANE else 200000
    d = tmpdir()
    path = os.path.join(d, "tiny-" + uuid.uuid4().hex[:8])
    open(path, "w").close()
    fifo = os.path.join(d, "out.fifo")
    os.mkfifo(fifo)
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    w = subprocess.Popen([workload("opener"), "-w", "-n", str(n), path],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    pid = int(w.stdout.readline().split()[1])
    tr = Tracer("opensnoop", "-p", str(pid), "--buffer-size", "64K", stdout_file=fifo)
    w.stdin.write("go\n")
    w.stdin.flush()
    eq(w.wait(300), 0, "workload status")
    # now drain the pipe, let the tracer catch up, and stop it
    os.set_blocking(rfd, True)
    chunks = []
    reader = threading.Thread(target=lambda: [chunks.append(b) for b in iter(
        lambda: os.read(rfd, 1 << 16), b"")], daemon=True)
    reader.start()
    time.sleep(0.5)
    eq(tr.stop(timeout=60), 0, "tracer status")
    reader.join(10)
    os.close(rfd)
    seen = b"".join(chunks).count(path.encode() + b"\n")
    m = re.search(r"(\d+) events, (\d+) lost \(ring buffer full (\d+)", tr.stderr)
    check(m, tr.stderr)
    lost = int(m.group(2))
    eq(seen + lost, n, "printed + lost")
    eq(lost, int(m.group(3)), "all losses are ring-buffer losses")
    check(lost > 0, "a blocked reader with a 64 KiB buffer loses events")
    print(f"    blocked reader: {seen} printed, {lost} lost of {n}")


def test_lone_event_reaches_file():
    d = tmpdir()
    path = os.path.join(d, "lone-" + uuid.uuid4().hex[:8])
    tr = Tracer("opensnoop", "-p", str(os.getpid()))
    time.sleep(0.3)  # idle: nothing else pending
    t0 = time.monotonic()
    try:
        os.close(os.open(path, os.O_RDONLY))
    except OSError:
        pass
    got = wait_for(lambda: path.encode() in tr.output_bytes(), timeout=2.0, step=0.002)
    took = time.monotonic() - t0
    tr.stop()
    check(got, "lone event not in the output file within 2 s")
    print(f"    lone event in file after {took * 1000:.1f} ms")
