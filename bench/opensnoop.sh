#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# opensnoop.sh - loupe's opensnoop side by side with the BPF floor,
# libbpf-tools' opensnoop and bpftrace's opensnoop.bt, in one run with
# interleaved rounds. See bench/README.md for what each metric means.
#
# usage: bench/opensnoop.sh [options]   (as root)
#   -r, --rounds N       rounds (default 5)
#   -n, --ops N          open+close calls per round and variant (default 300000)
#   -l, --lone N         lone-event samples per round and variant (default 3)
#       --rate R         pace the workload at R opens/s (default: as fast as possible)
#       --variants LIST  comma-separated subset of: none,floor,loupe,libbpf-tools,bpftrace
#       --no-pin         do not pin (default: tracers and this script on CPU 0,
#                        the workload on CPU 1)
#       --foreign-wait S wait up to S seconds (default 600) before each
#                        measurement for other BPF tracers to detach
#       --quiet-wait S   wait up to S seconds (default 300, 0: don't) before
#                        each measurement until the rest of the machine uses
#       --quiet-pct P    at most P % (default 15) of one CPU
#       --no-install     do not apt-get install missing packages
#       --keep           keep the work directory (tracer outputs)
#   -o, --out FILE       results file (default bench/results/opensnoop-<date>.md)
#   -h, --help
# Environment: LOUPE (default <repo>/build/opensnoop), LOUPE_ARGS (extra
# options for it), WORKDIR_BASE (default /tmp).

set -u -o pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)
BUILD="$BENCH_DIR/build"
WORKLOAD="$BUILD/workload"

ROUNDS=5
OPS=300000
LONE=3
RATE=0
VARIANTS="none,floor,loupe,libbpf-tools,bpftrace"
PIN=1
INSTALL=1
KEEP=0
OUTFILE=""
LOUPE=${LOUPE:-$ROOT_DIR/build/opensnoop}
LOUPE_ARGS=${LOUPE_ARGS:-}
LIBBPF_TOOLS_OPENSNOOP=/usr/sbin/opensnoop
BPFTRACE_SCRIPT=/usr/sbin/opensnoop.bt

TRACER_CPU=0
WORKLOAD_CPU=1
ATTACH_TIMEOUT_MS=30000
LONE_TIMEOUT_MS=2000
EXIT_TIMEOUT_S=15
DRAIN_TIMEOUT_S=60
FOREIGN_WAIT_S=600
QUIET_WAIT_S=300
QUIET_PCT=15

die() { echo "opensnoop.sh: $*" >&2; exit 1; }
usage() { sed -n '/^# usage:/,/^# options for/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
log() { printf '%s\n' "$*" >&2; }

posint() { [[ $2 =~ ^[0-9]+$ ]] && (( 10#$2 > 0 )) || { echo "opensnoop.sh: $1: not a positive integer: '$2'" >&2; exit 2; }; }

ORIG_ARGS="$*"
while (( $# )); do
	case $1 in
	-r|--rounds) posint "$1" "${2-}"; ROUNDS=$((10#$2)); shift 2 ;;
	-n|--ops) posint "$1" "${2-}"; OPS=$((10#$2)); shift 2 ;;
	-l|--lone) posint "$1" "${2-}"; LONE=$((10#$2)); shift 2 ;;
	--rate) posint "$1" "${2-}"; RATE=$((10#$2)); shift 2 ;;
	--variants) [[ -n ${2-} ]] || { echo "opensnoop.sh: $1 needs a list" >&2; exit 2; }; VARIANTS=$2; shift 2 ;;
	--no-pin) PIN=0; shift ;;
	--quiet-wait) [[ ${2-} =~ ^[0-9]+$ ]] || { echo "opensnoop.sh: $1: not a number: '${2-}'" >&2; exit 2; }; QUIET_WAIT_S=$((10#$2)); shift 2 ;;
	--quiet-pct) [[ ${2-} =~ ^[0-9]+$ ]] || { echo "opensnoop.sh: $1: not a number: '${2-}'" >&2; exit 2; }; QUIET_PCT=$((10#$2)); shift 2 ;;
	--foreign-wait) [[ ${2-} =~ ^[0-9]+$ ]] || { echo "opensnoop.sh: $1: not a number: '${2-}'" >&2; exit 2; }; FOREIGN_WAIT_S=$((10#$2)); shift 2 ;;
	--no-install) INSTALL=0; shift ;;
	--keep) KEEP=1; shift ;;
	-o|--out) [[ -n ${2-} ]] || { echo "opensnoop.sh: $1 needs a file" >&2; exit 2; }; OUTFILE=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "opensnoop.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done

IFS=, read -r -a VLIST <<< "$VARIANTS"
for v in "${VLIST[@]}"; do
	case $v in none|floor|loupe|libbpf-tools|bpftrace) ;;
	*) echo "opensnoop.sh: unknown variant '$v'" >&2; exit 2 ;;
	esac
done

(( EUID == 0 )) || die "must run as root (BPF, tracefs)"

NOTES=()
note() { NOTES+=("$*"); log "note: $*"; }

# ---------------------------------------------------------------- setup ---

ensure_packages() {
	local missing=()
	command -v make >/dev/null || missing+=(make)
	command -v cc >/dev/null || missing+=(gcc)
	command -v clang >/dev/null || missing+=(clang)
	command -v pkg-config >/dev/null || missing+=(pkg-config)
	pkg-config --exists libbpf 2>/dev/null || missing+=(libbpf-dev)
	[[ -e /usr/include/gelf.h ]] || missing+=(libelf-dev)
	command -v taskset >/dev/null || missing+=(util-linux)
	command -v bpftool >/dev/null || missing+=(bpftool)
	[[ -x $LIBBPF_TOOLS_OPENSNOOP ]] || missing+=(libbpf-tools)
	{ command -v bpftrace >/dev/null && [[ -r $BPFTRACE_SCRIPT ]]; } || missing+=(bpftrace)
	(( ${#missing[@]} )) || return 0
	if (( ! INSTALL )); then
		log "missing packages: ${missing[*]} (--no-install given)"
		return 0
	fi
	log "installing: ${missing[*]}"
	apt-get update -qq >&2 || log "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2 ||
		log "apt-get install failed for some of: ${missing[*]}"
}

ensure_tracefs() {
	if [[ -d /sys/kernel/tracing/events/syscalls ]] ||
	   [[ -d /sys/kernel/debug/tracing/events/syscalls ]]; then
		return 0
	fi
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null ||
		die "tracefs is not mounted and mounting it on /sys/kernel/tracing failed"
	note "tracefs was not mounted; mounted it on /sys/kernel/tracing (left mounted)"
}

ensure_packages
ensure_tracefs
make -s -C "$BENCH_DIR" >&2 || die "building bench/ failed"
[[ -x $WORKLOAD && -x $BUILD/floor && -r $BUILD/floor.bpf.o ]] || die "bench/build is incomplete"

# Which variants can run.
declare -A CMD_DESC
RUN=()
for v in "${VLIST[@]}"; do
	case $v in
	none) CMD_DESC[$v]="(no tracer)" ;;
	floor) CMD_DESC[$v]="bench/build/floor" ;;
	loupe)
		if [[ ! -x $LOUPE ]]; then
			note "loupe skipped: $LOUPE not found (build it with 'make' at the repo root)"
			continue
		fi
		CMD_DESC[$v]="${LOUPE#"$ROOT_DIR"/}${LOUPE_ARGS:+ $LOUPE_ARGS}" ;;
	libbpf-tools)
		if [[ ! -x $LIBBPF_TOOLS_OPENSNOOP ]]; then
			note "libbpf-tools skipped: $LIBBPF_TOOLS_OPENSNOOP not found (apt-get install libbpf-tools)"
			continue
		fi
		CMD_DESC[$v]="$LIBBPF_TOOLS_OPENSNOOP" ;;
	bpftrace)
		if ! command -v bpftrace >/dev/null || [[ ! -r $BPFTRACE_SCRIPT ]]; then
			note "bpftrace skipped: bpftrace or $BPFTRACE_SCRIPT not found (apt-get install bpftrace)"
			continue
		fi
		CMD_DESC[$v]="bpftrace $BPFTRACE_SCRIPT" ;;
	esac
	RUN+=("$v")
done
(( ${#RUN[@]} )) || die "nothing to run"

tracer_cmd() {	# variant -> TCMD array
	case $1 in
	floor) TCMD=("$BUILD/floor") ;;
	loupe) read -r -a TCMD <<< "$LOUPE_ARGS"; TCMD=("$LOUPE" "${TCMD[@]}") ;;
	libbpf-tools) TCMD=("$LIBBPF_TOOLS_OPENSNOOP") ;;
	bpftrace) TCMD=(bpftrace "$BPFTRACE_SCRIPT") ;;
	esac
}

short() {
	case $1 in none) echo n ;; floor) echo f ;; loupe) echo l ;; libbpf-tools) echo lt ;; bpftrace) echo bt ;; esac
}

WORKDIR=$(mktemp -d "${WORKDIR_BASE:-/tmp}/loupe-bench.XXXXXX") || die "mktemp failed"
CLEANUP_PIDS=()
cleanup() {
	local p
	for p in "${CLEANUP_PIDS[@]}"; do
		kill -INT "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	(( KEEP )) || rm -rf "$WORKDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

TARGET_TOKEN="wl-${WORKDIR##*.}"
TARGET="$WORKDIR/$TARGET_TOKEN"
: > "$TARGET" || die "cannot create $TARGET"
RAW="$WORKDIR/raw.tsv"
: > "$RAW"
CLK_TCK=$(getconf CLK_TCK)

if (( PIN )); then
	taskset -pc "$TRACER_CPU" $$ >/dev/null || die "taskset failed"
	WL=(taskset -c "$WORKLOAD_CPU" "$WORKLOAD")
	PIN_DESC="tracers (and this script) pinned to CPU $TRACER_CPU, workload to CPU $WORKLOAD_CPU"
else
	WL=("$WORKLOAD")
	PIN_DESC="no pinning"
fi

rec() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$RAW"; }	# round variant metric value

# utime+stime of a process, in clock ticks
cpu_ticks() {
	local line rest
	read -r line < "/proc/$1/stat" 2>/dev/null || { echo 0; return; }
	rest=${line##*) }
	set -- $rest
	echo $(( ${12} + ${13} ))
}

vmhwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# Wait until the tracer is idle: at most 1 clock tick of CPU in 200 ms.
wait_idle() {
	local pid=$1 a b i
	a=$(cpu_ticks "$pid")
	for (( i = 0; i < DRAIN_TIMEOUT_S * 10; i++ )); do
		sleep 0.2
		b=$(cpu_ticks "$pid")
		(( b - a <= 1 )) && return 0
		a=$b
	done
	return 1
}

# BPF programs on syscall tracepoints that are not ours: other tracers of
# system calls running during the benchmark distort it. Looks at
# perf-event attachments (classic tracepoints: bpftool perf) and raw
# tracepoint links (bpftool link). Prints "name[pid] ...", nothing if none.
foreign_tracers() {
	local self=${1:-none}
	command -v bpftool >/dev/null || return 0
	{
		bpftool perf show 2>/dev/null |
			awk -v self="$self" '$1 == "pid" && $2 != self && $NF ~ /^sys_(enter|exit)/ { print $NF "[" $2 "]" }'
		bpftool link show 2>/dev/null |
			awk -v self="$self" '
				function flush() {
					if (type == "raw_tracepoint" && tp ~ /^sys_(enter|exit)/ && pid != self)
						print "raw:" tp "[" pid "]"
					type = ""; tp = ""; pid = "?"
				}
				/^[0-9]+: / { flush(); type = $2 }
				/^[ \t]+tp / { tp = $2; gsub(/\047/, "", tp) }
				/^[ \t]+pids / { pid = $2; sub(/^[^(]*\(/, "", pid); sub(/\).*/, "", pid) }
				END { flush() }'
	} | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# Before a measurement: wait (up to --foreign-wait seconds) until no other
# tracer is attached.
wait_quiet() {	# round variant
	local f i
	f=$(foreign_tracers)
	[[ -z $f ]] && return 0
	log "  (waiting for other tracers to detach: $f)"
	for (( i = 0; i < FOREIGN_WAIT_S * 2; i++ )); do
		sleep 0.5
		f=$(foreign_tracers)
		[[ -z $f ]] && return 0
	done
	rec "$1" "$2" foreign "$f"
	note "round $1, $2: measured with other BPF tracers attached: $f"
}

# After a measurement: did another tracer attach meanwhile?
check_foreign() {	# round variant [tracer pid]
	local f
	f=$(foreign_tracers "${3-}")
	if [[ -n $f ]]; then
		rec "$1" "$2" foreign "$f"
		note "round $1, $2: other BPF tracers attached at the end of the measurement: $f"
	fi
}

# Lost counts the tools report themselves.
reported_lost() {	# variant out err
	case $1 in
	libbpf-tools) cat "$3" ;;
	bpftrace) cat "$2" "$3" ;;
	*) cat "$3" ;;
	esac | awk '
		# "N lost" (loupe: "opensnoop: E events, N lost (...)") or "Lost N" (peers)
		match($0, /[0-9]+ +(events +)?lost/) { x = substr($0, RSTART, RLENGTH); sub(/ .*/, "", x); s += x; n++; next }
		match($0, /[Ll]ost:? +[0-9]+/) { x = substr($0, RSTART, RLENGTH); sub(/^[^0-9]*/, "", x); s += x; n++ }
		END { if (n) print s; else print "-" }'
}

# SIGINT the tracer and wait for it: sets EXIT_MS and STOP_RC
stop_tracer() {
	local pid=$1 t0 t1 wd
	( s=; trap 'kill $s 2>/dev/null; exit 0' TERM; sleep "$EXIT_TIMEOUT_S" & s=$!; wait $s; kill -KILL "$pid" 2>/dev/null ) &
	wd=$!
	t0=$EPOCHREALTIME
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	STOP_RC=$?
	t1=$EPOCHREALTIME
	kill -TERM "$wd" 2>/dev/null
	wait "$wd" 2>/dev/null
	EXIT_MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
}

# busy clock ticks of all CPUs together (no fork: bash builtins only)
sys_busy_ticks() {
	local cpu u n s i w irq sirq st rest
	read -r cpu u n s i w irq sirq st rest < /proc/stat
	echo $(( u + n + s + irq + sirq + st ))
}

# Before a measurement: wait (up to --quiet-wait seconds) until the rest of
# the machine uses at most --quiet-pct % of one CPU over one second.
wait_system_quiet() {	# round variant
	local a b used i waited=0
	(( QUIET_WAIT_S > 0 )) || return 0
	for (( i = 0; i < QUIET_WAIT_S; i++ )); do
		a=$(sys_busy_ticks)
		sleep 1
		b=$(sys_busy_ticks)
		used=$(( (b - a) * 100 / CLK_TCK ))
		(( used <= QUIET_PCT )) && return 0
		if (( !waited )); then
			log "  (waiting for the machine to be quiet: others use ${used}% of a CPU)"
			waited=1
		fi
	done
	note "round $1, $2: measured on a busy machine (others used ${used}% of a CPU just before)"
}

# The measured workload. Sets WL_NS (ns per open+close) and WL_OTHER (CPU
# time used meanwhile by everything but the workload and the tracer, in %
# of one CPU).
run_workload() {	# [tracer pid]
	local pid=${1-} b0 b1 t0=0 t1=0 line kv el=0 cu=0
	WL_NS=""; WL_OTHER=""
	b0=$(sys_busy_ticks)
	[[ -n $pid ]] && t0=$(cpu_ticks "$pid")
	if (( RATE )); then
		"${WL[@]}" run "$TARGET" "$OPS" "$RATE" > "$WORKDIR/wl.out" || return 1
	else
		"${WL[@]}" run "$TARGET" "$OPS" > "$WORKDIR/wl.out" || return 1
	fi
	[[ -n $pid ]] && t1=$(cpu_ticks "$pid")
	b1=$(sys_busy_ticks)
	read -r line < "$WORKDIR/wl.out"
	for kv in $line; do
		case ${kv%%=*} in
		ns_per_op) WL_NS=${kv#*=} ;;
		elapsed_ns) el=${kv#*=} ;;
		cpu_us) cu=${kv#*=} ;;
		esac
	done
	WL_OTHER=$(awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) -v cu="$cu" -v el="$el" -v hz="$CLK_TCK" \
		'BEGIN { if (el <= 0) exit; o = (b - t) / hz - cu / 1e6; if (o < 0) o = 0; printf "%.0f", 100 * o / (el / 1e9) }')
	[[ -n $WL_NS ]]
}

measure_none() {	# round
	local r=$1
	wait_quiet "$r" none
	wait_system_quiet "$r" none
	rec "$r" none load "$(cut -d' ' -f1 /proc/loadavg)"
	run_workload || { note "round $r, none: workload failed"; return; }
	check_foreign "$r" none
	rec "$r" none nsop "$WL_NS"
	rec "$r" none other_pct "$WL_OTHER"
	log "  none          $WL_NS ns/op (others ${WL_OTHER}% of a CPU)"
}

loupe_sum() { sha256sum "$LOUPE" 2>/dev/null | cut -c1-12; }

measure_tracer() {	# round variant
	local r=$1 v=$2 s out err pid t0 res a b ns i lat exit_ms delivered lost rss sum
	if [[ $v == loupe ]]; then
		sum=$(loupe_sum)
		if [[ $sum != "$LOUPE_SUM" ]]; then
			note "round $r: $LOUPE changed during the run (sha256 $LOUPE_SUM -> $sum): rounds measured different builds"
			LOUPE_SUM=$sum
		fi
	fi
	s=$(short "$v")
	wait_quiet "$r" "$v"
	rec "$r" "$v" load "$(cut -d' ' -f1 /proc/loadavg)"
	out="$WORKDIR/$v.r$r.out"
	err="$WORKDIR/$v.r$r.err"
	tracer_cmd "$v"

	# (a plain '&' would start it with SIGINT ignored)
	t0=$EPOCHREALTIME
	( trap - INT QUIT; exec "${TCMD[@]}" ) > "$out" 2> "$err" &
	pid=$!
	CLEANUP_PIDS=("$pid")

	# start-up: until the tracer's output shows an open made after exec
	if [[ $v == floor ]]; then
		res=$("${WL[@]}" wait "$out" "attached" "$t0" "$ATTACH_TIMEOUT_MS" "$pid")
		res=${res#visible_ms=}
	else
		res=$("${WL[@]}" attach "$WORKDIR/p-$s-$r-" "$out" "$t0" "$ATTACH_TIMEOUT_MS" "$pid")
		rec "$r" "$v" visible_ms "$(sed -n 's/.*visible_ms=\([^ ]*\).*/\1/p' <<< "$res")"
		res=$(sed -n 's/^attach_ms=\([^ ]*\).*/\1/p' <<< "$res")
	fi
	if [[ ! $res =~ ^[0-9.]+$ ]]; then
		note "round $r, $v: not attached ($res); stderr: $(head -c 300 "$err" | tr '\n' ' ')"
		kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
		CLEANUP_PIDS=()
		return
	fi
	rec "$r" "$v" startup_ms "$res"

	# lone events into an idle tracer
	if [[ $v != floor ]]; then
		for (( i = 1; i <= LONE; i++ )); do
			wait_idle "$pid"
			sleep 0.1
			lat=$("${WL[@]}" lone "$WORKDIR/lone-$s-$r-$i" "$out" "$LONE_TIMEOUT_MS")
			lat=${lat#latency_us=}
			if [[ $lat =~ ^[0-9]+$ ]]; then
				rec "$r" "$v" lone_ms "$(awk -v u="$lat" 'BEGIN { printf "%.3f", u / 1000 }')"
			else
				rec "$r" "$v" lone_ms timeout
			fi
		done
	fi

	# the measured workload
	wait_idle "$pid" || note "round $r, $v: tracer not idle before the workload"
	wait_system_quiet "$r" "$v"
	a=$(cpu_ticks "$pid")
	if run_workload "$pid"; then
		ns=$WL_NS
	else
		note "round $r, $v: workload failed"; ns=""
	fi
	wait_idle "$pid" || note "round $r, $v: tracer still busy ${DRAIN_TIMEOUT_S}s after the workload"
	check_foreign "$r" "$v" "$pid"
	b=$(cpu_ticks "$pid")
	rss=$(vmhwm_kb "$pid")

	stop_tracer "$pid"
	exit_ms=$EXIT_MS
	CLEANUP_PIDS=()
	(( STOP_RC == 0 )) || note "round $r, $v: exit status $STOP_RC"

	[[ -n $ns ]] && rec "$r" "$v" nsop "$ns"
	rec "$r" "$v" other_pct "$WL_OTHER"
	rec "$r" "$v" cpu_ns "$(awk -v t=$((b - a)) -v hz="$CLK_TCK" -v n="$OPS" 'BEGIN { printf "%.1f", t * 1e9 / hz / n }')"
	rec "$r" "$v" rss_kb "${rss:-0}"
	rec "$r" "$v" exit_ms "$exit_ms"
	rec "$r" "$v" rc "$STOP_RC"
	if [[ $v != floor ]]; then
		delivered=$(grep -cF -- "$TARGET_TOKEN" "$out")
		lost=$(reported_lost "$v" "$out" "$err")
		rec "$r" "$v" delivered "$delivered"
		rec "$r" "$v" lost "$lost"
	fi
	log "$(printf '  %-13s %s ns/op, start-up %s ms, exit %s ms, delivered %s/%s, lost %s (others %s%% of a CPU)' \
		"$v" "${ns:-?}" "$res" "$exit_ms" "${delivered:--}" "$OPS" "${lost:--}" "$WL_OTHER")"
	if (( KEEP )); then :; else rm -f "$out"; fi
}

# ------------------------------------------------------------------ run ---

START_DATE=$(date '+%Y-%m-%d %H:%M:%S %Z')
LOUPE_SUM=$(loupe_sum)
LOUPE_SUM0=$LOUPE_SUM
LOUPE_VERSION=$("$LOUPE" -V 2>/dev/null | head -1)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "opensnoop benchmark: $ROUNDS rounds x $OPS open+close, variants: ${RUN[*]}; $PIN_DESC"
log "work directory: $WORKDIR"

for (( r = 1; r <= ROUNDS; r++ )); do
	log "round $r/$ROUNDS"
	n=${#RUN[@]}
	for (( j = 0; j < n; j++ )); do
		v=${RUN[$(( (j + r - 1) % n ))]}	# rotate the order each round
		if [[ $v == none ]]; then
			measure_none "$r"
		else
			measure_tracer "$r" "$v"
		fi
	done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# -------------------------------------------------------------- summary ---

# agg VARIANT METRIC FUNC  (FUNC: min, med, max, n, timeouts); a sample that
# timed out sorts last and makes a median "timeout" only if half of them did
agg() {
	awk -F'\t' -v v="$1" -v m="$2" '$2 == v && $3 == m { print ($4 == "timeout" || $4 == "died") ? "inf" : $4 }' "$RAW" |
	sort -g |
	awk -v f="$3" '
		{ x[NR] = $1; if ($1 == "inf") t++ }
		END {
			n = NR
			if (f == "n") { print n; exit }
			if (f == "timeouts") { print t + 0; exit }
			if (n == 0) { print ""; exit }
			if (f == "min") r = x[1]
			else if (f == "max") r = x[n]
			else if (n % 2) r = x[(n + 1) / 2]
			else if (x[n / 2] == "inf" || x[n / 2 + 1] == "inf") r = "inf"
			else r = (x[n / 2] + x[n / 2 + 1]) / 2
			print (r == "inf") ? "timeout" : r
		}'
}

fmt() {	# number with thousands separators, DEC decimals
	awk -v x="$1" -v d="${2:-0}" 'BEGIN {
		if (x == "") { print "?"; exit }
		if (x == "timeout") { print "timeout"; exit }
		neg = x < 0; if (neg) x = -x
		s = sprintf("%." d "f", x); i = s; f = ""
		if (d > 0) { p = index(s, "."); i = substr(s, 1, p - 1); f = substr(s, p) }
		while (length(i) > 3) { f = "," substr(i, length(i) - 2) f; i = substr(i, 1, length(i) - 3) }
		print (neg ? "-" : "") i f }'
}

# ar OP A B: arithmetic on possibly missing values ("" in, "" out)
ar() {
	awk -v op="$1" -v a="${2-}" -v b="${3-}" 'BEGIN {
		if (a == "" || b == "" || a == "timeout" || b == "timeout") { print ""; exit }
		if (op == "sub") r = a - b
		else if (op == "div") { if (b + 0 == 0) { print ""; exit } r = a / b }
		else if (op == "pct") { if (b + 0 == 0) { print ""; exit } r = 100 * a / b }
		printf "%.6f\n", r }'
}

name_of() {
	case $1 in
	none) echo "no tracer" ;;
	floor) echo "floor (empty BPF programs)" ;;
	loupe) echo "loupe opensnoop" ;;
	libbpf-tools) echo "libbpf-tools opensnoop" ;;
	bpftrace) echo "bpftrace opensnoop.bt" ;;
	esac
}

BASE_MIN=$(agg none nsop min)
BASE_MED=$(agg none nsop med)
TABLE=$(
	echo "| variant | added ns per open+close (min / median) | tracer CPU per event | delivered (median / worst round) | lost, as reported (max per round) | start-up to attached (median) | exit after SIGINT (median) | lone event into file (median) | peak RSS (median) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	for v in "${RUN[@]}"; do
		if [[ $v == none ]]; then
			echo "| no tracer | baseline $(fmt "$BASE_MIN") / $(fmt "$BASE_MED") ns | — | — | — | — | — | — | — |"
			continue
		fi
		mn=$(agg "$v" nsop min); md=$(agg "$v" nsop med)
		if [[ -n $BASE_MIN && -n $mn ]]; then
			added="$(fmt "$(ar sub "$mn" "$BASE_MIN")") / $(fmt "$(ar sub "$md" "$BASE_MED")")"
		else
			added="?"
		fi
		cpu="$(fmt "$(ar div "$(agg "$v" cpu_ns med)" 1000)" 2) µs"
		st=$(agg "$v" startup_ms med); st=$([[ -n $st ]] && echo "$(fmt "$st" 1) ms" || echo "?")
		ex=$(agg "$v" exit_ms med); ex=$([[ -n $ex ]] && echo "$(fmt "$ex") ms" || echo "?")
		rss=$(agg "$v" rss_kb med); rss=$([[ -n $rss ]] && echo "$(fmt "$(ar div "$rss" 1024)" 1) MB" || echo "?")
		if [[ $v == floor ]]; then
			del="—"; lost="—"; lone="—"
		else
			dmed=$(agg "$v" delivered med); dmin=$(agg "$v" delivered min)
			if [[ -n $dmed ]]; then
				del="$(fmt "$(ar pct "$dmed" "$OPS")" 1)% / $(fmt "$(ar pct "$dmin" "$OPS")" 1)%"
			else
				del="?"
			fi
			lost=$(awk -F'\t' -v v="$v" 'BEGIN { m = -1 } $2 == v && $3 == "lost" { if ($4 == "-") u = 1; else if ($4 + 0 > m) m = $4 + 0; n++ }
				END { if (!n) print "?"; else if (m < 0) print "not reported"; else if (u) print m " (some rounds: not reported)"; else print m }' "$RAW")
			[[ $lost =~ ^[0-9]+ ]] && lost="$(fmt "${lost%% *}")${lost#"${lost%% *}"}"
			ln=$(agg "$v" lone_ms med); lt=$(agg "$v" lone_ms timeouts); lnn=$(agg "$v" lone_ms n)
			if [[ $ln == timeout ]]; then
				lone="> $(fmt "$LONE_TIMEOUT_MS") ms"
			elif [[ -n $ln ]]; then
				lone="$(fmt "$ln" 1) ms"
			else
				lone="?"
			fi
			(( lt > 0 )) && lone="$lone ($lt/$lnn not seen within $(fmt "$LONE_TIMEOUT_MS") ms)"
		fi
		echo "| $(name_of "$v") | $added | $cpu | $del | $lost | $st | $ex | $lone | $rss |"
	done
)

ratio() {	# metric-kind
	local a b
	case $1 in
	overhead) a=$(ar sub "$(agg loupe nsop med)" "$BASE_MED"); b=$(ar sub "$(agg libbpf-tools nsop med)" "$BASE_MED") ;;
	startup) a=$(agg loupe startup_ms med); b=$(agg libbpf-tools startup_ms med) ;;
	rss) a=$(agg loupe rss_kb med); b=$(agg libbpf-tools rss_kb med) ;;
	esac
	awk -v a="$a" -v b="$b" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "?"; else printf "%.2f", a / b }'
}

have() { local v; for v in "${RUN[@]}"; do [[ $v == "$1" ]] && return 0; done; return 1; }
if have loupe && have libbpf-tools && have none; then
	RATIOS="Ratios loupe / libbpf-tools (medians): added overhead per open+close $(ratio overhead), start-up $(ratio startup), peak RSS $(ratio rss)."
else
	RATIOS="Ratios loupe / libbpf-tools: not available (needs the none, loupe and libbpf-tools variants)."
fi

ROUND_TABLE=$(
	echo "| round | variant | ns/op | start-up ms | lone ms | delivered | lost | CPU/event ns | exit ms | VmHWM kB | load | others % |"
	echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	awk -F'\t' '
		{ k = $1 SUBSEP $2; if (!(k in seen)) { seen[k] = 1; order[++n] = k }
		  if ($3 == "lone_ms") v[k, $3] = (v[k, $3] == "" ? "" : v[k, $3] " ") $4; else v[k, $3] = $4 }
		END {
			for (i = 1; i <= n; i++) {
				split(order[i], p, SUBSEP); k = order[i]
				printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", p[1], p[2],
					v[k, "nsop"], v[k, "startup_ms"], v[k, "lone_ms"], v[k, "delivered"],
					v[k, "lost"], v[k, "cpu_ns"], v[k, "exit_ms"], v[k, "rss_kb"], v[k, "load"],
					v[k, "other_pct"]
			}
		}' "$RAW"
)

version_of() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "?"; }
LOUPE_REV=$(git -C "$ROOT_DIR" rev-parse --short HEAD 2>/dev/null || echo "?")

REPORT=$(
	echo "# opensnoop benchmark, $START_DATE"
	echo
	echo "Command: \`bench/opensnoop.sh${ORIG_ARGS:+ $ORIG_ARGS}\` (rounds $ROUNDS, $OPS open+close, $LONE lone events per round and variant)"
	echo
	echo "- machine: kernel $(uname -r), $(getconf _NPROCESSORS_ONLN) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo))"
	echo "- workload: $OPS openat+close of one existing file per round and variant$( ((RATE)) && echo ", paced at $RATE opens/s"), $ROUNDS interleaved rounds (order rotated each round)"
	echo "- pinning: $PIN_DESC"
	echo "- load average before / after: $LOAD_BEFORE / $LOAD_AFTER"
	if have loupe; then
		echo -n "- loupe: ${CMD_DESC[loupe]} (${LOUPE_VERSION:-version ?}, sha256 ${LOUPE_SUM0:-?}…, repo at $LOUPE_REV when the run ended)"
	else
		echo -n "- loupe: not run"
	fi
	echo "; libbpf-tools $(version_of libbpf-tools); bpftrace $(version_of bpftrace); libbpf $(version_of libbpf1)"
	echo
	echo "$TABLE"
	echo
	echo "$RATIOS"
	echo
	echo "Added ns: (variant − no tracer) of the per-round minimum and of the median ns per open+close."
	echo "Tracer CPU per event: the tracer's utime+stime during the workload and its drain, divided by the $OPS generated events (clock-tick resolution: $(fmt "$(ar div "$(ar div 1000000000 "$CLK_TCK")" "$OPS")" 1) ns per event)."
	echo "Delivered: lines naming the workload's file in the tracer's output ÷ $OPS. Lost: what the tool itself reports (loupe: its stderr lost-events line; libbpf-tools: 'Lost N events on CPU'; bpftrace: 'Lost N events')."
	echo "Start-up: from exec until the first probe open that shows up in the output was issued (1 ms probes). Lone event: one open into an idle tracer until its line is in the output file (polled every 1 ms, $(fmt "$LONE_TIMEOUT_MS") ms limit)."
	if (( ${#NOTES[@]} )); then
		echo
		echo "Notes:"
		for n in "${NOTES[@]}"; do echo "- $n"; done
	fi
	echo
	echo "## Per round"
	echo
	echo "(load: the 1-minute load average when the variant's measurement began; others %: CPU time used during the workload by everything but the workload and the tracer, in % of one CPU)"
	echo
	echo "$ROUND_TABLE"
)

if [[ -z $OUTFILE ]]; then
	mkdir -p "$BENCH_DIR/results"
	OUTFILE="$BENCH_DIR/results/opensnoop-$(date +%F).md"
	[[ -e $OUTFILE ]] && OUTFILE="$BENCH_DIR/results/opensnoop-$(date +%F-%H%M%S).md"
fi
printf '%s\n' "$REPORT" > "$OUTFILE.tmp" && mv "$OUTFILE.tmp" "$OUTFILE"
printf '%s\n' "$REPORT"
log ""
log "results written to ${OUTFILE#"$ROOT_DIR"/}"
