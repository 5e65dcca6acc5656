# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lib.sh - shared helpers of the bench/ scripts (sourced;
# bench/biolatency.sh keeps its own copies). The caller sets NAME (for
# messages), sources this, sets VARIANTS and changes the defaults below it
# needs to, then calls parse_opts "$@" (its usage is the comment block
# from "# usage:" on) and bench_setup, which set WORKDIR, RAW, CLK_TCK, WL
# and the rest.

NAME=${NAME:-bench}
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)
BUILD="$BENCH_DIR/build"
WORKLOAD="$BUILD/workload"

# Defaults; the options (parse_opts) and the scripts change them.
# shellcheck disable=SC2034 # used by the scripts that source this
{
ROUNDS=5
PIN=1
INSTALL=1
KEEP=0
OUTFILE=""
TRACER_CPU=0
WORKLOAD_CPU=1
ATTACH_TIMEOUT_MS=30000
STOP_TIMEOUT_MS=30000
DRAIN_TIMEOUT_S=60
FOREIGN_WAIT_S=300
QUIET_WAIT_S=60
QUIET_PCT=15
FOREIGN_RE=.	# which attachments count as foreign tracers (their target)
}

# The comment block of the script from "# usage:" on
usage() { awk '/^# usage:/ { on = 1 } on && !/^#/ { exit } on { sub(/^# ?/, ""); print }' "$0"; }

die() { echo "$NAME: $*" >&2; exit 1; }
log() { printf '%s\n' "$*" >&2; }
posint() { if [[ ! $2 =~ ^[0-9]+$ ]] || (( 10#$2 == 0 )); then echo "$NAME: $1: not a positive integer: '$2'" >&2; exit 2; fi; }
nonneg() { [[ $2 =~ ^[0-9]+$ ]] || { echo "$NAME: $1: not a number: '$2'" >&2; exit 2; }; }

NOTES=()
note() { NOTES+=("$*"); log "note: $*"; }

# ------------------------------------------------------------- options ---

# The options every script takes. A script's own options go to extra_opt,
# if it defines one: called with the words left, it sets OPT_SHIFT to the
# number of words it used (0: not one of its options).
parse_opts() {
	ORIG_ARGS="$*"
	while (( $# )); do
		case $1 in
		-r|--rounds) posint "$1" "${2-}"; ROUNDS=$((10#$2)); shift 2 ;;
		--variants) [[ -n ${2-} ]] || die "$1 needs a list"; VARIANTS=$2; shift 2 ;;
		--no-pin) PIN=0; shift ;;
		--foreign-wait) nonneg "$1" "${2-}"; FOREIGN_WAIT_S=$((10#$2)); shift 2 ;;
		--quiet-wait) nonneg "$1" "${2-}"; QUIET_WAIT_S=$((10#$2)); shift 2 ;;
		--quiet-pct) nonneg "$1" "${2-}"; QUIET_PCT=$((10#$2)); shift 2 ;;
		--no-install) INSTALL=0; shift ;;
		--keep) KEEP=1; shift ;;
		-o|--out) [[ -n ${2-} ]] || die "$1 needs a file"; OUTFILE=$2; shift 2 ;;
		-h|--help) usage; exit 0 ;;
		*)
			OPT_SHIFT=0
			if declare -F extra_opt >/dev/null; then extra_opt "$@"; fi
			(( OPT_SHIFT )) || { echo "$NAME: unknown option '$1' (see --help)" >&2; exit 2; }
			shift "$OPT_SHIFT" ;;
		esac
	done
}

# VLIST: the words of VARIANTS, each one of the arguments
check_variants() {
	local v a ok
	IFS=, read -r -a VLIST <<< "$VARIANTS"
	for v in "${VLIST[@]}"; do
		ok=0
		for a; do [[ $v == "$a" ]] && ok=1; done
		(( ok )) || { echo "$NAME: unknown variant '$v' (one of: $*)" >&2; exit 2; }
	done
}

# ---------------------------------------------------------------- setup ---

# ensure_packages PKG:TEST ...  (TEST: a shell condition true when present)
ensure_packages() {
	local missing=() spec
	for spec in "$@"; do
		eval "${spec#*:}" >/dev/null 2>&1 || missing+=("${spec%%:*}")
	done
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

# shellcheck disable=SC2034 # used by the scripts that source this
BASE_PACKAGES=(
	"make:command -v make"
	"gcc:command -v cc"
	"clang:command -v clang"
	"pkg-config:command -v pkg-config"
	"libbpf-dev:pkg-config --exists libbpf"
	"libelf-dev:[[ -e /usr/include/gelf.h ]]"
	"util-linux:command -v taskset"
	"bpftool:command -v bpftool"
)

# Everything before the first round: root, packages (BASE_PACKAGES and the
# PKG:TEST arguments), tracefs, bench/ built, no LOUPE_FORCE_HOOK or
# LOUPE_SYNC_RELEASE from the environment, the work directory (WORKDIR,
# TAG: its unique suffix), RAW, CLK_TCK, the cleanup trap, pinning (WL:
# the workload command, PIN_DESC; WL_WHAT names the workload there), the
# start time and load.
bench_setup() {	# workdir-name [PKG:TEST...]
	local name=$1 e
	shift
	(( EUID == 0 )) || die "must run as root (BPF, tracefs)"
	# the environment must not choose loupe's hooks or release for us
	for e in LOUPE_FORCE_HOOK LOUPE_SYNC_RELEASE; do
		if [[ -n ${!e-} ]]; then
			note "$e=${!e} was set in the environment; unset for the run"
			unset "$e"
		fi
	done
	ensure_packages "${BASE_PACKAGES[@]}" "$@"
	ensure_tracefs
	make -s -C "$BENCH_DIR" >&2 || die "building bench/ failed"
	[[ -x $WORKLOAD && -x $BUILD/floor && -r $BUILD/floor.bpf.o ]] || die "bench/build is incomplete"
	WORKDIR=$(mktemp -d "${WORKDIR_BASE:-/tmp}/loupe-bench-$name.XXXXXX") || die "mktemp failed"
	# shellcheck disable=SC2034 # used by the scripts
	TAG=${WORKDIR##*.}
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	RAW="$WORKDIR/raw.tsv"
	: > "$RAW"
	CLK_TCK=$(getconf CLK_TCK)
	if (( PIN )); then
		taskset -pc "$TRACER_CPU" $$ >/dev/null || die "taskset failed"
		WL=(taskset -c "$WORKLOAD_CPU" "$WORKLOAD")
		PIN_DESC="tracers (and this script) pinned to CPU $TRACER_CPU, ${WL_WHAT:-the workload} to CPU $WORKLOAD_CPU"
	else
		WL=("$WORKLOAD")
		PIN_DESC="no pinning"
	fi
	START_DATE=$(date '+%Y-%m-%d %H:%M:%S %Z')
	START_S=$SECONDS
	LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
}

# loupe's binaries must not change during the run (bench_done checks)
WATCHED=()
watch_binaries() { WATCHED=("$@"); WATCHED_SUM=$(sum_of "$@"); }

# After the last round
bench_done() {
	LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
	ELAPSED_S=$(( SECONDS - START_S ))
	if (( ${#WATCHED[@]} )) && [[ $(sum_of "${WATCHED[@]}") != "$WATCHED_SUM" ]]; then
		note "loupe's binaries changed during the run: rounds measured different builds"
	fi
}

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

# A short sha256 of files (loupe's binaries: did they change during the run?)
sum_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-12; }

ensure_tracefs() {
	if [[ -d /sys/kernel/tracing/events/syscalls ]] ||
	   [[ -d /sys/kernel/debug/tracing/events/syscalls ]]; then
		return 0
	fi
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null ||
		die "tracefs is not mounted and mounting it on /sys/kernel/tracing failed"
	note "tracefs was not mounted; mounted it on /sys/kernel/tracing (left mounted)"
}

# ------------------------------------------------------------- samples ---

rec() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$RAW"; }	# round key metric value

# agg KEY METRIC FUNC  (FUNC: min, med, max, n, timeouts: how many
# timed out); "timeout" samples sort last, and make a median "timeout"
# only if half of them are
agg() {
	awk -F'\t' -v v="$1" -v m="$2" '$2 == v && $3 == m && $4 != "" { print ($4 == "timeout") ? "inf" : $4 }' "$RAW" |
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
		printf "%.6f\n", r }'
}

# "min / median" of KEY METRIC with DEC decimals
minmed() {
	local mn md
	mn=$(agg "$1" "$2" min); md=$(agg "$1" "$2" med)
	[[ -n $mn ]] || { echo "?"; return; }
	echo "$(fmt "$mn" "${3:-0}") / $(fmt "$md" "${3:-0}")"
}

# Lost events as the tools report them, summed over their lines (loupe:
# "TOOL: E events, N lost (...)"; libbpf-tools: "Lost N events on CPU
# #c"; bpftrace: "Lost N events"); "-" when there is no such line.
reported_lost() {	# file...
	cat "$@" 2>/dev/null | awk '
		match($0, /[0-9]+ +(events +)?lost/) { x = substr($0, RSTART, RLENGTH); sub(/ .*/, "", x); s += x; n++; next }
		match($0, /[Ll]ost:? +[0-9]+/) { x = substr($0, RSTART, RLENGTH); sub(/^[^0-9]*/, "", x); s += x; n++ }
		END { if (n) print s; else print "-" }'
}

# loupe's own account of its losses, into the notes
note_loupe_lost() {	# round key errfile
	local why
	why=$(sed -n 's/^[a-z]*: [0-9]* events, [1-9][0-9]* lost (\(.*\))$/\1/p' "$3" | head -1)
	[[ -z $why ]] || note "round $1, $2: lost events: $why"
}

# The value of KEY=... in a workload's output line
kv() { sed -n "s/.*\(^\| \)$1=\([^ ]*\).*/\2/p" <<< "$2"; }

# "min / median" over rounds of KEY's METRIC minus BASE's (DEC decimals)
added() {	# key base metric [dec]
	local mn md bmn bmd
	mn=$(agg "$1" "$3" min); md=$(agg "$1" "$3" med)
	bmn=$(agg "$2" "$3" min); bmd=$(agg "$2" "$3" med)
	if [[ -z $mn || -z $bmn ]]; then echo "?"; return; fi
	echo "$(fmt "$(ar sub "$mn" "$bmn")" "${4:-0}") / $(fmt "$(ar sub "$md" "$bmd")" "${4:-0}")"
}

# medians of A's and B's METRIC, each minus BASE's when BASE is given: A / B
ratio() {	# a b metric [base]
	local a b
	a=$(agg "$1" "$3" med); b=$(agg "$2" "$3" med)
	if [[ -n ${4-} ]]; then
		a=$(ar sub "$a" "$(agg "$4" "$3" med)"); b=$(ar sub "$b" "$(agg "$4" "$3" med)")
	fi
	awk -v a="$a" -v b="$b" 'BEGIN { if (a == "" || b == "" || a == "timeout" || b == "timeout" || b + 0 == 0) print "?"; else printf "%.2f", a / b }'
}

# METRIC (a count) over N, in % with DEC decimals: "median / worst round"
pct_cell() {	# key metric n [dec]
	awk -v d="$(agg "$1" "$2" med)" -v w="$(agg "$1" "$2" min)" -v n="$3" -v dec="${4:-2}" \
		'BEGIN { if (d == "" || n + 0 == 0) print "?"; else printf "%." dec "f%% / %." dec "f%%", 100 * d / n, 100 * w / n }'
}

# the largest loss a tool reported in a round, "not reported" if never
lost_cell() {	# key
	awk -F'\t' -v v="$1" 'BEGIN { m = -1 } $2 == v && $3 == "lost" && $4 != "-" { if ($4 + 0 > m) m = $4 + 0 }
		END { print (m < 0) ? "not reported" : m }' "$RAW"
}

# The items rotated left by ROUND-1: each round runs the variants in
# another order, so that none always runs first or after the same one
rotated() {	# round item...
	local r=$1 n i
	shift
	n=$#
	for (( i = 0; i < n; i++ )); do
		echo "${@:$(( (i + r - 1) % n + 1 )):1}"
	done
}

# Is VARIANT among those that run (RUN)?
have() { local v; for v in "${RUN[@]}"; do [[ $v == "$1" ]] && return 0; done; return 1; }

# The per-round table: a row per round and key, in the order measured, a
# column per "HEADER:metric" argument. With KEY_COLS="a | b" the key
# (a.b) is split into those two columns.
round_table() {
	local spec hdr sep mets=""
	hdr="| round | ${KEY_COLS:-variant} |"
	sep="|---:|---|"
	[[ -n ${KEY_COLS-} ]] && sep+="---|"
	for spec; do hdr+=" ${spec%%:*} |"; sep+="---:|"; mets+="${spec##*:} "; done
	echo "$hdr"
	echo "$sep"
	awk -F'\t' -v mets="$mets" -v split_key="${KEY_COLS:+1}" '
		{ k = $1 SUBSEP $2; if (!(k in seen)) { seen[k] = 1; order[++n] = k } v[k, $3] = $4 }
		END {
			nm = split(mets, m, " ")
			for (i = 1; i <= n; i++) {
				split(order[i], p, SUBSEP)
				key = p[2]
				if (split_key) { d = index(key, "."); key = substr(key, 1, d - 1) " | " substr(key, d + 1) }
				line = "| " p[1] " | " key " |"
				for (j = 1; j <= nm; j++) line = line " " v[order[i], m[j]] " |"
				print line
			}
		}' "$RAW"
}

# ------------------------------------------------------------- reports ---

# The head of a results file: title, command, machine, pinning, load, the
# lines given (each a "- ..." item)
report_head() {	# title [item...]
	local i
	echo "# $1, $START_DATE"
	echo
	echo "Command: \`bench/$NAME${ORIG_ARGS:+ $ORIG_ARGS}\` ($ROUNDS interleaved rounds, $(( ELAPSED_S / 60 )) min $(( ELAPSED_S % 60 )) s)"
	echo
	echo "- machine: kernel $(uname -r), $(getconf _NPROCESSORS_ONLN) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo))"
	echo "- pinning: $PIN_DESC"
	echo "- load average before / after: $LOAD_BEFORE / $LOAD_AFTER"
	shift
	for i; do echo "- $i"; done
}

# The arguments as markdown code, separated by "; "
code_list() { local x s=""; for x; do s+="\`$x\`; "; done; echo "${s%; }"; }

# The versions item of a report: loupe (its first binary's -V; the
# binaries' sha256 and the repo's commit), the peers, libbpf
versions_item() {	# loupe-binary...
	local f names=""
	for f; do names+="${names:+, }${f#"$ROOT_DIR"/}"; done
	echo "loupe: $("$1" -V 2>/dev/null | head -1) ($names, sha256 $(sum_of "$@")…, repo at $(git -C "$ROOT_DIR" rev-parse --short HEAD 2>/dev/null || echo "?")); libbpf-tools $(version_of libbpf-tools); bpftrace $(version_of bpftrace); libbpf $(version_of libbpf1)"
}

report_notes() {
	local n
	(( ${#NOTES[@]} )) || return 0
	echo
	echo "Notes:"
	for n in "${NOTES[@]}"; do echo "- $n"; done
}

# REPORT into OUTFILE (default bench/results/BASE-<date>.md, with the time
# appended if that exists) and on stdout
write_report() {	# base
	if [[ -z $OUTFILE ]]; then
		mkdir -p "$BENCH_DIR/results"
		OUTFILE="$BENCH_DIR/results/$1-$(date +%F).md"
		[[ -e $OUTFILE ]] && OUTFILE="$BENCH_DIR/results/$1-$(date +%F-%H%M%S).md"
	fi
	printf '%s\n' "$REPORT" > "$OUTFILE.tmp" && mv "$OUTFILE.tmp" "$OUTFILE"
	printf '%s\n' "$REPORT"
	log ""
	log "results written to ${OUTFILE#"$ROOT_DIR"/}"
}

# minmed with " ms"
minmed_ms() { local x; x=$(minmed "$1" "$2" "${3:-0}"); [[ $x == "?" ]] && echo "?" || echo "$x ms"; }

# ------------------------------------------------------------ processes ---

# utime+stime of a process, in clock ticks
cpu_ticks() {
	local line rest
	read -r line < "/proc/$1/stat" 2>/dev/null || { echo 0; return; }
	rest=${line##*) }
	# shellcheck disable=SC2086 # the fields, split
	set -- $rest
	echo $(( ${12} + ${13} ))
}

# Wait until the tracer is idle: at most 1 clock tick of CPU in 200 ms.
wait_idle() {
	local pid=$1 a b i
	a=$(cpu_ticks "$pid")
	for (( i = 0; i < DRAIN_TIMEOUT_S * 5; i++ )); do
		sleep 0.2
		b=$(cpu_ticks "$pid")
		(( b - a <= 1 )) && return 0
		a=$b
	done
	return 1
}

# The BPF programs a process holds (prog fds, and the programs of its link
# fds), from /proc/PID/fdinfo: their ids, one line.
prog_ids_of() {
	grep -hs '^prog_id:' /proc/"$1"/fdinfo/* | awk '{ print $2 }' | sort -un | tr '\n' ' ' | sed 's/ $//'
}

# BPF tracing attachments that are not ours, i.e. not held by process
# SELF. `bpftool perf show` names the holder of classic tracepoints,
# kprobes, uprobes and raw tracepoints (tp_btf too); links of other kinds
# (fentry, kprobe_multi, uprobe_multi...) come from `bpftool link show`,
# which names no holder here, so those are told apart by program id. An
# attachment counts if its target matches FOREIGN_RE (links without a
# target name match as "?"). Prints "kind:target[pid] ...", nothing if none.
foreign_tracers() {
	local self=${1:-none} ids=""
	command -v bpftool >/dev/null || return 0
	[[ $self != none ]] && ids=$(prog_ids_of "$self")
	{
		bpftool perf show 2>/dev/null |
			awk -v self="$self" -v re="$FOREIGN_RE" '$1 == "pid" && $2 != self && $NF ~ re { print $(NF-1) ":" $NF "[" $2 "]" }'
		bpftool link show 2>/dev/null |
			awk -v ids=" $ids " -v re="$FOREIGN_RE" '
				# "ID: KIND prog N ...", or "ID: type T prog N ..." for
				# kinds this bpftool does not know (uprobe_multi in 7.1)
				/^[0-9]+: / {
					kind = ($2 == "type") ? "link type " $3 : $2; prog = "?"
					for (i = 2; i < NF; i++) if ($i == "prog") prog = $(i + 1)
					if (kind ~ /^(perf_event|raw_tracepoint|cgroup|netns|xdp|tcx|netkit|netfilter|struct_ops|sockmap)$/) next
					if (index(ids, " " prog " ")) next
					if ("?" ~ re) print kind ":prog " prog
				}'
	} | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# Before a measurement: wait (up to FOREIGN_WAIT_S) until no other tracer
# is attached.
wait_foreign() {	# round key
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

# During or after a measurement: is another tracer attached?
check_foreign() {	# round key [tracer pid]
	local f
	f=$(foreign_tracers "${3-}")
	if [[ -n $f ]]; then
		rec "$1" "$2" foreign "$f"
		note "round $1, $2: other BPF tracers attached during the measurement: $f"
	fi
}

# busy clock ticks of all CPUs together (no fork: bash builtins only)
sys_busy_ticks() {
	local u n s irq sirq st
	read -r _ u n s _ _ irq sirq st _ < /proc/stat
	echo $(( u + n + s + irq + sirq + st ))
}

# Before a measurement: wait (up to QUIET_WAIT_S seconds) until the rest of
# the machine uses at most QUIET_PCT % of one CPU over one second. Sets
# BUSY_PCT to the last value seen.
wait_system_quiet() {	# round key
	local a b i waited=0
	BUSY_PCT=""
	(( QUIET_WAIT_S > 0 )) || return 0
	for (( i = 0; i < QUIET_WAIT_S; i++ )); do
		a=$(sys_busy_ticks)
		sleep 1
		b=$(sys_busy_ticks)
		BUSY_PCT=$(( (b - a) * 100 / CLK_TCK ))
		(( BUSY_PCT <= QUIET_PCT )) && return 0
		if (( !waited )); then
			log "  (waiting for the machine to be quiet: others use ${BUSY_PCT}% of a CPU)"
			waited=1
		fi
	done
	rec "$1" "$2" busy "$BUSY_PCT"
	note "round $1, $2: measured on a busy machine (others used ${BUSY_PCT}% of a CPU just before)"
}

version_of() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "?"; }

# ------------------------------------------------------------- tracers ---

# Each tracer may run in a cgroup v2 of its own, so that a process it
# leaves behind (loupe's release child) is seen going too: "release done"
# is when that cgroup holds no process any more. CG is "-" without one.
CGROOT=""
CG=-
CGN=0
cgroup_setup() {	# name
	local c2
	c2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	if [[ -n $c2 ]] && mkdir "$c2/loupe-bench-$1.$$" 2>/dev/null; then
		CGROOT="$c2/loupe-bench-$1.$$"
	else
		note "no cgroup v2 to put the tracers in: 'release done' is not measured"
	fi
}
# a fresh cgroup for the next tracer: CG
new_cgroup() {
	CG=-
	[[ -n $CGROOT ]] || return 0
	CGN=$(( CGN + 1 ))
	mkdir "$CGROOT/m$CGN" 2>/dev/null && CG="$CGROOT/m$CGN"
}
drop_cgroup() { [[ $CG == - ]] || rmdir "$CG" 2>/dev/null || note "cgroup $CG not empty at the end of a measurement"; CG=-; }
# in the tracer's (sub)shell, before exec
enter_cgroup() { [[ $CG == - ]] || echo "$BASHPID" > "$CG/cgroup.procs"; }

# Start a tracer in the background, stdout and stderr into files, SIGINT
# at its default (a plain & in a script would start it ignored), in the
# cgroup CG: TPID, T0 (its start, $EPOCHREALTIME)
start_tracer() {	# out err cmd...
	local out=$1 err=$2
	shift 2
	T0=$EPOCHREALTIME
	( enter_cgroup; trap - INT QUIT; exec "$@" ) > "$out" 2> "$err" &
	TPID=$!
	CLEANUP_PIDS=("$TPID")
}

# Wait until the tracer started last is attached: ATTACH_MS from its start
# (or why not: timeout, died), ATTACH_RES (the workload's line). HOW: open or exec (the first of the probe
# opens or failing execs PREFIX<k>, one every 1 ms, that its output shows:
# workload attach / attach-exec), err:TEXT or out:TEXT (TEXT in its
# stderr or stdout).
wait_attached() {	# how out err prefix
	local res
	case $1 in
	open) ATTACH_RES=$("${WL[@]}" attach "$4" "$2" "$T0" "$ATTACH_TIMEOUT_MS" "$TPID"); res=$(kv attach_ms "$ATTACH_RES") ;;
	exec) ATTACH_RES=$("${WL[@]}" attach-exec "$4" "$2" "$T0" "$ATTACH_TIMEOUT_MS" "$TPID"); res=$(kv attach_ms "$ATTACH_RES") ;;
	err:*) ATTACH_RES=$("${WL[@]}" wait "$3" "${1#err:}" "$T0" "$ATTACH_TIMEOUT_MS" "$TPID"); res=$(kv visible_ms "$ATTACH_RES") ;;
	out:*) ATTACH_RES=$("${WL[@]}" wait "$2" "${1#out:}" "$T0" "$ATTACH_TIMEOUT_MS" "$TPID"); res=$(kv visible_ms "$ATTACH_RES") ;;
	*) die "wait_attached: unknown way '$1'" ;;
	esac
	ATTACH_MS=${res:-?}
	[[ $res =~ ^[0-9.]+$ ]]
}

# A tracer that did not attach: note it (with its stderr), kill it
tracer_failed() {	# round key
	note "round $1, $2: not attached ($ATTACH_MS); stderr: $(grep -v '^libbpf' "$ERR" | head -c 300 | tr '\n' ' ')"
	kill -KILL "$TPID" 2>/dev/null
	wait "$TPID" 2>/dev/null
	CLEANUP_PIDS=()
	TPID=""
}

# Wait for foreign tracers, start the tracer (output into OUT and ERR in
# the work directory), wait until it is attached (records startup_ms) and
# idle. 1 (noted) if it did not attach.
tracer_up() {	# round key how cmd...
	local r=$1 key=$2 how=$3
	shift 3
	OUT="$WORKDIR/$key.r$r.out"; ERR="$WORKDIR/$key.r$r.err"
	wait_foreign "$r" "$key"
	start_tracer "$OUT" "$ERR" "$@"
	wait_attached "$how" "$OUT" "$ERR" "$WORKDIR/p-$key-$r-" || { tracer_failed "$r" "$key"; return 1; }
	rec "$r" "$key" startup_ms "$ATTACH_MS"
	wait_idle "$TPID" || note "round $r, $key: tracer not idle after start-up"
}

# SIGINT the tracer through `workload stop`, which times its exit, its BPF
# programs going and its cgroup (CG) emptying: STOP (its output line),
# STOP_RC (the tracer's exit status), NPROGS. Still running after
# STOP_TIMEOUT_MS: killed (noted).
tracer_down() {	# round key
	local ids
	ids=$(prog_ids_of "$TPID")
	# shellcheck disable=SC2034 # used by the scripts
	NPROGS=$(wc -w <<< "$ids")
	# shellcheck disable=SC2086
	STOP=$("$WORKLOAD" stop "$TPID" "$STOP_TIMEOUT_MS" "$CG" $ids)
	if [[ $STOP == *exit_ms=timeout* ]]; then
		kill -KILL "$TPID" 2>/dev/null
		note "round $1, $2: still running ${STOP_TIMEOUT_MS} ms after SIGINT (killed)"
	fi
	wait "$TPID"
	STOP_RC=$?
	CLEANUP_PIDS=()
	(( STOP_RC == 0 )) || note "round $1, $2: exit status $STOP_RC after SIGINT"
	[[ $STOP == *empty_ms=timeout* ]] && note "round $1, $2: a process of the tracer still there ${STOP_TIMEOUT_MS} ms after SIGINT"
}

# tracer_down's times as metrics exit_ms, gone_ms, empty_ms
rec_stop() {	# round key
	rec "$1" "$2" exit_ms "$(kv exit_ms "$STOP")"
	rec "$1" "$2" gone_ms "$(kv gone_ms "$STOP")"
	rec "$1" "$2" empty_ms "$(kv empty_ms "$STOP" | sed 's/^-$//')"
}

# Run the workload (its mode and arguments) on its CPU once the machine is
# quiet; record its ns per operation as METRIC, the load (before the
# first workload of the measurement), and with a tracer
# running (TPID) the tracer's CPU time per operation (ns) from just before
# the workload until it is idle after it, as METRIC_tcpu (and TCPU_NS).
# WLRES: the workload's output line.
wl_run() {	# round key metric mode-and-args...
	local r=$1 key=$2 m=$3 t0=0 t1 ns ops
	shift 3
	wait_system_quiet "$r" "$key"
	# the load before the first workload of the measurement
	grep -q "^$r	$key	load	" "$RAW" || rec "$r" "$key" load "$(cut -d' ' -f1 /proc/loadavg)"
	[[ -n ${TPID-} ]] && t0=$(cpu_ticks "$TPID")
	WLRES=$("${WL[@]}" "$@") || note "round $r, $key: workload '$*' failed: $WLRES"
	ns=$(kv ns_per_op "$WLRES")
	[[ -n $ns ]] || ns=$(kv ns_per_call "$WLRES")
	rec "$r" "$key" "$m" "$ns"
	[[ -n ${TPID-} ]] || return 0
	wait_idle "$TPID" || note "round $r, $key: tracer still busy ${DRAIN_TIMEOUT_S}s after the workload"
	t1=$(cpu_ticks "$TPID")
	ops=$(kv ops "$WLRES")
	[[ -n $ops ]] || ops=$(kv calls "$WLRES")
	TCPU_NS=$(awk -v t=$(( t1 - t0 )) -v hz="$CLK_TCK" -v n="$ops" 'BEGIN { if (n > 0) printf "%.0f", t * 1e9 / hz / n }')
	rec "$r" "$key" "${m}_tcpu" "$TCPU_NS"
}

# For every sample of METRIC, one of NEW = METRIC / DIVISOR (ns into µs...)
derive() {	# metric new divisor
	awk -F'\t' -v m="$1" -v n="$2" -v d="$3" 'BEGIN { OFS = "\t" }
		$3 == m && $4 != "" && $4 != "timeout" { print $1, $2, n, $4 / d }' "$RAW" > "$RAW.new"
	cat "$RAW.new" >> "$RAW"
	rm -f "$RAW.new"
}

# loupe's choice of hooks: the "hooks: ..." line of its -v in a short run
# (without opensnoop's "; object ...")
loupe_hooks() {	# cmd...
	local h
	h=$( ( trap - INT QUIT; exec "$@" -v -d 300ms ) 2>&1 >/dev/null | sed -n 's/^[a-z]*: hooks: //; T; s/; object .*//; p' | head -1)
	echo "${h:-?}"
}

# The hooks of a running tracer, as `bpftool perf show` sees them: "KIND
# name name ..., KIND ..." (tp_btf shows as raw_tracepoint; a uprobe as
# FILE+OFFSET). Links without a perf event (uprobe_multi...) are not there.
hooks_of() {	# pid
	bpftool perf show 2>/dev/null |
		awk -v p="$1" '
			# pid P  fd F: prog_id I  KIND  NAME | filename PATH offset O | func F offset O
			$1 == "pid" && $2 == p {
				k = $7; x = $NF
				if ($8 == "filename") { x = $9; sub(/.*\//, "", x); x = x "+" $11 }
				else if ($8 == "func") x = $9
				if (!(k in h)) o[++n] = k
				h[k] = h[k] " " x
			}
			END { for (i = 1; i <= n; i++) printf "%s%s%s", (i > 1 ? ", " : ""), o[i], h[o[i]] }'
}

# ------------------------------------------------------- cost scripts ---

# HOOKS (what each variant attaches) and DESC (its command), by variant
# shellcheck disable=SC2034 # used by the scripts
declare -A HOOKS DESC

# One measurement of a variant: wait for foreign tracers; unless the
# variant is "none", start its tracer (the script's tracer_cmd VARIANT sets
# TCMD and HOW, see wait_attached) and wait until it is attached and idle;
# run the script's workloads (run_workloads ROUND VARIANT, with wl_run);
# stop the tracer (records exit_ms) and let the script count its output
# (count_output ROUND VARIANT, OUT and ERR still there).
measure_variant() {	# round variant
	local r=$1 v=$2
	TPID=""
	if [[ $v == none ]]; then
		wait_foreign "$r" "$v"
	else
		tracer_cmd "$v"
		tracer_up "$r" "$v" "$HOW" "${TCMD[@]}" || return 0
		[[ -n ${HOOKS[$v]-} ]] || HOOKS[$v]=$(hooks_of "$TPID")
	fi
	run_workloads "$r" "$v"
	check_foreign "$r" "$v" "$TPID"
	[[ -n $TPID ]] || return 0
	# a loupe release child may still be detaching after this: the next
	# measurement waits for it (foreign tracers are waited for)
	tracer_down "$r" "$v"
	rec "$r" "$v" exit_ms "$(kv exit_ms "$STOP")"
	count_output "$r" "$v"
	(( KEEP )) || rm -f "$OUT" "$ERR"
}

# ROUNDS rounds of measure_variant over RUN, in an order rotated each round
run_rounds() {
	local r v
	for (( r = 1; r <= ROUNDS; r++ )); do
		log "round $r/$ROUNDS"
		for v in $(rotated "$r" "${RUN[@]}"); do measure_variant "$r" "$v"; done
	done
}

# Lines of FILE with WORD as one of their blank-separated fields
count_field() {	# file word
	awk -v w="$2" '{ for (i = 1; i <= NF; i++) if ($i == w) { n++; next } } END { print n + 0 }' "$1"
}

# The events a loupe tool counted, from its stderr line "TOOL: E events, ..."
loupe_events() { sed -n 's/^[a-z]*: \([0-9]*\) events, .*/\1/p' "$1" | head -1; }

# Record what a per-event tracer delivered (DELIVERED, counted by the
# caller) and lost as it says (its stderr; bpftrace's "Lost" lines are in
# its stdout)
rec_delivery() {	# round key delivered
	rec "$1" "$2" delivered "$3"
	if [[ $2 == bpftrace* ]]; then
		# (its "Lost N events" may land in the middle of an event's line)
		rec "$1" "$2" lost "$(grep -ho 'Lost [0-9][0-9]* events' "$ERR" "$OUT" | reported_lost /dev/stdin)"
	else
		rec "$1" "$2" lost "$(reported_lost "$ERR")"
	fi
	note_loupe_lost "$1" "$2" "$ERR"
}

# A peer that cannot run here: try it once for up to 10 s; prints why not
# (its exit status, its first and last error lines), or nothing if it ran
# (then it is stopped)
cannot_run() {	# cmd...
	local out="$WORKDIR/cannot.out" err="$WORKDIR/cannot.err" rc
	( trap - INT QUIT; exec timeout -s INT 10 "$@" ) > "$out" 2> "$err"
	rc=$?
	(( rc == 124 )) && return 0
	echo "exit status $rc: $(cat "$err" "$out" | sed 's/^libbpf: //' | grep -v RLIMIT_MEMLOCK | grep -iE 'error|fail|no such|not ' |
		sed -n '1h; $ { x; G; p }' | uniq | paste -sd '\t' | sed 's/\t/ … /')"
}

# Can the variant run? Its program must be there; if not, note why and
# say no
usable() {	# variant program how-to-get-it
	[[ -x $2 ]] && return 0
	note "$1 skipped: $2 not found ($3)"
	return 1
}

# The summary table of a cost script: a row per variant in RUN (name_of
# VARIANT, HOOKS[VARIANT]), a column per "HEADER|KIND|METRIC|DEC|SUFFIX":
#   mm     min / median of METRIC
#   add    added over no tracer (min / median; "—" for none)
#   med    the median with SUFFIX ("—" for none)
#   pct    METRIC over DEC (the count generated), median / worst ("—" for
#          none and the floors)
#   max    the largest ("—" for none and the floors)
#   lost   the largest loss the tool reported ("—" for none and the floors)
cost_table() {
	local spec h k m d x v row sep=""
	row="| variant | hooks |"
	for spec; do IFS='|' read -r h _ <<< "$spec"; row+=" $h |"; sep+="---:|"; done
	echo "$row"
	echo "|---|---|$sep"
	for v in "${RUN[@]}"; do
		row="| $(name_of "$v") | ${HOOKS[$v]:-?} |"
		for spec; do
			IFS='|' read -r h k m d x <<< "$spec"
			if [[ $v == none && $k != mm ]] || [[ $v == floor* && $k =~ ^(pct|max|lost)$ ]]; then
				row+=" — |"
				continue
			fi
			case $k in
			mm) row+=" $(minmed "$v" "$m" "${d:-0}") |" ;;
			add) row+=" $(added "$v" none "$m" "${d:-0}") |" ;;
			med) row+=" $(fmt "$(agg "$v" "$m" med)" "${d:-0}")$x |" ;;
			pct) row+=" $(pct_cell "$v" "$m" "$d") |" ;;
			max) row+=" $(fmt "$(agg "$v" "$m" max)") |" ;;
			lost) row+=" $(lost_cell "$v") |" ;;
			esac
		done
		echo "$row"
	done
}

# The "commands" item of a report: the variants' DESC
commands_item() {
	local v c=()
	for v in "${RUN[@]}"; do [[ $v == none ]] || c+=("${DESC[$v]}"); done
	echo "commands: $(code_list "${c[@]}")"
}

# The results of a cost script: the head (title and items), TABLE,
# RATIOS, EXPLAIN, the notes, and the per-round table of ROUND_SPECS
# (round_table's arguments; "the 1-minute load average LOAD_WHEN")
cost_report() {	# title item...
	report_head "$@"
	echo
	echo "$TABLE"
	echo
	echo "$RATIOS"
	echo
	echo "$EXPLAIN"
	report_notes
	echo
	echo "## Per round"
	echo
	echo "(load: the 1-minute load average ${LOAD_WHEN:-before the workload})"
	echo
	round_table "${ROUND_SPECS[@]}"
}

# One clock tick over N operations, in ns (the tracer CPU's resolution)
tick_ns() { awk -v n="$1" -v hz="$CLK_TCK" 'BEGIN { printf "%.0f", 1e9 / hz / n }'; }
