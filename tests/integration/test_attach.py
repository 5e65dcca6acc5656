"""The attachment layer (common/attach.h) on the real kernel: one program
per hook kind on several targets, told apart by cookies -- from the links,
or from program copies where the kernel has no cookies -- with exact hit
counts, and every link released within 1 s of the process's exit."""
import os

from lib import check, eq, released_after_exit, run, settle, workload

WANT = {"tp": "1=3 2=5", "raw": "3=4 4=2", "uprobe": "5=3 6=6", "usdt": "8=4"}


def _run(kind, **env):
    settle()
    r = run([workload("attach_test"), kind], timeout=30, env=dict(os.environ, **env))
    eq(r.returncode, 0, f"attach_test {kind} {env}: {r.stdout} {r.stderr}")
    lines = dict(l.split(":", 1) for l in r.stdout.splitlines() if ":" in l)
    ids = [int(x) for x in lines["ids"].split()]
    check(ids, "programs listed")
    released_after_exit(ids)
    return lines


def test_every_kind_with_cookies_from_the_links():
    lines = _run("all")
    eq(lines["hits"].strip(), " ".join(WANT.values()), "hits per cookie")
    # 6.6+ kernels: two uprobes in one uprobe_multi link
    if "uprobe_multi" in lines["hooks"]:
        eq(lines["links"].strip(), "6", "links: 2 tp, 2 raw_tp, 1 uprobe_multi, 1 usdt")


def test_program_copies_where_the_kernel_has_no_cookies():
    """LOUPE_NO_COOKIES: each target gets a copy of the program whose
    instance constant is its cookie (the path of 5.8-5.14 kernels), and
    one uprobe link per target (kernels before 6.6)."""
    lines = _run("all", LOUPE_NO_COOKIES="1", LOUPE_NO_UPROBE_MULTI="1")
    check("by program copies" in lines["hooks"] and "one link each" in lines["hooks"],
          lines["hooks"])
    eq(lines["hits"].strip(), " ".join(WANT.values()), "hits per cookie")
    eq(lines["links"].strip(), "7", "links: 2 tp, 2 raw_tp, 2 uprobes, 1 usdt")


def test_each_kind_alone():
    for kind, want in WANT.items():
        lines = _run(kind)
        eq(lines["hits"].strip(), want, f"{kind} hits")
