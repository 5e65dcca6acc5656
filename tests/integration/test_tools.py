"""What every tool owes its users, checked for each tool the Makefile
builds: --help with examples within 80 columns, -V, a man page with
EXAMPLES and COMPATIBILITY, bad input exiting 2 without loading."""
import os
import re
import shutil

from lib import REPO, check, eq, expect_usage_error, run, run_tool


def tools():
    with open(os.path.join(REPO, "Makefile")) as f:
        m = re.search(r"^TOOLS\s*:=\s*(.*)$", f.read(), re.M)
    return m.group(1).split()


def test_help_fits_80_columns_with_examples():
    for t in tools():
        r = run_tool(t, "--help")
        eq(r.returncode, 0, f"{t} --help")
        wide = [l for l in r.stdout.splitlines() if len(l) > 80]
        eq(wide, [], f"{t} --help lines over 80 columns")
        check("Examples:" in r.stdout and "Exit status:" in r.stdout, f"{t} --help sections")
        r = run_tool(t, "-V")
        check(r.returncode == 0 and r.stdout.startswith(f"{t} (loupe) "), f"{t} -V")


def test_man_pages():
    for t in tools():
        with open(os.path.join(REPO, "man", "man8", t + ".8")) as f:
            page = f.read()
        for sec in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXAMPLES",
                    "COMPATIBILITY", "EXIT STATUS"):
            check(f".SH {sec}" in page, f"{t}.8 has {sec}")
        # a pipe from -j into jq selects its record type (the final stats
        # record would otherwise add null lines)
        for line in page.splitlines():
            if "\\-j" in line and "| jq" in line:
                check("select(.type==" in line, f"{t}.8: jq without select: {line}")
    # groff's warnings (a line starting with '.' is a macro call...), as
    # lintian reports them in the package
    pages = [os.path.join(REPO, "man", d, f) for d in ("man7", "man8")
             if os.path.isdir(os.path.join(REPO, "man", d))
             for f in sorted(os.listdir(os.path.join(REPO, "man", d)))]
    if shutil.which("man"):
        for page in pages:
            r = run(["man", "--warnings", "-E", "UTF-8", "-l", page],
                    env=dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8"))
            eq(r.stderr.strip(), "", f"{os.path.basename(page)}: groff warnings")


def test_shared_bad_input_exits_2_and_loads_nothing():
    for t in tools():
        for args in (["--bogus"], ["-d", "0"], ["-d", "1", "-d", "2"], ["--json=1"],
                     ["-p", "0"], ["-n", ""], ["-\x1b[2J"]):
            expect_usage_error(t, args)
