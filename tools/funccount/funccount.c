// SPDX-License-Identifier: GPL-2.0
/* funccount: how often do these functions, tracepoints and probes fire? */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "loupe.h"
#include "attach.h"
#include "count.h"
#include "histrun.h"
#include "interval.h"
#include "maps.h"
#include "parse.h"
#include "tools/funccount/funccount.h"
#include "tools/funccount/patterns.h"
#include "funccount.skel.h"

static struct loupe_opts o;
static struct funccount_cfg cfg;
static struct probes probes;
static bool regex, offset_heatmap;
static char **patterns;
static int npatterns;

/* --cpu LIST: CPU numbers */
static int cpu_item(void *ctx, const char *s, size_t len)
{
	uint64_t v;
	int err;

	if ((err = parse_u64_item(s, len, 0, FC_CPU_MAX - 1, &v)))
		return err;
	cfg.cpus[v / 8] |= (uint8_t)(1 << (v % 8));
	cfg.cpu_on = 1;
	return 0;
}

static int parse_cpus(const char *arg, void *dst)
{
	return parse_list(arg, cpu_item, dst);
}

/* A message that quotes patterns, paths and ELF symbol names, any bytes:
 * escaped as text output is, so stderr stays one clean line. */
static const char *msg_safe(const char *msg, char *buf)
{
	buf[esc_text(buf, msg, strlen(msg))] = 0;
	return buf;
}

static int positional(int argc, char **argv, struct loupe_opts *lo, char *err, size_t len)
{
	char e[300];
	int i;

	/* 'funccount c:malloc -d 5' would count a function named -d */
	for (i = 0; i < argc; i++)
		if (argv[i][0] == '-') {
			snprintf(err, len, "'%s': options go before the PATTERNs",
				 opts_esc(argv[i], e, sizeof(e)));
			return -EINVAL;
		}
	patterns = argv;
	npatterns = argc;
	return 0;
}

/* -k keys, in the order of the key bits */
static const char *const by_names[] = { "probe", "process", "comm", NULL };

static const struct tool_opt opts[] = {
	{ 'r', "regexp", NULL, "patterns are regular expressions, not globs", NULL, &regex },
	{ 0, "cpu", "CPU[,...]", "only hits on these CPUs", parse_cpus, &cfg, TOOL_OPT_REPEAT },
	{ 0, "offset-heatmap", NULL, "where in each second the hits fell (heat map)", NULL,
	  &offset_heatmap },
	{ 0 },
};

/* bcc's spellings that mean something else here (doc/compat.tsv) */
#define DEBUG "bcc's -D (print the BPF program) has no counterpart; -v says which " \
	"hooks were used"
static const struct opt_hint hints[] = {
	{ "-c", "CPU", HINT_ANY, "bcc's -c is --cpu %s here" },
	{ "-D", NULL, HINT_ANY, DEBUG },
	{ "--debug", NULL, HINT_ANY, DEBUG },
	{ 0 }
};

static const struct loupe_tool tool = {
	.name = "funccount",
	.summary = "Count how often tracepoints, user functions, USDT probes and kernel\n"
		   "functions (where the kernel allows it) fire, matching PATTERNs:\n"
		   "  t:CAT:EVENT  u:LIB:PROBE  LIB:SYMBOL  /path:SYMBOL  k:FUNC  (globs)",
	.usage = "[OPTIONS] PATTERN...",
	.shared = OPTS_ALL | OPT(O_BY) | OPT(O_TOP) | OPT(O_INTERVAL) | OPT(O_SVG) |
		  OPT(O_TEXTFILE),
	.opts = opts,
	.by_keys = by_names,
	.shared_help = (const char *const[O__NR]){
		[O_BY] = "count by: probe (default), process, comm",
		[O_SVG] = "with --offset-heatmap: into an SVG file",
	},
	.examples =
		"  funccount 't:syscalls:sys_enter_*'   # every syscall entry, by name\n"
		"  funccount -i 1 't:sched:*'           # scheduler events per second\n"
		"  funccount 'c:malloc' 'c:free'        # libc's malloc and free\n"
		"  funccount -p 181 '/usr/bin/bash:*'   # bash's functions in PID 181\n"
		"  funccount 'u:/usr/bin/python3:gc__*'  # Python's GC (USDT probes)\n"
		"  funccount -k process 'c:fsync'       # fsync calls by process\n"
		"  funccount --offset-heatmap 't:sched:sched_wakeup'  # sub-second timing\n"
		"  funccount -d 10 -j 'c:str*' | jq -c 'select(.type==\"count\")'\n",
	.positional = positional,
	.positional_values = OV_PROBE,
	.hints = hints,
};

enum { C_PID, C_COMM, C_FUNC, C_COUNT, C_TIME, C__NR };
static const struct col cols[] = {
	[C_PID]   = { "PID", "pid", 7, 0 },
	[C_COMM]  = { "COMM", "comm", 16, COL_LEFT },
	[C_FUNC]  = { "FUNC", "probe", 36, COL_LEFT },
	[C_COUNT] = { "COUNT", "count", 8, 0 },
	[C_TIME]  = { "", "time", 0, COL_JSON },
};

static void count_cells(struct out *t, const void *key, void *ctx)
{
	const struct funccount_key *k = key;

	if (k->probe < probes.n)
		out_str(t, C_FUNC, probes.v[k->probe].name, strlen(probes.v[k->probe].name));
	out_uint(t, C_PID, k->pid);
	out_str(t, C_COMM, k->comm, strnlen(k->comm, sizeof(k->comm)));
}

/* --textfile: the count table's columns as labels */
static const struct count_prom prom = {
	.metric = "hits_total",
	.help = "Hits of tracepoints, functions and USDT probes (funccount): by probe, "
		"or as -k says",
	.labels = (const char *const[C__NR]){ [C_FUNC] = "probe", [C_PID] = "pid",
					      [C_COMM] = "comm" },
};

struct run {
	struct funccount_bpf *skel;
	struct count_table *t;
	struct count_out *co;
	struct out out;
};

/* One interval of counts: the array (probe counts) or the keyed hash. */
static int summary(void *c, uint32_t gen, uint64_t wall, bool last)
{
	struct run *r = c;
	int fd = bpf_map__fd(r->skel->maps.counts), ncpu = libbpf_num_possible_cpus(), err = 0;
	uint64_t *vals = calloc((size_t)ncpu, sizeof(uint64_t));
	uint32_t i;

	if (!vals)
		return -ENOMEM;
	count_table__clear(r->t);
	if (cfg.by != FC_BY_PROBE) {
		err = count_table__take(r->t, bpf_map__fd(r->skel->maps.keyed), gen, NULL, NULL);
	} else {
		for (i = 0; i < cfg.nprobes && !err; i++) {
			struct funccount_key k = { .probe = i };
			uint32_t idx = gen * cfg.nprobes + i;
			uint64_t sum = 0;
			int j;

			if (bpf_map_lookup_elem(fd, &idx, vals))
				continue;
			for (j = 0; j < ncpu; j++)
				sum += vals[j];
			if (!sum)
				continue;
			memset(vals, 0, (size_t)ncpu * sizeof(uint64_t));
			bpf_map_update_elem(fd, &idx, vals, BPF_ANY);
			err = count_table__add(r->t, &k, sum);
		}
	}
	free(vals);
	(void)last;
	return err ? err : count_out__table(r->co, r->t, wall);
}

/* Kernel functions: kprobe.multi (one link), else a kprobe per function.
 * fentry is not used: a program and a trampoline per function. */
static int attach_kfuncs(struct funccount_bpf *s, const char **syms, uint64_t *cookies,
			 size_t n)
{
	LIBBPF_OPTS(bpf_kprobe_multi_opts, mo, .syms = syms, .cnt = n,
		    .cookies = (const __u64 *)cookies);
	struct bpf_link *l = bpf_program__attach_kprobe_multi_opts(s->progs.fc_kprobe_multi,
								    NULL, &mo);
	int e_multi = -errno, e_kprobe = 0;
	size_t i;

	if (l) {
		loupe_info(1, "hooks: kprobe.multi for %zu kernel functions", n);
		return attach_add(l);
	}
	attach_reserve_fds(n * 2);
	for (i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_kprobe_opts, ko, .bpf_cookie = cookies[i]);

		l = bpf_program__attach_kprobe_opts(s->progs.fc_kprobe, syms[i], &ko);
		if (!l) {
			e_kprobe = -errno;
			break;
		}
		attach_add(l);
	}
	if (!e_kprobe) {
		loupe_info(1, "hooks: kprobe for %zu kernel functions (kprobe.multi: %s)", n,
			   strerror(-e_multi));
		return 0;
	}
	if (i > 0)
		return loupe_failf("attach kprobe %s: %s", syms[i], strerror(-e_kprobe));
	return loupe_failf("kernel functions cannot be traced on this kernel (kprobe.multi: %s; "
			   "kprobe: %s). Patterns that work here: t:CAT:EVENT (tracepoints), "
			   "LIB:SYMBOL and /path:SYMBOL (user functions), u:LIB:PROBE (USDT)",
			   strerror(-e_multi), strerror(-e_kprobe));
}

/* Attach every probe, grouped by hook kind. 0, or 1 (said why). */
static int attach_all(struct funccount_bpf *s)
{
	size_t i, j, nk = 0;
	const char **syms = calloc(probes.n, sizeof(char *));
	uint64_t *ck = calloc(probes.n, sizeof(uint64_t)), *offs = calloc(probes.n, 8);
	uint64_t *kidx = calloc(probes.n, sizeof(uint64_t));
	bool *done = calloc(probes.n, 1), *skipped = calloc(probes.n, 1);
	size_t nskipped = 0;
	const char *first = NULL;
	pid_t pid = o.npids ? (pid_t)o.pids[0] : -1;
	int err = 0;

	if (!syms || !ck || !offs || !done || !kidx || !skipped) {
		err = loupe_fail("attach", -ENOMEM);
		goto out;
	}
	attach_reserve_fds(probes.n + 64);
	if (bpf_program__autoload(s->progs.fc_sys_enter) &&
	    (err = attach_raw_tp(s->progs.fc_sys_enter, "sys_enter", 0)))
		err = loupe_fail(attach_failed(), err);
	if (!err && bpf_program__autoload(s->progs.fc_sys_exit) &&
	    (err = attach_raw_tp(s->progs.fc_sys_exit, "sys_exit", 0)))
		err = loupe_fail(attach_failed(), err);
	for (i = 0; i < probes.n && !err; i++) {
		struct probe *p = &probes.v[i];
		size_t n = 0;
		int r = 0;

		if (done[i])
			continue;
		switch (p->kind) {
		case PK_TRACEPOINT:
			r = attach_raw_tp(s->progs.fc_raw_tp, p->event, i);
			if (r == -ENOENT) /* no raw tracepoint of that name */
				r = attach_tracepoint(s->progs.fc_tp, p->cat, p->event, i);
			break;
		case PK_USDT:
			r = attach_usdt(s->progs.fc_usdt, p->path, p->cat, p->event, pid, i);
			break;
		case PK_UPROBE:
			/* every probe of this binary in one call (uprobe_multi) */
			for (j = i; j < probes.n; j++)
				if (probes.v[j].kind == PK_UPROBE && !done[j] &&
				    !strcmp(probes.v[j].path, p->path)) {
					offs[n] = probes.v[j].offset;
					ck[n++] = j;
					done[j] = true;
				}
			r = attach_uprobes(s->progs.fc_uprobe, p->path, offs, ck, n, pid, false,
					   skipped);
			for (j = 0; !r && j < n; j++)
				if (skipped[j]) {
					probes.v[ck[j]].skipped = true;
					if (!nskipped++)
						first = probes.v[ck[j]].name;
				}
			if (r == -EACCES && !attach_uprobe_multi_supported())
				loupe_warn("single uprobes need CAP_SYS_ADMIN on kernels without "
					   "uprobe_multi (6.6)");
			break;
		case PK_KFUNC:
			syms[nk] = p->func;
			kidx[nk++] = i;
			break;
		default:
			break;
		}
		if (r)
			err = loupe_fail(attach_failed(), r);
	}
	if (!err && nk)
		err = attach_kfuncs(s, syms, kidx, nk);
	if (!err && nskipped)
		loupe_warn("%zu function%s cannot be probed (e.g. %s: an instruction uprobes "
			   "refuse): left out", nskipped, nskipped > 1 ? "s" : "", first);
out:
	free(skipped);
	free(kidx);
	free(syms);
	free(ck);
	free(offs);
	free(done);
	return err;
}

/* Enable the programs of the hook kinds the probes use; the syscall
 * tables. */
static void configure_probes(struct funccount_bpf *s)
{
	bool kind[PK_KFUNC + 1] = { 0 };
	size_t i;

	for (i = 0; i < probes.n; i++) {
		struct probe *p = &probes.v[i];

		kind[p->kind] = true;
		if (p->kind == PK_SYSCALL_ENTER && p->nr < FC_NR_MAX)
			cfg.sys_enter[p->nr] = (uint16_t)(i + 1);
		if (p->kind == PK_SYSCALL_EXIT && p->nr < FC_NR_MAX)
			cfg.sys_exit[p->nr] = (uint16_t)(i + 1);
	}
	bpf_program__set_autoload(s->progs.fc_sys_enter, kind[PK_SYSCALL_ENTER]);
	bpf_program__set_autoload(s->progs.fc_sys_exit, kind[PK_SYSCALL_EXIT]);
	bpf_program__set_autoload(s->progs.fc_raw_tp, kind[PK_TRACEPOINT]);
	bpf_program__set_autoload(s->progs.fc_tp, kind[PK_TRACEPOINT]);
	bpf_program__set_autoload(s->progs.fc_usdt, kind[PK_USDT]);
	bpf_program__set_autoload(s->progs.fc_uprobe, kind[PK_UPROBE]);
	bpf_program__set_autoload(s->progs.fc_kprobe, kind[PK_KFUNC]);
	bpf_program__set_autoload(s->progs.fc_kprobe_multi, kind[PK_KFUNC]);
	if (kind[PK_UPROBE] && attach_prepare_uprobe_multi(s->progs.fc_uprobe))
		loupe_info(1, "hooks: uprobe_multi (one link per binary)");
	else if (kind[PK_UPROBE])
		loupe_info(1, "hooks: one uprobe link per function (no uprobe_multi: each "
			   "takes ~0.1 s to release, in the background)");
}

int main(int argc, char **argv)
{
	struct funccount_bpf *skel;
	struct run r = { 0 };
	struct interval iv;
	char err_msg[512], safe[sizeof(err_msg) * 4 + 1];
	uint32_t by = FC_BY_PROBE;
	int err, i;

	loupe_parse(&tool, argc, argv, &o);
	if (!npatterns)
		loupe_usage_error("give at least one PATTERN (t:CAT:EVENT, LIB:SYMBOL...)");
	if (o.by && count_parse_by(o.by, tool.by_keys, &by))
		loupe_usage_error("invalid -k value '%s': a comma-separated list of probe, "
				  "process, comm", o.by);
	if (o.svg && !offset_heatmap)
		loupe_usage_error("--svg draws the --offset-heatmap: give both");
	if (offset_heatmap && (o.by || o.top || o.interval_ns || o.textfile))
		loupe_usage_error("--offset-heatmap draws a row per second: not with -k, --top, "
				  "-i or --textfile");
	for (i = 0; i < npatterns; i++)
		if (patterns_syntax(patterns[i], regex, err_msg, sizeof(err_msg)))
			loupe_usage_error("%s", msg_safe(err_msg, safe));
	cfg.by = by;
	loupe_start(&tool, &o);

	/* the probes the patterns match (tracefs, ELF symbol tables) */
	for (i = 0; i < npatterns; i++) {
		err = patterns_expand(patterns[i], regex, o.npids ? (pid_t)o.pids[0] : 0, &probes,
				      err_msg, sizeof(err_msg));
		if (err == -EINVAL)
			loupe_usage_error("%s", msg_safe(err_msg, safe));
		if (err)
			return loupe_failf("%s", msg_safe(err_msg, safe));
	}
	if (probes.nifunc)
		loupe_warn("left out %zu IFUNC symbol%s (e.g. %s): a uprobe there counts the "
			   "resolver, not the calls; count the implementations (e.g. '__%s_*')",
			   probes.nifunc, probes.nifunc > 1 ? "s" : "", probes.ifunc_example,
			   probes.ifunc_example);
	if (probes.n > 65535)
		return loupe_failf("%zu probes: at most 65535 in one run", probes.n);
	cfg.nprobes = (uint32_t)probes.n;

	/* open */
	skel = funccount_bpf__open();
	if (!skel)
		return loupe_fail("open BPF object", -errno);
	r.skel = skel;

	/* configure: filters, the probes' hook kinds, the count maps' size */
	err = loupe_configure(skel->skeleton, &o);
	if (err)
		goto out;
	configure_probes(skel);
	if (offset_heatmap) {
		cfg.offsets = 1;
		cfg.wall_offset_ns = loupe_wall_ns(0) % 1000000000ULL;
	}
	skel->rodata->cfg_fc = cfg;
	skel->rodata->cfg_cookie_helper = attach_cookies_supported(BPF_PROG_TYPE_KPROBE) &&
					  attach_cookies_supported(BPF_PROG_TYPE_TRACEPOINT);
	err = bpf_map__set_max_entries(skel->maps.counts, 2 * (uint32_t)probes.n);
	if (err) {
		err = loupe_fail("configure BPF object", err);
		goto out;
	}

	/* load */
	err = loupe_loaded(skel->skeleton, &o, funccount_bpf__load(skel));
	if (err)
		goto out;

	/* attach: one program per hook kind, on every matching probe */
	err = attach_all(skel);
	if (err)
		goto out;
	loupe_info(1, "%zu probes, %zu links", probes.n, attach_count());

	/* run */
	fprintf(stderr, "Tracing %zu probe%s... Hit Ctrl-C to end.\n", probes.n,
		probes.n == 1 ? "" : "s");
	if (offset_heatmap) {
		struct histrun h = {
			.fmt = { .kind = HIST_LINEAR, .base = 0, .step = FC_OFFSET_STEP_NS / 1000000,
				 .unit = "ms", .unit_ns = 1000000, .sum_div = 1000000,
				 .sum_key = "sum_ns" },
			.array_fd = bpf_map__fd(skel->maps.offsets), .hash_fd = -1,
			.title = "funccount: when in each second the hits fell",
			.what = "hits", .axis = "offset in the second", .heat_cols = 25,
		};

		o.heatmap = !o.json;
		o.interval_ns = 1000000000ULL;
		histrun_check(&o, 0);
		err = histrun(skel->skeleton, &h, &o);
	} else {
		out_init(&r.out, stdout, o.json, cols, C__NR, OUT_BIT(C_FUNC) | OUT_BIT(C_COUNT) |
			 (by & FC_BY_PROCESS ? OUT_BIT(C_PID) : 0) |
			 (by & (FC_BY_PROCESS | FC_BY_COMM) ? OUT_BIT(C_COMM) : 0));
		r.t = count_table__new(sizeof(struct funccount_key));
		r.co = count_out__new(&r.out, C_COUNT, C_TIME, count_cells, NULL, &prom, &o,
				      skel->skeleton);
		err = r.t && r.co ? interval__init(&iv, skel->skeleton, &o) : -ENOMEM;
		if (!err)
			err = interval__run(&iv, summary, &r);
		count_out__free(r.co);
		count_table__free(r.t);
	}
	err = loupe_finish(skel->skeleton, &o, err);
out:
	funccount_bpf__destroy(skel);
	probes_free(&probes);
	return err;
}
