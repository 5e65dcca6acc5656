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
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STORM_MS=1000
VARIANTS="loupe,loupe-raw,loupe-sync,loupe-bio,lt,lt-bio,bpftrace"
CONDITIONS="idle,storm"
LOUPE_BIN=${LOUPE_BIN:-$ROOT_DIR/build}
LT_OPENSNOOP=/usr/sbin/opensnoop
LT_BIOLATENCY=/usr/sbin/biolatency
BPFTRACE_SCRIPT=/usr/sbin/opensnoop.bt
FOREIGN_RE=.	# any tracing attachment: detaching is serialized machine-wide

extra_opt() {
	case $1 in
	--storm-ms) posint "$1" "${2-}"; STORM_MS=$((10#$2)); OPT_SHIFT=2 ;;
	--conditions) [[ -n ${2-} ]] || die "$1 needs a list"; CONDITIONS=$2; OPT_SHIFT=2 ;;
	esac
}
parse_opts "$@"
check_variants loupe loupe-raw loupe-sync loupe-bio lt lt-bio bpftrace
IFS=, read -r -a CLIST <<< "$CONDITIONS"
for c in "${CLIST[@]}"; do
	case $c in idle|storm) ;; *) echo "$NAME: unknown condition '$c'" >&2; exit 2 ;; esac
done

# ---------------------------------------------------------------- setup ---

WL_WHAT="the storm"
bench_setup exit \
	"coreutils:command -v stdbuf" \
	"libbpf-tools:[[ -x $LT_OPENSNOOP && -x $LT_BIOLATENCY ]]" \
	"bpftrace:command -v bpftrace && [[ -r $BPFTRACE_SCRIPT ]]"
cgroup_setup exit

TARGET_TOKEN="st-$TAG"
TARGET="$WORKDIR/$TARGET_TOKEN"
: > "$TARGET" || die "cannot create $TARGET"

# bpftrace has no duration option: opensnoop.bt plus a probe that exits
# after one second stands for `-d 1`.
BT_D1="$WORKDIR/opensnoop-d1.bt"
if [[ -r $BPFTRACE_SCRIPT ]]; then
	{ cat "$BPFTRACE_SCRIPT"; printf '\ninterval:s:1\n{\n\texit();\n}\n'; } > "$BT_D1"
fi

# Which variants can run, and how. TCMD: the tracer until SIGINT; DCMD:
# the same for one second; ATTACH: how to see it attached (open: opens it
# must report; err:TEXT / out:TEXT: TEXT in its stderr / stdout).
declare -A DESC HOOKS ATTACH
RUN=()
for v in "${VLIST[@]}"; do
	case $v in
	loupe|loupe-raw|loupe-sync)
		[[ -x $LOUPE_BIN/opensnoop ]] || { note "$v skipped: $LOUPE_BIN/opensnoop not found (run 'make' at the repo root)"; continue; }
		ATTACH[$v]=open ;;
	loupe-bio)
		[[ -x $LOUPE_BIN/biolatency ]] || { note "$v skipped: $LOUPE_BIN/biolatency not found (run 'make' at the repo root)"; continue; }
		ATTACH[$v]="err:Tracing block" ;;
	lt)
		[[ -x $LT_OPENSNOOP ]] || { note "$v skipped: $LT_OPENSNOOP not found (apt-get install libbpf-tools)"; continue; }
		ATTACH[$v]=open ;;
	lt-bio)
		[[ -x $LT_BIOLATENCY ]] || { note "$v skipped: $LT_BIOLATENCY not found (apt-get install libbpf-tools)"; continue; }
		ATTACH[$v]="out:Tracing block" ;;
	bpftrace)
		{ command -v bpftrace >/dev/null && [[ -r $BPFTRACE_SCRIPT ]]; } ||
			{ note "$v skipped: bpftrace or $BPFTRACE_SCRIPT not found (apt-get install bpftrace)"; continue; }
		ATTACH[$v]=open ;;
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

# ------------------------------------------------------------ measures ---

# SIGINT: start the tracer, wait until attached, [storm and drain], SIGINT;
# time until exited and until its programs are gone.
measure_sigint() {	# round variant condition
	local r=$1 v=$2 c=$3 key="$2.$3" ops
	wait_system_quiet "$r" "$key"
	tracer_cmd "$v" sigint
	new_cgroup
	tracer_up "$r" "$key" "${ATTACH[$v]}" "${TCMD[@]}" || { drop_cgroup; return; }
	[[ -n ${HOOKS[$v]-} ]] || HOOKS[$v]=$(hooks_of "$TPID")
	if [[ $c == storm ]]; then
		start_storm "$WORKDIR/storm.out"
		wait "$STORM_PID" || note "round $r, $key: storm failed: $(head -c 200 "$WORKDIR/storm.out")"
		ops=$(storm_ops "$WORKDIR/storm.out")
		rec "$r" "$key" storm_ops "$ops"
	fi
	sleep 0.2
	wait_idle "$TPID" || note "round $r, $key: tracer still busy ${DRAIN_TIMEOUT_S}s after the storm"
	check_foreign "$r" "$key" "$TPID"
	rec "$r" "$key" load "$(cut -d' ' -f1 /proc/loadavg)"
	tracer_down "$r" "$key"
	rec_stop "$r" "$key"
	drop_cgroup
	rec "$r" "$key" nprogs "$NPROGS"
	log "$(printf '  %-10s %-5s SIGINT: attached %s ms, %s%s' "$v" "$c" "$ATTACH_MS" "$STOP" "${ops:+ (storm: $ops open+close)}")"
	(( KEEP )) || rm -f "$OUT" "$ERR"
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

LOUPE_VERSION=$("$LOUPE_BIN/opensnoop" -V 2>/dev/null | head -1)
LOUPE_SUM=$(sum_of "$LOUPE_BIN/opensnoop" "$LOUPE_BIN/biolatency")
for v in "${RUN[@]}"; do
	[[ $v == loupe* ]] && { tracer_cmd "$v" sigint; HOOKS[$v]="$(loupe_hooks "${TCMD[@]}") (its -v)"; }
done
log "exit benchmark: $ROUNDS rounds, conditions ${CLIST[*]}, variants: ${RUN[*]}; $PIN_DESC"
log "work directory: $WORKDIR"

for (( r = 1; r <= ROUNDS; r++ )); do
	for c in "${CLIST[@]}"; do
		log "round $r/$ROUNDS, $c"
		for v in $(rotated "$r" "${RUN[@]}"); do
			if (( r % 2 )); then
				measure_sigint "$r" "$v" "$c"; measure_d1 "$r" "$v" "$c"
			else
				measure_d1 "$r" "$v" "$c"; measure_sigint "$r" "$v" "$c"
			fi
		done
	done
done
bench_done
[[ $(sum_of "$LOUPE_BIN/opensnoop" "$LOUPE_BIN/biolatency") == "$LOUPE_SUM" ]] || note "loupe's binaries changed during the run: rounds measured different builds"

# -------------------------------------------------------------- summary ---

table() {	# condition
	local c=$1 v
	echo "| tool | hooks | exit after SIGINT | release done | programs freed | \`-d 1\` wall | after \`-d 1\` returned: release done | programs freed |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	for v in "${RUN[@]}"; do
		echo "| $(name_of "$v") | ${HOOKS[$v]:-?} | $(minmed_ms "$v.$c" exit_ms 1) | $(minmed_ms "$v.$c" empty_ms) | $(minmed_ms "$v.$c" gone_ms) | $(minmed_ms "$v.$c" d1_wall_ms) | $(minmed_ms "$v.$c" d1_empty_ms) | $(minmed_ms "$v.$c" d1_gone_ms) |"
	done
}

ratios() {	# condition
	local c=$1 s=""
	ratio_c() { ratio "$1.$c" "$2.$c" "$3"; }
	if have loupe && have lt; then
		s+="loupe / libbpf-tools opensnoop (medians): exit after SIGINT $(ratio_c loupe lt exit_ms), release done $(ratio_c loupe lt empty_ms), \`-d 1\` wall $(ratio_c loupe lt d1_wall_ms). "
	fi
	if have loupe-bio && have lt-bio; then
		s+="loupe / libbpf-tools biolatency: exit $(ratio_c loupe-bio lt-bio exit_ms), release done $(ratio_c loupe-bio lt-bio empty_ms), \`-d 1\` wall $(ratio_c loupe-bio lt-bio d1_wall_ms). "
	fi
	if have loupe && have loupe-sync; then
		s+="loupe opensnoop, detached release / synchronous: exit $(ratio_c loupe loupe-sync exit_ms), \`-d 1\` wall $(ratio_c loupe loupe-sync d1_wall_ms)."
	fi
	echo "$s"
}

LOUPE_REV=$(git -C "$ROOT_DIR" rev-parse --short HEAD 2>/dev/null || echo "?")

REPORT=$(
	report_head "exit benchmark" \
		"loupe: ${LOUPE_VERSION:-version ?} from ${LOUPE_BIN#"$ROOT_DIR"/} (sha256 of opensnoop+biolatency ${LOUPE_SUM}…, repo at $LOUPE_REV); libbpf-tools $(version_of libbpf-tools); bpftrace $(version_of bpftrace); libbpf $(version_of libbpf1)" \
		"commands: $(for v in "${RUN[@]}"; do tracer_cmd "$v" d1; echo "${DESC[$v]}\` / \`${DESC[$v.d1]}"; done | { mapfile -t c; code_list "${c[@]}"; })"
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
	report_notes
	echo
	echo "## Per round"
	echo
	echo "(load: the 1-minute load average before SIGINT)"
	echo
	KEY_COLS="variant | condition" round_table "attached ms:startup_ms" "storm ops:storm_ops" "exit ms:exit_ms" \
		"release done ms:empty_ms" "programs freed ms:gone_ms" "progs:nprogs" "\`-d 1\` wall ms:d1_wall_ms" \
		"then release done ms:d1_empty_ms" "then programs freed ms:d1_gone_ms" "\`-d 1\` storm ops:d1_storm_ops" "load:load"
)

write_report exit
