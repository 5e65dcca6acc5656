#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# funccount.sh - loupe's funccount side by side with bpftrace counting the
# same probes, in one run with interleaved rounds:
#
#   attach and exit, for two broad patterns: every syscall tracepoint
#   ('t:syscalls:*') and ~500 libc functions (a glob, 'c:[s-z]*' by
#   default; bpftrace gets the same functions by name): from start until
#   attached, then from SIGINT until exited, until its cgroup is empty
#   (release done) and until its programs are freed;
#
#   cost per hit, for three kinds of probe: a uprobe on a function of the
#   workload called N times, a tracepoint (task:task_rename, fired by
#   prctl(PR_SET_NAME)) and a syscall tracepoint (sys_enter_getppid), each
#   against no tracer and the floor (an empty program on the hook loupe
#   uses), and the counts each tool reports.
#
# bpftrace's release of hundreds of tracepoints or uprobes takes about a
# minute: those two measurements run in the first --slow-rounds rounds
# only. See bench/README.md.
#
# usage: bench/funccount.sh [options]   (as root)
#   -r, --rounds N       rounds (default 5)
#       --slow-rounds N  rounds with bpftrace on the broad patterns (default 2)
#       --glob PATTERN   the libc pattern (default 'c:[s-z]*'; c: and a glob
#                        of [], * and ? only)
#   -n, --calls N        uprobe hits per round and variant (default 200000)
#       --renames N      task_rename hits per round and variant (default 1000000)
#   -g, --getppid N      sys_enter_getppid hits per round and variant (default 3000000)
#       --parts LIST     attach,hit (default both)
#       --variants LIST  comma-separated subset of: none,floor,loupe,bpftrace
#       --no-pin         do not pin (default: tracers and this script on CPU 0,
#                        the workload on CPU 1)
#       --foreign-wait S wait up to S seconds (default 300) before each
#                        measurement for other tracers to go
#       --quiet-wait S   wait up to S seconds (default 60, 0: don't) before
#                        each workload run until the rest of the machine uses
#       --quiet-pct P    at most P % (default 15) of one CPU
#       --no-install     do not apt-get install missing packages
#       --keep           keep the work directory (tracer outputs)
#   -o, --out FILE       results file (default bench/results/funccount-<date>.md)
#   -h, --help
# Environment: LOUPE (default <repo>/build/funccount), WORKDIR_BASE
# (default /tmp).

set -u -o pipefail

NAME=funccount.sh
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SLOW_ROUNDS=2
GLOB='c:[s-z]*'
CALLS=200000
RENAMES=1000000
GETPPID=3000000
PARTS="attach,hit"
VARIANTS="none,floor,loupe,bpftrace"
LOUPE=${LOUPE:-$ROOT_DIR/build/funccount}
LIBC=/lib/x86_64-linux-gnu/libc.so.6
STOP_TIMEOUT_MS=180000	# bpftrace's release of 700 tracepoints: about a minute
FOREIGN_RE=.	# any tracing attachment: attaching and detaching are serialized machine-wide
# bpftrace's limits (512 programs, 512 probes) are below the patterns'
BT_ENV=(env BPFTRACE_MAX_BPF_PROGS=4096 BPFTRACE_MAX_PROBES=4096)

extra_opt() {
	case $1 in
	--slow-rounds) nonneg "$1" "${2-}"; SLOW_ROUNDS=$((10#$2)); OPT_SHIFT=2 ;;
	--glob) [[ ${2-} == c:* ]] || die "$1: a c: pattern"; GLOB=$2; OPT_SHIFT=2 ;;
	-n|--calls) posint "$1" "${2-}"; CALLS=$((10#$2)); OPT_SHIFT=2 ;;
	--renames) posint "$1" "${2-}"; RENAMES=$((10#$2)); OPT_SHIFT=2 ;;
	-g|--getppid) posint "$1" "${2-}"; GETPPID=$((10#$2)); OPT_SHIFT=2 ;;
	--parts) [[ -n ${2-} ]] || die "$1 needs a list"; PARTS=$2; OPT_SHIFT=2 ;;
	esac
}
parse_opts "$@"
check_variants none floor loupe bpftrace
IFS=, read -r -a PLIST <<< "$PARTS"
for p in "${PLIST[@]}"; do
	case $p in attach|hit) ;; *) echo "$NAME: unknown part '$p'" >&2; exit 2 ;; esac
done
part() { [[ ",$PARTS," == *",$1,"* ]]; }

bench_setup fc "bpftrace:command -v bpftrace" "binutils:command -v readelf"
cgroup_setup fc

RUN=()
for v in "${VLIST[@]}"; do
	case $v in
	loupe) [[ -x $LOUPE ]] || { note "$v skipped: $LOUPE not found (run 'make' at the repo root)"; continue; } ;;
	bpftrace) command -v bpftrace >/dev/null || { note "$v skipped: bpftrace not found (apt-get install bpftrace)"; continue; } ;;
	esac
	RUN+=("$v")
done
(( ${#RUN[@]} )) || die "nothing to run"
watch_binaries "$LOUPE"

# ------------------------------------------------------------ patterns ---

# The libc functions of the glob as funccount takes them (common/symbols.c):
# the defined functions of the dynamic symbol table, a name's default
# version, one name per address (the public one), none where an IFUNC is
# (a uprobe there counts its resolver)
# shellcheck disable=SC2016 # a sed script
glob_re=$(sed 's/^c://; s/[.+^$(){}|\\]/\\&/g; s/\*/.*/g; s/?/./g' <<< "$GLOB")
mapfile -t LIBC_FUNCS < <(readelf -W --dyn-syms "$LIBC" | awk -v re="^$glob_re\$" '
	# readelf -W --dyn-syms: Num: Value Size Type Bind Vis Ndx Name
	($4 == "FUNC" || $4 == "IFUNC") && $7 != "UND" && $2 !~ /^0+$/ {
		n = $8; hidden = (n !~ /@@/ && n ~ /@/); sub(/@.*/, "", n)
		if (n !~ re) next
		if ($4 == "IFUNC") ifunc[$2] = 1
		# the default version of a name (foo@@V) before a hidden one (foo@V)
		if ((n in addr) && (hidden || !hid[n])) next
		addr[n] = $2; hid[n] = hidden
	}
	# of the names at one address, the public one: fewest leading
	# underscores, then the shortest, then the first in order
	function better(a, b,   ua, ub) {
		ua = match(a, /[^_]/); ub = match(b, /[^_]/)
		if (ua != ub) return ua < ub
		if (length(a) != length(b)) return length(a) < length(b)
		return a < b
	}
	END {
		for (n in addr) {
			a = addr[n]
			if (a in ifunc) continue
			if (!(a in best) || better(n, best[a])) best[a] = n
		}
		for (a in best) print best[a]
	}
' | sort)
(( ${#LIBC_FUNCS[@]} )) || die "no function of $LIBC matches '$GLOB'"
BT_LIBC="$WORKDIR/libc.bt"
{
	printf 'BEGIN { printf("attached-%s\\n"); }\n' "$TAG"
	printf "uprobe:$LIBC:%s,\n" "${LIBC_FUNCS[@]}" | sed '$ s/,$//'
	echo "{ @[probe] = count(); }"
} > "$BT_LIBC"

# bpftrace: a script counting PROBE, saying when attached (its BEGIN runs
# once every probe is attached)
bt_script() {	# file probe
	printf 'BEGIN { printf("attached-%s\\n"); }\n%s { @[probe] = count(); }\n' "$TAG" "$2" > "$1"
}
BT_SYS="$WORKDIR/syscalls.bt"
bt_script "$BT_SYS" 'tracepoint:syscalls:*'

# Per-hit kinds: the workload's mode and count, loupe's pattern, bpftrace's
# probe, the floor's hook, the name in the tools' output
declare -A HIT_WL HIT_N HIT_LOUPE HIT_BT HIT_FLOOR HIT_NAME
HIT_WL[uprobe]=call; HIT_N[uprobe]=$CALLS
HIT_LOUPE[uprobe]="$WORKLOAD:workload_probe"; HIT_BT[uprobe]="uprobe:$WORKLOAD:workload_probe"
HIT_FLOOR[uprobe]="uprobe:$WORKLOAD:workload_probe"; HIT_NAME[uprobe]=workload_probe
HIT_WL[rename]=rename; HIT_N[rename]=$RENAMES
HIT_LOUPE[rename]="t:task:task_rename"; HIT_BT[rename]="tracepoint:task:task_rename"
HIT_FLOOR[rename]="rawtp:task_rename"; HIT_NAME[rename]=task_rename
HIT_WL[getppid]=getppid; HIT_N[getppid]=$GETPPID
HIT_LOUPE[getppid]="t:syscalls:sys_enter_getppid"; HIT_BT[getppid]="tracepoint:syscalls:sys_enter_getppid"
HIT_FLOOR[getppid]="rawtp:sys_enter"; HIT_NAME[getppid]=sys_enter_getppid
KINDS=(uprobe rename getppid)
for k in "${KINDS[@]}"; do bt_script "$WORKDIR/$k.bt" "${HIT_BT[$k]}"; done

# loupe's account of a pattern: "hooks ...; N probes, L links" (its -v)
declare -A LOUPE_SAYS
loupe_says() {	# pattern
	( trap - INT QUIT; exec "$LOUPE" -v -d 300ms "$1" ) 2>&1 >/dev/null |
		sed -n 's/^funccount: hooks: \(.*\)/\1;/p; s/^funccount: \([0-9]* probes, [0-9]* links\)$/\1/p' | tr '\n' ' ' | sed 's/ $//'
}
if have loupe; then
	LOUPE_SAYS[syscalls]=$(loupe_says 't:syscalls:*')
	LOUPE_SAYS[libc]=$(loupe_says "$GLOB")
	for k in "${KINDS[@]}"; do LOUPE_SAYS[$k]=$(loupe_says "${HIT_LOUPE[$k]}"); done
fi

# The BPF attachments a process holds: link fds and perf-event fds
attachments_of() {	# pid
	find "/proc/$1/fd" -maxdepth 1 -lname 'anon_inode:*' -printf '%l\n' 2>/dev/null |
		grep -c -e 'bpf[-_]link' -e 'perf_event'
}

# ----------------------------------------------------- attach and exit ---

# One tracer on a broad pattern: start (in a cgroup of its own) until
# attached, idle, SIGINT; its probes and attachments, exit, release done,
# programs freed.
measure_attach() {	# round variant pattern(syscalls|libc)
	local r=$1 v=$2 p=$3 key="$2.$3" probes att
	case $v.$p in
	loupe.syscalls) TCMD=("$LOUPE" 't:syscalls:*'); HOW="err:Tracing " ;;
	loupe.libc) TCMD=("$LOUPE" "$GLOB"); HOW="err:Tracing " ;;
	bpftrace.syscalls) TCMD=("${BT_ENV[@]}" bpftrace "$BT_SYS"); HOW="out:attached-$TAG" ;;
	bpftrace.libc) TCMD=("${BT_ENV[@]}" bpftrace "$BT_LIBC"); HOW="out:attached-$TAG" ;;
	esac
	new_cgroup
	tracer_up "$r" "$key" "$HOW" "${TCMD[@]}" || { drop_cgroup; return; }
	if [[ $v == loupe ]]; then
		probes=$(sed -n 's/^Tracing \([0-9]*\) probe.*/\1/p' "$ERR" | head -1)
	else
		probes=$(sed -n 's/^Attaching \([0-9]*\) probe.*/\1/p' "$OUT" | head -1)
		[[ -n $probes ]] && probes=$(( probes - 1 ))	# BEGIN
	fi
	att=$(attachments_of "$TPID")
	rec "$r" "$key" probes "$probes"
	rec "$r" "$key" attachments "$att"
	check_foreign "$r" "$key" "$TPID"
	rec "$r" "$key" load "$(cut -d' ' -f1 /proc/loadavg)"
	tracer_down "$r" "$key"
	rec_stop "$r" "$key"
	rec "$r" "$key" nprogs "$NPROGS"
	drop_cgroup
	log "$(printf '  %-8s %-8s attached %s ms (%s probes, %s attachments, %s programs), %s' "$v" "$p" "$ATTACH_MS" "$probes" "$att" "$NPROGS" "$STOP")"
	(( KEEP )) || rm -f "$OUT" "$ERR"
}

# ------------------------------------------------------------ per hit ---

# The count a tool printed for the probe: the last number on the line
# that names it (loupe: "NAME COUNT"; bpftrace: "@[...NAME]: COUNT")
count_of() {	# file name
	awk -v n="$2" 'index($0, n) { x = $NF; gsub(/[^0-9]/, "", x); if (x != "") c += x } END { print c + 0 }' "$1"
}

measure_hit() {	# round variant kind
	local r=$1 v=$2 k=$3 key="$2.$3"
	TPID=""
	case $v in
	none) wait_foreign "$r" "$key" ;;
	floor) tracer_up "$r" "$key" out:attached "$BUILD/floor" -m "${HIT_FLOOR[$k]}" || return ;;
	loupe) tracer_up "$r" "$key" "err:Tracing " "$LOUPE" "${HIT_LOUPE[$k]}" || return ;;
	bpftrace) tracer_up "$r" "$key" "out:attached-$TAG" bpftrace "$WORKDIR/$k.bt" || return ;;
	esac
	[[ -n $TPID && -z ${HOOKS[$key]-} ]] && HOOKS[$key]=$(hooks_of "$TPID")
	wl_run "$r" "$key" hit_ns "${HIT_WL[$k]}" "${HIT_N[$k]}"
	check_foreign "$r" "$key" "$TPID"
	log "$(printf '  %-8s %-7s %s ns per %s%s' "$v" "$k" "$(kv ns_per_op "$WLRES")$(kv ns_per_call "$WLRES")" "${HIT_WL[$k]}" "${TPID:+, tracer CPU $TCPU_NS ns per hit}")"
	[[ -n $TPID ]] || return 0
	tracer_down "$r" "$key"
	rec "$r" "$key" exit_ms "$(kv exit_ms "$STOP")"
	[[ $v == floor ]] || rec "$r" "$key" counted "$(count_of "$OUT" "${HIT_NAME[$k]}")"
	(( KEEP )) || rm -f "$OUT" "$ERR"
}

# ------------------------------------------------------------------ run ---

ATTACH_VARIANTS=()
for v in loupe bpftrace; do have "$v" && ATTACH_VARIANTS+=("$v.syscalls" "$v.libc"); done
log "funccount benchmark: $ROUNDS rounds (bpftrace on the broad patterns in $SLOW_ROUNDS), parts: $PARTS, variants: ${RUN[*]}; ${#LIBC_FUNCS[@]} functions for '$GLOB'; $PIN_DESC"
log "work directory: $WORKDIR"
for (( r = 1; r <= ROUNDS; r++ )); do
	log "round $r/$ROUNDS"
	if part attach; then
		for a in $(rotated "$r" "${ATTACH_VARIANTS[@]}"); do
			[[ $a == bpftrace.* ]] && (( r > SLOW_ROUNDS )) && continue
			measure_attach "$r" "${a%%.*}" "${a#*.}"
		done
	fi
	if part hit; then
		for k in "${KINDS[@]}"; do
			for v in $(rotated "$r" "${RUN[@]}"); do measure_hit "$r" "$v" "$k"; done
		done
	fi
done
bench_done

# -------------------------------------------------------------- summary ---

pname() { case $1 in syscalls) echo "'t:syscalls:*'" ;; libc) echo "'$GLOB' (${#LIBC_FUNCS[@]} functions)" ;; esac; }

ATTACH_TABLE=$(
	echo "| tool | pattern | probes | BPF attachments (programs) | start to attached | exit after SIGINT | release done | programs freed | rounds |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	for a in "${ATTACH_VARIANTS[@]}"; do
		v=${a%%.*}; p=${a#*.}
		[[ $(agg "$a" exit_ms n) == 0 ]] && continue	# not measured (--slow-rounds 0)
		hk=""
		[[ $v == loupe ]] && hk=" (${LOUPE_SAYS[$p]:-?})"
		echo "| $v$hk | $(pname "$p") | $(agg "$a" probes max) | $(agg "$a" attachments max) ($(agg "$a" nprogs max)) | $(minmed_ms "$a" startup_ms) | $(minmed_ms "$a" exit_ms 1) | $(minmed_ms "$a" empty_ms) | $(minmed_ms "$a" gone_ms) | $(agg "$a" exit_ms n) |"
	done
)

hit_name() {
	case $1 in
	uprobe) echo "uprobe on a function of the workload ($(fmt "$CALLS") calls)" ;;
	rename) echo "tracepoint task:task_rename ($(fmt "$RENAMES") prctl(PR_SET_NAME))" ;;
	getppid) echo "tracepoint syscalls:sys_enter_getppid ($(fmt "$GETPPID") getppid)" ;;
	esac
}
HIT_TABLE=$(
	echo "| probe | variant | pattern or hook | ns per call (min / median) | added ns per hit | tracer CPU per hit (median) | counted (median / worst round) |"
	echo "|---|---|---|---:|---:|---:|---:|"
	for k in "${KINDS[@]}"; do
		for v in "${RUN[@]}"; do
			key="$v.$k"
			case $v in
			none) echo "| $(hit_name "$k") | no tracer | — | $(minmed "$key" hit_ns 1) | — | — | — |" ;;
			floor) echo "| | floor (empty program) | \`${HIT_FLOOR[$k]}\`: ${HOOKS[$key]:-?} | $(minmed "$key" hit_ns 1) | $(added "$key" "none.$k" hit_ns 1) | — | — |" ;;
			*)
				if [[ $v == loupe ]]; then
					pat="\`funccount '${HIT_LOUPE[$k]#"$ROOT_DIR"/}'\`: ${HOOKS[$key]:-${LOUPE_SAYS[$k]:-?}}"
				else
					pat="\`${HIT_BT[$k]#"$ROOT_DIR"/}\`: ${HOOKS[$key]:-?}"
				fi
				echo "| | $v | $pat | $(minmed "$key" hit_ns 1) | $(added "$key" "none.$k" hit_ns 1) | $(fmt "$(agg "$key" hit_ns_tcpu med)") ns | $(pct_cell "$key" counted "${HIT_N[$k]}") |" ;;
			esac
		done
	done
)

RATIOS=""
if have loupe && have bpftrace; then
	for p in syscalls libc; do
		RATIOS+="loupe / bpftrace on $(pname "$p") (medians): attached $(ratio "loupe.$p" "bpftrace.$p" startup_ms), exit $(ratio "loupe.$p" "bpftrace.$p" exit_ms), release done $(ratio "loupe.$p" "bpftrace.$p" empty_ms). "
	done
	have none && for k in "${KINDS[@]}"; do
		RATIOS+="Added per hit, $k: loupe / bpftrace $(ratio "loupe.$k" "bpftrace.$k" hit_ns "none.$k")"
		have floor && RATIOS+=", loupe / floor $(ratio "loupe.$k" "floor.$k" hit_ns "none.$k")"
		RATIOS+=". "
	done
fi

REPORT=$(
	report_head "funccount benchmark" \
		"attach and exit: each tool on each pattern started (in a cgroup of its own), attached, idle, then SIGINT; bpftrace in the first $SLOW_ROUNDS rounds only; per hit: $(hit_name uprobe), $(hit_name rename), $(hit_name getppid), timed inside the workload (CLOCK_MONOTONIC around the loop); tracers' output into a file" \
		"$(versions_item "$LOUPE")" \
		"commands: $(code_list "${LOUPE#"$ROOT_DIR"/} 't:syscalls:*'" "${LOUPE#"$ROOT_DIR"/} '$GLOB'" "${BT_ENV[*]:1} bpftrace -e 'BEGIN { printf(\"attached\\n\"); } tracepoint:syscalls:* { @[probe] = count(); }'" "the same with uprobe:$LIBC:NAME,... for the ${#LIBC_FUNCS[@]} functions"); per hit: \`funccount PATTERN\`, \`bpftrace -e 'PROBE { @[probe] = count(); }'\`, \`bench/build/floor -m HOOK\`"
	echo
	echo "## Attach and exit (min / median)"
	echo
	echo "$ATTACH_TABLE"
	echo
	echo "## Cost per hit"
	echo
	echo "$HIT_TABLE"
	echo
	echo "$RATIOS"
	echo
	echo "Probes: loupe's \"Tracing N probes\"; bpftrace's \"Attaching N probes\" less its BEGIN. BPF attachments: the tracer's bpf-link and perf-event file descriptors; programs: the BPF programs it holds. Start to attached: from starting the tool until it says so (loupe prints \"Tracing ...\" once attached; the bpftrace scripts print a line in BEGIN, which bpftrace runs once every probe is attached). Exit after SIGINT: until the process has exited; release done: until its cgroup holds no process (loupe's release child included); programs freed: until none of its programs is loaded. Added per hit: ns per call of the variant − no tracer's (the workload's own time; other processes' hits do not count in it), of the per-round minimum and of the median. Counted: the count the tool printed at exit for the probe ÷ the calls (all processes' hits: a little over 100% when others hit it meanwhile)."
	report_notes
	echo
	echo "## Per round"
	echo
	echo "(load: the 1-minute load average before SIGINT / before the workload)"
	echo
	KEY_COLS="variant | pattern" round_table "attached ms:startup_ms" "probes:probes" "attachments:attachments" "programs:nprogs" "exit ms:exit_ms" "release done ms:empty_ms" "programs freed ms:gone_ms" "ns/call:hit_ns" "tracer ns/hit:hit_ns_tcpu" "counted:counted" "load:load"
)
write_report funccount
