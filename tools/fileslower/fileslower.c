// SPDX-License-Identifier: GPL-2.0
/* fileslower: which synchronous file reads, writes, syncs and opens are slow. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loupe.h"
#include "count.h"
#include "event.h"
#include "histrun.h"
#include "parse.h"
#include "syscalls.h"
#include "tools/fileslower/fileslower.h"
#include "fileslower.skel.h"

#define DEFAULT_MIN_NS 10000000ULL /* bcc's fileslower: 10 ms */

static struct loupe_opts o;
static struct fileslower_cfg cfg;
static uint64_t min_ns = DEFAULT_MIN_NS;
static bool min_given, hist;
static const char *fs_type;

/* --min DUR: 0 shows every operation. Other numbers need their unit:
 * fsslower's --min 5 is 5 ms, a bare duration here would be 5 s. */
static int parse_min(const char *arg, void *dst)
{
	if (!strcmp(arg, "0")) {
		*(uint64_t *)dst = 0;
		return 0;
	}
	if (arg[strspn(arg, "0123456789.")] == 0)
		return -EINVAL;
	return parse_duration(arg, dst);
}

static int parse_fs(const char *arg, void *dst)
{
	if (!*arg)
		return -EINVAL;
	if (strlen(arg) >= FS_TYPE_LEN)
		return -ERANGE;
	*(const char **)dst = arg;
	return 0;
}

/* bcc's positional [min_ms]: a number of milliseconds, 0 for all */
static int positional(int argc, char **argv, struct loupe_opts *lo, char *err, size_t len)
{
	char e[300];
	uint64_t ms;
	int i;

	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-') {
			snprintf(err, len, "'%s': options go before [min_ms]",
				 opts_esc(argv[i], e, sizeof(e)));
			return -EINVAL;
		}
	if (argc > 1) {
		snprintf(err, len, "unexpected argument '%s' (usage: [min_ms])",
			 opts_esc(argv[1], e, sizeof(e)));
		return -EINVAL;
	}
	if (min_given) {
		snprintf(err, len, "give the threshold either as min_ms or with --min");
		return -EINVAL;
	}
	if (parse_u64(argv[0], 0, UINT64_MAX / 1000000, &ms)) {
		snprintf(err, len, "invalid min_ms '%s': a whole number of milliseconds (0: all)",
			 opts_esc(argv[0], e, sizeof(e)));
		return -EINVAL;
	}
	min_ns = ms * 1000000;
	min_given = true;
	return 0;
}

static int parse_min_opt(const char *arg, void *dst)
{
	int err = parse_min(arg, dst);

	if (!err)
		min_given = true;
	return err;
}

/* -k keys, in the order of the key bits */
static const char *const by_names[] = { "op", "file", "process", "comm", NULL };

static const struct tool_opt opts[] = {
	{ 0, "min", "DUR", "threshold with its unit (10ms, 500us; 0: everything; default 10ms)",
	  parse_min_opt, &min_ns },
	{ 'a', "all-files", NULL, "pipes, sockets and devices too, labelled by kind", NULL,
	  &cfg.all_kinds },
	{ 0, "fs", "TYPE", "only files on this file system type (ext4, xfs, tmpfs...)",
	  parse_fs, &fs_type, 0, OV_FSTYPE },
	{ 0, "hist", NULL, "a latency histogram per operation (-k), not events", NULL,
	  &hist },
	{ 0 },
};

/* bcc's and fsslower's (libbpf-tools) spellings that mean something else
 * here (doc/compat.tsv) */
#define CSV "fsslower's -c (CSV) is -j (JSON) here"
static const struct opt_hint hints[] = {
	{ "-t", "FS", HINT_WORD, "-t is the elapsed time here; for a file system use --fs %s" },
	{ "--type", "FS", HINT_ANY, "fsslower's --type is --fs %s here" },
	{ "-c", NULL, HINT_ANY, CSV },
	{ "--csv", NULL, HINT_ANY, CSV },
	{ "--min", "MS", HINT_NUMBER,
	  "a duration here: fsslower's --min %s (milliseconds) is --min %sms" },
	{ 0 }
};

static const struct loupe_tool tool = {
	.name = "fileslower",
	.summary = "Trace synchronous file reads, writes, syncs and opens slower than a\n"
		   "threshold (default 10 ms), on every file system, with the bytes actually\n"
		   "transferred; or histograms (--hist) and heat maps (--heatmap) of them.",
	.usage = "[OPTIONS] [min_ms]",
	.shared = OPTS_PER_EVENT | OPT(O_FULL_PATH) | OPT(O_BY) | OPT(O_INTERVAL) |
		  OPT(O_HEATMAP) | OPT(O_SVG) | OPT(O_MILLISECONDS) | OPT(O_TEXTFILE),
	.opts = opts,
	.by_keys = by_names,
	.shared_help = (const char *const[O__NR]){
		[O_FULL_PATH] = "the file's full path, not just its name",
		[O_BY] = "--hist: one histogram per op, file, process, comm",
		[O_INTERVAL] = "--hist/--heatmap: a summary every DUR",
		[O_MILLISECONDS] = "--hist: histogram in milliseconds",
		[O_TEXTFILE] = "--hist: rewrite FILE with the histograms every interval, in "
			       "Prometheus text format (for node_exporter)",
	},
	.examples =
		"  fileslower                    # file I/O slower than 10 ms\n"
		"  fileslower 1                  # slower than 1 ms (bcc's min_ms)\n"
		"  fileslower --min 0 -p 181     # every operation of PID 181\n"
		"  fileslower --fs ext4 -F       # on ext4 only, with full paths\n"
		"  fileslower -a 100             # pipes and sockets too, over 100 ms\n"
		"  fileslower --hist -k op,comm -i 5  # histograms every 5 seconds\n"
		"  fileslower --heatmap --min 0  # a latency heat map row per second\n"
		"  fileslower -j | jq -c 'select(.type==\"event\")'  # JSON\n",
	.positional = positional,
	.needs_btf = true,
	.hints = hints,
};

static const char *const sys_names[SYS__NR] = {
	"read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev",
	"preadv2", "pwritev2", "fsync", "fdatasync", "open", "openat", "openat2", "creat",
};
static const char *const kinds[FS_KIND__NR] = {
	"file", "dir", "pipe", "socket", "char", "block", "symlink", "other",
};

/* the operation: R, W, F (fsync, fdatasync), O (open) */
static const char *op_of(uint32_t sys, bool letter)
{
	if (sys >= SYS_OPEN)
		return letter ? "O" : "open";
	if (sys >= SYS_FSYNC)
		return letter ? "F" : "fsync";
	return (sys & 1) ? (letter ? "W" : "write") : (letter ? "R" : "read");
}

enum { LOUPE_EVENT_COLS, C_OP, C_OPNAME, C_SYSCALL, C_BYTES, C_OFF_KB, C_OFFSET, C_LAT,
       C_LAT_NS, C_KIND, C_FILE, C_FILE_CUT, C__NR };
static const struct col cols[] = {
	LOUPE_EVENT_COL_DEFS,
	[C_OP]       = { "T", "t", 1, COL_LEFT | COL_TEXT },
	[C_OPNAME]   = { "", "op", 0, COL_JSON },
	[C_SYSCALL]  = { "", "syscall", 0, COL_JSON },
	[C_BYTES]    = { "BYTES", "bytes", 7, COL_JSON },
	[C_OFF_KB]   = { "OFF_KB", "off_kb", 8, COL_TEXT },
	[C_OFFSET]   = { "", "offset", 0, COL_JSON },
	[C_LAT]      = { "LAT(ms)", "lat_ms", 9, COL_TEXT },
	[C_LAT_NS]   = { "", "lat_ns", 0, COL_JSON },
	[C_KIND]     = { "", "kind", 0, COL_JSON },
	[C_FILE]     = { "FILE", "file", 0, COL_LEFT },
	[C_FILE_CUT] = { "", "file_truncated", 0, COL_JSON },
};

static struct out out;

static int on_event(void *ctx, void *data, size_t size)
{
	const struct fileslower_event *e = data;
	size_t nlen;
	bool rw = e->syscall < SYS_FSYNC;

	if (size < FILESLOWER_HDR_SIZE)
		return -EINVAL;
	nlen = e->name_len < size - FILESLOWER_HDR_SIZE ? e->name_len :
	       size - FILESLOWER_HDR_SIZE;
	out_row_begin(&out);
	out_event_hdr(&out, C_TIME, &e->hdr);
	out_cstr(&out, C_OP, op_of(e->syscall, true));
	out_cstr(&out, C_OPNAME, op_of(e->syscall, false));
	if (e->syscall < SYS__NR)
		out_cstr(&out, C_SYSCALL, sys_names[e->syscall]);
	if (rw) {
		out_int(&out, C_BYTES, e->ret);
		if (e->kind == FS_KIND_FILE || e->kind == FS_KIND_BLOCK) {
			out_uint(&out, C_OFF_KB, e->offset / 1024);
			out_uint(&out, C_OFFSET, e->offset);
		}
	}
	out_fixed(&out, C_LAT, (double)e->lat_ns / 1e6, 2);
	out_uint(&out, C_LAT_NS, e->lat_ns);
	out_cstr(&out, C_KIND, e->kind < FS_KIND__NR ? kinds[e->kind] : "other");
	if (e->kind == FS_KIND_FILE) {
		out_str_cut(&out, C_FILE, e->name, nlen, e->name_cut);
	} else {
		/* not a file: its kind, and a device's name */
		char label[FS_NAME_MAX + 32];
		int n = snprintf(label, sizeof(label), "[%s]%s", e->kind < FS_KIND__NR ?
				 kinds[e->kind] : "other", nlen ? " " : "");

		memcpy(label + n, e->name, nlen);
		out_str_cut(&out, C_FILE, label, (size_t)n + nlen, e->name_cut);
	}
	if (e->name_cut)
		out_bool(&out, C_FILE_CUT, true);
	out_row_end(&out, "event");
	return 0;
}

/* --hist: the labels of a histogram's key */
static void key_labels(void *ctx, const void *key, char bufs[][HIST_LABEL_LEN],
		       const char **v)
{
	const struct fileslower_hist_key *k = key;
	uint32_t by = cfg.hist_by;
	int n = 0;

	if (by & FS_BY_OP)
		v[n++] = k->op ? sys_names[(k->op - 1) % SYS__NR] : "?";
	if ((by & FS_BY_FILE) && n < HIST_MAX_LABELS) {
		snprintf(bufs[n], HIST_LABEL_LEN, "%.*s", (int)strnlen(k->name, FS_KEY_NAME),
			 k->name);
		v[n] = bufs[n];
		n++;
	}
	if ((by & FS_BY_PROCESS) && n < HIST_MAX_LABELS) {
		snprintf(bufs[n], HIST_LABEL_LEN, "%.16s:%u", k->comm, k->pid);
		v[n] = bufs[n];
		n++;
	} else if ((by & FS_BY_COMM) && n < HIST_MAX_LABELS) {
		snprintf(bufs[n], HIST_LABEL_LEN, "%.16s", k->comm);
		v[n] = bufs[n];
	}
}

int main(int argc, char **argv)
{
	static const char *const label_names[] = { "op", "file", "process", "comm" };
	struct bpf_object_open_opts oo;
	struct fileslower_bpf *skel;
	struct histrun h = {
		.labels = key_labels, .what = "ops", .metric = "op_latency_seconds",
		.help = "Latency of synchronous file operations (read, write, fsync, open...)",
	};
	struct sys_choice sc;
	struct loupe_opts co;
	uint32_t by = 0;
	int err, i;

	loupe_parse(&tool, argc, argv, &o);
	hist = hist || o.heatmap || o.svg;
	if (!hist && o.milliseconds && min_given && !o.by && !o.interval_ns)
		loupe_usage_error("-m shapes histograms and needs --hist or --heatmap; "
				  "fsslower's -m MIN is min_ms here: drop the -m");
	if (!hist && (o.by || o.interval_ns || o.milliseconds || o.textfile))
		loupe_usage_error("-k, -i, -m and --textfile shape histograms: they need --hist "
				  "or --heatmap");
	if (hist && (o.max_events || o.elapsed || o.print_uid || o.buffer_size_given))
		loupe_usage_error("--max-events, -t, -U and --buffer-size are for events: "
				  "not with --hist or --heatmap");
	if (hist && !o.heatmap && !o.svg) {
		co = o;
		co.count = true;
		by = count_by_option(&co, "op", tool.by_keys);
		for (i = 0; i < 4 && h.nlabels < HIST_MAX_LABELS; i++)
			if (by & (1u << i) && !(i == 3 && (by & FS_BY_PROCESS)))
				h.names[h.nlabels++] = label_names[i];
		if (__builtin_popcount(by & (FS_BY_OP | FS_BY_FILE)) +
		    !!(by & (FS_BY_PROCESS | FS_BY_COMM)) > HIST_MAX_LABELS)
			loupe_usage_error("-k: at most two of op, file, process/comm");
	}
	histrun_check(&o, h.nlabels);
	loupe_start(&tool, &o);
	out_init(&out, stdout, o.json, cols, C__NR,
		 event_cols_shown(&o, C_TIME) | OUT_BIT(C_OP) | OUT_BIT(C_BYTES) |
		 OUT_BIT(C_OFF_KB) | OUT_BIT(C_LAT) | OUT_BIT(C_FILE));

	/* open: CO-RE reads of the task's files */
	skel = fileslower_bpf__open_opts(skel_core_opts(&oo));
	if (!skel)
		return loupe_fail("open BPF object", -errno);

	/* configure: filters, the threshold, raw_syscalls for 16 syscalls */
	err = loupe_configure(skel->skeleton, &o);
	if (err)
		goto out;
	if (fs_type) {
		strncpy(cfg.fs_type, fs_type, FS_TYPE_LEN - 1);
		cfg.fs_on = 1;
	}
	cfg.full_path = o.full_path;
	cfg.hist = hist;
	cfg.hist_ms = o.milliseconds;
	cfg.hist_by = by;
	cfg.all_kinds = cfg.all_kinds ? 1 : 0;
	skel->rodata->cfg_fs = cfg;
	skel->rodata->cfg_min_ns = min_ns;
	err = syscalls_choose(skel->skeleton, sys_names, SYS__NR, false, SYS_SRC_RAW, &sc);
	if (err) {
		err = loupe_fail("configure the syscall source", err);
		goto out;
	}

	/* load */
	err = loupe_loaded(skel->skeleton, &o, fileslower_bpf__load(skel));
	if (err)
		goto out;

	/* attach */
	err = loupe_attached(skel->skeleton, fileslower_bpf__attach(skel));
	if (err)
		goto out;
	loupe_info(1, "hooks: %s", sc.desc);

	/* run: events past the threshold, or histograms */
	if (!hist) {
		fprintf(stderr, "Tracing file I/O slower than %.3g ms... Hit Ctrl-C to end.\n",
			(double)min_ns / 1e6);
		out_header(&out);
		err = loupe_poll(skel->maps.events, on_event, NULL, &o);
	} else {
		h.fmt = (struct hist_fmt){
			.kind = HIST_LOG2, .unit = o.milliseconds ? "msecs" : "usecs",
			.unit_ns = o.milliseconds ? 1000000 : 1000,
			.sum_div = o.milliseconds ? 1000000 : 1000, .sum_key = "sum_ns",
		};
		h.array_fd = by ? -1 : bpf_map__fd(skel->maps.hists);
		h.hash_fd = by ? bpf_map__fd(skel->maps.keyed_hists) : -1;
		h.title = "fileslower: file I/O latency";
		h.heat_cols = o.milliseconds ? 16 : 26;
		fprintf(stderr, "Tracing file I/O latency... Hit Ctrl-C to end.\n");
		err = histrun(skel->skeleton, &h, &o);
	}
	err = loupe_finish(skel->skeleton, &o, err);
out:
	fileslower_bpf__destroy(skel);
	return err;
}
