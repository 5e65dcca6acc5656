/*
 * The heat-map template: one histogram per interval, drawn as
 *   - terminal rows, one per interval, one cell per bucket: ANSI 256-colour
 *     shading with a legend on a terminal, plain shade characters
 *     otherwise (a file, a pipe, NO_COLOR, TERM=dumb). Rows stream, so the
 *     shade scale is fixed: a level per power of 4 of the count.
 *   - an SVG file: time on x (one column per interval), buckets on y (the
 *     range that holds data), colour by count relative to the largest cell
 *     (logarithmic), labelled axes, title and legend; self-contained, so
 *     any browser shows it. Rewritten whole on each call, through
 *     common/outfile.h: a regular file is replaced atomically, a device or
 *     FIFO gets one whole document per call.
 * Columns are kept for the SVG: past 2000, neighbours are merged in pairs
 * and a column then spans 2, 4... intervals (the SVG says so).
 */
#ifndef LOUPE_HEATMAP_H
#define LOUPE_HEATMAP_H

#include <stdint.h>
#include <stdio.h>

#include "hist.h"

enum heatmap_style { HEATMAP_PLAIN, HEATMAP_ANSI };

struct heatmap_cfg {
	const struct hist_fmt *fmt;
	const char *title;       /* e.g. "biolatency: block I/O latency" */
	const char *what;        /* what a count counts: "I/Os" */
	const char *axis;        /* what the buckets measure: "latency" (NULL),
				  * "offset in the second" */
	FILE *term;              /* terminal rows go here; NULL: SVG only */
	enum heatmap_style style;
	int cols;                /* terminal cells: slots 0..cols-1, the last
				  * one also takes everything above it */
	uint64_t interval_ns;    /* for the SVG's description */
};

struct heatmap;

/* Prints the legend and axis line to cfg->term (if any); copies the
 * strings of cfg and *cfg->fmt. NULL: no memory. */
struct heatmap *heatmap__new(const struct heatmap_cfg *cfg);
void heatmap__free(struct heatmap *h);
/* One interval ending at wall_ns: a terminal row, and a column kept for
 * the SVG. 0 or -ENOMEM. */
int heatmap__add(struct heatmap *h, uint64_t wall_ns, const struct loupe_hist *col);
/* Write the SVG of every column so far to path (outfile_write: replaced
 * atomically, or written in place for a device or FIFO). 0 or -errno, e.g.
 * -ENOSPC from a write. */
int heatmap__write_svg(const struct heatmap *h, const char *path);

/* ANSI when f is a terminal, NO_COLOR is unset and TERM is not "dumb". */
enum heatmap_style heatmap_style_for(FILE *f);
/* Terminal shade level of a count: 0 for 0, then 1 + floor(log4(count))
 * up to 9 (1-3 -> 1, 4-15 -> 2, ..., >= 65536 -> 9). */
int heatmap_level(uint64_t count);

#endif
