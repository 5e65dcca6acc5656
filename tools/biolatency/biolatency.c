// SPDX-License-Identifier: GPL-2.0
/* biolatency: how long do block I/Os take? A latency histogram. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include "loupe.h"
#include "blk.h"
#include "histrun.h"
#include "hooks.h"
#include "interval.h"
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
	  opt_parse_string, &disk, 0, OV_DISK },
	{ 0 },
};

/* bcc's and libbpf-tools' spellings that mean something else here
 * (doc/compat.tsv) */
static const struct opt_hint hints[] = {
	{ "-d", "DISK", HINT_WORD, "-d is the duration here; for a disk use --disk %s" },
	{ "-F", NULL, HINT_ANY, "for a histogram per set of I/O flags use --per-flags" },
	{ "--flags", NULL, HINT_ANY, "bcc's --flags is --per-flags here" },
	{ "--flag", NULL, HINT_ANY, "libbpf-tools' --flag is --per-flags here" },
	{ "--disks", NULL, HINT_ANY, "bcc's --disks is -D (--per-disk) here" },
	{ "--disk", NULL, HINT_ANY,
	  "--disk takes a disk name here; for a histogram per disk use -D (--per-disk)" },
	{ "--extension", NULL, HINT_ANY, "bcc's --extension is -e (--extended) here" },
	{ 0 }
};

static const struct loupe_tool tool = {
	.name = "biolatency",
	.summary = "Summarize block device I/O latency as a histogram (issue to completion).",
	.usage = "[OPTIONS] [interval [count]]",
	.shared = OPTS_ALL | OPT(O_INTERVAL) | OPT(O_EXTENDED) | OPT(O_HEATMAP) |
		  OPT(O_SVG) | OPT(O_MILLISECONDS) | OPT(O_TEXTFILE),
	.opts = opts,
	.examples =
		"  biolatency                    # one histogram at Ctrl-C\n"
		"  biolatency -T 1 10            # every second, 10 times, with times\n"
		"  biolatency -mQ                # in msecs, including queued time\n"
		"  biolatency -D --per-flags     # per disk and per operation/flags\n"
		"  biolatency --disk sda -e      # sda only, with avg and percentiles\n"
		"  biolatency --heatmap          # a heat map row per second\n"
		"  biolatency --svg lat.svg -d 60  # a minute into an SVG heat map\n"
		"  biolatency -j 5 | jq 'select(.type==\"hist\") | .count'  # JSON\n"
		"  biolatency -D -i 15 --textfile bio.prom  # for Prometheus's node_exporter\n",
	.positional = interval_positional,
	.needs_btf = true,
	.hints = hints,
};

/* tp_btf where it loads, else raw_tp: same program bodies (common/hooks.h) */
static const struct loupe_rung ladder[] = {
	{ "tp_btf", loupe_probe_tp_btf, "block_rq_issue" },
	{ "raw_tp", NULL, NULL },
};

/* -D, --per-flags: the labels of a histogram's key */
static void key_labels(void *ctx, const void *key, char bufs[][HIST_LABEL_LEN],
		       const char **v)
{
	const struct biolat_key *k = key;
	int n = 0;

	if (per_disk) {
		v[n] = blk_name(k->dev, bufs[n], HIST_LABEL_LEN);
		n++;
	}
	if (per_flags) {
		blk_flags_name(k->flags, bufs[n], HIST_LABEL_LEN);
		v[n] = bufs[n];
	}
}

int main(int argc, char **argv)
{
	struct bpf_object_open_opts oo;
	struct biolatency_bpf *skel;
	struct histrun h = {
		.labels = key_labels, .what = "I/Os", .metric = "io_latency_seconds",
		.help = "Block I/O latency: from issue (with -Q: from insert into the queue) "
			"to completion",
	};
	char title[128];
	uint32_t dev = 0;
	bool part = false;
	int err;

	loupe_parse(&tool, argc, argv, &o);
	if (disk && blk_lookup(disk, &dev, &part))
		loupe_usage_error("--disk %s: no such disk or partition", disk);
	if (per_disk)
		h.names[h.nlabels++] = "disk";
	if (per_flags)
		h.names[h.nlabels++] = "flags";
	if (disk && !per_disk) { /* --textfile: which disk, without -D too */
		h.fixed_names[0] = "disk";
		h.fixed_values[0] = disk;
	}
	histrun_check(&o, h.nlabels);
	loupe_start(&tool, &o);

	/* open */
	skel = biolatency_bpf__open_opts(skel_core_opts(&oo));
	if (!skel)
		return loupe_fail("open BPF object", -errno);

	/* configure: options into rodata, then the hooks this kernel loads */
	err = loupe_configure(skel->skeleton, &o);
	if (err)
		goto out;
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
		loupe_warn("no request flag names in the kernel's BTF: flags shown in hex");
	err = loupe_choose_hooks(skel->skeleton, ladder, 2, o.verbose);
	loupe_vmlinux_btf_release();
	if (err < 0) {
		err = loupe_fail("no usable block tracepoint hook (tp_btf, raw_tp)", err);
		goto out;
	}

	/* load */
	err = loupe_loaded(skel->skeleton, &o, biolatency_bpf__load(skel));
	if (err)
		goto out;

	/* attach */
	err = loupe_attached(skel->skeleton, biolatency_bpf__attach(skel));
	if (err)
		goto out;

	/* run: a histogram per interval, or one at the end */
	h.fmt = (struct hist_fmt){
		.kind = HIST_LOG2, .unit = o.milliseconds ? "msecs" : "usecs",
		.unit_ns = o.milliseconds ? 1000000 : 1000,
		.sum_div = o.milliseconds ? 1000000 : 1000, .sum_key = "sum_ns",
	};
	h.array_fd = h.nlabels ? -1 : bpf_map__fd(skel->maps.hists);
	h.hash_fd = h.nlabels ? bpf_map__fd(skel->maps.keyed_hists) : -1;
	snprintf(title, sizeof(title), "biolatency: block I/O latency%s%s",
		 disk ? " of " : "", disk ? disk : "");
	h.title = title;
	h.heat_cols = o.milliseconds ? 16 : 26;
	fprintf(stderr, "Tracing block device I/O... Hit Ctrl-C to end.\n");
	err = histrun(skel->skeleton, &h, &o);
	err = loupe_finish(skel->skeleton, &o, err);
out:
	biolatency_bpf__destroy(skel);
	return err;
}
