#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# syscalls.sh - what a syscall tracer adds to a syscall it does not trace
# (getppid in a tight loop) and to one it traces (open+close of a file),
# by event source: no tracer; empty programs on the two openat syscall
# tracepoints and on raw_syscalls sys_enter/sys_exit (bench/build/floor);
# loupe's opensnoop on syscall tracepoints (its default) and on
# raw_syscalls (LOUPE_FORCE_HOOK=raw_tp); libbpf-tools' opensnoop. One run,
# interleaved rounds. See bench/README.md.
#
# usage: bench/syscalls.sh [options]   (as root)
#   -r, --rounds N       rounds (default 5)
#   -g, --getppid N      getppid calls per round and variant (default 3000000)
#   -n, --ops N          open+close per round and variant (default 200000)
#       --variants LIST  comma-separated subset of: none,floor-tp,floor-raw,
#                        loupe,loupe-raw,lt
#       --no-pin         do not pin (default: tracers and this script on CPU 0,
#                        the workload on CPU 1)
#       --foreign-wait S wait up to S seconds (default 300) before each
#                        measurement for other syscall tracers to detach
#       --quiet-wait S   wait up to S seconds (default 60, 0: don't) before
#                        each measurement until the rest of the machine uses
#       --quiet-pct P    at most P % (default 15) of one CPU
#       --no-install     do not apt-get install missing packages
#       --keep           keep the work directory (tracer outputs)
#   -o, --out FILE       results file (default bench/results/syscalls-<date>.md)
#   -h, --help
# Environment: LOUPE (default <repo>/build/opensnoop), WORKDIR_BASE
# (default /tmp).

set -u -o pipefail

NAME=syscalls.sh
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GETPPID=3000000
OPS=200000
VARIANTS="none,floor-tp,floor-raw,loupe,loupe-raw,lt"
LOUPE=${LOUPE:-$ROOT_DIR/build/opensnoop}
LT_OPENSNOOP=/usr/sbin/opensnoop
FOREIGN_RE='^sys_(enter|exit)'	# other programs on syscalls distort both loops

extra_opt() {
	case $1 in
	-g|--getppid) posint "$1" "${2-}"; GETPPID=$((10#$2)); OPT_SHIFT=2 ;;
	-n|--ops) posint "$1" "${2-}"; OPS=$((10#$2)); OPT_SHIFT=2 ;;
	esac
}
parse_opts "$@"
check_variants none floor-tp floor-raw loupe loupe-raw lt

# ---------------------------------------------------------------- setup ---

bench_setup sys "libbpf-tools:[[ -x $LT_OPENSNOOP ]]"

RUN=()
for v in "${VLIST[@]}"; do
	case $v in
	none) DESC[$v]="(no tracer)" ;;
	floor-tp) DESC[$v]="bench/build/floor -m openat"; HOOKS[$v]="tracepoint syscalls:sys_enter_openat + sys_exit_openat (empty programs)" ;;
	floor-raw) DESC[$v]="bench/build/floor -m raw"; HOOKS[$v]="raw_tp raw_syscalls:sys_enter + sys_exit (empty programs)" ;;
	loupe|loupe-raw)
		usable "$v" "$LOUPE" "run 'make' at the repo root" || continue
		DESC[$v]="${LOUPE#"$ROOT_DIR"/}"
		[[ $v == loupe-raw ]] && DESC[$v]="LOUPE_FORCE_HOOK=raw_tp ${DESC[$v]}" ;;
	lt)
		usable "$v" "$LT_OPENSNOOP" "apt-get install libbpf-tools" || continue
		DESC[$v]="$LT_OPENSNOOP" ;;
	esac
	RUN+=("$v")
done
(( ${#RUN[@]} )) || die "nothing to run"

tracer_cmd() {	# variant -> TCMD, HOW
	HOW=open	# the first of the probe opens it reports
	case $1 in
	floor-tp) TCMD=("$BUILD/floor" -m openat); HOW=out:attached ;;
	floor-raw) TCMD=("$BUILD/floor" -m raw); HOW=out:attached ;;
	loupe) TCMD=("$LOUPE") ;;
	loupe-raw) TCMD=(env LOUPE_FORCE_HOOK=raw_tp "$LOUPE") ;;
	lt) TCMD=("$LT_OPENSNOOP") ;;
	esac
}

name_of() {
	case $1 in
	none) echo "no tracer" ;;
	floor-tp) echo "floor: 2 syscall tracepoints (openat), empty" ;;
	floor-raw) echo "floor: raw_syscalls sys_enter + sys_exit, empty" ;;
	loupe) echo "loupe opensnoop (syscall tracepoints)" ;;
	loupe-raw) echo "loupe opensnoop, LOUPE_FORCE_HOOK=raw_tp" ;;
	lt) echo "libbpf-tools opensnoop" ;;
	esac
}

TARGET_TOKEN="wl-$TAG"
TARGET="$WORKDIR/$TARGET_TOKEN"
: > "$TARGET" || die "cannot create $TARGET"

# ------------------------------------------------------------- measure ---

run_workloads() {	# round variant
	local g
	wl_run "$1" "$2" getppid_ns getppid "$GETPPID"
	g=$(kv ns_per_call "$WLRES")
	wl_run "$1" "$2" open_ns run "$TARGET" "$OPS"
	log "$(printf '  %-10s getppid %s ns, open+close %s ns' "$2" "$g" "$(kv ns_per_op "$WLRES")")"
}

count_output() {	# round variant
	[[ $2 == floor-* ]] && return
	rec_delivery "$1" "$2" "$(grep -cF -- "$TARGET_TOKEN" "$OUT")"
}

# ------------------------------------------------------------------ run ---

LOUPE_VERSION=$("$LOUPE" -V 2>/dev/null | head -1)
watch_binaries "$LOUPE"
for v in "${RUN[@]}"; do
	[[ $v == loupe* ]] && { tracer_cmd "$v"; HOOKS[$v]="$(loupe_hooks "${TCMD[@]}") (its -v)"; }
done
have lt && HOOKS[lt]="tracepoint syscalls:sys_enter_openat + sys_exit_openat (libbpf-tools 0.26)"
HOOKS[none]="—"
log "syscalls benchmark: $ROUNDS rounds x ($GETPPID getppid + $OPS open+close), variants: ${RUN[*]}; $PIN_DESC"
log "work directory: $WORKDIR"

run_rounds
bench_done

# -------------------------------------------------------------- summary ---

TABLE=$(cost_table "ns per getppid (min / median)|mm|getppid_ns|1" "added|add|getppid_ns|1" \
	"ns per open+close (min / median)|mm|open_ns" "added|add|open_ns" \
	"delivered (median / worst round)|pct|delivered|$OPS" "lost, as reported (max)|lost")

RATIOS=""
if have none && have loupe && have lt; then
	RATIOS+="Added per open+close, loupe / libbpf-tools (medians): tracepoints $(ratio loupe lt open_ns none)"
	have loupe-raw && RATIOS+=", raw_syscalls $(ratio loupe-raw lt open_ns none)"
	RATIOS+=". "
fi
if have none && have loupe && have loupe-raw; then
	RATIOS+="loupe raw_syscalls / tracepoints, added per getppid $(ratio loupe-raw loupe getppid_ns none), per open+close $(ratio loupe-raw loupe open_ns none)."
fi

LOUPE_REV=$(git -C "$ROOT_DIR" rev-parse --short HEAD 2>/dev/null || echo "?")

EXPLAIN="Added: (variant − no tracer) of the per-round minimum and of the median. getppid is traced by none of them: what it pays is the price of the hook on every syscall. Delivered: lines naming the workload's file in the tracer's output ÷ $(fmt "$OPS"). Lost: what the tool itself reports (loupe: its stderr line \`E events, N lost (...)\`, whose reasons are in the notes; libbpf-tools: its \`Lost N events on CPU\` lines); \"not reported\": no such line."
ROUND_SPECS=(ns/getppid:getppid_ns ns/open+close:open_ns delivered:delivered lost:lost load:load)
LOAD_WHEN="before the getppid loop"
REPORT=$(cost_report "syscalls benchmark" \
	"workload per round and variant: $(fmt "$GETPPID") getppid (the raw syscall), then $(fmt "$OPS") openat+close of one existing file, each timed inside the workload (CLOCK_MONOTONIC around the loop); tracers' output into a file" \
	"loupe: ${LOUPE_VERSION:-version ?} (${LOUPE#"$ROOT_DIR"/}, sha256 ${WATCHED_SUM}…, repo at $LOUPE_REV); libbpf-tools $(version_of libbpf-tools); libbpf $(version_of libbpf1)" \
	"$(commands_item)")
write_report syscalls
