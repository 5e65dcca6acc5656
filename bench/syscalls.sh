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
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)
BUILD="$BENCH_DIR/build"
WORKLOAD="$BUILD/workload"
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

ROUNDS=5
GETPPID=3000000
OPS=200000
VARIANTS="none,floor-tp,floor-raw,loupe,loupe-raw,lt"
PIN=1
INSTALL=1
KEEP=0
OUTFILE=""
LOUPE=${LOUPE:-$ROOT_DIR/build/opensnoop}
LT_OPENSNOOP=/usr/sbin/opensnoop

TRACER_CPU=0
WORKLOAD_CPU=1
ATTACH_TIMEOUT_MS=30000
STOP_TIMEOUT_MS=30000
DRAIN_TIMEOUT_S=60
FOREIGN_WAIT_S=300
QUIET_WAIT_S=60
QUIET_PCT=15
FOREIGN_RE='^sys_(enter|exit)'	# other programs on syscalls distort both loops

usage() { sed -n '/^# usage:/,/^# (default \/tmp)/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

ORIG_ARGS="$*"
while (( $# )); do
	case $1 in
	-r|--rounds) posint "$1" "${2-}"; ROUNDS=$((10#$2)); shift 2 ;;
	-g|--getppid) posint "$1" "${2-}"; GETPPID=$((10#$2)); shift 2 ;;
	-n|--ops) posint "$1" "${2-}"; OPS=$((10#$2)); shift 2 ;;
	--variants) [[ -n ${2-} ]] || die "$1 needs a list"; VARIANTS=$2; shift 2 ;;
	--no-pin) PIN=0; shift ;;
	--foreign-wait) nonneg "$1" "${2-}"; FOREIGN_WAIT_S=$((10#$2)); shift 2 ;;
	--quiet-wait) nonneg "$1" "${2-}"; QUIET_WAIT_S=$((10#$2)); shift 2 ;;
	--quiet-pct) nonneg "$1" "${2-}"; QUIET_PCT=$((10#$2)); shift 2 ;;
	--no-install) INSTALL=0; shift ;;
	--keep) KEEP=1; shift ;;
	-o|--out) [[ -n ${2-} ]] || die "$1 needs a file"; OUTFILE=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "$NAME: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done

IFS=, read -r -a VLIST <<< "$VARIANTS"
for v in "${VLIST[@]}"; do
	case $v in none|floor-tp|floor-raw|loupe|loupe-raw|lt) ;;
	*) echo "$NAME: unknown variant '$v'" >&2; exit 2 ;;
	esac
done

(( EUID == 0 )) || die "must run as root (BPF, tracefs)"

for e in LOUPE_FORCE_HOOK LOUPE_SYNC_RELEASE; do
	if [[ -n ${!e-} ]]; then
		note "$e=${!e} was set in the environment; unset for the run"
		unset "$e"
	fi
done

# ---------------------------------------------------------------- setup ---

ensure_packages "${BASE_PACKAGES[@]}" "libbpf-tools:[[ -x $LT_OPENSNOOP ]]"
ensure_tracefs
make -s -C "$BENCH_DIR" >&2 || die "building bench/ failed"
[[ -x $WORKLOAD && -x $BUILD/floor && -r $BUILD/floor.bpf.o ]] || die "bench/build is incomplete"

declare -A DESC HOOKS
RUN=()
for v in "${VLIST[@]}"; do
	case $v in
	none) DESC[$v]="(no tracer)" ;;
	floor-tp) DESC[$v]="bench/build/floor -m openat"; HOOKS[$v]="tracepoint syscalls:sys_enter_openat + sys_exit_openat (empty programs)" ;;
	floor-raw) DESC[$v]="bench/build/floor -m raw"; HOOKS[$v]="raw_tp raw_syscalls:sys_enter + sys_exit (empty programs)" ;;
	loupe|loupe-raw)
		[[ -x $LOUPE ]] || { note "$v skipped: $LOUPE not found (run 'make' at the repo root)"; continue; }
		DESC[$v]="${LOUPE#"$ROOT_DIR"/}"
		[[ $v == loupe-raw ]] && DESC[$v]="LOUPE_FORCE_HOOK=raw_tp ${DESC[$v]}" ;;
	lt)
		[[ -x $LT_OPENSNOOP ]] || { note "$v skipped: $LT_OPENSNOOP not found (apt-get install libbpf-tools)"; continue; }
		DESC[$v]="$LT_OPENSNOOP" ;;
	esac
	RUN+=("$v")
done
(( ${#RUN[@]} )) || die "nothing to run"

tracer_cmd() {	# variant -> TCMD
	case $1 in
	floor-tp) TCMD=("$BUILD/floor" -m openat) ;;
	floor-raw) TCMD=("$BUILD/floor" -m raw) ;;
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

WORKDIR=$(mktemp -d "${WORKDIR_BASE:-/tmp}/loupe-bench-sys.XXXXXX") || die "mktemp failed"
CLEANUP_PIDS=()
cleanup() {
	local p
	for p in "${CLEANUP_PIDS[@]}"; do
		kill -INT "$p" 2>/dev/null && sleep 0.5
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
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
	PIN_DESC="tracers (and this script) pinned to CPU $TRACER_CPU, the workload to CPU $WORKLOAD_CPU"
else
	WL=("$WORKLOAD")
	PIN_DESC="no pinning"
fi

# Lost events as the tool reports them (loupe: "E events, N lost (...)";
# libbpf-tools: "Lost N events on CPU #c"); "-": no such line.
reported_lost() {	# errfile
	awk '
		match($0, /[0-9]+ +(events +)?lost/) { x = substr($0, RSTART, RLENGTH); sub(/ .*/, "", x); s += x; n++; next }
		match($0, /[Ll]ost:? +[0-9]+/) { x = substr($0, RSTART, RLENGTH); sub(/^[^0-9]*/, "", x); s += x; n++ }
		END { if (n) print s; else print "-" }' "$1"
}

kv() { sed -n "s/.*$1=\\([^ ]*\\).*/\\1/p" <<< "$2"; }

# loupe's choice of hooks, from its -v line
loupe_hooks() {	# variant
	local h
	tracer_cmd "$1"
	h=$( ( trap - INT QUIT; exec "${TCMD[@]}" -v -d 300ms ) 2>&1 >/dev/null | sed -n 's/^[a-z]*: hooks: \([^;]*\).*/\1/p' | head -1)
	echo "${h:-?} (its -v)"
}

# ------------------------------------------------------------- measure ---

measure() {	# round variant
	local r=$1 v=$2 out err pid t0 res ids st g o del lostwhy
	out="$WORKDIR/$v.r$r.out"; err="$WORKDIR/$v.r$r.err"
	wait_foreign "$r" "$v"
	pid=""
	if [[ $v != none ]]; then
		tracer_cmd "$v"
		t0=$EPOCHREALTIME
		( trap - INT QUIT; exec "${TCMD[@]}" ) > "$out" 2> "$err" &
		pid=$!
		CLEANUP_PIDS=("$pid")
		if [[ $v == floor-* ]]; then
			res=$("${WL[@]}" wait "$out" "attached" "$t0" "$ATTACH_TIMEOUT_MS" "$pid"); res=${res#visible_ms=}
		else
			res=$("${WL[@]}" attach "$WORKDIR/p-$v-$r-" "$out" "$t0" "$ATTACH_TIMEOUT_MS" "$pid")
			res=$(kv attach_ms "$res")
		fi
		if [[ ! $res =~ ^[0-9.]+$ ]]; then
			note "round $r, $v: not attached ($res); stderr: $(grep -v '^libbpf' "$err" | head -c 300 | tr '\n' ' ')"
			kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
			CLEANUP_PIDS=()
			return
		fi
		wait_idle "$pid" || note "round $r, $v: tracer not idle after start-up"
	fi

	wait_system_quiet "$r" "$v"
	rec "$r" "$v" load "$(cut -d' ' -f1 /proc/loadavg)"
	g=$("${WL[@]}" getppid "$GETPPID") || note "round $r, $v: getppid loop failed"
	rec "$r" "$v" getppid_ns "$(kv ns_per_call "$g")"
	[[ -n $pid ]] && { wait_idle "$pid" || note "round $r, $v: tracer busy after the getppid loop"; }
	wait_system_quiet "$r" "$v"
	o=$("${WL[@]}" run "$TARGET" "$OPS") || note "round $r, $v: open+close loop failed"
	rec "$r" "$v" open_ns "$(kv ns_per_op "$o")"

	if [[ -n $pid ]]; then
		wait_idle "$pid" || note "round $r, $v: tracer still busy ${DRAIN_TIMEOUT_S}s after the workload"
		check_foreign "$r" "$v" "$pid"
		ids=$(prog_ids_of "$pid")
		# shellcheck disable=SC2086
		st=$("$WORKLOAD" stop "$pid" "$STOP_TIMEOUT_MS" - $ids)
		[[ $st == *exit_ms=timeout* ]] && { kill -KILL "$pid" 2>/dev/null; note "round $r, $v: still running after SIGINT (killed)"; }
		wait "$pid" 2>/dev/null
		CLEANUP_PIDS=()
		# a loupe release child may still be detaching: let it finish
		# before the next measurement (foreign tracers are waited for)
		if [[ $v != floor-* ]]; then
			del=$(grep -cF -- "$TARGET_TOKEN" "$out")
			rec "$r" "$v" delivered "$del"
			rec "$r" "$v" lost "$(reported_lost "$err")"
			# loupe's own account: "E events, N lost (ring buffer full ...)"
			lostwhy=$(sed -n 's/^[a-z]*: [0-9]* events, [1-9][0-9]* lost (\(.*\))$/\1/p' "$err" | head -1)
			[[ -n $lostwhy ]] && note "round $r, $v: lost events: $lostwhy"
		fi
		log "$(printf '  %-10s getppid %s ns, open+close %s ns%s' "$v" "$(kv ns_per_call "$g")" "$(kv ns_per_op "$o")" "${del:+, delivered $del/$OPS}")"
	else
		check_foreign "$r" "$v"
		log "$(printf '  %-10s getppid %s ns, open+close %s ns' "$v" "$(kv ns_per_call "$g")" "$(kv ns_per_op "$o")")"
	fi
	(( KEEP )) || rm -f "$out" "$err"
}

# ------------------------------------------------------------------ run ---

START_DATE=$(date '+%Y-%m-%d %H:%M:%S %Z')
START_S=$SECONDS
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
LOUPE_VERSION=$("$LOUPE" -V 2>/dev/null | head -1)
LOUPE_SUM=$(sha256sum "$LOUPE" 2>/dev/null | cut -c1-12)
for v in "${RUN[@]}"; do
	[[ $v == loupe* ]] && HOOKS[$v]=$(loupe_hooks "$v")
done
[[ " ${RUN[*]} " == *" lt "* ]] && HOOKS[lt]="tracepoint syscalls:sys_enter_openat + sys_exit_openat (libbpf-tools 0.26)"
HOOKS[none]="—"
log "syscalls benchmark: $ROUNDS rounds x ($GETPPID getppid + $OPS open+close), variants: ${RUN[*]}; $PIN_DESC"
log "work directory: $WORKDIR"

for (( r = 1; r <= ROUNDS; r++ )); do
	log "round $r/$ROUNDS"
	n=${#RUN[@]}
	for (( j = 0; j < n; j++ )); do
		measure "$r" "${RUN[$(( (j + r - 1) % n ))]}"	# rotate the order each round
	done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED_S=$(( SECONDS - START_S ))
[[ $(sha256sum "$LOUPE" 2>/dev/null | cut -c1-12) == "$LOUPE_SUM" ]] ||
	note "$LOUPE changed during the run: rounds measured different builds"

# -------------------------------------------------------------- summary ---

added() {	# variant metric -> "min / median" added over no tracer
	local mn md bmn bmd
	mn=$(agg "$1" "$2" min); md=$(agg "$1" "$2" med)
	bmn=$(agg none "$2" min); bmd=$(agg none "$2" med)
	if [[ -z $mn || -z $bmn ]]; then echo "?"; return; fi
	echo "$(fmt "$(ar sub "$mn" "$bmn")" "${3:-0}") / $(fmt "$(ar sub "$md" "$bmd")" "${3:-0}")"
}

TABLE=$(
	echo "| variant | hooks | ns per getppid (min / median) | added | ns per open+close (min / median) | added | delivered (median / worst round) | lost, as reported (max) |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	for v in "${RUN[@]}"; do
		if [[ $v == none ]]; then
			ad1="—"; ad2="—"; del="—"; lost="—"
		else
			ad1=$(added "$v" getppid_ns 1); ad2=$(added "$v" open_ns)
			if [[ $v == floor-* ]]; then
				del="—"; lost="—"
			else
				del=$(awk -v d="$(agg "$v" delivered med)" -v w="$(agg "$v" delivered min)" -v n="$OPS" \
					'BEGIN { if (d == "") print "?"; else printf "%.2f%% / %.2f%%", 100 * d / n, 100 * w / n }')
				lost=$(awk -F'\t' -v v="$v" 'BEGIN { m = -1 } $2 == v && $3 == "lost" && $4 != "-" { if ($4 + 0 > m) m = $4 + 0 }
					END { print (m < 0) ? "not reported" : m }' "$RAW")
			fi
		fi
		echo "| $(name_of "$v") | ${HOOKS[$v]:-?} | $(minmed "$v" getppid_ns 1) | $ad1 | $(minmed "$v" open_ns) | $ad2 | $del | $lost |"
	done
)

have() { local v; for v in "${RUN[@]}"; do [[ $v == "$1" ]] && return 0; done; return 1; }
ratio_added() {	# a b metric
	local a b
	a=$(ar sub "$(agg "$1" "$3" med)" "$(agg none "$3" med)")
	b=$(ar sub "$(agg "$2" "$3" med)" "$(agg none "$3" med)")
	awk -v a="$a" -v b="$b" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "?"; else printf "%.2f", a / b }'
}
RATIOS=""
if have none && have loupe && have lt; then
	RATIOS+="Added per open+close, loupe / libbpf-tools (medians): tracepoints $(ratio_added loupe lt open_ns)"
	have loupe-raw && RATIOS+=", raw_syscalls $(ratio_added loupe-raw lt open_ns)"
	RATIOS+=". "
fi
if have none && have loupe && have loupe-raw; then
	RATIOS+="loupe raw_syscalls / tracepoints, added per getppid $(ratio_added loupe-raw loupe getppid_ns), per open+close $(ratio_added loupe-raw loupe open_ns)."
fi

ROUND_TABLE=$(
	echo "| round | variant | ns/getppid | ns/open+close | delivered | lost | load |"
	echo "|---:|---|---:|---:|---:|---:|---:|"
	awk -F'\t' '
		{ k = $1 SUBSEP $2; if (!(k in seen)) { seen[k] = 1; order[++n] = k } v[k, $3] = $4 }
		END {
			for (i = 1; i <= n; i++) {
				split(order[i], p, SUBSEP); k = order[i]
				printf "| %s | %s | %s | %s | %s | %s | %s |\n", p[1], p[2], v[k, "getppid_ns"], v[k, "open_ns"], v[k, "delivered"], v[k, "lost"], v[k, "load"]
			}
		}' "$RAW"
)
LOUPE_REV=$(git -C "$ROOT_DIR" rev-parse --short HEAD 2>/dev/null || echo "?")

REPORT=$(
	echo "# syscalls benchmark, $START_DATE"
	echo
	echo "Command: \`bench/syscalls.sh${ORIG_ARGS:+ $ORIG_ARGS}\` ($ROUNDS interleaved rounds, $(( ELAPSED_S / 60 )) min $(( ELAPSED_S % 60 )) s)"
	echo
	echo "- machine: kernel $(uname -r), $(getconf _NPROCESSORS_ONLN) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo))"
	echo "- workload per round and variant: $(fmt "$GETPPID") getppid (the raw syscall), then $(fmt "$OPS") openat+close of one existing file, each timed inside the workload (CLOCK_MONOTONIC around the loop); $PIN_DESC; tracers' output into a file"
	echo "- load average before / after: $LOAD_BEFORE / $LOAD_AFTER"
	echo "- loupe: ${LOUPE_VERSION:-version ?} (${LOUPE#"$ROOT_DIR"/}, sha256 ${LOUPE_SUM}…, repo at $LOUPE_REV); libbpf-tools $(version_of libbpf-tools); libbpf $(version_of libbpf1)"
	echo "- commands: $(for v in "${RUN[@]}"; do [[ $v == none ]] || printf '`%s`; ' "${DESC[$v]}"; done | sed 's/; $//')"
	echo
	echo "$TABLE"
	echo
	echo "$RATIOS"
	echo
	echo "Added: (variant − no tracer) of the per-round minimum and of the median. getppid is traced by none of them: what it pays is the price of the hook on every syscall. Delivered: lines naming the workload's file in the tracer's output ÷ $(fmt "$OPS"). Lost: what the tool itself reports (loupe: its stderr line \`E events, N lost (...)\`, whose reasons are in the notes; libbpf-tools: its \`Lost N events on CPU\` lines); \"not reported\": no such line."
	if (( ${#NOTES[@]} )); then
		echo
		echo "Notes:"
		for n in "${NOTES[@]}"; do echo "- $n"; done
	fi
	echo
	echo "## Per round"
	echo
	echo "(load: the 1-minute load average before the getppid loop)"
	echo
	echo "$ROUND_TABLE"
)

if [[ -z $OUTFILE ]]; then
	mkdir -p "$BENCH_DIR/results"
	OUTFILE="$BENCH_DIR/results/syscalls-$(date +%F).md"
	[[ -e $OUTFILE ]] && OUTFILE="$BENCH_DIR/results/syscalls-$(date +%F-%H%M%S).md"
fi
printf '%s\n' "$REPORT" > "$OUTFILE.tmp" && mv "$OUTFILE.tmp" "$OUTFILE"
printf '%s\n' "$REPORT"
log ""
log "results written to ${OUTFILE#"$ROOT_DIR"/}"
