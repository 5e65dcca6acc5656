#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

#define STARS 40

void hist_bounds(const struct hist_fmt *f, int slot, uint64_t *lo, uint64_t *hi)
{
	uint64_t l, h;

	if (slot < 0)
		slot = 0;
	if (slot > LOUPE_HIST_SLOTS - 1)
		slot = LOUPE_HIST_SLOTS - 1;
	if (f->kind == HIST_LINEAR) {
		uint64_t step = f->step ? f->step : 1;

		if (__builtin_mul_overflow((uint64_t)slot, step, &l) ||
		    __builtin_add_overflow(l, f->base, &l))
			l = UINT64_MAX;
		if (slot == 0)
			l = 0;
		if (slot == LOUPE_HIST_SLOTS - 1 ||
		    __builtin_mul_overflow((uint64_t)slot + 1, step, &h) ||
		    __builtin_add_overflow(h, f->base, &h))
			h = UINT64_MAX;
		else
			h -= 1;
	} else {
		l = slot ? 1ULL << slot : 0;
		h = slot == 63 ? UINT64_MAX : (1ULL << (slot + 1)) - 1;
	}
	*lo = l;
	*hi = h;
}

uint64_t hist_total(const struct loupe_hist *h)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < LOUPE_HIST_SLOTS; i++)
		n += h->slots[i];
	return n;
}

int hist_max_slot(const struct loupe_hist *h)
{
	int i;

	for (i = LOUPE_HIST_SLOTS - 1; i >= 0; i--)
		if (h->slots[i])
			return i;
	return -1;
}

void hist_merge(struct loupe_hist *dst, const struct loupe_hist *src)
{
	int i;

	for (i = 0; i < LOUPE_HIST_SLOTS; i++)
		dst->slots[i] += src->slots[i];
	dst->sum += src->sum;
}

double hist_quantile(const struct hist_fmt *f, const struct loupe_hist *h, double p)
{
	uint64_t total = hist_total(h), cum = 0, lo, hi;
	double rank = p * (double)total;
	int i;

	if (!total)
		return 0;
	for (i = 0; i < LOUPE_HIST_SLOTS; i++) {
		uint64_t c = h->slots[i];

		if (!c)
			continue;
		if ((double)(cum + c) >= rank) {
			hist_bounds(f, i, &lo, &hi);
			/* [lo, hi + 1) */
			return (double)lo + ((double)hi + 1.0 - (double)lo) *
			       ((rank - (double)cum) / (double)c);
		}
		cum += c;
	}
	hist_bounds(f, hist_max_slot(h), &lo, &hi);
	return (double)hi;
}

/* floor(width * val / max) stars, padded to width: bcc's _stars(). */
static void stars(FILE *out, uint64_t val, uint64_t max, int width)
{
	int n = max ? (int)(((unsigned __int128)val * (unsigned)width) / max) : 0, i;

	if (n > width)
		n = width;
	for (i = 0; i < width; i++)
		fputc(i < n ? '*' : ' ', out);
}

void hist_print(FILE *out, const struct hist_fmt *f, const struct loupe_hist *h)
{
	int idx_max = hist_max_slot(h), i, width;
	uint64_t vmax = 0, lo, hi;
	bool wide;

	if (idx_max < 0)
		return;
	for (i = 0; i <= idx_max; i++)
		if (h->slots[i] > vmax)
			vmax = h->slots[i];
	if (f->kind == HIST_LINEAR) {
		fprintf(out, "     %-13s : count     distribution\n", f->unit);
		for (i = 0; i <= idx_max; i++) {
			hist_bounds(f, i, &lo, &hi);
			fprintf(out, "        %-10" PRIu64 " : %-8" PRIu64 " |", lo,
				(uint64_t)h->slots[i]);
			stars(out, h->slots[i], vmax, STARS);
			fputs("|\n", out);
		}
		return;
	}
	/* bcc counts slots from 1 (bpf_log2l); its "idx_max > 32" is our 31 */
	wide = idx_max > 31;
	width = wide ? STARS / 2 : STARS;
	if (wide)
		fprintf(out, "               %-29s : count     distribution\n", f->unit);
	else
		fprintf(out, "     %-19s : count     distribution\n", f->unit);
	for (i = 0; i <= idx_max; i++) {
		hist_bounds(f, i, &lo, &hi);
		if (wide)
			fprintf(out, "%20" PRIu64 " -> %-20" PRIu64 " : %-8" PRIu64 " |",
				lo, hi, (uint64_t)h->slots[i]);
		else
			fprintf(out, "%10" PRIu64 " -> %-10" PRIu64 " : %-8" PRIu64 " |",
				lo, hi, (uint64_t)h->slots[i]);
		stars(out, h->slots[i], vmax, width);
		fputs("|\n", out);
	}
}

static void print_est(FILE *out, double v)
{
	fprintf(out, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
}

void hist_print_ext(FILE *out, const struct hist_fmt *f, const struct loupe_hist *h)
{
	uint64_t n = hist_total(h), div = f->sum_div ? f->sum_div : 1;
	uint64_t total = h->sum / div;
	static const double qs[] = { 0.50, 0.90, 0.99 };
	static const char *const qn[] = { "p50", "p90", "p99" };
	int i;

	if (!n)
		return;
	fprintf(out, "\navg = %" PRIu64 " %s, total: %" PRIu64 " %s, count: %" PRIu64 "\n",
		total / n, f->unit, total, f->unit, n);
	for (i = 0; i < 3; i++) {
		fprintf(out, "%s%s ~ ", i ? ", " : "", qn[i]);
		print_est(out, hist_quantile(f, h, qs[i]));
		fprintf(out, " %s", f->unit);
	}
	fputs(" (estimated from the buckets)\n\n", out);
}

void hist_json(struct jw *w, const struct hist_fmt *f, const struct loupe_hist *h,
	       bool ext)
{
	uint64_t n = hist_total(h), lo, hi;
	int i, max = hist_max_slot(h);

	jw_kv_str(w, "unit", f->unit);
	jw_kv_u64(w, "count", n);
	jw_kv_u64(w, f->sum_key ? f->sum_key : "sum", h->sum);
	if (ext) {
		double div = (double)(f->sum_div ? f->sum_div : 1);

		jw_key(w, "avg");
		jw_double(w, n ? (double)h->sum / div / (double)n : 0.0);
		jw_key(w, "p50_est");
		jw_double(w, hist_quantile(f, h, 0.50));
		jw_key(w, "p90_est");
		jw_double(w, hist_quantile(f, h, 0.90));
		jw_key(w, "p99_est");
		jw_double(w, hist_quantile(f, h, 0.99));
	}
	jw_key(w, "buckets");
	jw_arr_begin(w);
	for (i = 0; i <= max; i++) {
		hist_bounds(f, i, &lo, &hi);
		jw_obj_begin(w);
		jw_kv_u64(w, "lo", lo);
		jw_kv_u64(w, "hi", hi);
		jw_kv_u64(w, "count", h->slots[i]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

void hist_label(char *buf, size_t len, const struct hist_fmt *f, uint64_t v)
{
	static const char *const tu[] = { "ns", "us", "ms", "s" };
	static const char *const su[] = { "", "K", "M", "G", "T", "P", "E" };
	double x;
	int i = 0;

	if (!v) {
		snprintf(buf, len, "0");
		return;
	}
	if (f->unit_ns) {
		x = (double)v * (double)f->unit_ns;
		while (i < 3 && x >= 1000) {
			x /= 1000;
			i++;
		}
		snprintf(buf, len, x < 10 && x != (double)(uint64_t)x ? "%.1f%s" : "%.0f%s",
			 x, tu[i]);
		return;
	}
	while (i < 6 && v >= 1024 && !(v & 1023)) {
		v >>= 10;
		i++;
	}
	snprintf(buf, len, "%" PRIu64 "%s", v, su[i]);
}

/* ---- keyed histograms -------------------------------------------------- */

void hist_set__init(struct hist_set *s, int nlabels, const char *const *names)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->nlabels = nlabels > HIST_MAX_LABELS ? HIST_MAX_LABELS : nlabels;
	for (i = 0; i < s->nlabels; i++)
		s->names[i] = names[i];
}

struct loupe_hist *hist_set__get(struct hist_set *s, const char *const *values)
{
	struct hist_entry *e;
	size_t i;
	int j;

	for (i = 0; i < s->n; i++) {
		for (j = 0; j < s->nlabels; j++)
			if (strcmp(s->e[i].value[j], values[j]))
				break;
		if (j == s->nlabels)
			return &s->e[i].h;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;

		e = realloc(s->e, cap * sizeof(*e));
		if (!e)
			return NULL;
		s->e = e;
		s->cap = cap;
	}
	e = &s->e[s->n++];
	memset(e, 0, sizeof(*e));
	for (j = 0; j < s->nlabels; j++)
		snprintf(e->value[j], HIST_LABEL_LEN, "%s", values[j]);
	return &e->h;
}

void hist_set__clear(struct hist_set *s)
{
	s->n = 0;
}

void hist_set__free(struct hist_set *s)
{
	free(s->e);
	s->e = NULL;
	s->n = s->cap = 0;
}

static int entry_cmp(const void *a, const void *b, void *arg)
{
	const struct hist_entry *x = a, *y = b;
	int j, c, n = *(const int *)arg;

	for (j = 0; j < n; j++)
		if ((c = strverscmp(x->value[j], y->value[j])))
			return c;
	return 0;
}

void hist_set__sort(struct hist_set *s)
{
	if (s->n > 1)
		qsort_r(s->e, s->n, sizeof(*s->e), entry_cmp, &s->nlabels);
}

void hist_set__print(FILE *out, const struct hist_set *s, const struct hist_fmt *f,
		     bool ext)
{
	size_t i;
	int j;

	for (i = 0; i < s->n; i++) {
		if (s->nlabels) {
			fputc('\n', out);
			for (j = 0; j < s->nlabels; j++)
				fprintf(out, "%s%s = %s", j ? ", " : "", s->names[j],
					s->e[i].value[j]);
			fputc('\n', out);
		}
		hist_print(out, f, &s->e[i].h);
		if (ext)
			hist_print_ext(out, f, &s->e[i].h);
	}
}

void hist_set__json(FILE *out, const struct hist_set *s, const struct hist_fmt *f,
		    bool ext, uint64_t wall_ns)
{
	struct loupe_hist empty = { 0 };
	char ts[48];
	size_t i;
	int j;

	fmt_rfc3339(ts, sizeof(ts), wall_ns);
	for (i = 0; i < s->n || (i == 0 && !s->nlabels); i++) {
		struct jw w;

		jw_begin(&w, out, "hist");
		jw_kv_str(&w, "time", ts);
		for (j = 0; j < s->nlabels; j++)
			jw_kv_str(&w, s->names[j], s->e[i].value[j]);
		hist_json(&w, f, i < s->n ? &s->e[i].h : &empty, ext);
		jw_end(&w);
	}
}
