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
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GETPPID=3000000
OPS=200000
VARIANTS="none,floor-tp,floor-raw,loupe,loupe-raw,lt"
LOUPE=${LOUPE:-$ROOT_DIR/build/opensnoop}
LT_OPENSNOOP=/usr/sbin/opensnoop
FOREIGN_RE='^sys_(enter|exit)'	# other programs on syscalls distort both loops

extra_opt() {
	case $1 in
	-g|--getppid) posint "$1" "${2-}"; GETPPID=$((10#$2)); OPT_SHIFT=2 ;;
	-n|--ops) posint "$1" "${2-}"; OPS=$((10#$2)); OPT_SHIFT=2 ;;
	esac
}
parse_opts "$@"
check_variants none floor-tp floor-raw loupe loupe-raw lt

# ---------------------------------------------------------------- setup ---

bench_setup sys "libbpf-tools:[[ -x $LT_OPENSNOOP ]]"

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

TARGET_TOKEN="wl-$TAG"
TARGET="$WORKDIR/$TARGET_TOKEN"
: > "$TARGET" || die "cannot create $TARGET"

# ------------------------------------------------------------- measure ---

measure() {	# round variant
	local r=$1 v=$2 g o del
	TPID=""
	if [[ $v == none ]]; then
		wait_foreign "$r" "$v"
	else
		tracer_cmd "$v"
		if [[ $v == floor-* ]]; then
			tracer_up "$r" "$v" out:attached "${TCMD[@]}" || return
		else
			tracer_up "$r" "$v" open "${TCMD[@]}" || return
		fi
	fi

	wl_run "$r" "$v" getppid_ns getppid "$GETPPID"
	g=$(kv ns_per_call "$WLRES")
	wl_run "$r" "$v" open_ns run "$TARGET" "$OPS"
	o=$(kv ns_per_op "$WLRES")

	if [[ -n $TPID ]]; then
		check_foreign "$r" "$v" "$TPID"
		# a loupe release child may still be detaching: the next
		# measurement waits for it (foreign tracers are waited for)
		tracer_down "$r" "$v"
		if [[ $v != floor-* ]]; then
			del=$(grep -cF -- "$TARGET_TOKEN" "$OUT")
			rec "$r" "$v" delivered "$del"
			rec "$r" "$v" lost "$(reported_lost "$ERR")"
			note_loupe_lost "$r" "$v" "$ERR"
		fi
		(( KEEP )) || rm -f "$OUT" "$ERR"
	else
		check_foreign "$r" "$v"
	fi
	log "$(printf '  %-10s getppid %s ns, open+close %s ns%s' "$v" "$g" "$o" "${del:+, delivered $del/$OPS}")"
}

# ------------------------------------------------------------------ run ---

LOUPE_VERSION=$("$LOUPE" -V 2>/dev/null | head -1)
LOUPE_SUM=$(sum_of "$LOUPE")
for v in "${RUN[@]}"; do
	[[ $v == loupe* ]] && { tracer_cmd "$v"; HOOKS[$v]="$(loupe_hooks "${TCMD[@]}") (its -v)"; }
done
[[ " ${RUN[*]} " == *" lt "* ]] && HOOKS[lt]="tracepoint syscalls:sys_enter_openat + sys_exit_openat (libbpf-tools 0.26)"
HOOKS[none]="—"
log "syscalls benchmark: $ROUNDS rounds x ($GETPPID getppid + $OPS open+close), variants: ${RUN[*]}; $PIN_DESC"
log "work directory: $WORKDIR"

for (( r = 1; r <= ROUNDS; r++ )); do
	log "round $r/$ROUNDS"
	for v in $(rotated "$r" "${RUN[@]}"); do measure "$r" "$v"; done
done
bench_done
[[ $(sum_of "$LOUPE") == "$LOUPE_SUM" ]] ||
	note "$LOUPE changed during the run: rounds measured different builds"

# -------------------------------------------------------------- summary ---

TABLE=$(
	echo "| variant | hooks | ns per getppid (min / median) | added | ns per open+close (min / median) | added | delivered (median / worst round) | lost, as reported (max) |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	for v in "${RUN[@]}"; do
		if [[ $v == none ]]; then
			ad1="—"; ad2="—"; del="—"; lost="—"
		else
			ad1=$(added "$v" none getppid_ns 1); ad2=$(added "$v" none open_ns)
			if [[ $v == floor-* ]]; then
				del="—"; lost="—"
			else
				del=$(pct_cell "$v" delivered "$OPS"); lost=$(lost_cell "$v")
			fi
		fi
		echo "| $(name_of "$v") | ${HOOKS[$v]:-?} | $(minmed "$v" getppid_ns 1) | $ad1 | $(minmed "$v" open_ns) | $ad2 | $del | $lost |"
	done
)

RATIOS=""
if have none && have loupe && have lt; then
	RATIOS+="Added per open+close, loupe / libbpf-tools (medians): tracepoints $(ratio loupe lt open_ns none)"
	have loupe-raw && RATIOS+=", raw_syscalls $(ratio loupe-raw lt open_ns none)"
	RATIOS+=". "
fi
if have none && have loupe && have loupe-raw; then
	RATIOS+="loupe raw_syscalls / tracepoints, added per getppid $(ratio loupe-raw loupe getppid_ns none), per open+close $(ratio loupe-raw loupe open_ns none)."
fi

LOUPE_REV=$(git -C "$ROOT_DIR" rev-parse --short HEAD 2>/dev/null || echo "?")

REPORT=$(
	report_head "syscalls benchmark" \
		"workload per round and variant: $(fmt "$GETPPID") getppid (the raw syscall), then $(fmt "$OPS") openat+close of one existing file, each timed inside the workload (CLOCK_MONOTONIC around the loop); tracers' output into a file" \
		"loupe: ${LOUPE_VERSION:-version ?} (${LOUPE#"$ROOT_DIR"/}, sha256 ${LOUPE_SUM}…, repo at $LOUPE_REV); libbpf-tools $(version_of libbpf-tools); libbpf $(version_of libbpf1)" \
		"commands: $(for v in "${RUN[@]}"; do [[ $v == none ]] || echo "${DESC[$v]}"; done | { mapfile -t c; code_list "${c[@]}"; })"
	echo
	echo "$TABLE"
	echo
	echo "$RATIOS"
	echo
	echo "Added: (variant − no tracer) of the per-round minimum and of the median. getppid is traced by none of them: what it pays is the price of the hook on every syscall. Delivered: lines naming the workload's file in the tracer's output ÷ $(fmt "$OPS"). Lost: what the tool itself reports (loupe: its stderr line \`E events, N lost (...)\`, whose reasons are in the notes; libbpf-tools: its \`Lost N events on CPU\` lines); \"not reported\": no such line."
	report_notes
	echo
	echo "## Per round"
	echo
	echo "(load: the 1-minute load average before the getppid loop)"
	echo
	round_table ns/getppid:getppid_ns ns/open+close:open_ns delivered:delivered lost:lost load:load
)
write_report syscalls
