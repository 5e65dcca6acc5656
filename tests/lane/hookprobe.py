#!/usr/bin/env python3
"""Which BPF hook types attach *and fire* on the running kernel.

Stdlib only (ctypes + the bpf(2) and perf_event_open(2) syscalls), so it
runs unchanged on the host and inside the kernel lane without libbpf,
clang or a built tree.  For every hook it creates a one-slot array map,
loads a ten-instruction program that increments the slot, attaches it,
causes the event and reads the counter back:

  tracepoint   classic tracepoint via perf event     sched:sched_switch
  raw_tp       BPF_PROG_TYPE_RAW_TRACEPOINT          sched_switch
  tp_btf       BPF_PROG_TYPE_TRACING / TRACE_RAW_TP  btf_trace_sched_switch
  kprobe       kprobe PMU perf event                 vfs_read
  kretprobe    kprobe PMU perf event, retprobe bit   vfs_read
  fentry       TRACING / TRACE_FENTRY                vfs_read
  fexit        TRACING / TRACE_FEXIT                 vfs_read
  kprobe.multi BPF_LINK_CREATE / TRACE_KPROBE_MULTI  vfs_read
  uprobe       uprobe PMU perf event                 entry point of /bin/true

Prints one line per hook ("ok, N hits" or the stage and errno that
failed) and a closing line "lane-hooks: <kernel> tracepoint=ok ...".
Exit status: 0 when the baseline (classic tracepoint) works, 1 otherwise.
Must run as root.

hookprobe.py --toggle N instead attaches and detaches a syscall tracepoint
N times while another process runs the patched code (see toggle()).
"""
import ctypes
import errno
import fcntl
import os
import platform
import struct
import subprocess
import sys
import time

SYS_BPF = 321              # x86_64
SYS_PERF_EVENT_OPEN = 298  # x86_64

# bpf(2) commands
BPF_MAP_CREATE, BPF_MAP_LOOKUP_ELEM, BPF_PROG_LOAD = 0, 1, 5
BPF_RAW_TRACEPOINT_OPEN, BPF_LINK_CREATE = 17, 28
# program types
PT_KPROBE, PT_TRACEPOINT, PT_RAW_TRACEPOINT, PT_TRACING = 2, 5, 17, 26
# attach types
AT_TRACE_RAW_TP, AT_TRACE_FENTRY, AT_TRACE_FEXIT = 23, 24, 25
AT_TRACE_KPROBE_MULTI = 42
BPF_MAP_TYPE_ARRAY = 2

PERF_TYPE_TRACEPOINT = 2
PERF_EVENT_IOC_ENABLE = 0x2400
PERF_EVENT_IOC_SET_BPF = 0x40042408
PERF_FLAG_FD_CLOEXEC = 8

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

TRACEFS = None
for _d in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing"):
    if os.path.exists(os.path.join(_d, "events")):
        TRACEFS = _d
        break


class Fail(Exception):
    def __init__(self, stage, err):
        super().__init__(stage)
        self.stage, self.err = stage, err

    def __str__(self):
        return "%s: %s" % (self.stage, errname(self.err) if isinstance(self.err, int) else self.err)


def errname(e):
    return "EOPNOTSUPP" if e == errno.EOPNOTSUPP else errno.errorcode.get(e, str(e))


_keep = []   # ctypes buffers referenced by address from attrs


def cbuf(data):
    b = ctypes.create_string_buffer(data, len(data))
    _keep.append(b)
    return b


def addr(b):
    return ctypes.addressof(b)


def bpf(cmd, attr, stage):
    buf = cbuf(attr.ljust(128, b"\0"))
    r = libc.syscall(SYS_BPF, cmd, buf, 128)
    if r < 0:
        raise Fail(stage, ctypes.get_errno())
    return r, buf


def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


def counting_prog(map_fd):
    """*(u64 *)map[0] += 1; return 0;"""
    return b"".join([
        insn(0x62, dst=10, off=-4, imm=0),       # *(u32 *)(r10 - 4) = 0
        insn(0xbf, dst=2, src=10),               # r2 = r10
        insn(0x07, dst=2, imm=-4),               # r2 += -4
        insn(0x18, dst=1, src=1, imm=map_fd),    # r1 = map (ld_imm64, pseudo map fd)
        insn(0x00),
        insn(0x85, imm=1),                       # call bpf_map_lookup_elem
        insn(0x15, dst=0, off=2, imm=0),         # if r0 == 0 goto +2
        insn(0xb7, dst=1, imm=1),                # r1 = 1
        insn(0xdb, dst=0, src=1, off=0, imm=0),  # lock *(u64 *)(r0 + 0) += r1
        insn(0xb7, dst=0, imm=0),                # r0 = 0
        insn(0x95),                              # exit
    ])


def map_create():
    fd, _ = bpf(BPF_MAP_CREATE, struct.pack("<IIIII", BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0), "map create")
    return fd


def map_read(map_fd):
    key = cbuf(struct.pack("<I", 0))
    val = cbuf(b"\0" * 8)
    bpf(BPF_MAP_LOOKUP_ELEM, struct.pack("<IIQQQ", map_fd, 0, addr(key), addr(val), 0), "map lookup")
    return struct.unpack("<Q", val.raw)[0]


def prog_load(ptype, map_fd, attach_type=0, btf_id=0):
    code = cbuf(counting_prog(map_fd))
    lic = cbuf(b"GPL\0")
    log = cbuf(b"\0" * 65536)
    attr = struct.pack("<IIQQIIQII16sIIIIQIIQIII",
                       ptype, len(code.raw) // 8, addr(code), addr(lic),
                       1, len(log.raw), addr(log),
                       0, 0, b"lane_probe", 0, attach_type,
                       0, 0, 0, 0, 0, 0, 0, btf_id, 0)
    try:
        fd, _ = bpf(BPF_PROG_LOAD, attr, "load")
    except Fail as e:
        msg = log.value.decode(errors="replace").strip().splitlines()
        if msg:
            e.err = "%s (%s)" % (errname(e.err), msg[-1][:120])
        raise
    return fd


# ---- kernel BTF: find a type id by kind and name ---------------------------

BTF_KIND_TYPEDEF, BTF_KIND_FUNC = 8, 12
_btf_cache = {}


def btf_id(kind, name):
    if not _btf_cache:
        try:
            data = open("/sys/kernel/btf/vmlinux", "rb").read()
        except OSError as e:
            raise Fail("read /sys/kernel/btf/vmlinux", e.errno)
        magic, ver, flags, hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from("<HBBIIIII", data, 0)
        types = data[hdr_len + type_off: hdr_len + type_off + type_len]
        strs = data[hdr_len + str_off: hdr_len + str_off + str_len]
        # trailing bytes per kind: (fixed, per vlen)
        extra = {1: (4, 0), 2: (0, 0), 3: (12, 0), 4: (0, 12), 5: (0, 12), 6: (0, 8), 7: (0, 0),
                 8: (0, 0), 9: (0, 0), 10: (0, 0), 11: (0, 0), 12: (0, 0), 13: (0, 8), 14: (4, 0),
                 15: (0, 12), 16: (0, 0), 17: (4, 0), 18: (0, 0), 19: (0, 12)}
        pos, tid = 0, 1
        while pos < len(types):
            name_off, info, _ = struct.unpack_from("<III", types, pos)
            k, vlen = (info >> 24) & 0x1f, info & 0xffff
            fixed, per = extra[k]
            if k in (BTF_KIND_TYPEDEF, BTF_KIND_FUNC):
                end = strs.index(b"\0", name_off)
                _btf_cache.setdefault((k, strs[name_off:end].decode()), tid)
            pos += 12 + fixed + per * vlen
            tid += 1
    try:
        return _btf_cache[(kind, name)]
    except KeyError:
        raise Fail("BTF lookup %s" % name, "not in kernel BTF")


# ---- perf events --------------------------------------------------------------

def perf_open(ptype, config, config1=0, config2=0, stage="perf_event_open"):
    attr = struct.pack("<IIQQQQQIIQQ", ptype, 128, config, 1, 0, 0, 0, 1, 0, config1, config2).ljust(128, b"\0")
    buf = cbuf(attr)
    fd = libc.syscall(SYS_PERF_EVENT_OPEN, buf, -1, 0, -1, PERF_FLAG_FD_CLOEXEC)
    if fd < 0:
        raise Fail(stage, ctypes.get_errno())
    return fd


def perf_attach(pfd, prog_fd):
    try:
        fcntl.ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd)
        fcntl.ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0)
    except OSError as e:
        raise Fail("attach (PERF_EVENT_IOC_SET_BPF)", e.errno)


def pmu_type(pmu):
    try:
        return int(open("/sys/bus/event_source/devices/%s/type" % pmu).read())
    except OSError:
        raise Fail("no %s PMU" % pmu, "kernel built without it")


def pmu_retbit(pmu):
    fmt = open("/sys/bus/event_source/devices/%s/format/retprobe" % pmu).read().strip()
    return 1 << int(fmt.split(":")[1])


# ---- triggers -----------------------------------------------------------------

def trigger_sched():
    for _ in range(5):
        time.sleep(0.002)


def trigger_read():
    fd = os.open("/proc/self/stat", os.O_RDONLY)
    for _ in range(5):
        os.pread(fd, 64, 0)
        os.read(fd, 64)
    os.close(fd)


def trigger_true():
    subprocess.run(["/bin/true"], check=False)


def elf_entry_offset(path):
    """File offset of the ELF entry point (a valid uprobe target)."""
    with open(path, "rb") as f:
        eh = f.read(64)
        entry, phoff = struct.unpack_from("<QQ", eh, 24)
        phentsize, phnum = struct.unpack_from("<HH", eh, 54)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", ph, i * phentsize)
        if p_type == 1 and p_vaddr <= entry < p_vaddr + p_filesz:
            return entry - p_vaddr + p_offset
    raise Fail("uprobe target", "entry point of %s not in a PT_LOAD" % path)


# ---- the probes -----------------------------------------------------------------

def probe_tracepoint(m):
    if TRACEFS is None:
        raise Fail("tracefs", "not mounted")
    tp_id = int(open(TRACEFS + "/events/sched/sched_switch/id").read())
    p = prog_load(PT_TRACEPOINT, m)
    perf_attach(perf_open(PERF_TYPE_TRACEPOINT, tp_id), p)
    return trigger_sched


def probe_raw_tp(m):
    p = prog_load(PT_RAW_TRACEPOINT, m)
    name = cbuf(b"sched_switch\0")
    bpf(BPF_RAW_TRACEPOINT_OPEN, struct.pack("<QI", addr(name), p), "attach (raw_tracepoint_open)")
    return trigger_sched


def probe_tp_btf(m):
    p = prog_load(PT_TRACING, m, AT_TRACE_RAW_TP, btf_id(BTF_KIND_TYPEDEF, "btf_trace_sched_switch"))
    bpf(BPF_RAW_TRACEPOINT_OPEN, struct.pack("<QI", 0, p), "attach (raw_tracepoint_open)")
    return trigger_sched


def _kprobe(m, ret):
    t = pmu_type("kprobe")
    p = prog_load(PT_KPROBE, m)
    fn = cbuf(b"vfs_read\0")
    perf_attach(perf_open(t, pmu_retbit("kprobe") if ret else 0, addr(fn), 0), p)
    return trigger_read


def _tracing(m, at):
    p = prog_load(PT_TRACING, m, at, btf_id(BTF_KIND_FUNC, "vfs_read"))
    bpf(BPF_RAW_TRACEPOINT_OPEN, struct.pack("<QI", 0, p), "attach (raw_tracepoint_open)")
    return trigger_read


def probe_kprobe_multi(m):
    p = prog_load(PT_KPROBE, m, AT_TRACE_KPROBE_MULTI)
    sym = cbuf(b"vfs_read\0")
    syms = cbuf(struct.pack("<Q", addr(sym)))
    attr = struct.pack("<IIIIIIQQQ", p, 0, AT_TRACE_KPROBE_MULTI, 0, 0, 1, addr(syms), 0, 0)
    bpf(BPF_LINK_CREATE, attr, "attach (link_create)")
    return trigger_read


def probe_uprobe(m):
    t = pmu_type("uprobe")
    path = os.path.realpath("/bin/true")
    off = elf_entry_offset(path)
    p = prog_load(PT_KPROBE, m)
    pb = cbuf(path.encode() + b"\0")
    perf_attach(perf_open(t, 0, addr(pb), off), p)
    return trigger_true


PROBES = [
    ("tracepoint", probe_tracepoint),
    ("raw_tp", probe_raw_tp),
    ("tp_btf", probe_tp_btf),
    ("kprobe", lambda m: _kprobe(m, False)),
    ("kretprobe", lambda m: _kprobe(m, True)),
    ("fentry", lambda m: _tracing(m, AT_TRACE_FENTRY)),
    ("fexit", lambda m: _tracing(m, AT_TRACE_FEXIT)),
    ("kprobe.multi", probe_kprobe_multi),
    ("uprobe", probe_uprobe),
]


def toggle(cycles):
    """Attach and detach a syscall tracepoint program `cycles` times while
    another process keeps entering openat on the other CPU.  Each attach and
    detach live-patches the kernel's syscall entry (a jump label, written
    with int3 while other CPUs run it).  Under qemu's multi-threaded TCG the
    other vCPU may go on running the stale int3 (an "Oops: int3" or a soft
    lockup within a few dozen cycles); a sound emulator survives them all."""
    if TRACEFS is None:
        raise Fail("tracefs", "not mounted")
    tp_id = int(open(TRACEFS + "/events/syscalls/sys_enter_openat/id").read())
    child = subprocess.Popen([sys.executable, "-c",
                              "import os\nwhile True: os.close(os.open('/proc/self/stat', os.O_RDONLY))"])
    t0 = time.time()
    try:
        for _ in range(cycles):
            m = map_create()
            p = prog_load(PT_TRACEPOINT, m)
            pfd = perf_open(PERF_TYPE_TRACEPOINT, tp_id)
            perf_attach(pfd, p)
            time.sleep(0.001)
            for fd in (pfd, p, m):
                os.close(fd)
    finally:
        child.kill()
        child.wait()
    print("hookprobe: %d attach/detach cycles of sys_enter_openat under load in %.1fs"
          % (cycles, time.time() - t0))
    return 0


def main():
    if os.geteuid() != 0:
        print("hookprobe: must run as root", file=sys.stderr)
        return 2
    if len(sys.argv) == 3 and sys.argv[1] == "--toggle":
        return toggle(int(sys.argv[2]))
    kernel = platform.release()
    results = {}
    for name, fn in PROBES:
        fds_before = set(os.listdir("/proc/self/fd"))
        try:
            m = map_create()
            trigger = fn(m)
            trigger()
            hits = map_read(m)
            if hits:
                results[name] = "ok"
                print("hookprobe: %-12s ok, %d hits" % (name, hits))
            else:
                results[name] = "no-hits"
                print("hookprobe: %-12s attached but the event never fired" % name)
        except Fail as e:
            results[name] = "no"
            print("hookprobe: %-12s NO (%s)" % (name, e))
        finally:
            for fd in set(os.listdir("/proc/self/fd")) - fds_before:
                try:
                    os.close(int(fd))
                except OSError:
                    pass
    print("lane-hooks: %s %s" % (kernel, " ".join("%s=%s" % (k, v) for k, v in results.items())))
    return 0 if results.get("tracepoint") == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
