#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heatmap.h"
#include "outfile.h"

#define MAX_COLS 2000
#define LEVELS 9

/* Light to dark: ColorBrewer YlOrRd (SVG) and its nearest xterm-256 colours. */
static const char *const svg_colour[LEVELS + 1] = {
	"#ffffff", "#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c",
	"#fc4e2a", "#e31a1c", "#bd0026", "#800026",
};
static const int ansi_colour[LEVELS + 1] = { 0, 230, 229, 222, 215, 209, 203, 160, 124, 88 };
static const char plain_shade[LEVELS + 1] = " .:-=+*#%@";

struct column {
	uint64_t wall_ns;        /* end of the last interval in it */
	struct loupe_hist h;
};

struct heatmap {
	struct heatmap_cfg cfg;  /* title, what and fmt point into this struct */
	struct hist_fmt fmt;
	char title[256], what[64], unit[32], axis_name[64];
	struct column *col;
	size_t n;
	uint64_t span;           /* intervals per column */
	uint64_t pending;        /* intervals in col[n-1] so far */
};

int heatmap_level(uint64_t count)
{
	int l = 0;

	if (!count)
		return 0;
	while (l < LEVELS - 1 && count >= 4) {
		count >>= 2;
		l++;
	}
	return l + 1;
}

enum heatmap_style heatmap_style_for(FILE *f)
{
	const char *term = getenv("TERM");

	if (!isatty(fileno(f)) || getenv("NO_COLOR") || (term && !strcmp(term, "dumb")))
		return HEATMAP_PLAIN;
	return HEATMAP_ANSI;
}

/* ---- terminal -------------------------------------------------------- */

static void cell(FILE *f, enum heatmap_style st, int level)
{
	if (st == HEATMAP_ANSI && level)
		fprintf(f, "\033[48;5;%dm  \033[0m", ansi_colour[level]);
	else
		fprintf(f, "%c%c", plain_shade[level], plain_shade[level]);
}

static void term_legend(const struct heatmap *h)
{
	const struct heatmap_cfg *c = &h->cfg;
	FILE *f = c->term;
	int cols = c->cols, i, width = 2 * cols;
	char axis[256], lbl[32];
	uint64_t lo, hi;

	/* two lines: a title of 40 characters and the explanation would
	 * not fit in 80 columns together */
	fprintf(f, "%s\none row per interval, one column per %s bucket (%s)\n",
		c->title, h->fmt.unit, h->fmt.kind == HIST_LINEAR ? "linear" : "log2");
	fprintf(f, "%s per cell:", c->what);
	for (i = 1; i <= LEVELS; i++) {
		fputs(i > 1 ? "  " : " ", f);
		if (c->style == HEATMAP_ANSI)
			cell(f, c->style, i);
		else
			fputc(plain_shade[i], f);
		hist_label(lbl, sizeof(lbl), &(struct hist_fmt){ .kind = HIST_LOG2 },
			   1ULL << (2 * (i - 1)));
		fprintf(f, " %s+", lbl);
	}
	fputc('\n', f);
	/* axis: the lower bound of every 4th bucket at its column */
	if (width > (int)sizeof(axis) - 1)
		width = (int)sizeof(axis) - 1;
	memset(axis, ' ', (size_t)width);
	axis[width] = 0;
	for (i = 0; i < cols; i += 4) {
		size_t len;

		hist_bounds(&h->fmt, i, &lo, &hi);
		hist_label(lbl, sizeof(lbl), &h->fmt, lo);
		len = strlen(lbl);
		if (2 * i + (int)len <= width)
			memcpy(axis + 2 * i, lbl, len);
	}
	while (width > 0 && axis[width - 1] == ' ')
		axis[--width] = 0;
	fprintf(f, "%-8s |%-*s| %s\n", "TIME", 2 * cols, axis, "COUNT");
}

static void term_row(const struct heatmap *h, uint64_t wall_ns,
		     const struct loupe_hist *hist)
{
	const struct heatmap_cfg *c = &h->cfg;
	char ts[32];
	int i;

	fmt_hms(ts, sizeof(ts), wall_ns, false);
	fprintf(c->term, "%-8s |", ts);
	for (i = 0; i < c->cols; i++) {
		uint64_t n = hist->slots[i];

		if (i == c->cols - 1) /* the last column takes the rest */
			for (int j = i + 1; j < LOUPE_HIST_SLOTS; j++)
				n += hist->slots[j];
		cell(c->term, c->style, heatmap_level(n));
	}
	fprintf(c->term, "| %" PRIu64 "\n", hist_total(hist));
}

struct heatmap *heatmap__new(const struct heatmap_cfg *cfg)
{
	struct heatmap *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	/* keep copies: the caller's strings may not outlive this call */
	h->cfg = *cfg;
	h->fmt = *cfg->fmt;
	h->cfg.fmt = &h->fmt;
	snprintf(h->title, sizeof(h->title), "%s", cfg->title ? cfg->title : "heat map");
	snprintf(h->what, sizeof(h->what), "%s", cfg->what ? cfg->what : "count");
	snprintf(h->unit, sizeof(h->unit), "%s", cfg->fmt->unit ? cfg->fmt->unit : "");
	h->cfg.title = h->title;
	h->cfg.what = h->what;
	snprintf(h->axis_name, sizeof(h->axis_name), "%s", cfg->axis ? cfg->axis : "latency");
	h->cfg.axis = h->axis_name;
	h->fmt.unit = h->unit;
	h->fmt.sum_key = NULL;
	if (h->cfg.cols < 1 || h->cfg.cols > LOUPE_HIST_SLOTS)
		h->cfg.cols = LOUPE_HIST_SLOTS;
	h->span = 1;
	if (h->cfg.term)
		term_legend(h);
	return h;
}

void heatmap__free(struct heatmap *h)
{
	if (!h)
		return;
	free(h->col);
	free(h);
}

int heatmap__add(struct heatmap *h, uint64_t wall_ns, const struct loupe_hist *hist)
{
	size_t i;

	if (h->cfg.term)
		term_row(h, wall_ns, hist);
	if (h->n && h->pending < h->span) {
		/* the last column is not full yet */
		hist_merge(&h->col[h->n - 1].h, hist);
		h->col[h->n - 1].wall_ns = wall_ns;
		h->pending++;
		return 0;
	}
	if (h->n == MAX_COLS) {
		/* merge neighbours: half the columns, each twice as long */
		for (i = 0; i < MAX_COLS / 2; i++) {
			h->col[i] = h->col[2 * i];
			hist_merge(&h->col[i].h, &h->col[2 * i + 1].h);
			h->col[i].wall_ns = h->col[2 * i + 1].wall_ns;
		}
		h->n = MAX_COLS / 2;
		h->span *= 2;
	}
	if (!h->col) {
		h->col = calloc(MAX_COLS, sizeof(*h->col));
		if (!h->col)
			return -ENOMEM;
	}
	h->col[h->n].wall_ns = wall_ns;
	h->col[h->n].h = *hist;
	h->n++;
	h->pending = 1;
	return 0;
}

/* ---- SVG --------------------------------------------------------------- */

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
		}
	}
}

/* Colour level of a count relative to the largest cell: logarithmic,
 * 1 for a count of 1, 9 for the largest. */
static double lg2(uint64_t v) /* v >= 1; about 1e-7 precise, without libm */
{
	double x = (double)v, r = 0, b = 0.5;
	int i;

	while (x >= 2) {
		x /= 2;
		r += 1;
	}
	for (i = 0; i < 24; i++, b /= 2) {
		x *= x;
		if (x >= 2) {
			x /= 2;
			r += b;
		}
	}
	return r;
}

static int svg_level(uint64_t c, uint64_t max)
{
	int l;

	if (!c)
		return 0;
	if (max <= 1 || c >= max)
		return LEVELS;
	l = 1 + (int)((LEVELS - 1) * lg2(c) / lg2(max));
	return l < 1 ? 1 : l > LEVELS ? LEVELS : l;
}

/* The smallest count with a level >= k (levels grow with the count). */
static uint64_t svg_level_min(int k, uint64_t max)
{
	uint64_t lo = 1, hi = max;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (svg_level(mid, max) >= k)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void svg_write(const struct heatmap *h, FILE *f)
{
	const struct hist_fmt *fmt = &h->fmt;
	int smin = LOUPE_HIST_SLOTS, smax = -1, nrows, s, k;
	uint64_t max = 0, total = 0, lo, hi;
	size_t i, ncols = h->n ? h->n : 1, step;
	int cw, rh, ml = 84, mr = 150, mt = 64, mb = 76, pw, ph, w, ht, lh, below;
	char a[64], b[64], lbl[32];

	for (i = 0; i < h->n; i++)
		for (s = 0; s < LOUPE_HIST_SLOTS; s++) {
			uint64_t c = h->col[i].h.slots[s];

			if (!c)
				continue;
			smin = s < smin ? s : smin;
			smax = s > smax ? s : smax;
			max = c > max ? c : max;
			total += c;
		}
	if (smax < 0)
		smin = smax = 0;
	nrows = smax - smin + 1;
	cw = (int)(900 / ncols);
	cw = cw < 2 ? 2 : cw > 40 ? 40 : cw;
	rh = 360 / nrows;
	rh = rh < 12 ? 12 : rh > 24 ? 24 : rh;
	pw = (int)ncols * cw;
	ph = nrows * rh;
	w = ml + (pw < 240 ? 240 : pw) + mr;
	/* the titles under the plot go below the legend too (right of the
	 * plot, as tall as LEVELS entries), which a plot of few rows is not */
	lh = 14 + LEVELS * 18 - 16;
	below = mt + (ph > lh ? ph : lh);
	ht = below + mb;

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
		"font-size=\"11\">\n<title>", w, ht, w, ht);
	xml_text(f, h->cfg.title);
	fprintf(f, "</title>\n<desc>One column per %s of %.3g s, one row per %s "
		"bucket of %s; colour: %s per bucket and column.</desc>\n",
		h->span > 1 ? "group of intervals" : "interval",
		(double)h->cfg.interval_ns * (double)h->span / 1e9,
		fmt->kind == HIST_LINEAR ? "linear" : "log2", fmt->unit, h->cfg.what);
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", w, ht);
	fprintf(f, "<text x=\"%d\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" "
		"font-weight=\"bold\">", w / 2);
	xml_text(f, h->cfg.title);
	a[0] = b[0] = 0;
	if (h->n) {
		fmt_hms(a, sizeof(a), h->col[0].wall_ns, false);
		fmt_hms(b, sizeof(b), h->col[h->n - 1].wall_ns, false);
	}
	fprintf(f, "</text>\n<text x=\"%d\" y=\"40\" text-anchor=\"middle\" fill=\"#555\">"
		"%zu column%s (%s to %s), %" PRIu64 " ", w / 2, h->n, h->n == 1 ? "" : "s",
		a, b, total);
	xml_text(f, h->cfg.what);
	fputs("</text>\n", f);
	fprintf(f, "<rect class=\"plot\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		"fill=\"#f4f4f4\" stroke=\"#888\"/>\n<g class=\"cols\">\n", ml, mt, pw, ph);
	for (i = 0; i < h->n; i++) {
		const struct column *c = &h->col[i];

		fmt_rfc3339(a, sizeof(a), c->wall_ns);
		fmt_hms(b, sizeof(b), c->wall_ns, false);
		fprintf(f, "<g class=\"col\" data-time=\"%s\" data-count=\"%" PRIu64 "\">",
			a, hist_total(&c->h));
		for (s = smin; s <= smax; s++) {
			if (!c->h.slots[s])
				continue;
			hist_bounds(fmt, s, &lo, &hi);
			fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
				"fill=\"%s\"><title>%s, %" PRIu64 "-%" PRIu64 " %s: %" PRIu64
				" ", ml + (int)i * cw, mt + (smax - s) * rh, cw, rh,
				svg_colour[svg_level(c->h.slots[s], max)], b, lo, hi,
				fmt->unit, (uint64_t)c->h.slots[s]);
			xml_text(f, h->cfg.what);
			fputs("</title></rect>", f);
		}
		fputs("</g>\n", f);
	}
	fputs("</g>\n<g class=\"y-axis\" text-anchor=\"end\">\n", f);
	for (s = smin; s <= smax; s++) {
		hist_bounds(fmt, s, &lo, &hi);
		hist_label(lbl, sizeof(lbl), fmt, lo);
		fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>\n", ml - 5,
			mt + (smax - s) * rh + rh / 2 + 4, lbl);
	}
	fputs("</g>\n<g class=\"x-axis\" text-anchor=\"middle\">\n", f);
	step = (size_t)(60 / cw) + 1;
	for (i = 0; i < h->n; i += step) {
		fmt_hms(b, sizeof(b), h->col[i].wall_ns, false);
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
			"<text x=\"%d\" y=\"%d\">%s</text>\n", ml + (int)i * cw + cw / 2,
			mt + ph, ml + (int)i * cw + cw / 2, mt + ph + 4,
			ml + (int)i * cw + cw / 2, mt + ph + 16, b);
	}
	fprintf(f, "</g>\n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time "
		"(end of each interval, HH:MM:SS)</text>\n", ml + pw / 2, below + 40);
	/* the y axis's title, level with the top of the plot from the left
	 * edge: a rotated title is longer than a plot of a few rows, and was
	 * cut at the image's edge */
	fprintf(f, "<text x=\"4\" y=\"%d\" font-weight=\"bold\">", mt - 8);
	xml_text(f, h->cfg.axis);
	fprintf(f, " (%s)</text>\n<text x=\"4\" y=\"%d\" fill=\"#555\">rows: %s buckets of "
		"%s, labelled by their lower bound</text>\n", fmt->unit, below + 58,
		fmt->kind == HIST_LINEAR ? "linear" : "log2", fmt->unit);
	/* legend: the smallest count of each colour */
	fprintf(f, "<g class=\"legend\">\n<text x=\"%d\" y=\"%d\">", ml + pw + 20, mt + 8);
	xml_text(f, h->cfg.what);
	fputs(" per cell</text>\n", f);
	for (k = 1; k <= LEVELS; k++) {
		uint64_t c = max ? svg_level_min(k, max) : 0;

		if (!max || svg_level(c, max) != k)
			continue;
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\" "
			"stroke=\"#888\"/><text x=\"%d\" y=\"%d\">&#8805; %" PRIu64 "</text>\n",
			ml + pw + 20, mt + 14 + (k - 1) * 18, svg_colour[k],
			ml + pw + 40, mt + 25 + (k - 1) * 18, c);
	}
	fputs("</g>\n</svg>\n", f);
}

static int svg_write_cb(FILE *f, void *h)
{
	svg_write(h, f);
	return 0;
}

int heatmap__write_svg(const struct heatmap *h, const char *path)
{
	return outfile_write(path, svg_write_cb, (void *)h);
}
