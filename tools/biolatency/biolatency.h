/* biolatency wire types, shared by biolatency.bpf.c and biolatency.c. */
#ifndef BIOLATENCY_H
#define BIOLATENCY_H

/* Key of the per-disk / per-flags histograms (map keyed_hists). */
struct biolat_key {
	__u32 gen;    /* generation (bpf/summary.bpf.h) */
	__u32 dev;    /* kernel dev_t of the partition or disk (-D), else 0 */
	__u32 flags;  /* struct request.cmd_flags (--per-flags), else 0 */
	__u32 pad;
};

#ifndef __bpf__
_Static_assert(sizeof(struct biolat_key) == 16, "biolat_key layout");
#endif

#endif
