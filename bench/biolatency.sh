#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# biolatency.sh - cost per block I/O of loupe's biolatency against
# libbpf-tools' biolatency (Debian package libbpf-tools), in one run with
# interleaved rounds.
#
# The workload is build/tests/dioread: N synchronous O_DIRECT 4 KiB reads
# of a loop device over a file on its own tmpfs (low noise: no disk). Each
# read is one request, so a tracer's block_rq_issue/complete programs run
# once per read, on its path. Per round and variant it records the
# workload's time; variants run in a rotated order each round. Both tools
# trace only that disk (--disk loopN / -d loopN) and keep one histogram.
#
#   added ns/IO   (variant's time - no tracer's time) / N, per round; the
#                 table gives the median and the minimum over rounds
#   BPF ns/IO     the tracer's own programs' run time per I/O, from the
#                 kernel's BPF statistics (kernel.bpf_stats_enabled=1, in as
#                 many further rounds; the timing rounds run without it).
#                 Steadier than the added time on a busy machine
#   ratios        loupe / libbpf-tools for both (target <= 1.0)
#
# usage: bench/biolatency.sh [options]   (as root, after `make tests`)
#   -r, --rounds N    rounds (default 7)
#   -n, --ios N       reads per round and variant (default 100000)
#   -o, --out FILE    also write the table there (default
#                     bench/results/biolatency-<date>.md)
#       --no-pin      do not pin the workload to CPU 1 and tracers to CPU 0
#   -h, --help
# Environment: LOUPE (default <repo>/build/biolatency), LIBBPF_TOOLS
# (default /usr/sbin/biolatency).

set -u -o pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
LOUPE=${LOUPE:-$ROOT/build/biolatency}
LIBBPF_TOOLS=${LIBBPF_TOOLS:-/usr/sbin/biolatency}
DIOREAD=$ROOT/build/tests/dioread
ROUNDS=7
IOS=100000
OUT=""
PIN=1

die() { echo "biolatency.sh: $*" >&2; exit 1; }
usage() { sed -n '/^# usage:/,/^# (default \/usr/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case $1 in
	-r | --rounds) ROUNDS=$2; shift ;;
	-n | --ios) IOS=$2; shift ;;
	-o | --out) OUT=$2; shift ;;
	--no-pin) PIN=0 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ && $IOS =~ ^[1-9][0-9]*$ ]] || die "rounds and ios must be numbers > 0"
[ "$(id -u)" = 0 ] || die "must run as root"
[ -x "$DIOREAD" ] || die "$DIOREAD missing: run 'make tests' first"
[ -x "$LOUPE" ] || die "$LOUPE missing: run 'make' first"
if [ ! -x "$LIBBPF_TOOLS" ]; then
	apt-get install -y -qq --no-install-recommends libbpf-tools >/dev/null 2>&1 ||
		die "$LIBBPF_TOOLS missing (apt-get install libbpf-tools)"
fi
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
[ -n "$OUT" ] || OUT=$BENCH_DIR/results/biolatency-$(date +%Y%m%d-%H%M).md
mkdir -p "$(dirname "$OUT")"

TRACER_CPU=() WORK_CPU=()
if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	TRACER_CPU=(taskset -c 0) WORK_CPU=(taskset -c 1)
fi

# ---- the disk: a loop device over a file on a private tmpfs ---------------
WORK=$(mktemp -d /tmp/loupe-bench-bio.XXXXXX)
LOOP=""
TPID=""
cleanup() {
	[ -n "$TPID" ] && kill -KILL "$TPID" 2>/dev/null
	[ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
	mountpoint -q "$WORK/fs" && umount "$WORK/fs"
	rm -rf "$WORK"
	sysctl -q kernel.bpf_stats_enabled="$STATS_WAS" 2>/dev/null
}
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir "$WORK/fs"
mount -t tmpfs -o size=80m tmpfs "$WORK/fs" || die "cannot mount tmpfs"
truncate -s 64M "$WORK/fs/disk"
LOOP=$(losetup --find --show --direct-io=on "$WORK/fs/disk" 2>/dev/null ||
	losetup --find --show "$WORK/fs/disk") || die "losetup failed"
DISK=${LOOP#/dev/}
DIO=$(losetup -n -O DIO "$LOOP" | tr -d ' ')

# ---- one measurement --------------------------------------------------------
# start the variant's tracer, wait until it is attached, run the workload,
# stop the tracer; prints "<ns> <ios the tracer counted or ->"
measure() { # variant
	local v=$1 out=$WORK/$1.out err=$WORK/$1.err ns counted=- i
	rm -f "$out" "$err"
	case $v in
	none) ;;
	loupe) "${TRACER_CPU[@]}" "$LOUPE" -j --disk "$DISK" >"$out" 2>"$err" & TPID=$! ;;
	libbpf-tools) "${TRACER_CPU[@]}" stdbuf -oL "$LIBBPF_TOOLS" -d "$DISK" >"$out" 2>"$err" &
		TPID=$! ;;
	esac
	if [ -n "$TPID" ]; then
		for i in $(seq 3000); do
			grep -qs "Tracing block" "$out" "$err" && break
			kill -0 "$TPID" 2>/dev/null || die "$v exited at start: $(cat "$err")"
			sleep 0.01
		done
	fi
	ns=$("${WORK_CPU[@]}" "$DIOREAD" -n "$IOS" "$LOOP" | awk '{print $4}')
	if [ -n "$TPID" ]; then
		if [ "${STATS:-0}" = 1 ]; then
			bpftool -j prog show >"$WORK/$v.progs" 2>/dev/null
			grep -h '^prog_id:' /proc/"$TPID"/fdinfo/* 2>/dev/null |
				awk '{print $2}' >"$WORK/$v.ids"
		fi
		kill -INT "$TPID"
		wait "$TPID" 2>/dev/null
		TPID=""
		case $v in
		loupe) counted=$(python3 -c 'import json,sys
print(sum(r["count"] for r in map(json.loads, open(sys.argv[1])) if r["type"] == "hist"))' "$out") ;;
		libbpf-tools) counted=$(awk -F: '/->/ { split($2, a, " "); s += a[1] } END { print s + 0 }' "$out") ;;
		esac
	fi
	echo "$ns $counted"
}

# BPF ns per I/O: run_time_ns of the programs the tracer held (their ids
# from its /proc fdinfo; saved by measure)
bpf_ns() { # variant
	python3 - "$WORK/$1.progs" "$WORK/$1.ids" "$IOS" <<'EOF'
import json, sys
progs = json.load(open(sys.argv[1]))
ids = {int(x) for x in open(sys.argv[2]).read().split()}
t = sum(p.get("run_time_ns", 0) for p in progs if p["id"] in ids)
print(f"{t / int(sys.argv[3]):.0f}")
EOF
}

VARIANTS=(none loupe libbpf-tools)
declare -A RES
echo "biolatency.sh: $ROUNDS rounds x $IOS O_DIRECT 4 KiB reads of $LOOP (tmpfs, dio=$DIO), kernel $(uname -r)" >&2
for r in $(seq "$ROUNDS"); do
	n=${#VARIANTS[@]}
	for k in $(seq 0 $((n - 1))); do
		v=${VARIANTS[$(((k + r) % n))]}
		read -r ns counted < <(measure "$v")
		[ "$counted" = - ] || [ "$counted" = "$IOS" ] ||
			echo "biolatency.sh: round $r: $v counted $counted of $IOS I/Os" >&2
		RES[$v]="${RES[$v]:-} $ns"
		echo "  round $r $v: $((ns / IOS)) ns/IO (counted $counted)" >&2
	done
done
sysctl -q kernel.bpf_stats_enabled=1
STATS=1
for r in $(seq "$ROUNDS"); do
	for v in $( ((r % 2)) && echo loupe libbpf-tools || echo libbpf-tools loupe); do
		measure "$v" >/dev/null
		RES[bpf_$v]="${RES[bpf_$v]:-} $(bpf_ns "$v")"
		echo "  stats round $r $v: BPF $(bpf_ns "$v") ns/IO" >&2
	done
done
sysctl -q kernel.bpf_stats_enabled="$STATS_WAS"

python3 - "$IOS" "$ROUNDS" "$(uname -r)" "$DIO" "${RES[none]}" "${RES[loupe]}" \
	"${RES[libbpf-tools]}" "${RES[bpf_loupe]}" "${RES[bpf_libbpf-tools]}" <<'EOF' | tee "$OUT"
import statistics as st, sys
ios, rounds, kernel, dio = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
none, lo, lt = ([int(x) for x in a.split()] for a in sys.argv[5:8])
bpf = {"loupe": [int(x) for x in sys.argv[8].split()],
       "libbpf-tools": [int(x) for x in sys.argv[9].split()]}
added = {v: [(t - n) / ios for t, n in zip(ts, none)] for v, ts in (("loupe", lo), ("libbpf-tools", lt))}
print(f"biolatency, {rounds} interleaved rounds x {ios:,} O_DIRECT 4 KiB reads, "
      f"loop over tmpfs (dio={dio}), kernel {kernel}\n")
print("| variant | ns/IO median | added ns/IO median (min) | BPF ns/IO median (min) |")
print("|---|---|---|---|")
print(f"| no tracer | {st.median(none) / ios:,.0f} | — | — |")
for v, ts in (("loupe", lo), ("libbpf-tools", lt)):
    print(f"| {v} | {st.median(ts) / ios:,.0f} | {st.median(added[v]):,.0f} "
          f"({min(added[v]):,.0f}) | {st.median(bpf[v]):,.0f} ({min(bpf[v]):,.0f}) |")
ml, mt = st.median(added["loupe"]), st.median(added["libbpf-tools"])
ratio = ml / mt if mt > 0 else float("nan")
print(f"\nloupe / libbpf-tools, added ns per I/O (median): {ratio:.2f}x; "
      f"BPF ns per I/O (median): "
      f"{st.median(bpf['loupe']) / max(st.median(bpf['libbpf-tools']), 1):.2f}x")
EOF
echo "biolatency.sh: results in $OUT" >&2
