// SPDX-License-Identifier: GPL-2.0
/* biolatency: how long do block I/Os take? A latency histogram. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include "loupe.h"
#include "blk.h"
#include "heatmap.h"
#include "hist.h"
#include "hooks.h"
#include "interval.h"
#include "maps.h"
#include "tools/biolatency/biolatency.h"
#include "biolatency.skel.h"

static struct loupe_opts o;
static bool queued, per_disk, per_flags;
static const char *disk;

static const struct tool_opt opts[] = {
	{ 'Q', "queued", NULL, "include the time queued in the kernel (from insert, not issue)",
	  NULL, &queued },
	{ 'D', "per-disk", NULL, "one histogram per disk (or partition)", NULL, &per_disk },
	{ 0, "per-flags", NULL, "one histogram per operation and flags (e.g. Sync-Write)",
	  NULL, &per_flags },
	{ 0, "disk", "NAME", "only this disk or partition (sda, nvme0n1p2, loop0)",
	  opt_parse_string, &disk },
	{ 0 },
};

static const struct loupe_tool tool = {
	.name = "biolatency",
	.summary = "Summarize block device I/O latency as a histogram (issue to completion).",
	.usage = "[OPTIONS] [interval [count]]",
	.shared = OPTS_ALL | OPT(O_INTERVAL) | OPT(O_EXTENDED) | OPT(O_HEATMAP) |
		  OPT(O_SVG) | OPT(O_MILLISECONDS),
	.opts = opts,
	.examples =
		"  biolatency                    # one histogram at Ctrl-C\n"
		"  biolatency -T 1 10            # every second, 10 times, with times\n"
		"  biolatency -mQ                # in msecs, including queued time\n"
		"  biolatency -D --per-flags     # per disk and per operation/flags\n"
		"  biolatency --disk sda -e      # sda only, with avg and percentiles\n"
		"  biolatency --heatmap          # a heat map row per second\n"
		"  biolatency --svg lat.svg -d 60  # a minute into an SVG heat map\n"
		"  biolatency -j 5 | jq .count   # JSON every 5 seconds\n",
	.positional = interval_positional,
	.needs_btf = true,
};

/* tp_btf where it loads, else raw_tp: same program bodies (common/hooks.h) */
static const struct loupe_rung ladder[] = {
	{ "tp_btf", loupe_probe_tp_btf, "block_rq_issue" },
	{ "raw_tp", NULL, NULL },
};

struct ctx {
	struct biolatency_bpf *skel;
	struct hist_fmt fmt;
	struct hist_set set;     /* this interval */
	struct hist_set total;   /* all intervals, when only the end is printed */
	struct heatmap *hm;
	bool print_each;         /* an interval was asked for */
	bool svg_failed;         /* and said so */
	uint64_t ios;
};

static int take_keyed(void *c, const void *key, const void *val)
{
	const struct biolat_key *k = key;
	struct ctx *cx = c;
	char dn[HIST_LABEL_LEN], fl[HIST_LABEL_LEN];
	const char *v[HIST_MAX_LABELS];
	struct loupe_hist *h;
	int n = 0;

	if (per_disk)
		v[n++] = blk_name(k->dev, dn, sizeof(dn));
	if (per_flags) {
		blk_flags_name(k->flags, fl, sizeof(fl));
		v[n++] = fl;
	}
	h = hist_set__get(&cx->set, v);
	if (!h)
		return -ENOMEM;
	hist_merge(h, val);
	return 0;
}

/* Rewrite the SVG file; a failure names the file and ends the run (exit 1).
 * Ctrl-C while a FIFO waits for its reader only ends the SVG. */
static int write_svg(struct ctx *cx)
{
	int err = heatmap__write_svg(cx->hm, o.svg);

	if (err == -EINTR && loupe_exiting()) {
		o.svg = NULL;
		return 0;
	}
	if (err) {
		loupe_fail(o.svg, err);
		cx->svg_failed = true;
	}
	return err;
}

static void output(const struct hist_set *s, const struct hist_fmt *f, uint64_t wall)
{
	char ts[16];

	if (o.json) {
		hist_set__json(stdout, s, f, o.extended, wall);
		return;
	}
	putchar('\n');
	if (o.timestamp) {
		fmt_hms(ts, sizeof(ts), wall, false);
		printf("%-8s\n", ts);
	}
	hist_set__print(stdout, s, f, o.extended);
}

/* One interval: take the generation out of the maps, then print it (or
 * keep it for the end), add a heat-map column. */
static int summary(void *c, uint32_t gen, uint64_t wall, bool last)
{
	struct ctx *cx = c;
	struct loupe_hist all = { 0 };
	size_t i;
	int err;

	hist_set__clear(&cx->set);
	if (per_disk || per_flags) {
		err = map_take_hash(bpf_map__fd(cx->skel->maps.keyed_hists), gen,
				    take_keyed, cx);
	} else {
		struct loupe_hist *h = hist_set__get(&cx->set, NULL);

		err = h ? map_take_array(bpf_map__fd(cx->skel->maps.hists), gen, h,
					 sizeof(*h)) : -ENOMEM;
	}
	if (err)
		return err;
	hist_set__sort(&cx->set);
	for (i = 0; i < cx->set.n; i++)
		hist_merge(&all, &cx->set.e[i].h);
	cx->ios += hist_total(&all);
	loupe_add_events(hist_total(&all));
	if (cx->hm) {
		err = heatmap__add(cx->hm, wall, &all);
		if (!err && o.svg)
			err = write_svg(cx);
		if (err)
			return err;
	}
	if (cx->print_each) {
		if (!o.heatmap || o.json)
			output(&cx->set, &cx->fmt, wall);
		return 0;
	}
	for (i = 0; i < cx->set.n; i++) {
		const char *v[HIST_MAX_LABELS] = { cx->set.e[i].value[0],
						   cx->set.e[i].value[1] };
		struct loupe_hist *h = hist_set__get(&cx->total, v);

		if (!h)
			return -ENOMEM;
		hist_merge(h, &cx->set.e[i].h);
	}
	if (last && !o.heatmap) {
		hist_set__sort(&cx->total);
		output(&cx->total, &cx->fmt, wall);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const label_names[] = { "disk", "flags" };
	const char *names[HIST_MAX_LABELS];
	struct biolatency_bpf *skel;
	struct ctx cx = { 0 };
	struct interval iv;
	uint32_t dev = 0;
	bool part = false;
	int err, nlabels = 0;

	loupe_parse(&tool, argc, argv, &o);
	if (disk && blk_lookup(disk, &dev, &part))
		loupe_usage_error("--disk %s: no such disk or partition", disk);
	if (o.heatmap && o.json)
		loupe_usage_error("--heatmap and --json exclude each other");
	cx.print_each = o.interval_ns != 0;
	if (!o.interval_ns && (o.heatmap || o.svg))
		o.interval_ns = 1000000000ULL; /* a heat-map column per second */
	loupe_start(&tool, &o);

	/* open */
	skel = biolatency_bpf__open();
	if (!skel)
		return loupe_fail("open BPF object", -errno);
	cx.skel = skel;

	/* configure: options into rodata, then the hooks this kernel loads */
	err = loupe_configure(skel->skeleton, &o);
	if (err) {
		err = loupe_fail("configure BPF object", err);
		goto out;
	}
	skel->rodata->cfg_queued = queued;
	skel->rodata->cfg_ms = o.milliseconds;
	skel->rodata->cfg_per_disk = per_disk;
	skel->rodata->cfg_per_flags = per_flags;
	skel->rodata->cfg_dev = dev;
	skel->rodata->cfg_dev_part = part;
	/* block_rq_issue lost its request_queue argument in 5.11 */
	skel->rodata->cfg_rq_arg = loupe_tp_nargs("block_rq_issue") == 2;
	if (!queued) {
		bpf_program__set_autoload(skel->progs.btf_rq_insert, false);
		bpf_program__set_autoload(skel->progs.raw_rq_insert, false);
	}
	if (per_flags && blk_flags_init(loupe_vmlinux_btf()))
		fprintf(stderr, "biolatency: no request flag names in the kernel's BTF: "
			"flags shown in hex\n");
	err = loupe_choose_hooks(skel->skeleton, ladder, 2, o.verbose);
	loupe_vmlinux_btf_release();
	if (err < 0) {
		err = loupe_fail("no usable block tracepoint hook (tp_btf, raw_tp)", err);
		goto out;
	}

	/* load */
	err = biolatency_bpf__load(skel);
	if (!err)
		err = loupe_fill_filters(skel->skeleton, &o);
	if (err) {
		err = loupe_fail_load(err);
		goto out;
	}

	/* attach */
	err = biolatency_bpf__attach(skel);
	if (err) {
		err = loupe_fail_attach(skel->skeleton, err);
		goto out;
	}

	/* run: a summary per interval, or one at the end */
	cx.fmt = (struct hist_fmt){
		.kind = HIST_LOG2, .unit = o.milliseconds ? "msecs" : "usecs",
		.unit_ns = o.milliseconds ? 1000000 : 1000,
		.sum_div = o.milliseconds ? 1000000 : 1000, .sum_key = "sum_ns",
	};
	if (per_disk)
		names[nlabels++] = label_names[0];
	if (per_flags)
		names[nlabels++] = label_names[1];
	hist_set__init(&cx.set, nlabels, names);
	hist_set__init(&cx.total, nlabels, names);
	interval__init(&iv, skel->skeleton, &o);
	fprintf(stderr, "Tracing block device I/O... Hit Ctrl-C to end.\n");
	if (o.heatmap || o.svg) {
		char title[128];

		snprintf(title, sizeof(title), "biolatency: block I/O latency%s%s",
			 disk ? " of " : "", disk ? disk : "");
		cx.hm = heatmap__new(&(struct heatmap_cfg){
			.fmt = &cx.fmt, .title = title, .what = "I/Os",
			.term = o.heatmap ? stdout : NULL, .style = heatmap_style_for(stdout),
			.cols = o.milliseconds ? 16 : 26, .interval_ns = o.interval_ns });
		err = cx.hm ? (o.svg ? write_svg(&cx) : 0) : -ENOMEM;
		if (err) {
			err = cx.svg_failed ? 1 : loupe_fail("heat map", err);
			goto out;
		}
	}
	err = interval__run(&iv, summary, &cx);
	if (err && !cx.svg_failed)
		loupe_fail("reading histograms", err);
	err = loupe_finish(skel->skeleton, &o) || err;
out:
	heatmap__free(cx.hm);
	hist_set__free(&cx.set);
	hist_set__free(&cx.total);
	biolatency_bpf__destroy(skel);
	return err;
}
