#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "heatmap.h"
#include "histrun.h"
#include "interval.h"
#include "loupe.h"
#include "maps.h"

struct run {
	struct histrun *h;
	const struct loupe_opts *o;
	struct hist_set set;     /* this interval */
	struct hist_set total;   /* all intervals, when only the end is printed */
	struct heatmap *hm;
	const char *svg;         /* --svg, until Ctrl-C interrupts a FIFO's wait */
	bool print_each;         /* an interval was asked for */
};

/* Rewrite the SVG file (common/outfile.h); a failure names the file and
 * ends the run (exit 1). Ctrl-C while a FIFO waits for its reader only
 * ends the SVG. */
static int write_svg(struct run *r)
{
	int err = heatmap__write_svg(r->hm, r->svg);

	if (err == -EINTR && loupe_exiting()) {
		r->svg = NULL;
		return 0;
	}
	if (err) {
		loupe_fail(r->svg, err);
		r->h->reported = true;
	}
	return err;
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
	if (r->print_each) {
		if (!r->o->heatmap || r->o->json)
			output(r, &r->set, wall);
		return 0;
	}
	for (i = 0; i < r->set.n; i++) {
		const char *v[HIST_MAX_LABELS] = { r->set.e[i].value[0], r->set.e[i].value[1] };
		struct loupe_hist *h = hist_set__get(&r->total, v);

		if (!h)
			return -ENOMEM;
		hist_merge(h, &r->set.e[i].h);
	}
	if (last && !r->o->heatmap) {
		hist_set__sort(&r->total);
		output(r, &r->total, wall);
	}
	return 0;
}

int histrun(const struct bpf_object_skeleton *s, struct histrun *h,
	    const struct loupe_opts *o)
{
	struct run r = { .h = h, .o = o, .svg = o->svg };
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
	return err;
}
