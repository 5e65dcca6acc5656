/*
 * The interval template: a summary every interval (drift-free: the n-th
 * ends at start + n * interval however long printing took), until the
 * positional count, -d, Ctrl-C, SIGTERM or a closed stdout; and always a
 * final summary of the last, partial interval when the tool is stopped.
 * Without an interval: one summary, at the end.
 *
 * No count falls between two intervals: the BPF side counts into the
 * generation in loupe_gen (bpf/summary.bpf.h); interval__flip() switches
 * it and returns once every program that may have seen the old value has
 * finished (membarrier(MEMBARRIER_CMD_GLOBAL) runs synchronize_rcu(), and
 * tracing programs run inside RCU read-side sections), so the old
 * generation can be read and cleared while new counts go to the other.
 *
 *   struct interval iv;
 *   interval__init(&iv, skel->skeleton, &o);
 *   err = interval__run(&iv, print_summary, ctx);   // after attach
 */
#ifndef LOUPE_INTERVAL_H
#define LOUPE_INTERVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bpf/libbpf.h>

#include "opts.h"

struct interval {
	const struct loupe_opts *o;
	volatile uint32_t *gen;   /* the object's loupe_gen (mmaped .bss) */
	uint32_t cur;
	uint64_t next_ns;
	uint64_t done;            /* summaries printed */
	bool slow_sync;           /* membarrier unavailable: waited instead */
};

/* -ENOENT when the object has no loupe_gen (it includes no summary map). */
int interval__init(struct interval *iv, const struct bpf_object_skeleton *s,
		   const struct loupe_opts *o);

/* Switch generations; returns the old one, now safe to read and clear. */
uint32_t interval__flip(struct interval *iv);

/* One summary: gen is the generation to take out of the maps, wall_ns the
 * end of the interval (CLOCK_REALTIME ns), last true for the final one.
 * Returns 0 or -errno (which ends the run with that error). */
typedef int (*interval_fn)(void *ctx, uint32_t gen, uint64_t wall_ns, bool last);

/* Run until done; flushes stdout after each summary. Returns 0 (also when
 * stdout was closed: loupe_finish() tells) or the callback's -errno. */
int interval__run(struct interval *iv, interval_fn fn, void *ctx);

/* The positional arguments of summary tools, bcc's "[interval [count]]":
 * interval in seconds (or a duration: 500ms; at least 100ms), count >= 1;
 * -i and a positional interval exclude each other. Usable as
 * loupe_tool.positional. */
int interval_positional(int argc, char **argv, struct loupe_opts *o, char *err,
			size_t len);

#endif
