#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# execsnoop.sh - what tracing execs costs: loupe's execsnoop side by side
# with no tracer, the floor (empty programs on loupe's hooks),
# libbpf-tools' execsnoop and bpftrace's execsnoop.bt, in one run with
# interleaved rounds. The workload, on its own CPU, forks and execs
# /bin/true N times one after the other (an exec storm); per variant: the
# wall time per exec, the tracer's CPU per exec, the execs delivered and
# the losses the tool reports. See bench/README.md.
#
# usage: bench/execsnoop.sh [options]   (as root)
#   -r, --rounds N       rounds (default 5)
#   -n, --execs N        fork+exec+wait per round and variant (default 10000)
#       --variants LIST  comma-separated subset of: none,floor,loupe,lt,bpftrace
#       --no-pin         do not pin (default: tracers and this script on CPU 0,
#                        the workload and its children on CPU 1)
#       --foreign-wait S wait up to S seconds (default 300) before each
#                        measurement for other tracers of execs to detach
#       --quiet-wait S   wait up to S seconds (default 60, 0: don't) before
#                        each workload run until the rest of the machine uses
#       --quiet-pct P    at most P % (default 15) of one CPU
#       --no-install     do not apt-get install missing packages
#       --keep           keep the work directory (tracer outputs)
#   -o, --out FILE       results file (default bench/results/execsnoop-<date>.md)
#   -h, --help
# Environment: LOUPE (default <repo>/build/execsnoop), WORKDIR_BASE
# (default /tmp).

set -u -o pipefail

NAME=execsnoop.sh
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EXECS=10000
PROG=/bin/true
VARIANTS="none,floor,loupe,lt,bpftrace"
LOUPE=${LOUPE:-$ROOT_DIR/build/execsnoop}
LT=/usr/sbin/execsnoop
BT_SCRIPT=/usr/sbin/execsnoop.bt
FOREIGN_RE='^(sys_(enter|exit)(_exec|$)|sched_process_exec)'	# other tracers of execs
FLOOR_HOOKS="tp:syscalls:sys_enter_execve,tp:syscalls:sys_exit_execve,tp:syscalls:sys_enter_execveat,tp:syscalls:sys_exit_execveat,rawtp:sched_process_exec"

extra_opt() {
	case $1 in
	-n|--execs) posint "$1" "${2-}"; EXECS=$((10#$2)); OPT_SHIFT=2 ;;
	esac
}
parse_opts "$@"
check_variants none floor loupe lt bpftrace

bench_setup exec "libbpf-tools:[[ -x $LT ]]" "bpftrace:command -v bpftrace && [[ -r $BT_SCRIPT ]]"

RUN=()
for v in "${VLIST[@]}"; do
	case $v in
	none) DESC[$v]="(no tracer)"; HOOKS[$v]="—" ;;
	floor) DESC[$v]="bench/build/floor -m $FLOOR_HOOKS"
		HOOKS[$v]="tracepoint syscalls:sys_{enter,exit}_{execve,execveat} + raw_tp sched_process_exec (empty programs)" ;;
	loupe)
		usable "$v" "$LOUPE" "run 'make' at the repo root" || continue
		DESC[$v]="${LOUPE#"$ROOT_DIR"/}"
		HOOKS[$v]="$(loupe_hooks "$LOUPE") (its -v)" ;;
	lt)
		usable "$v" "$LT" "apt-get install libbpf-tools" || continue
		DESC[$v]="$LT" ;;
	bpftrace)
		usable "$v" "$(command -v bpftrace)" "apt-get install bpftrace" || continue
		[[ -r $BT_SCRIPT ]] || { note "$v skipped: no $BT_SCRIPT"; continue; }
		DESC[$v]="bpftrace $BT_SCRIPT" ;;
	esac
	RUN+=("$v")
done
(( ${#RUN[@]} )) || die "nothing to run"
watch_binaries "$LOUPE"

# Every exec of the workload names this token (its argument)
TOKEN="ex-$TAG"

tracer_cmd() {	# variant -> TCMD, HOW
	HOW="exec"	# the first of the probe execs (/bin/true PREFIX<k>) it reports
	case $1 in
	floor) TCMD=("$BUILD/floor" -m "$FLOOR_HOOKS"); HOW=out:attached ;;
	loupe) TCMD=("$LOUPE") ;;
	lt) TCMD=("$LT") ;;
	bpftrace) TCMD=(bpftrace "$BT_SCRIPT") ;;
	esac
}

name_of() {
	case $1 in
	none) echo "no tracer" ;;
	floor) echo "floor: loupe's hooks, empty programs" ;;
	loupe) echo "loupe execsnoop" ;;
	lt) echo "libbpf-tools execsnoop" ;;
	bpftrace) echo "bpftrace execsnoop.bt" ;;
	esac
}

run_workloads() {	# round variant
	wl_run "$1" "$2" exec_ns exec "$PROG" "$EXECS" "$TOKEN"
	[[ $(kv failed "$WLRES") == 0 ]] || note "round $1, $2: $(kv failed "$WLRES") of the execs failed"
	log "$(printf '  %-9s %s ns per exec%s' "$2" "$(kv ns_per_op "$WLRES")" "${TPID:+, tracer CPU $TCPU_NS ns per exec}")"
}

count_output() {	# round variant
	[[ $2 == floor ]] && return
	# the execs' arguments ("/bin/true TOKEN"), not the workload's own
	rec_delivery "$1" "$2" "$(grep -cF -- "$PROG $TOKEN" "$OUT")"
}

log "execsnoop benchmark: $ROUNDS rounds x $EXECS execs of $PROG, variants: ${RUN[*]}; $PIN_DESC"
log "work directory: $WORKDIR"
run_rounds
bench_done

# -------------------------------------------------------------- summary ---

derive exec_ns exec_us 1000
derive exec_ns_tcpu exec_tcpu_us 1000

TABLE=$(cost_table "µs per exec (min / median)|mm|exec_us|1" "added µs per exec|add|exec_us|1" \
	"tracer CPU per exec (median)|med|exec_tcpu_us|1| µs" "delivered (median / worst round)|pct|delivered|$EXECS" \
	"lost, as reported (max)|lost" "exit after SIGINT (median)|med|exit_ms|1| ms")
RATIOS=""
for p in lt bpftrace; do
	if ! have loupe || ! have none || ! have "$p"; then continue; fi
	RATIOS+="loupe / $(name_of "$p") (medians): added per exec $(ratio loupe "$p" exec_us none), tracer CPU per exec $(ratio loupe "$p" exec_tcpu_us), delivered $(ratio loupe "$p" delivered). "
done
have loupe && have floor && have none &&
	RATIOS+="loupe / floor, added per exec: $(ratio loupe floor exec_us none)."

EXPLAIN="µs per exec: the workload's time for its $(fmt "$EXECS") fork+exec+wait ÷ $(fmt "$EXECS") (the child's exec of $PROG and its exit included); added: variant − no tracer, of the per-round minimum and of the median. Tracer CPU: utime+stime of the tracer process from just before the workload until it is idle after it, ÷ $(fmt "$EXECS") (clock-tick resolution: $(fmt "$(tick_ns "$EXECS")") ns). Delivered: lines with \`$PROG $TOKEN\` in the tracer's output ÷ $(fmt "$EXECS"). Lost: what the tool itself reports (loupe: its stderr line \`E events, N lost (...)\`, whose reasons are in the notes; libbpf-tools: its \`Lost N events on CPU\` lines; bpftrace: \`Lost N events\`); \"not reported\": no such line."
ROUND_SPECS=("µs/exec:exec_us" "tracer µs/exec:exec_tcpu_us" "attached ms:startup_ms" "delivered:delivered" "lost:lost" "exit ms:exit_ms" "load:load")
REPORT=$(cost_report "execsnoop benchmark" \
	"workload per round and variant: $(fmt "$EXECS") x (fork, execve($PROG, {$PROG, $TOKEN}), waitpid), one after the other, timed inside the workload (CLOCK_MONOTONIC around the loop); tracers' output into a file" \
	"$(versions_item "$LOUPE")" "$(commands_item)")
write_report execsnoop
