/*
 * The histogram runner: the histogram template run over intervals. After
 * attach, every interval (or once, at the end) it takes a generation of a
 * tool's histogram map out of the kernel (bpf/hist.bpf.h: an unkeyed
 * 2-entry per-CPU array, or a per-CPU hash keyed by labels), and prints
 * it: bcc's text layout (with -T a time line, with -e the statistics),
 * JSON "hist" records, a heat-map row per interval on the terminal
 * (--heatmap) and an SVG file rewritten at every interval (--svg). Without
 * an interval, one summary of the whole run at the end. With --textfile,
 * also the histograms so far (cumulative: Prometheus computes rates), and
 * the losses, into that file in Prometheus text format (common/prom.h)
 * at every interval and at the end.
 *
 *   struct histrun h = { .fmt = {...}, .array_fd = bpf_map__fd(...), ... };
 *   histrun_check(&o, nlabels);          after parsing (exit 2 on conflicts)
 *   err = histrun(skel->skeleton, &h, &o);
 */
#ifndef LOUPE_HISTRUN_H
#define LOUPE_HISTRUN_H

#include <bpf/libbpf.h>

#include "hist.h"
#include "opts.h"

struct histrun {
	struct hist_fmt fmt;
	int array_fd;                 /* unkeyed histograms, or -1 */
	int hash_fd;                  /* keyed histograms, or -1 */
	int nlabels;                  /* keyed: labels per key (1..HIST_MAX_LABELS) */
	const char *names[HIST_MAX_LABELS]; /* their names ("disk", "flags") */
	/* keyed: the label values of a key; values[i] may point into bufs */
	void (*labels)(void *ctx, const void *key, char bufs[][HIST_LABEL_LEN],
		       const char **values);
	void *ctx;
	const char *title;            /* heat map: "biolatency: block I/O latency" */
	const char *what;             /* what is counted: "I/Os" */
	const char *axis;             /* what the buckets measure (NULL: latency) */
	int heat_cols;                /* terminal heat-map cells */
	/* --textfile: the metric loupe_<tool>_<metric> (a time unit: in
	 * seconds, "io_latency_seconds"), its help, and labels every series
	 * carries (e.g. biolatency --disk sda without -D: disk="sda") */
	const char *metric, *help;
	const char *fixed_names[HIST_MAX_LABELS], *fixed_values[HIST_MAX_LABELS];
	uint64_t total;               /* out: values counted over the run */
};

/* Option conflicts of a histogram tool (exit 2 with the conflict named):
 * --heatmap with -j, or with labels (-D...) or -e, which the heat map does
 * not show. Sets a 1 s interval for --heatmap/--svg without one. */
void histrun_check(struct loupe_opts *o, int nlabels);

/* Run until the end (see above); call histrun_check() first. 0, -errno
 * (a map could not be read), or 1 (an output file could not be written:
 * said why). */
int histrun(const struct bpf_object_skeleton *s, struct histrun *h,
	    const struct loupe_opts *o);

#endif
