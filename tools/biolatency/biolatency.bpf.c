// SPDX-License-Identifier: GPL-2.0
/*
 * biolatency: block I/O latency from the block_rq_* tracepoints, as tp_btf
 * programs or, where those cannot load, raw_tp programs with the same
 * bodies (user space enables one set: common/hooks.h). Start at issue (or,
 * with -Q, at insert into the I/O scheduler), end at completion; a requeue
 * restarts the clock. The histograms are per-CPU and swapped per interval
 * (bpf/summary.bpf.h). A completion that is never seen shows as lost_end
 * when its request starts again.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include "loupe.bpf.h"
#include "hist.bpf.h"
#include "stash.bpf.h"
#include "core_shims.h"
#include "tools/biolatency/biolatency.h"

const volatile bool cfg_queued = false;    /* -Q: start at insert */
const volatile bool cfg_ms = false;        /* -m: slots in msecs, else usecs */
const volatile bool cfg_per_disk = false;  /* -D */
const volatile bool cfg_per_flags = false; /* --per-flags */
const volatile __u32 cfg_dev = 0;          /* --disk: kernel dev_t, 0: all */
const volatile bool cfg_dev_part = false;  /* cfg_dev is a partition */
const volatile __u32 cfg_rq_arg = 0;       /* index of rq in insert/issue */

/* request -> start time (ns) */
LOUPE_STASH(starts, __u64, __u64, 16384);

LOUPE_HIST_ARRAY(hists);

LOUPE_HIST_HASH(keyed_hists, struct biolat_key, 2048);

/* btf: a tp_btf program (direct loads, core_shims.h), else raw_tp */
/*
 * The starts map is keyed by the request's address, passed to map helpers
 * as a copy (rq_key): verifiers before 6.13 or so turn a pointer that was
 * spilled to the stack into a plain number once a helper has read that
 * slot, and rq must stay a typed pointer for the direct loads after it.
 */
static __always_inline __u64 rq_key(struct request *rq)
{
	__u64 k = (__u64)rq;

	barrier_var(k);
	return k;
}

static __always_inline int rq_start(struct request *rq, bool insert, bool btf)
{
	__u64 ts, key;

	if (!loupe_filter_pass())
		return 0;
	if (cfg_dev && (cfg_dev_part ? core_rq_part_dev(rq, btf) :
			core_rq_disk_dev(rq, btf)) != cfg_dev)
		return 0;
	ts = bpf_ktime_get_ns();
	key = rq_key(rq);
	/* with -Q, insert's time stands: issue starts only requests that
	 * bypassed the I/O scheduler (no insert) */
	if (cfg_queued && !insert) {
		loupe_stash_add(&starts, &key, &ts);
		return 0;
	}
	/* a start still there: its completion was never seen (requeues
	 * delete their start), counted as lost_end */
	loupe_stash_put(&starts, &key, &ts);
	return 0;
}

/* A requeued request is issued (or inserted) again: time it from then. */
static __always_inline int rq_requeue(struct request *rq)
{
	__u64 key = rq_key(rq);

	loupe_stash_drop(&starts, &key);
	return 0;
}

static __always_inline int rq_done(struct request *rq, bool btf)
{
	__u64 delta, key = rq_key(rq);
	struct loupe_hist *h;

	if (!loupe_end_time(&starts, &key, &delta))
		return 0; /* started before tracing, or filtered out */
	if (cfg_per_disk || cfg_per_flags) {
		struct biolat_key k = {};

		if (cfg_per_disk)
			k.dev = core_rq_part_dev(rq, btf);
		if (cfg_per_flags)
			k.flags = core_rq_cmd_flags(rq, btf);
		h = loupe_hist_of(&keyed_hists, &k);
	} else {
		h = loupe_hist_cur(&hists);
	}
	/* constant divisors: the compiler multiplies instead of dividing */
	if (h)
		loupe_hist_add(h, loupe_log2_slot(cfg_ms ? delta / 1000000 : delta / 1000),
			       delta);
	return 0;
}

/* Completion first: libbpf attaches in this order, and a start recorded
 * before the completion hook is attached could be left behind. */
SEC("tp_btf/block_rq_complete")
int btf_rq_complete(__u64 *ctx) { return rq_done((struct request *)ctx[0], true); }

SEC("tp_btf/block_rq_requeue")
int btf_rq_requeue(__u64 *ctx) { return rq_requeue(core_blk_tp_rq(ctx, cfg_rq_arg)); }

SEC("tp_btf/block_rq_insert")
int btf_rq_insert(__u64 *ctx) { return rq_start(core_blk_tp_rq(ctx, cfg_rq_arg), true, true); }

SEC("tp_btf/block_rq_issue")
int btf_rq_issue(__u64 *ctx) { return rq_start(core_blk_tp_rq(ctx, cfg_rq_arg), false, true); }

SEC("raw_tp/block_rq_complete")
int raw_rq_complete(__u64 *ctx) { return rq_done((struct request *)ctx[0], false); }

SEC("raw_tp/block_rq_requeue")
int raw_rq_requeue(__u64 *ctx) { return rq_requeue(core_blk_tp_rq(ctx, cfg_rq_arg)); }

SEC("raw_tp/block_rq_insert")
int raw_rq_insert(__u64 *ctx) { return rq_start(core_blk_tp_rq(ctx, cfg_rq_arg), true, false); }

SEC("raw_tp/block_rq_issue")
int raw_rq_issue(__u64 *ctx) { return rq_start(core_blk_tp_rq(ctx, cfg_rq_arg), false, false); }
