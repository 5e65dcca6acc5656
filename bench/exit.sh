#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# exit.sh - how long each tracer takes to go away: from SIGINT until its
# process has exited, and until its BPF programs are gone from the kernel
# (`bpftool prog show`); and the wall time of a 1-second run captured by a
# shell (`x=$(TOOL -d 1)`). loupe's opensnoop (default hooks, raw_syscalls,
# and the old synchronous release) and biolatency side by side with
# libbpf-tools' opensnoop and biolatency and bpftrace's opensnoop.bt, on an
# idle machine and after an open storm, in one run with interleaved rounds.
# See bench/README.md.
#
# usage: bench/exit.sh [options]   (as root)
#   -r, --rounds N       rounds (default 5)
#       --storm-ms MS    length of the open storm (default 1000)
#       --variants LIST  comma-separated subset of: loupe,loupe-raw,loupe-sync,
#                        loupe-bio,lt,lt-bio,bpftrace
#       --conditions L   idle,storm (default both)
#       --no-pin         do not pin (default: tracers and this script on CPU 0,
#                        the storm on CPU 1)
#       --foreign-wait S wait up to S seconds (default 300) before each
#                        measurement for other BPF tracers to detach
#       --quiet-wait S   wait up to S seconds (default 60, 0: don't) before
#                        each measurement until the rest of the machine uses
#       --quiet-pct P    at most P % (default 15) of one CPU
#       --no-install     do not apt-get install missing packages
#       --keep           keep the work directory
#   -o, --out FILE       results file (default bench/results/exit-<date>.md)
#   -h, --help
# Environment: LOUPE_BIN (default <repo>/build: opensnoop and biolatency
# there), WORKDIR_BASE (default /tmp).

set -u -o pipefail

NAME=exit.sh
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)
BUILD="$BENCH_DIR/build"
WORKLOAD="$BUILD/workload"
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

ROUNDS=5
STORM_MS=1000
VARIANTS="loupe,loupe-raw,loupe-sync,loupe-bio,lt,lt-bio,bpftrace"
CONDITIONS="idle,storm"
PIN=1
INSTALL=1
KEEP=0
OUTFILE=""
LOUPE_BIN=${LOUPE_BIN:-$ROOT_DIR/build}
LT_OPENSNOOP=/usr/sbin/opensnoop
LT_BIOLATENCY=/usr/sbin/biolatency
BPFTRACE_SCRIPT=/usr/sbin/opensnoop.bt

TRACER_CPU=0
WORKLOAD_CPU=1
ATTACH_TIMEOUT_MS=30000
STOP_TIMEOUT_MS=30000
DRAIN_TIMEOUT_S=60
FOREIGN_WAIT_S=300
QUIET_WAIT_S=60
QUIET_PCT=15
FOREIGN_RE=.	# any tracing attachment: detaching is serialized machine-wide

usage() { sed -n '/^# usage:/,/^# there), WORKDIR/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

ORIG_ARGS="$*"
while (( $# )); do
	case $1 in
	-r|--rounds) posint "$1" "${2-}"; ROUNDS=$((10#$2)); shift 2 ;;
	--storm-ms) posint "$1" "${2-}"; STORM_MS=$((10#$2)); shift 2 ;;
	--variants) [[ -n ${2-} ]] || die "$1 needs a list"; VARIANTS=$2; shift 2 ;;
	--conditions) [[ -n ${2-} ]] || die "$1 needs a list"; CONDITIONS=$2; shift 2 ;;
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
	case $v in loupe|loupe-raw|loupe-sync|loupe-bio|lt|lt-bio|bpftrace) ;;
	*) echo "$NAME: unknown variant '$v'" >&2; exit 2 ;;
	esac
done
IFS=, read -r -a CLIST <<< "$CONDITIONS"
for c in "${CLIST[@]}"; do
	case $c in idle|storm) ;; *) echo "$NAME: unknown condition '$c'" >&2; exit 2 ;; esac
done

(( EUID == 0 )) || die "must run as root (BPF, tracefs)"

# The environment must not choose loupe's hooks or release for us.
for e in LOUPE_FORCE_HOOK LOUPE_SYNC_RELEASE; do
	if [[ -n ${!e-} ]]; then
		note "$e=${!e} was set in the environment; unset for the run"
		unset "$e"
	fi
done

# ---------------------------------------------------------------- setup ---

ensure_packages "${BASE_PACKAGES[@]}" \
	"coreutils:command -v stdbuf" \
	"libbpf-tools:[[ -x $LT_OPENSNOOP && -x $LT_BIOLATENCY ]]" \
	"bpftrace:command -v bpftrace && [[ -r $BPFTRACE_SCRIPT ]]"
ensure_tracefs
make -s -C "$BENCH_DIR" >&2 || die "building bench/ failed"
[[ -x $WORKLOAD ]] || die "bench/build is incomplete"

WORKDIR=$(mktemp -d "${WORKDIR_BASE:-/tmp}/loupe-bench-exit.XXXXXX") || die "mktemp failed"

# Each tracer runs in a cgroup v2 of its own, so that a process it leaves
# behind (loupe's release child) is seen going too: "release done" is
# when that cgroup holds no process any more.
CGROUP2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
CGROOT=""
if [[ -n $CGROUP2 ]] && mkdir "$CGROUP2/loupe-bench-exit.$$" 2>/dev/null; then
	CGROOT="$CGROUP2/loupe-bench-exit.$$"
else
	note "no cgroup v2 to put the tracers in: 'release done' is not measured"
fi
CGN=0

CLEANUP_PIDS=()
cleanup() {
	local p d
	for p in "${CLEANUP_PIDS[@]}"; do
		kill -INT "$p" 2>/dev/null && sleep 0.5
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [[ -n $CGROOT ]]; then
		for d in "$CGROOT"/m*/; do [[ -d $d ]] && rmdir "$d" 2>/dev/null; done
		rmdir "$CGROOT" 2>/dev/null || log "$NAME: $CGROOT left behind (not empty)"
	fi
	(( KEEP )) || rm -rf "$WORKDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

TARGET_TOKEN="st-${WORKDIR##*.}"
TARGET="$WORKDIR/$TARGET_TOKEN"
: > "$TARGET" || die "cannot create $TARGET"
RAW="$WORKDIR/raw.tsv"
: > "$RAW"
CLK_TCK=$(getconf CLK_TCK)

# bpftrace has no duration option: opensnoop.bt plus a probe that exits
# after one second stands for `-d 1`.
BT_D1="$WORKDIR/opensnoop-d1.bt"
if [[ -r $BPFTRACE_SCRIPT ]]; then
	{ cat "$BPFTRACE_SCRIPT"; printf '\ninterval:s:1\n{\n\texit();\n}\n'; } > "$BT_D1"
fi

if (( PIN )); then
	taskset -pc "$TRACER_CPU" $$ >/dev/null || die "taskset failed"
	WL=(taskset -c "$WORKLOAD_CPU" "$WORKLOAD")
	PIN_DESC="tracers (and this script) pinned to CPU $TRACER_CPU, the storm to CPU $WORKLOAD_CPU"
else
	WL=("$WORKLOAD")
	PIN_DESC="no pinning"
fi

# Which variants can run, and how. TCMD: the tracer until SIGINT; DCMD:
# the same for one second; ATTACH: how to see it attached (probe: opens it
# must report; err:TEXT / out:TEXT: TEXT in its stderr / stdout).
declare -A DESC HOOKS ATTACH
RUN=()
for v in "${VLIST[@]}"; do
	case $v in
	loupe|loupe-raw|loupe-sync)
		[[ -x $LOUPE_BIN/opensnoop ]] || { note "$v skipped: $LOUPE_BIN/opensnoop not found (run 'make' at the repo root)"; continue; }
		ATTACH[$v]=probe ;;
	loupe-bio)
		[[ -x $LOUPE_BIN/biolatency ]] || { note "$v skipped: $LOUPE_BIN/biolatency not found (run 'make' at the repo root)"; continue; }
		ATTACH[$v]="err:Tracing block" ;;
	lt)
		[[ -x $LT_OPENSNOOP ]] || { note "$v skipped: $LT_OPENSNOOP not found (apt-get install libbpf-tools)"; continue; }
		ATTACH[$v]=probe ;;
	lt-bio)
		[[ -x $LT_BIOLATENCY ]] || { note "$v skipped: $LT_BIOLATENCY not found (apt-get install libbpf-tools)"; continue; }
		ATTACH[$v]="out:Tracing block" ;;
	bpftrace)
		{ command -v bpftrace >/dev/null && [[ -r $BPFTRACE_SCRIPT ]]; } ||
			{ note "$v skipped: bpftrace or $BPFTRACE_SCRIPT not found (apt-get install bpftrace)"; continue; }
		ATTACH[$v]=probe ;;
	esac
	RUN+=("$v")
done
(( ${#RUN[@]} )) || die "nothing to run"

# tracer_cmd VARIANT MODE -> TCMD (MODE: sigint or d1)
tracer_cmd() {
	local lo=${LOUPE_BIN#"$ROOT_DIR"/}
	case $1 in
	loupe) TCMD=("$LOUPE_BIN/opensnoop"); DESC[$1]="$lo/opensnoop" ;;
	loupe-raw) TCMD=(env LOUPE_FORCE_HOOK=raw_tp "$LOUPE_BIN/opensnoop"); DESC[$1]="LOUPE_FORCE_HOOK=raw_tp $lo/opensnoop" ;;
	loupe-sync) TCMD=(env LOUPE_SYNC_RELEASE=1 "$LOUPE_BIN/opensnoop"); DESC[$1]="LOUPE_SYNC_RELEASE=1 $lo/opensnoop" ;;
	loupe-bio) TCMD=("$LOUPE_BIN/biolatency"); DESC[$1]="$lo/biolatency" ;;
	lt) TCMD=("$LT_OPENSNOOP"); DESC[$1]="$LT_OPENSNOOP" ;;
	lt-bio)
		# stdbuf: its "Tracing" line must reach the file before exit
		if [[ $2 == d1 ]]; then TCMD=("$LT_BIOLATENCY"); else TCMD=(stdbuf -oL "$LT_BIOLATENCY"); fi
		DESC[$1]="$LT_BIOLATENCY" ;;
	bpftrace)
		if [[ $2 == d1 ]]; then TCMD=(bpftrace "$BT_D1"); else TCMD=(bpftrace "$BPFTRACE_SCRIPT"); fi
		DESC[$1]="bpftrace $BPFTRACE_SCRIPT" ;;
	esac
	if [[ $2 == d1 ]]; then
		case $1 in
		lt-bio) TCMD+=(1 1); DESC[$1.d1]="$LT_BIOLATENCY 1 1" ;;
		bpftrace) DESC[$1.d1]="bpftrace opensnoop.bt + 'interval:s:1 { exit(); }'" ;;
		*) TCMD+=(-d 1); DESC[$1.d1]="${DESC[$1]} -d 1" ;;
		esac
	fi
}

name_of() {
	case $1 in
	loupe) echo "loupe opensnoop" ;;
	loupe-raw) echo "loupe opensnoop, LOUPE_FORCE_HOOK=raw_tp" ;;
	loupe-sync) echo "loupe opensnoop, LOUPE_SYNC_RELEASE=1 (old way)" ;;
	loupe-bio) echo "loupe biolatency" ;;
	lt) echo "libbpf-tools opensnoop" ;;
	lt-bio) echo "libbpf-tools biolatency" ;;
	bpftrace) echo "bpftrace opensnoop.bt" ;;
	esac
}

# Start a storm of open+close on the storm CPU in the background: STORM_PID
start_storm() {	# outfile
	"${WL[@]}" storm "$TARGET" "$STORM_MS" > "$1" 2>&1 &
	STORM_PID=$!
}
storm_ops() { sed -n 's/^ops=\([0-9]*\).*/\1/p' "$1" 2>/dev/null; }

# Hooks of a running tracer, as `bpftool perf show` sees them: "KIND
# name name ..., KIND ..." (tp_btf shows as raw_tracepoint).
hooks_of() {	# pid
	bpftool perf show 2>/dev/null |
		awk -v p="$1" '$1 == "pid" && $2 == p { k = $(NF-1); if (!(k in h)) o[++n] = k; h[k] = h[k] " " $NF }
			END { for (i = 1; i <= n; i++) printf "%s%s%s", (i > 1 ? ", " : ""), o[i], h[o[i]] }'
}

# loupe's choice, from its -v line ("hooks: ...")
loupe_hooks() {	# variant
	local h
	tracer_cmd "$1" sigint
	h=$( ( trap - INT QUIT; exec "${TCMD[@]}" -v -d 300ms ) 2>&1 >/dev/null | sed -n 's/^[a-z]*: hooks: \([^;]*\).*/\1/p' | head -1)
	echo "${h:-?}"
}

# ------------------------------------------------------------ measures ---

# A fresh cgroup for the next tracer: CG ("-" without cgroup v2)
new_cgroup() {
	CG=-
	[[ -n $CGROOT ]] || return 0
	CGN=$(( CGN + 1 ))
	mkdir "$CGROOT/m$CGN" 2>/dev/null && CG="$CGROOT/m$CGN"
}
drop_cgroup() { [[ $CG == - ]] || rmdir "$CG" 2>/dev/null || note "cgroup $CG not empty at the end of a measurement"; }
# in the tracer's (sub)shell, before exec
enter_cgroup() { [[ $CG == - ]] || echo "$BASHPID" > "$CG/cgroup.procs"; }

# SIGINT: start the tracer, wait until attached, [storm and drain], SIGINT;
# time until exited and until its programs are gone.
measure_sigint() {	# round variant condition
	local r=$1 v=$2 c=$3 key="$2.$3" out err pid t0 res ids st rc ops a
	wait_foreign "$r" "$key"
	wait_system_quiet "$r" "$key"
	out="$WORKDIR/$v.$c.r$r.out"; err="$WORKDIR/$v.$c.r$r.err"
	tracer_cmd "$v" sigint
	new_cgroup
	t0=$EPOCHREALTIME
	( enter_cgroup; trap - INT QUIT; exec "${TCMD[@]}" ) > "$out" 2> "$err" &
	pid=$!
	CLEANUP_PIDS=("$pid")
	case ${ATTACH[$v]} in
	probe)
		res=$("${WL[@]}" attach "$WORKDIR/p-$v-$c-$r-" "$out" "$t0" "$ATTACH_TIMEOUT_MS" "$pid")
		res=$(sed -n 's/^attach_ms=\([^ ]*\).*/\1/p' <<< "$res") ;;
	err:*) res=$("${WL[@]}" wait "$err" "${ATTACH[$v]#err:}" "$t0" "$ATTACH_TIMEOUT_MS" "$pid"); res=${res#visible_ms=} ;;
	out:*) res=$("${WL[@]}" wait "$out" "${ATTACH[$v]#out:}" "$t0" "$ATTACH_TIMEOUT_MS" "$pid"); res=${res#visible_ms=} ;;
	esac
	if [[ ! $res =~ ^[0-9.]+$ ]]; then
		note "round $r, $key: not attached ($res); stderr: $(grep -v '^libbpf' "$err" | head -c 300 | tr '\n' ' ')"
		kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
		CLEANUP_PIDS=()
		drop_cgroup
		return
	fi
	rec "$r" "$key" startup_ms "$res"
	[[ -n ${HOOKS[$v]-} ]] || HOOKS[$v]=$(hooks_of "$pid")
	if [[ $c == storm ]]; then
		start_storm "$WORKDIR/storm.out"
		wait "$STORM_PID" || note "round $r, $key: storm failed: $(head -c 200 "$WORKDIR/storm.out")"
		ops=$(storm_ops "$WORKDIR/storm.out")
		rec "$r" "$key" storm_ops "$ops"
	fi
	sleep 0.2
	wait_idle "$pid" || note "round $r, $key: tracer still busy ${DRAIN_TIMEOUT_S}s after the storm"
	ids=$(prog_ids_of "$pid")
	[[ -n $ids ]] || note "round $r, $key: no BPF program ids in /proc/$pid/fdinfo"
	check_foreign "$r" "$key" "$pid"
	a=$(cut -d' ' -f1 /proc/loadavg)
	# shellcheck disable=SC2086
	st=$("$WORKLOAD" stop "$pid" "$STOP_TIMEOUT_MS" "$CG" $ids)
	if [[ $st == *exit_ms=timeout* ]]; then
		kill -KILL "$pid" 2>/dev/null
		note "round $r, $key: still running ${STOP_TIMEOUT_MS} ms after SIGINT (killed)"
	fi
	wait "$pid"
	rc=$?
	CLEANUP_PIDS=()
	(( rc == 0 )) || note "round $r, $key: exit status $rc after SIGINT"
	rec "$r" "$key" exit_ms "$(sed -n 's/.*exit_ms=\([^ ]*\).*/\1/p' <<< "$st")"
	rec "$r" "$key" gone_ms "$(sed -n 's/.*gone_ms=\([^ ]*\).*/\1/p' <<< "$st")"
	rec "$r" "$key" empty_ms "$(sed -n 's/.*empty_ms=\([0-9.]*\|timeout\).*/\1/p' <<< "$st")"
	[[ $st == *empty_ms=timeout* ]] && note "round $r, $key: a process of the tracer still there ${STOP_TIMEOUT_MS} ms after SIGINT"
	drop_cgroup
	rec "$r" "$key" nprogs "$(wc -w <<< "$ids")"
	rec "$r" "$key" load "$a"
	log "$(printf '  %-10s %-5s SIGINT: attached %s ms, %s%s' "$v" "$c" "$res" "$st" "${ops:+ (storm: $ops open+close)}")"
	(( KEEP )) || rm -f "$out" "$err"
}

# -d 1: `x=$(TOOL -d 1)` timed by this shell; then until the programs it
# loaded are gone.
measure_d1() {	# round variant condition
	local r=$1 v=$2 c=$3 key="$2.$3" out err maxid t0 t1 x rc wall g ops
	wait_foreign "$r" "$key"
	wait_system_quiet "$r" "$key"
	out="$WORKDIR/$v.$c.r$r.d1.out"; err="$WORKDIR/$v.$c.r$r.d1.err"
	tracer_cmd "$v" d1
	maxid=$("$WORKLOAD" maxprog) || maxid=0
	new_cgroup
	[[ $c == storm ]] && start_storm "$WORKDIR/storm.out"
	# the tool's stderr into the captured pipe, its stdout into a file
	# (the output of a storm does not belong in a shell variable); a
	# process that kept either open would hold the shell here
	t0=$EPOCHREALTIME
	x=$( enter_cgroup; trap - INT QUIT; exec "${TCMD[@]}" 2>&1 > "$out" )
	rc=$?
	t1=$EPOCHREALTIME
	if [[ $CG == - ]]; then
		g=$("$WORKLOAD" gone-above "$maxid" "$t1" "$STOP_TIMEOUT_MS")
	else
		g=$("$WORKLOAD" gone-above "$maxid" "$t1" "$STOP_TIMEOUT_MS" "$CG")
	fi
	drop_cgroup
	printf '%s\n' "$x" > "$err"
	if (( rc != 0 )); then
		if [[ $v == lt && -z ${x//[[:space:]]/} ]]; then
			note "round $r, $key: \`${DESC[$v.d1]}\` exited with $rc, saying nothing (libbpf-tools opensnoop's -d exits 1 when events were still arriving at the end; 0 when idle)"
		else
			note "round $r, $key: \`${DESC[$v.d1]}\` exited with $rc: $(grep -v '^libbpf' "$err" | head -c 200 | tr '\n' ' ')"
		fi
	fi
	if [[ $c == storm ]]; then
		wait "$STORM_PID" || note "round $r, $key: storm failed"
		ops=$(storm_ops "$WORKDIR/storm.out")
		rec "$r" "$key" d1_storm_ops "$ops"
	fi
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
	rec "$r" "$key" d1_wall_ms "$wall"
	rec "$r" "$key" d1_gone_ms "$(sed -n 's/.*gone_ms=\([^ ]*\).*/\1/p' <<< "$g")"
	rec "$r" "$key" d1_empty_ms "$(sed -n 's/.*empty_ms=\([0-9.]*\|timeout\).*/\1/p' <<< "$g")"
	[[ $g == *timeout* ]] && note "round $r, $key: programs loaded during \`-d 1\` still there ${STOP_TIMEOUT_MS} ms after it returned (a foreign tracer?)"
	log "$(printf '  %-10s %-5s -d 1: wall %s ms, programs %s after it returned%s' "$v" "$c" "$wall" "$g" "${ops:+ (storm: $ops open+close)}")"
	(( KEEP )) || rm -f "$out" "$err"
}

# ------------------------------------------------------------------ run ---

START_DATE=$(date '+%Y-%m-%d %H:%M:%S %Z')
START_S=$SECONDS
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
LOUPE_VERSION=$("$LOUPE_BIN/opensnoop" -V 2>/dev/null | head -1)
LOUPE_SUM=$(cat "$LOUPE_BIN/opensnoop" "$LOUPE_BIN/biolatency" 2>/dev/null | sha256sum | cut -c1-12)
for v in "${RUN[@]}"; do
	[[ $v == loupe* ]] && HOOKS[$v]="$(loupe_hooks "$v") (its -v)"
done
log "exit benchmark: $ROUNDS rounds, conditions ${CLIST[*]}, variants: ${RUN[*]}; $PIN_DESC"
log "work directory: $WORKDIR"

for (( r = 1; r <= ROUNDS; r++ )); do
	n=${#RUN[@]}
	for c in "${CLIST[@]}"; do
		log "round $r/$ROUNDS, $c"
		for (( j = 0; j < n; j++ )); do
			v=${RUN[$(( (j + r - 1) % n ))]}	# rotate the order each round
			if (( r % 2 )); then
				measure_sigint "$r" "$v" "$c"; measure_d1 "$r" "$v" "$c"
			else
				measure_d1 "$r" "$v" "$c"; measure_sigint "$r" "$v" "$c"
			fi
		done
	done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED_S=$(( SECONDS - START_S ))
sum=$(cat "$LOUPE_BIN/opensnoop" "$LOUPE_BIN/biolatency" 2>/dev/null | sha256sum | cut -c1-12)
[[ $sum == "$LOUPE_SUM" ]] || note "loupe's binaries changed during the run: rounds measured different builds"

# -------------------------------------------------------------- summary ---

ms() { local x; x=$(minmed "$1" "$2" "${3:-0}"); [[ $x == "?" ]] && echo "?" || echo "$x ms"; }

table() {	# condition
	local c=$1 v
	echo "| tool | hooks | exit after SIGINT | release done | programs freed | \`-d 1\` wall | after \`-d 1\` returned: release done | programs freed |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	for v in "${RUN[@]}"; do
		echo "| $(name_of "$v") | ${HOOKS[$v]:-?} | $(ms "$v.$c" exit_ms 1) | $(ms "$v.$c" empty_ms) | $(ms "$v.$c" gone_ms) | $(ms "$v.$c" d1_wall_ms) | $(ms "$v.$c" d1_empty_ms) | $(ms "$v.$c" d1_gone_ms) |"
	done
}

have() { local v; for v in "${RUN[@]}"; do [[ $v == "$1" ]] && return 0; done; return 1; }
ratio() {	# a b condition metric
	awk -v a="$(agg "$1.$3" "$4" med)" -v b="$(agg "$2.$3" "$4" med)" \
		'BEGIN { if (a == "" || b == "" || a == "timeout" || b == "timeout" || b + 0 == 0) print "?"; else printf "%.2f", a / b }'
}
ratios() {	# condition
	local c=$1 s=""
	if have loupe && have lt; then
		s+="loupe / libbpf-tools opensnoop (medians): exit after SIGINT $(ratio loupe lt "$c" exit_ms), release done $(ratio loupe lt "$c" empty_ms), \`-d 1\` wall $(ratio loupe lt "$c" d1_wall_ms). "
	fi
	if have loupe-bio && have lt-bio; then
		s+="loupe / libbpf-tools biolatency: exit $(ratio loupe-bio lt-bio "$c" exit_ms), release done $(ratio loupe-bio lt-bio "$c" empty_ms), \`-d 1\` wall $(ratio loupe-bio lt-bio "$c" d1_wall_ms). "
	fi
	if have loupe && have loupe-sync; then
		s+="loupe opensnoop, detached release / synchronous: exit $(ratio loupe loupe-sync "$c" exit_ms), \`-d 1\` wall $(ratio loupe loupe-sync "$c" d1_wall_ms)."
	fi
	echo "$s"
}

ROUND_TABLE=$(
	echo "| round | variant | condition | attached ms | storm ops | exit ms | release done ms | programs freed ms | progs | \`-d 1\` wall ms | then release done ms | then programs freed ms | \`-d 1\` storm ops | load |"
	echo "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	awk -F'\t' '
		{ k = $1 SUBSEP $2; if (!(k in seen)) { seen[k] = 1; order[++n] = k } v[k, $3] = $4 }
		END {
			for (i = 1; i <= n; i++) {
				split(order[i], p, SUBSEP); k = order[i]
				split(p[2], vc, ".")
				printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", p[1], vc[1], vc[2],
					v[k, "startup_ms"], v[k, "storm_ops"], v[k, "exit_ms"], v[k, "empty_ms"], v[k, "gone_ms"], v[k, "nprogs"],
					v[k, "d1_wall_ms"], v[k, "d1_empty_ms"], v[k, "d1_gone_ms"], v[k, "d1_storm_ops"], v[k, "load"]
			}
		}' "$RAW"
)
LOUPE_REV=$(git -C "$ROOT_DIR" rev-parse --short HEAD 2>/dev/null || echo "?")

REPORT=$(
	echo "# exit benchmark, $START_DATE"
	echo
	echo "Command: \`bench/exit.sh${ORIG_ARGS:+ $ORIG_ARGS}\` ($ROUNDS interleaved rounds, $(( ELAPSED_S / 60 )) min $(( ELAPSED_S % 60 )) s)"
	echo
	echo "- machine: kernel $(uname -r), $(getconf _NPROCESSORS_ONLN) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo))"
	echo "- pinning: $PIN_DESC"
	echo "- load average before / after: $LOAD_BEFORE / $LOAD_AFTER"
	echo "- loupe: ${LOUPE_VERSION:-version ?} from ${LOUPE_BIN#"$ROOT_DIR"/} (sha256 of opensnoop+biolatency ${LOUPE_SUM}…, repo at $LOUPE_REV); libbpf-tools $(version_of libbpf-tools); bpftrace $(version_of bpftrace); libbpf $(version_of libbpf1)"
	echo "- commands: $(for v in "${RUN[@]}"; do tracer_cmd "$v" d1; printf '`%s` / `%s`; ' "${DESC[$v]}" "${DESC[$v.d1]}"; done | sed 's/; $//')"
	for c in "${CLIST[@]}"; do
		echo
		if [[ $c == idle ]]; then
			echo "## Idle: the tracer attached and idle, then stopped (min / median)"
		else
			echo "## After an open storm: $(fmt "$STORM_MS") ms of open+close as fast as possible on CPU $WORKLOAD_CPU while the tracer is attached (min / median)"
		fi
		echo
		table "$c"
		echo
		ratios "$c"
	done
	echo
	echo "Exit after SIGINT: from the signal until the tracer's process has exited (pidfd readable): when a shell waiting for it gets control back."
	echo "Release done: from the signal until no process is left in the tracer's own cgroup, i.e. also a helper it left behind has exited (loupe's release child, once it has closed the links; for the others it is their exit). Detaching a classic tracepoint link waits for RCU grace periods inside close(), so this is when the kernel has detached everything."
	echo "Programs freed: from the signal until none of the BPF programs the tracer held (prog ids in its /proc fdinfo) is loaded any more, i.e. gone from \`bpftool prog show\`. Not the same as detached: a perf-event (classic tracepoint) link drops its program before its slow teardown, and a raw_tp link frees its program only after an RCU grace period (call_rcu, lazy here), after close() has returned. Polled every 0.5 ms."
	echo "\`-d 1\` wall: \`x=\$(TOOL -d 1 2>&1 >FILE)\` timed by this shell (stderr captured through the pipe, stdout into a file: a process that kept either open would hold the shell); in the storm condition the storm starts with the tool and lasts $(fmt "$STORM_MS") ms. After it returned: from the shell's return until the tool's cgroup is empty / the programs loaded since just before the run are freed (the time of the first look, ~1 ms, when already so)."
	if (( ${#NOTES[@]} )); then
		echo
		echo "Notes:"
		for n in "${NOTES[@]}"; do echo "- $n"; done
	fi
	echo
	echo "## Per round"
	echo
	echo "(load: the 1-minute load average before SIGINT)"
	echo
	echo "$ROUND_TABLE"
)

if [[ -z $OUTFILE ]]; then
	mkdir -p "$BENCH_DIR/results"
	OUTFILE="$BENCH_DIR/results/exit-$(date +%F).md"
	[[ -e $OUTFILE ]] && OUTFILE="$BENCH_DIR/results/exit-$(date +%F-%H%M%S).md"
fi
printf '%s\n' "$REPORT" > "$OUTFILE.tmp" && mv "$OUTFILE.tmp" "$OUTFILE"
printf '%s\n' "$REPORT"
log ""
log "results written to ${OUTFILE#"$ROOT_DIR"/}"
