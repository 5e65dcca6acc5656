/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The threshold template, BPF side: an operation is reported only when its
 * duration reaches a minimum set by user space (cfg_min_ns: bcc's min_ms
 * positional, --min DUR; 0 reports all). Below it, nothing leaves the
 * kernel. The operations that pass go through the event path
 * (bpf/events.bpf.h), or feed a histogram (bpf/hist.bpf.h) with --hist.
 * Include after loupe.bpf.h.
 */
#ifndef LOUPE_THRESHOLD_BPF_H
#define LOUPE_THRESHOLD_BPF_H

const volatile __u64 cfg_min_ns = 0;

static __always_inline bool loupe_threshold_pass(__u64 delta_ns)
{
	return delta_ns >= cfg_min_ns;
}

#endif
