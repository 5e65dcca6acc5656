#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tcpconnect.sh - what tracing TCP connects costs: loupe's tcpconnect side
# by side with no tracer and the floor (empty programs on the hooks loupe
# uses: syscalls:sys_enter_connect / sys_exit_connect and raw_tp
# sock:inet_sock_set_state), in one run with interleaved rounds. The
# workload, on its own CPU, makes N loopback connections one after the
# other (socket, connect, accept, close both). libbpf-tools' tcpconnect and
# bpftrace's tcpconnect.bt are tried once: they need kprobes, which this
# kernel may not have (their message goes into the results). See
# bench/README.md.
#
# usage: bench/tcpconnect.sh [options]   (as root)
#   -r, --rounds N       rounds (default 5)
#   -n, --ops N          connections per round and variant (default 50000)
#       --variants LIST  comma-separated subset of: none,floor,loupe
#       --no-pin         do not pin (default: tracers and this script on CPU 0,
#                        the workload on CPU 1)
#       --foreign-wait S wait up to S seconds (default 300) before each
#                        measurement for other syscall or socket tracers to go
#       --quiet-wait S   wait up to S seconds (default 60, 0: don't) before
#                        each workload run until the rest of the machine uses
#       --quiet-pct P    at most P % (default 15) of one CPU
#       --no-install     do not apt-get install missing packages
#       --keep           keep the work directory (tracer outputs)
#   -o, --out FILE       results file (default bench/results/tcpconnect-<date>.md)
#   -h, --help
# Environment: LOUPE (default <repo>/build/tcpconnect), WORKDIR_BASE
# (default /tmp).

set -u -o pipefail

NAME=tcpconnect.sh
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OPS=50000
VARIANTS="none,floor,loupe"
LOUPE=${LOUPE:-$ROOT_DIR/build/tcpconnect}
LT=/usr/sbin/tcpconnect
BT_SCRIPT=/usr/sbin/tcpconnect.bt
FOREIGN_RE='^(sys_(enter|exit)|inet_sock_set_state|tcp_)'
FLOOR_HOOKS="tp:syscalls:sys_enter_connect,tp:syscalls:sys_exit_connect,rawtp:inet_sock_set_state"

extra_opt() {
	case $1 in
	-n|--ops) posint "$1" "${2-}"; OPS=$((10#$2)); OPT_SHIFT=2 ;;
	esac
}
parse_opts "$@"
check_variants none floor loupe

bench_setup tcp "libbpf-tools:[[ -x $LT ]]" "bpftrace:command -v bpftrace && [[ -r $BT_SCRIPT ]]"

RUN=()
for v in "${VLIST[@]}"; do
	case $v in
	none) DESC[$v]="(no tracer)"; HOOKS[$v]="—" ;;
	floor) DESC[$v]="bench/build/floor -m $FLOOR_HOOKS" ;;
	loupe)
		usable "$v" "$LOUPE" "run 'make' at the repo root" || continue
		DESC[$v]="${LOUPE#"$ROOT_DIR"/}"
		SAYS=$(loupe_hooks "$LOUPE") ;;
	esac
	RUN+=("$v")
done
(( ${#RUN[@]} )) || die "nothing to run"
watch_binaries "$LOUPE"

# The peers that need kprobes: does either attach here?
declare -A PEER_WHY
[[ -x $LT ]] && PEER_WHY[lt]=$(cannot_run "$LT")
command -v bpftrace >/dev/null && [[ -r $BT_SCRIPT ]] && PEER_WHY[bpftrace]=$(cannot_run bpftrace "$BT_SCRIPT")
[[ -x $LT ]] || note "libbpf-tools' tcpconnect not tried: no $LT"
{ command -v bpftrace >/dev/null && [[ -r $BT_SCRIPT ]]; } || note "bpftrace's tcpconnect.bt not tried: no bpftrace or no $BT_SCRIPT"
for p in lt bpftrace; do
	[[ -n ${PEER_WHY[$p]-} ]] && log "$p cannot run here: ${PEER_WHY[$p]}"
	# (kprobes work on this kernel: say so rather than leave it out silently)
	[[ -n ${PEER_WHY[$p]+set} && -z ${PEER_WHY[$p]} ]] &&
		note "$p attached here (this kernel has kprobes) but this script does not measure it: compare it by hand"
done

tracer_cmd() {	# variant -> TCMD, HOW
	case $1 in
	floor) TCMD=("$BUILD/floor" -m "$FLOOR_HOOKS"); HOW=out:attached ;;
	loupe) TCMD=("$LOUPE"); HOW="err:Tracing TCP" ;;
	esac
}

name_of() {
	case $1 in
	none) echo "no tracer" ;;
	floor) echo "floor: connect's tracepoints + inet_sock_set_state, empty programs" ;;
	loupe) echo "loupe tcpconnect" ;;
	lt) echo "libbpf-tools tcpconnect" ;;
	bpftrace) echo "bpftrace tcpconnect.bt" ;;
	esac
}

run_workloads() {	# round variant
	wl_run "$1" "$2" conn_ns connect "$OPS"
	PORT=$(kv port "$WLRES")
	log "$(printf '  %-6s %s ns per connection%s' "$2" "$(kv ns_per_op "$WLRES")" "${TPID:+, tracer CPU $TCPU_NS ns per connection}")"
}

count_output() {	# round variant
	[[ $2 == floor ]] && return
	# a connection's line has the listener's port (DPORT) as a field
	rec_delivery "$1" "$2" "$(count_field "$OUT" "$PORT")"
}

log "tcpconnect benchmark: $ROUNDS rounds x $OPS loopback connections, variants: ${RUN[*]}; $PIN_DESC"
log "work directory: $WORKDIR"
run_rounds
bench_done

# -------------------------------------------------------------- summary ---

derive conn_ns conn_us 1000
TABLE=$(
	cost_table "µs per connection (min / median)|mm|conn_us|2" "added ns per connection|add|conn_ns" \
		"tracer CPU per connection (median)|med|conn_ns_tcpu|0| ns" "delivered (median / worst round)|pct|delivered|$OPS" \
		"lost, as reported (max)|lost" "exit after SIGINT (median)|med|exit_ms|1| ms"
	for p in lt bpftrace; do
		[[ -n ${PEER_WHY[$p]-} ]] && echo "| $(name_of "$p") | cannot attach here: ${PEER_WHY[$p]//|/\\|} | — | — | — | — | — | — |"
	done
)

RATIOS=""
if have loupe && have floor && have none; then
	RATIOS="loupe / floor, added per connection (medians): $(ratio loupe floor conn_ns none)."
fi
[[ -n ${SAYS-} ]] && RATIOS+=" loupe's -v says: hooks: $SAYS."

EXPLAIN="µs per connection: the workload's time for its $(fmt "$OPS") connections ÷ $(fmt "$OPS"); added: variant − no tracer, of the per-round minimum and of the median. Tracer CPU: utime+stime of the tracer process from just before the workload until it is idle after it, ÷ $(fmt "$OPS") (clock-tick resolution: $(fmt "$(tick_ns "$OPS")") ns). Delivered: lines of the tracer's output with the listener's port as a field ÷ $(fmt "$OPS"). Lost: what the tool itself reports (its stderr line \`E events, N lost (...)\`, whose reasons are in the notes). Hooks: what \`bpftool perf show\` lists for the tracer's process (what it attached)."
ROUND_SPECS=("µs/connection:conn_us" "tracer ns/connection:conn_ns_tcpu" "attached ms:startup_ms" "delivered:delivered" "lost:lost" "exit ms:exit_ms" "load:load")
REPORT=$(cost_report "tcpconnect benchmark" \
	"workload per round and variant: $(fmt "$OPS") loopback connections one after the other (socket, blocking connect to a listener on 127.0.0.1, accept, close both; the client closes with SO_LINGER 0, a reset, so no TIME_WAIT piles up), timed inside the workload (CLOCK_MONOTONIC around the loop); tracers' output into a file" \
	"$(versions_item "$LOUPE")" "$(commands_item); tried once: $(code_list "$LT" "bpftrace $BT_SCRIPT")")
write_report tcpconnect
