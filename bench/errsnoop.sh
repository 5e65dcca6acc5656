#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# errsnoop.sh - what tracing failed syscalls costs: loupe's errsnoop (per
# event and -c) side by side with no tracer, the floor (an empty raw_tp
# program on raw_syscalls:sys_exit, errsnoop's hook) and libbpf-tools'
# `syscount -x`, in one run with interleaved rounds. Two workloads on their
# own CPU: a getppid loop in which nothing fails (the price of the hook on
# every syscall), then a storm of failing opens (ENOENT): their cost, what
# each tool delivered or counted, and its losses. See bench/README.md.
#
# usage: bench/errsnoop.sh [options]   (as root)
#   -r, --rounds N       rounds (default 5)
#   -g, --getppid N      getppid calls per round and variant (default 3000000)
#   -n, --fails N        failing opens per round and variant (default 200000)
#       --variants LIST  comma-separated subset of: none,floor,loupe,
#                        loupe-count,lt
#       --no-pin         do not pin (default: tracers and this script on CPU 0,
#                        the workload on CPU 1)
#       --foreign-wait S wait up to S seconds (default 300) before each
#                        measurement for other syscall tracers to go
#       --quiet-wait S   wait up to S seconds (default 60, 0: don't) before
#                        each workload run until the rest of the machine uses
#       --quiet-pct P    at most P % (default 15) of one CPU
#       --no-install     do not apt-get install missing packages
#       --keep           keep the work directory (tracer outputs)
#   -o, --out FILE       results file (default bench/results/errsnoop-<date>.md)
#   -h, --help
# Environment: LOUPE (default <repo>/build/errsnoop), WORKDIR_BASE
# (default /tmp).

set -u -o pipefail

NAME=errsnoop.sh
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GETPPID=3000000
FAILS=200000
VARIANTS="none,floor,loupe,loupe-count,lt"
LOUPE=${LOUPE:-$ROOT_DIR/build/errsnoop}
LT=/usr/sbin/syscount
FOREIGN_RE='^sys_(enter|exit)'	# other programs on syscalls distort both loops

extra_opt() {
	case $1 in
	-g|--getppid) posint "$1" "${2-}"; GETPPID=$((10#$2)); OPT_SHIFT=2 ;;
	-n|--fails) posint "$1" "${2-}"; FAILS=$((10#$2)); OPT_SHIFT=2 ;;
	esac
}
parse_opts "$@"
check_variants none floor loupe loupe-count lt

bench_setup err "libbpf-tools:[[ -x $LT ]]" "coreutils:command -v stdbuf"

RUN=()
for v in "${VLIST[@]}"; do
	case $v in
	none) DESC[$v]="(no tracer)"; HOOKS[$v]="—" ;;
	floor) DESC[$v]="bench/build/floor -m rawexit"; HOOKS[$v]="raw_tp raw_syscalls:sys_exit (empty program)" ;;
	loupe|loupe-count)
		usable "$v" "$LOUPE" "run 'make' at the repo root" || continue
		DESC[$v]="${LOUPE#"$ROOT_DIR"/}"
		[[ $v == loupe-count ]] && DESC[$v]+=" -c"
		HOOKS[$v]="$(loupe_hooks "$LOUPE") (its -v)" ;;
	lt)
		usable "$v" "$LT" "apt-get install libbpf-tools" || continue
		DESC[$v]="$LT -x" ;;
	esac
	RUN+=("$v")
done
(( ${#RUN[@]} )) || die "nothing to run"
watch_binaries "$LOUPE"

# The failing opens: a path that does not exist, opened by a workload
# whose name (comm) is TOKEN
TOKEN="er-$TAG"
MISSING="$WORKDIR/missing-$TAG"

tracer_cmd() {	# variant -> TCMD, HOW
	case $1 in
	floor) TCMD=("$BUILD/floor" -m rawexit); HOW=out:attached ;;
	loupe) TCMD=("$LOUPE"); HOW="err:Tracing failed" ;;
	loupe-count) TCMD=("$LOUPE" -c); HOW="err:Tracing failed" ;;
	# (its "Tracing" line must reach the file before it exits)
	lt) TCMD=(stdbuf -oL "$LT" -x); HOW="out:Tracing syscalls" ;;
	esac
}

name_of() {
	case $1 in
	none) echo "no tracer" ;;
	floor) echo "floor: raw_syscalls sys_exit, empty" ;;
	loupe) echo "loupe errsnoop" ;;
	loupe-count) echo "loupe errsnoop -c" ;;
	lt) echo "libbpf-tools syscount -x" ;;
	esac
}

run_workloads() {	# round variant
	local g
	wl_run "$1" "$2" getppid_ns getppid "$GETPPID"
	g=$(kv ns_per_call "$WLRES")
	wl_run "$1" "$2" fail_ns --comm "$TOKEN" fail "$MISSING" "$FAILS"
	log "$(printf '  %-11s getppid %s ns, failing open %s ns%s' "$2" "$g" "$(kv ns_per_op "$WLRES")" "${TPID:+, tracer CPU $TCPU_NS ns per failing open}")"
}

count_output() {	# round variant
	case $2 in
	# one line per failure of the workload (its name is TOKEN)
	loupe) rec_delivery "$1" "$2" "$(count_field "$OUT" "$TOKEN")" ;;
	# the count of openat ENOENT, all processes ("COUNT SYSCALL ERRNO")
	loupe-count) rec_delivery "$1" "$2" "$(awk '$2 == "openat" && $3 == "ENOENT" { n += $1 } END { print n + 0 }' "$OUT")" ;;
	# the count of failed openat, all processes ("SYSCALL COUNT")
	lt) rec_delivery "$1" "$2" "$(awk '$1 == "openat" { n += $2 } END { print n + 0 }' "$OUT")" ;;
	esac
}

log "errsnoop benchmark: $ROUNDS rounds x ($GETPPID getppid + $FAILS failing opens), variants: ${RUN[*]}; $PIN_DESC"
log "work directory: $WORKDIR"
run_rounds
bench_done

# -------------------------------------------------------------- summary ---

TABLE=$(cost_table "ns per getppid (min / median)|mm|getppid_ns|1" "added|add|getppid_ns|1" \
	"ns per failing open (min / median)|mm|fail_ns" "added|add|fail_ns" "tracer CPU per failing open (median)|med|fail_ns_tcpu|0| ns" \
	"delivered or counted (median / worst round)|pct|delivered|$FAILS" "lost, as reported (max)|lost" "exit after SIGINT (median)|med|exit_ms|1| ms")

RATIOS=""
if have none && have lt; then
	for v in loupe loupe-count; do
		have "$v" || continue
		RATIOS+="$(name_of "$v") / $(name_of lt) (medians): added per getppid $(ratio "$v" lt getppid_ns none), per failing open $(ratio "$v" lt fail_ns none), tracer CPU per failing open $(ratio "$v" lt fail_ns_tcpu). "
	done
fi
if have none && have floor && have loupe; then
	RATIOS+="loupe errsnoop / floor, added per getppid: $(ratio loupe floor getppid_ns none)."
fi

EXPLAIN="Added: variant − no tracer, of the per-round minimum and of the median. getppid never fails: what it pays is the price of the hook on every syscall of the machine. Tracer CPU: utime+stime of the tracer process from just before the failing opens until it is idle after them, ÷ $(fmt "$FAILS") (clock-tick resolution: $(fmt "$(tick_ns "$FAILS")") ns). Delivered (errsnoop): its lines for the workload (named $TOKEN) ÷ $(fmt "$FAILS"). Counted (errsnoop -c: its openat ENOENT row; syscount -x: its openat row): a count of every process's failures, so a little over 100% when others failed an openat meanwhile. Lost: what the tool itself reports (loupe: its stderr line \`E events, N lost (...)\`, whose reasons are in the notes); \"not reported\": no such line (syscount counts in the kernel: nothing to lose)."
ROUND_SPECS=("ns/getppid:getppid_ns" "ns/failing open:fail_ns" "tracer ns/failing open:fail_ns_tcpu" "attached ms:startup_ms" "delivered or counted:delivered" "lost:lost" "exit ms:exit_ms" "load:load")
LOAD_WHEN="before the getppid loop"
REPORT=$(cost_report "errsnoop benchmark" \
	"workload per round and variant: $(fmt "$GETPPID") getppid (the raw syscall; nothing fails), then $(fmt "$FAILS") openat of a path that does not exist (ENOENT) by a workload named $TOKEN, each timed inside the workload (CLOCK_MONOTONIC around the loop); tracers' output into a file" \
	"$(versions_item "$LOUPE")" "$(commands_item)")
write_report errsnoop
