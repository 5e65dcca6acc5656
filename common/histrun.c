#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heatmap.h"
#include "histrun.h"
#include "interval.h"
#include "loupe.h"
#include "maps.h"
#include "outfile.h"
#include "prom.h"

struct run {
	struct histrun *h;
	const struct loupe_opts *o;
	struct hist_set set;     /* this interval */
	struct hist_set total;   /* all intervals, when only the end is printed */
	struct hist_set cum;     /* all intervals so far, for --textfile */
	struct heatmap *hm;
	const char *svg;         /* --svg, until Ctrl-C interrupts a FIFO's wait */
	const char *textfile;    /* --textfile, likewise */
	const struct bpf_object_skeleton *s;
	bool print_each;         /* an interval was asked for */
};

static int write_svg(struct run *r)
{
	return loupe_rewrote(&r->svg, heatmap__write_svg(r->hm, r->svg));
}

/* --textfile's content: the histograms so far, then the losses. */
static int prom_hists(FILE *f, void *arg)
{
	const struct run *r = arg;
	const struct histrun *h = r->h;
	struct prom_labels *l = malloc(sizeof(*l));
	char name[128];
	size_t i;
	int j;

	if (!l)
		return -ENOMEM;
	snprintf(name, sizeof(name), "loupe_%s_%s", r->o->tool, h->metric);
	prom_family(f, name, "histogram", h->help);
	for (i = 0; i < r->cum.n || (i == 0 && !r->cum.nlabels); i++) {
		struct loupe_hist empty = { 0 };

		prom_labels_init(l);
		for (j = 0; j < HIST_MAX_LABELS && h->fixed_names[j]; j++)
			prom_label(l, h->fixed_names[j], h->fixed_values[j],
				   strlen(h->fixed_values[j]));
		for (j = 0; j < r->cum.nlabels; j++)
			prom_label(l, r->cum.names[j], r->cum.e[i].value[j],
				   strlen(r->cum.e[i].value[j]));
		prom_histogram(f, name, l, &h->fmt, i < r->cum.n ? &r->cum.e[i].h : &empty);
	}
	free(l);
	stats_prom(f, r->o->tool, r->s);
	return 0;
}

/* Add this interval's histograms to the run's. */
static int add_set(struct hist_set *dst, const struct hist_set *src)
{
	size_t i;

	for (i = 0; i < src->n; i++) {
		const char *v[HIST_MAX_LABELS] = { src->e[i].value[0], src->e[i].value[1] };
		struct loupe_hist *h = hist_set__get(dst, v);

		if (!h)
			return -ENOMEM;
		hist_merge(h, &src->e[i].h);
	}
	return 0;
}

/* -i or a positional interval was given (histrun_check) */
static bool interval_given;

void histrun_check(struct loupe_opts *o, int nlabels)
{
	interval_given = o->interval_ns != 0;
	if (o->heatmap && o->json)
		loupe_usage_error("--heatmap and --json exclude each other");
	if ((o->heatmap || o->svg) && nlabels)
		loupe_usage_error("the heat map (--heatmap, --svg) shows one histogram: "
				  "not with per-key histograms");
	if (o->heatmap && o->extended)
		loupe_usage_error("--heatmap and -e exclude each other (the heat map "
				  "shows no statistics)");
	if (!o->interval_ns && (o->heatmap || o->svg))
		o->interval_ns = 1000000000ULL; /* a heat-map column per second */
}

static int take_keyed(void *c, const void *key, const void *val)
{
	struct run *r = c;
	char bufs[HIST_MAX_LABELS][HIST_LABEL_LEN];
	const char *v[HIST_MAX_LABELS] = { 0 };
	struct loupe_hist *h;

	r->h->labels(r->h->ctx, key, bufs, v);
	h = hist_set__get(&r->set, v);
	if (!h)
		return -ENOMEM;
	hist_merge(h, val);
	return 0;
}

static void output(const struct run *r, const struct hist_set *s, uint64_t wall)
{
	char ts[16];

	if (r->o->json) {
		hist_set__json(stdout, s, &r->h->fmt, r->o->extended, wall);
		return;
	}
	putchar('\n');
	if (r->o->timestamp) {
		fmt_hms(ts, sizeof(ts), wall, false);
		printf("%-8s\n", ts);
	}
	hist_set__print(stdout, s, &r->h->fmt, r->o->extended);
}

/* One interval: take the generation out of the maps, then print it (or
 * keep it for the end), add a heat-map column. */
static int summary(void *c, uint32_t gen, uint64_t wall, bool last)
{
	struct run *r = c;
	struct loupe_hist all = { 0 };
	size_t i;
	int err;

	hist_set__clear(&r->set);
	if (r->h->hash_fd >= 0) {
		err = map_take_hash(r->h->hash_fd, gen, take_keyed, r);
	} else {
		struct loupe_hist *h = hist_set__get(&r->set, NULL);

		err = h ? map_take_array(r->h->array_fd, gen, h, sizeof(*h)) : -ENOMEM;
	}
	if (err)
		return err;
	hist_set__sort(&r->set);
	for (i = 0; i < r->set.n; i++)
		hist_merge(&all, &r->set.e[i].h);
	r->h->total += hist_total(&all);
	stats_add_events(hist_total(&all));
	if (r->hm) {
		err = heatmap__add(r->hm, wall, &all);
		if (!err && r->svg)
			err = write_svg(r);
		if (err)
			return err;
	}
	if (r->textfile) {
		err = add_set(&r->cum, &r->set);
		if (err)
			return err;
		hist_set__sort(&r->cum);
		err = loupe_rewrote(&r->textfile, outfile_write(r->textfile, prom_hists, r));
		if (err)
			return err;
	}
	if (r->print_each) {
		if (!r->o->heatmap || r->o->json)
			output(r, &r->set, wall);
		return 0;
	}
	err = add_set(&r->total, &r->set);
	if (err)
		return err;
	if (last && !r->o->heatmap) {
		hist_set__sort(&r->total);
		output(r, &r->total, wall);
	}
	return 0;
}

int histrun(const struct bpf_object_skeleton *s, struct histrun *h,
	    const struct loupe_opts *o)
{
	struct run r = { .h = h, .o = o, .svg = o->svg, .textfile = o->textfile, .s = s };
	struct interval iv;
	int err;

	/* a summary per interval when one was asked for; --heatmap/--svg
	 * alone set a 1 s interval for their columns, and print one summary */
	r.print_each = interval_given;
	err = interval__init(&iv, s, o);
	if (err)
		return err;
	hist_set__init(&r.set, h->hash_fd >= 0 ? h->nlabels : 0, h->names);
	hist_set__init(&r.total, h->hash_fd >= 0 ? h->nlabels : 0, h->names);
	hist_set__init(&r.cum, h->hash_fd >= 0 ? h->nlabels : 0, h->names);
	if (o->heatmap || o->svg) {
		r.hm = heatmap__new(&(struct heatmap_cfg){
			.fmt = &h->fmt, .title = h->title, .what = h->what, .axis = h->axis,
			.term = o->heatmap ? stdout : NULL, .style = heatmap_style_for(stdout),
			.cols = h->heat_cols, .interval_ns = o->interval_ns });
		err = r.hm ? (o->svg ? write_svg(&r) : 0) : -ENOMEM;
	}
	if (!err)
		err = interval__run(&iv, summary, &r);
	heatmap__free(r.hm);
	hist_set__free(&r.set);
	hist_set__free(&r.total);
	hist_set__free(&r.cum);
	return err;
}
