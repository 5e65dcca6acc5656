/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one histogram layout, shared by every BPF object and user space
 * (DESIGN.md §5): 64 slots of 64-bit counters that together cover all of
 * u64, and the sum of the raw values (for averages and totals).
 *
 *   log2    slot 0 = [0, 1], slot i = [2^i, 2^(i+1) - 1]; slot 63 ends at
 *           2^64 - 1. The same row labels as bcc and libbpf-tools.
 *   linear  with base b and step s: slot 0 = [0, b + s - 1] (it takes the
 *           values below b too), slot i = [b + i*s, b + (i+1)*s - 1],
 *           slot 63 = [b + 63*s, 2^64 - 1] (it takes everything above).
 *
 * The sum is in the raw unit the program measured (ns for latencies), while
 * the slots count values scaled to the display unit (usecs, msecs); user
 * space knows the ratio (struct hist_fmt.sum_div).
 */
#ifndef LOUPE_BPF_HIST_H
#define LOUPE_BPF_HIST_H

#define LOUPE_HIST_SLOTS 64

struct loupe_hist {
	__u64 slots[LOUPE_HIST_SLOTS];
	__u64 sum;
};

#ifndef __bpf__
_Static_assert(sizeof(struct loupe_hist) == 520, "loupe_hist layout");
#endif

#endif
