#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fileslower.sh - what fileslower costs when nothing is slow: loupe's
# fileslower (default threshold, 10 ms) side by side with no tracer and the
# floor (empty raw_tp programs on raw_syscalls sys_enter and sys_exit, the
# hooks it uses), in one run with interleaved rounds. Two workloads on
# their own CPU: 4 KiB preads of a cached file (a call it times, none slow:
# the hook's price on the calls it watches), then a getppid loop (a call it
# does not watch). libbpf-tools' fsslower is tried once: it needs kprobes,
# which this kernel may not have (its message goes into the results). See
# bench/README.md.
#
# usage: bench/fileslower.sh [options]   (as root)
#   -r, --rounds N       rounds (default 5)
#   -n, --reads N        preads per round and variant (default 1000000)
#   -g, --getppid N      getppid calls per round and variant (default 3000000)
#       --variants LIST  comma-separated subset of: none,floor,loupe
#       --no-pin         do not pin (default: tracers and this script on CPU 0,
#                        the workload on CPU 1)
#       --foreign-wait S wait up to S seconds (default 300) before each
#                        measurement for other syscall tracers to go
#       --quiet-wait S   wait up to S seconds (default 60, 0: don't) before
#                        each workload run until the rest of the machine uses
#       --quiet-pct P    at most P % (default 15) of one CPU
#       --no-install     do not apt-get install missing packages
#       --keep           keep the work directory (tracer outputs)
#   -o, --out FILE       results file (default bench/results/fileslower-<date>.md)
#   -h, --help
# Environment: LOUPE (default <repo>/build/fileslower), WORKDIR_BASE
# (default /tmp; the file read lives there).

set -u -o pipefail

NAME=fileslower.sh
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

READS=1000000
GETPPID=3000000
VARIANTS="none,floor,loupe"
LOUPE=${LOUPE:-$ROOT_DIR/build/fileslower}
LT=/usr/sbin/fsslower
FOREIGN_RE='^(sys_(enter|exit)|vfs_|.*_file_(read|write)_iter)'

extra_opt() {
	case $1 in
	-n|--reads) posint "$1" "${2-}"; READS=$((10#$2)); OPT_SHIFT=2 ;;
	-g|--getppid) posint "$1" "${2-}"; GETPPID=$((10#$2)); OPT_SHIFT=2 ;;
	esac
}
parse_opts "$@"
check_variants none floor loupe

bench_setup fs "libbpf-tools:[[ -x $LT ]]"

RUN=()
for v in "${VLIST[@]}"; do
	case $v in
	none) DESC[$v]="(no tracer)"; HOOKS[$v]="—" ;;
	floor) DESC[$v]="bench/build/floor -m raw"; HOOKS[$v]="raw_tp raw_syscalls:sys_enter + sys_exit (empty programs)" ;;
	loupe)
		usable "$v" "$LOUPE" "run 'make' at the repo root" || continue
		DESC[$v]="${LOUPE#"$ROOT_DIR"/}"
		HOOKS[$v]="$(loupe_hooks "$LOUPE") (its -v)" ;;
	esac
	RUN+=("$v")
done
(( ${#RUN[@]} )) || die "nothing to run"
watch_binaries "$LOUPE"

# The file the workload reads: 4 KiB on the file system of the work
# directory, read once before the timed loop (cached)
FILE="$WORKDIR/pr-$TAG"
head -c 4096 /dev/urandom > "$FILE" || die "cannot create $FILE"
FSTYPE=$(stat -f -c %T "$FILE" 2>/dev/null)

# libbpf-tools' fsslower: does it attach here? (on the file's file
# system when fsslower knows it, else ext4)
LT_FS=ext4
case $FSTYPE in btrfs|xfs|nfs) LT_FS=$FSTYPE ;; ext2/ext3) LT_FS=ext4 ;; esac
LT_WHY=""
[[ -x $LT ]] && LT_WHY=$(cannot_run "$LT" -t "$LT_FS")
[[ -n $LT_WHY ]] && log "fsslower cannot run here: $LT_WHY"
if [[ ! -x $LT ]]; then
	note "libbpf-tools' fsslower not tried: no $LT"
elif [[ -z $LT_WHY ]]; then
	# (kprobes work on this kernel: say so rather than leave it out silently)
	note "fsslower -t $LT_FS attached here (this kernel has kprobes) but this script does not measure it: compare it by hand"
fi

tracer_cmd() {	# variant -> TCMD, HOW
	case $1 in
	floor) TCMD=("$BUILD/floor" -m raw); HOW=out:attached ;;
	loupe) TCMD=("$LOUPE"); HOW="err:Tracing file" ;;
	esac
}

name_of() {
	case $1 in
	none) echo "no tracer" ;;
	floor) echo "floor: raw_syscalls sys_enter + sys_exit, empty" ;;
	loupe) echo "loupe fileslower (10 ms)" ;;
	lt) echo "libbpf-tools fsslower" ;;
	esac
}

run_workloads() {	# round variant
	local p
	wl_run "$1" "$2" pread_ns pread "$FILE" "$READS"
	p=$(kv ns_per_op "$WLRES")
	wl_run "$1" "$2" getppid_ns getppid "$GETPPID"
	log "$(printf '  %-6s pread %s ns, getppid %s ns' "$2" "$p" "$(kv ns_per_call "$WLRES")")"
}

count_output() {	# round variant
	# nothing is slow: the events it reported (any process's), its losses
	[[ $2 == loupe ]] && rec_delivery "$1" "$2" "$(loupe_events "$ERR")"
}

log "fileslower benchmark: $ROUNDS rounds x ($READS preads + $GETPPID getppid), variants: ${RUN[*]}; $PIN_DESC"
log "work directory: $WORKDIR"
run_rounds
bench_done

# -------------------------------------------------------------- summary ---

TABLE=$(
	cost_table "ns per 4 KiB pread (min / median)|mm|pread_ns" "added|add|pread_ns" \
		"ns per getppid (min / median)|mm|getppid_ns|1" "added|add|getppid_ns|1" \
		"events reported (max)|max|delivered" "lost, as reported (max)|lost" "exit after SIGINT (median)|med|exit_ms|1| ms"
	[[ -n $LT_WHY ]] && echo "| $(name_of lt) (\`-t $LT_FS\`) | cannot attach here: ${LT_WHY//|/\\|} | — | — | — | — | — | — | — |"
)

RATIOS=""
if have none && have floor && have loupe; then
	RATIOS="loupe fileslower / floor (medians): added per pread $(ratio loupe floor pread_ns none), per getppid $(ratio loupe floor getppid_ns none)."
fi

EXPLAIN="Added: variant − no tracer, of the per-round minimum and of the median. A pread is a call fileslower times (entry and exit) and finds fast: the price of watching it; getppid is one it does not watch: the price its hooks put on every syscall of the machine. Events reported: the count of its stderr line \`E events, N lost (...)\` (any process's operation over 10 ms while it ran; none of the workload's)."
ROUND_SPECS=("ns/pread:pread_ns" "ns/getppid:getppid_ns" "attached ms:startup_ms" "events:delivered" "lost:lost" "exit ms:exit_ms" "load:load")
LOAD_WHEN="before the preads"
REPORT=$(cost_report "fileslower benchmark" \
	"workload per round and variant: $(fmt "$READS") pread of 4 KiB at offset 0 of a cached file on $FSTYPE, then $(fmt "$GETPPID") getppid (the raw syscall), each timed inside the workload (CLOCK_MONOTONIC around the loop); tracers' output into a file" \
	"$(versions_item "$LOUPE")" "$(commands_item); tried once: $(code_list "$LT -t $LT_FS")")
write_report fileslower
