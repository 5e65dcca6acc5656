/*
 * The Prometheus text exposition format (version 0.0.4, what
 * node_exporter's textfile collector and `promtool check metrics` read):
 * the one writer of --textfile's content. The summary templates (count.c,
 * histrun.c) decide what to write; this file decides how.
 *
 *   # HELP loupe_biolatency_io_latency_seconds Block I/O latency...
 *   # TYPE loupe_biolatency_io_latency_seconds histogram
 *   loupe_biolatency_io_latency_seconds_bucket{disk="sda",le="0.000002"} 0
 *   ...
 *   loupe_biolatency_io_latency_seconds_bucket{disk="sda",le="+Inf"} 200
 *   loupe_biolatency_io_latency_seconds_sum{disk="sda"} 0.0123
 *   loupe_biolatency_io_latency_seconds_count{disk="sda"} 200
 *
 * Label values: strings from traced processes (comm, paths) are first made
 * what loupe's text output shows (common/out.h esc_text: control
 * characters and bytes that are not UTF-8 as \xNN, bidi controls as
 * \uNNNN...), so a label is printable, valid UTF-8 (the format requires
 * it) and unambiguous (two names never share a label); then escaped as the
 * format requires: backslash, double quote and newline as \\ \" \n. A
 * process cannot end a label, a line or the file.
 *
 * Histograms (the log2 layout of bpf/hist.h, time units): bucket i holds
 * the values v with lo <= v <= hi in the slot unit (µs), which the kernel
 * truncated from ns, i.e. the latencies below (hi + 1) units: its `le`
 * bound is (hi + 1) units in seconds (2^(i+1) µs for log2), and the
 * cumulative count up to it is exact (Prometheus reads le as "<=": the two
 * differ only for a latency of exactly that many nanoseconds). The finite
 * buckets stop at PROM_MAX_LE_NS (about 73 minutes); the slots above are
 * in +Inf. Every histogram has the same buckets, whatever it counted, so
 * histograms from many hosts add up (sum by (le)).
 */
#ifndef LOUPE_PROM_H
#define LOUPE_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hist.h"

#define PROM_MAX_LABELS 8
#define PROM_LABELS_BUF 16384
/* the largest finite bucket bound: 2^42 ns, 73.3 minutes */
#define PROM_MAX_LE_NS (1ULL << 42)

/* A series' labels, escaped as they are added. */
struct prom_labels {
	int n;
	const char *name[PROM_MAX_LABELS]; /* [a-zA-Z_][a-zA-Z0-9_]*, not copied */
	uint32_t off[PROM_MAX_LABELS], len[PROM_MAX_LABELS];
	size_t used;
	char buf[PROM_LABELS_BUF];
};

void prom_labels_init(struct prom_labels *l);
/* Add a label whose value is any bytes (a comm, a path): made text-safe
 * (esc_text), then escaped. 0, or -E2BIG when the labels are full. */
int prom_label(struct prom_labels *l, const char *name, const char *v, size_t len);
/* Add a label whose value is already text-safe (esc_text's output, a
 * trusted name or number): escaped only as the format requires. */
int prom_label_text(struct prom_labels *l, const char *name, const char *v, size_t len);

/* The family's "# HELP" (help escaped: \\ and \n) and "# TYPE" lines;
 * type is "counter", "gauge" or "histogram". */
void prom_family(FILE *f, const char *name, const char *type, const char *help);
/* One sample: name{labels} v (no braces without labels; l may be NULL). */
void prom_sample(FILE *f, const char *name, const struct prom_labels *l, uint64_t v);
/* A histogram's samples: name_bucket{labels,le="..."} cumulative counts
 * (see above), name_sum (seconds for time units, else the slot unit) and
 * name_count. */
void prom_histogram(FILE *f, const char *name, const struct prom_labels *l,
		    const struct hist_fmt *fmt, const struct loupe_hist *h);

/* A number of ns as decimal seconds, exactly ("0.000002", "4294.967296",
 * "3"). Returns buf. */
const char *prom_seconds(char *buf, size_t len, uint64_t ns);

#endif
