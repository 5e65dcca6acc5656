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

NAME=opensnoop.sh
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OPS=300000
LONE=3
RATE=0
VARIANTS="none,floor,loupe,libbpf-tools,bpftrace"
LOUPE=${LOUPE:-$ROOT_DIR/build/opensnoop}
LOUPE_ARGS=${LOUPE_ARGS:-}
LIBBPF_TOOLS_OPENSNOOP=/usr/sbin/opensnoop
BPFTRACE_SCRIPT=/usr/sbin/opensnoop.bt
FOREIGN_RE='^sys_(enter|exit)'	# other programs on syscalls distort the opens

LONE_TIMEOUT_MS=2000
EXIT_TIMEOUT_S=15
FOREIGN_WAIT_S=600
QUIET_WAIT_S=300

extra_opt() {
	case $1 in
	-n|--ops) posint "$1" "${2-}"; OPS=$((10#$2)); OPT_SHIFT=2 ;;
	-l|--lone) posint "$1" "${2-}"; LONE=$((10#$2)); OPT_SHIFT=2 ;;
	--rate) posint "$1" "${2-}"; RATE=$((10#$2)); OPT_SHIFT=2 ;;
	esac
}
parse_opts "$@"
check_variants none floor loupe libbpf-tools bpftrace

# ---------------------------------------------------------------- setup ---

bench_setup open \
	"libbpf-tools:[[ -x $LIBBPF_TOOLS_OPENSNOOP ]]" \
	"bpftrace:command -v bpftrace && [[ -r $BPFTRACE_SCRIPT ]]"

# Which variants can run.
RUN=()
for v in "${VLIST[@]}"; do
	case $v in
	none) DESC[$v]="(no tracer)" ;;
	floor) DESC[$v]="bench/build/floor" ;;
	loupe)
		usable "$v" "$LOUPE" "build it with 'make' at the repo root" || continue
		DESC[$v]="${LOUPE#"$ROOT_DIR"/}${LOUPE_ARGS:+ $LOUPE_ARGS}" ;;
	libbpf-tools)
		usable "$v" "$LIBBPF_TOOLS_OPENSNOOP" "apt-get install libbpf-tools" || continue
		DESC[$v]="$LIBBPF_TOOLS_OPENSNOOP" ;;
	bpftrace)
		if ! command -v bpftrace >/dev/null || [[ ! -r $BPFTRACE_SCRIPT ]]; then
			note "bpftrace skipped: bpftrace or $BPFTRACE_SCRIPT not found (apt-get install bpftrace)"
			continue
		fi
		DESC[$v]="bpftrace $BPFTRACE_SCRIPT" ;;
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

TARGET_TOKEN="wl-$TAG"
TARGET="$WORKDIR/$TARGET_TOKEN"
: > "$TARGET" || die "cannot create $TARGET"

vmhwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

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
	wait_foreign "$r" none
	wait_system_quiet "$r" none
	rec "$r" none load "$(cut -d' ' -f1 /proc/loadavg)"
	run_workload || { note "round $r, none: workload failed"; return; }
	check_foreign "$r" none
	rec "$r" none nsop "$WL_NS"
	rec "$r" none other_pct "$WL_OTHER"
	log "  none          $WL_NS ns/op (others ${WL_OTHER}% of a CPU)"
}

measure_tracer() {	# round variant
	local r=$1 v=$2 s i lat a b ns delivered lost rss sum
	if [[ $v == loupe ]]; then
		sum=$(sum_of "$LOUPE")
		if [[ $sum != "$LOUPE_SUM" ]]; then
			note "round $r: $LOUPE changed during the run (sha256 $LOUPE_SUM -> $sum): rounds measured different builds"
			LOUPE_SUM=$sum
		fi
	fi
	s=$(short "$v")
	wait_foreign "$r" "$v"
	rec "$r" "$v" load "$(cut -d' ' -f1 /proc/loadavg)"
	OUT="$WORKDIR/$v.r$r.out"
	ERR="$WORKDIR/$v.r$r.err"
	tracer_cmd "$v"
	start_tracer "$OUT" "$ERR" "${TCMD[@]}"

	# start-up: until the tracer's output shows an open made after exec
	if [[ $v == floor ]]; then
		wait_attached out:attached "$OUT" "$ERR"
	else
		wait_attached open "$OUT" "$ERR" "$WORKDIR/p-$s-$r-"
	fi || { tracer_failed "$r" "$v"; return; }
	[[ $v == floor ]] || rec "$r" "$v" visible_ms "$(kv visible_ms "$ATTACH_RES")"
	rec "$r" "$v" startup_ms "$ATTACH_MS"

	# lone events into an idle tracer
	if [[ $v != floor ]]; then
		for (( i = 1; i <= LONE; i++ )); do
			wait_idle "$TPID"
			sleep 0.1
			lat=$("${WL[@]}" lone "$WORKDIR/lone-$s-$r-$i" "$OUT" "$LONE_TIMEOUT_MS")
			lat=${lat#latency_us=}
			if [[ $lat =~ ^[0-9]+$ ]]; then
				rec "$r" "$v" lone_ms "$(awk -v u="$lat" 'BEGIN { printf "%.3f", u / 1000 }')"
			else
				rec "$r" "$v" lone_ms timeout
			fi
		done
	fi

	# the measured workload
	wait_idle "$TPID" || note "round $r, $v: tracer not idle before the workload"
	wait_system_quiet "$r" "$v"
	a=$(cpu_ticks "$TPID")
	if run_workload "$TPID"; then
		ns=$WL_NS
	else
		note "round $r, $v: workload failed"; ns=""
	fi
	wait_idle "$TPID" || note "round $r, $v: tracer still busy ${DRAIN_TIMEOUT_S}s after the workload"
	check_foreign "$r" "$v" "$TPID"
	b=$(cpu_ticks "$TPID")
	rss=$(vmhwm_kb "$TPID")

	stop_tracer "$TPID"
	CLEANUP_PIDS=()
	(( STOP_RC == 0 )) || note "round $r, $v: exit status $STOP_RC"

	[[ -n $ns ]] && rec "$r" "$v" nsop "$ns"
	rec "$r" "$v" other_pct "$WL_OTHER"
	rec "$r" "$v" cpu_ns "$(awk -v t=$((b - a)) -v hz="$CLK_TCK" -v n="$OPS" 'BEGIN { printf "%.1f", t * 1e9 / hz / n }')"
	rec "$r" "$v" rss_kb "${rss:-0}"
	rec "$r" "$v" exit_ms "$EXIT_MS"
	rec "$r" "$v" rc "$STOP_RC"
	if [[ $v != floor ]]; then
		delivered=$(grep -cF -- "$TARGET_TOKEN" "$OUT")
		# (bpftrace prints its "Lost N events" on stdout)
		if [[ $v == bpftrace ]]; then lost=$(reported_lost "$OUT" "$ERR"); else lost=$(reported_lost "$ERR"); fi
		rec "$r" "$v" delivered "$delivered"
		rec "$r" "$v" lost "$lost"
	fi
	log "$(printf '  %-13s %s ns/op, start-up %s ms, exit %s ms, delivered %s/%s, lost %s (others %s%% of a CPU)' \
		"$v" "${ns:-?}" "$ATTACH_MS" "$EXIT_MS" "${delivered:--}" "$OPS" "${lost:--}" "$WL_OTHER")"
	(( KEEP )) || rm -f "$OUT"
}

# ------------------------------------------------------------------ run ---

LOUPE_SUM=$(sum_of "$LOUPE")
LOUPE_SUM0=$LOUPE_SUM
LOUPE_VERSION=$("$LOUPE" -V 2>/dev/null | head -1)
log "opensnoop benchmark: $ROUNDS rounds x $OPS open+close, variants: ${RUN[*]}; $PIN_DESC"
log "work directory: $WORKDIR"

for (( r = 1; r <= ROUNDS; r++ )); do
	log "round $r/$ROUNDS"
	for v in $(rotated "$r" "${RUN[@]}"); do
		if [[ $v == none ]]; then
			measure_none "$r"
		else
			measure_tracer "$r" "$v"
		fi
	done
done
bench_done

# -------------------------------------------------------------- summary ---

name_of() {
	case $1 in
	none) echo "no tracer" ;;
	floor) echo "floor (empty BPF programs)" ;;
	loupe) echo "loupe opensnoop" ;;
	libbpf-tools) echo "libbpf-tools opensnoop" ;;
	bpftrace) echo "bpftrace opensnoop.bt" ;;
	esac
}

TABLE=$(
	echo "| variant | added ns per open+close (min / median) | tracer CPU per event | delivered (median / worst round) | lost, as reported (max per round) | start-up to attached (median) | exit after SIGINT (median) | lone event into file (median) | peak RSS (median) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	for v in "${RUN[@]}"; do
		if [[ $v == none ]]; then
			echo "| no tracer | baseline $(minmed none nsop) ns | — | — | — | — | — | — | — |"
			continue
		fi
		add=$(added "$v" none nsop)
		cpu="$(fmt "$(ar div "$(agg "$v" cpu_ns med)" 1000)" 2) µs"
		st=$(agg "$v" startup_ms med); st=$([[ -n $st ]] && echo "$(fmt "$st" 1) ms" || echo "?")
		ex=$(agg "$v" exit_ms med); ex=$([[ -n $ex ]] && echo "$(fmt "$ex") ms" || echo "?")
		rss=$(agg "$v" rss_kb med); rss=$([[ -n $rss ]] && echo "$(fmt "$(ar div "$rss" 1024)" 1) MB" || echo "?")
		if [[ $v == floor ]]; then
			del="—"; lost="—"; lone="—"
		else
			del=$(pct_cell "$v" delivered "$OPS" 1)
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
		echo "| $(name_of "$v") | $add | $cpu | $del | $lost | $st | $ex | $lone | $rss |"
	done
)

if have loupe && have libbpf-tools && have none; then
	RATIOS="Ratios loupe / libbpf-tools (medians): added overhead per open+close $(ratio loupe libbpf-tools nsop none), start-up $(ratio loupe libbpf-tools startup_ms), peak RSS $(ratio loupe libbpf-tools rss_kb)."
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
		echo -n "- loupe: ${DESC[loupe]} (${LOUPE_VERSION:-version ?}, sha256 ${LOUPE_SUM0:-?}…, repo at $LOUPE_REV when the run ended)"
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
	report_notes
	echo
	echo "## Per round"
	echo
	echo "(load: the 1-minute load average when the variant's measurement began; others %: CPU time used during the workload by everything but the workload and the tracer, in % of one CPU)"
	echo
	echo "$ROUND_TABLE"
)

write_report opensnoop
