# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lib.sh - shared helpers of bench/exit.sh and bench/syscalls.sh (sourced;
# bench/opensnoop.sh keeps its own copies). The caller sets NAME (for
# messages), and before calling the helpers that use them: WORKDIR, RAW,
# CLK_TCK, DRAIN_TIMEOUT_S, FOREIGN_WAIT_S, QUIET_WAIT_S, QUIET_PCT,
# INSTALL, and FOREIGN_RE (which attachments count as foreign tracers).

die() { echo "$NAME: $*" >&2; exit 1; }
log() { printf '%s\n' "$*" >&2; }
posint() { [[ $2 =~ ^[0-9]+$ ]] && (( 10#$2 > 0 )) || { echo "$NAME: $1: not a positive integer: '$2'" >&2; exit 2; }; }
nonneg() { [[ $2 =~ ^[0-9]+$ ]] || { echo "$NAME: $1: not a number: '$2'" >&2; exit 2; }; }

NOTES=()
note() { NOTES+=("$*"); log "note: $*"; }

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

# agg KEY METRIC FUNC  (FUNC: min, med, max, n); "timeout" samples sort
# last, and make a median "timeout" only if half of them are
agg() {
	awk -F'\t' -v v="$1" -v m="$2" '$2 == v && $3 == m && $4 != "" { print ($4 == "timeout") ? "inf" : $4 }' "$RAW" |
	sort -g |
	awk -v f="$3" '
		{ x[NR] = $1 }
		END {
			n = NR
			if (f == "n") { print n; exit }
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

# ------------------------------------------------------------ processes ---

# utime+stime of a process, in clock ticks
cpu_ticks() {
	local line rest
	read -r line < "/proc/$1/stat" 2>/dev/null || { echo 0; return; }
	rest=${line##*) }
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
	local cpu u n s i w irq sirq st rest
	read -r cpu u n s i w irq sirq st rest < /proc/stat
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
