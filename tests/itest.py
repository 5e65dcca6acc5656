#!/usr/bin/env python3
"""Integration test runner: real tools, the real kernel, exact values.

Runs every test_* function in tests/integration/test_*.py (or the files
given), each in isolation, and ends with a line "N passed, N failed".
  --lane        running inside the kernel lane (tests marked host_only skip)
  -k TEXT       only tests whose name contains TEXT
Env: LOUPE_BUILD (default <repo>/build).
"""
import importlib.util
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "integration"))

import lib  # noqa: E402


def main():
    args = sys.argv[1:]
    files, pattern = [], None
    while args:
        a = args.pop(0)
        if a == "--lane":
            lib.LANE = True
        elif a == "-k":
            pattern = args.pop(0)
        else:
            files.append(a)
    if not files:
        d = os.path.join(HERE, "integration")
        files = sorted(os.path.join(d, f) for f in os.listdir(d)
                       if f.startswith("test_") and f.endswith(".py"))
    passed = failed = skipped = 0
    failures = []
    for path in files:
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for fname in [f for f in vars(mod) if f.startswith("test_")]:
            fn = getattr(mod, fname)
            full = f"{name}.{fname}"
            if pattern and pattern not in full:
                continue
            t0 = time.monotonic()
            try:
                fn()
            except lib.Skip as e:
                skipped += 1
                print(f"skip {full}: {e}", flush=True)
                continue
            except Exception as e:  # noqa: BLE001
                failed += 1
                failures.append(full)
                print(f"FAIL {full} ({time.monotonic() - t0:.1f}s): {e}", flush=True)
                traceback.print_exc(limit=3)
                continue
            finally:
                lib.cleanup()
            passed += 1
            print(f"ok   {full} ({time.monotonic() - t0:.1f}s)", flush=True)
    if failures:
        print("failed: " + " ".join(failures))
    print(f"integration: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
