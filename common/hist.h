/*
 * The histogram template (DESIGN.md §5): one layout (bpf/hist.h: 64 slots
 * of 64-bit counters covering all of u64, log2 or linear, plus the sum) and
 * one renderer for it: bcc's text layout (byte for byte, with 64-bit
 * counts), JSON, and the -e statistics. Keyed histograms (per disk, per
 * flags...) are a hist_set: labelled histograms printed in label order.
 */
#ifndef LOUPE_HIST_H
#define LOUPE_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>

#include "out.h"
#include "../bpf/hist.h"

enum hist_kind { HIST_LOG2, HIST_LINEAR };

/* How to read and show a histogram's slots. */
struct hist_fmt {
	enum hist_kind kind;
	uint64_t base, step;   /* HIST_LINEAR: see bpf/hist.h; step > 0 */
	const char *unit;      /* slot unit: text header label, JSON "unit" ("usecs") */
	uint64_t unit_ns;      /* ns per slot unit for time units (labels), else 0 */
	uint64_t sum_div;      /* raw sum units per slot unit (1000: ns -> usecs); 0 = 1 */
	const char *sum_key;   /* JSON key of the raw sum ("sum_ns") */
};

/* Bounds of a slot, in the slot unit (both inclusive). */
void hist_bounds(const struct hist_fmt *f, int slot, uint64_t *lo, uint64_t *hi);
/* Number of values counted (sum of the slots). */
uint64_t hist_total(const struct loupe_hist *h);
/* Highest non-zero slot, -1 when empty. */
int hist_max_slot(const struct loupe_hist *h);
/* dst += src, slot by slot and the sum. */
void hist_merge(struct loupe_hist *dst, const struct loupe_hist *src);
/* Estimate of the p-quantile (0 < p < 1) in the slot unit: found in the
 * slot where the cumulative count reaches p, interpolated linearly inside
 * it. An estimate: the true value lies somewhere in that slot. 0 if empty. */
double hist_quantile(const struct hist_fmt *f, const struct loupe_hist *h, double p);

/*
 * Text, bcc's layout. log2 (bcc print_log2_hist): a header and one row per
 * slot from the first to the highest non-zero one; nothing when empty.
 * Rows "%10llu -> %-10llu : %-8llu |<40 stars>|", or "%20llu -> %-20llu"
 * with 20 stars once the highest slot reaches 2^32. linear (bcc
 * print_linear_hist): "        %-10llu : %-8llu |<40 stars>|", one row
 * per slot up to the highest non-zero one, labelled by its lower bound.
 */
void hist_print(FILE *out, const struct hist_fmt *f, const struct loupe_hist *h);
/* -e: "\navg = A <unit>, total: T <unit>, count: N\n" (bcc biolatency -e),
 * then "p50 ~ X <unit>, p90 ~ Y <unit>, p99 ~ Z <unit> (estimated from the
 * buckets)\n"
 * and an empty line; nothing when empty. */
void hist_print_ext(FILE *out, const struct hist_fmt *f, const struct loupe_hist *h);
/* JSON members into an open record: "unit", "count", <sum_key>, "buckets":
 * [{"lo","hi","count"}...] for slots 0..highest non-zero (in the unit);
 * with ext also "avg" and "p50_est", "p90_est", "p99_est" (in the unit). */
void hist_json(struct jw *w, const struct hist_fmt *f, const struct loupe_hist *h,
	       bool ext);

/* A short label of a slot bound: "0", "16us", "4.1ms", "17s" for time
 * units, else "16", "4K", "1M" (K = 1024). */
void hist_label(char *buf, size_t len, const struct hist_fmt *f, uint64_t v);

/* ---- keyed histograms -------------------------------------------------- */

#define HIST_MAX_LABELS 2
#define HIST_LABEL_LEN 64

struct hist_entry {
	char value[HIST_MAX_LABELS][HIST_LABEL_LEN];
	struct loupe_hist h;
};

struct hist_set {
	int nlabels;                          /* 0: one unlabelled histogram */
	const char *names[HIST_MAX_LABELS];   /* "disk", "flags" */
	struct hist_entry *e;
	size_t n, cap;
};

void hist_set__init(struct hist_set *s, int nlabels, const char *const *names);
/* The histogram labelled values[0..nlabels-1], added when missing; NULL
 * when out of memory. With nlabels 0 there is exactly one. */
struct loupe_hist *hist_set__get(struct hist_set *s, const char *const *values);
void hist_set__clear(struct hist_set *s);        /* forget every entry */
void hist_set__free(struct hist_set *s);
/* Entries in natural label order (strverscmp: loop2 before loop10). */
void hist_set__sort(struct hist_set *s);
/* Text: per entry "\n<name> = <value>[, <name> = <value>]\n" (bcc's section
 * line; none when unlabelled), the histogram, and with ext the -e lines. */
void hist_set__print(FILE *out, const struct hist_set *s, const struct hist_fmt *f,
		     bool ext);
/* JSON: one {"type":"hist","time":...,<name>:<value>...,hist_json()} line
 * per entry; an unlabelled set writes its one record even when empty. */
void hist_set__json(FILE *out, const struct hist_set *s, const struct hist_fmt *f,
		    bool ext, uint64_t wall_ns);

#endif
