// SPDX-License-Identifier: GPL-2.0
/* execsnoop: which programs start, with what arguments, and the result. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loupe.h"
#include "containers.h"
#include "event.h"
#include "parse.h"
#include "syscalls.h"
#include "tools/execsnoop/execsnoop.h"
#include "execsnoop.skel.h"

#define ARGS_SHOWN_MAX 1000

static struct loupe_opts o;
static struct execsnoop_cfg cfg;
static const char *line;           /* -l: arguments contain this */
static bool quote, ancestors;
static uint64_t max_args = 20, ppid;

static int parse_max_args(const char *arg, void *dst)
{
	return parse_u64(arg, 1, ARGS_SHOWN_MAX, dst);
}

static int parse_ppid(const char *arg, void *dst)
{
	return parse_u64(arg, 1, 0x7fffffff, dst);
}

static const struct tool_opt opts[] = {
	{ 'l', "line", "TEXT", "only execs whose arguments contain TEXT", opt_parse_string,
	  &line },
	{ 'q', "quote", NULL, "quote arguments that hold blanks or quotes", NULL, &quote },
	{ 0, "max-args", "N", "show at most N arguments (default 20, at most 1000)",
	  parse_max_args, &max_args },
	{ 0, "ppid", "PID", "only children of process PID (in the kernel)", parse_ppid, &ppid,
	  0, OV_PID },
	{ 0, "ancestors", NULL, "the parent chain (name:pid, up to 8 levels)", NULL,
	  &ancestors },
	{ 0 },
};

/* bcc's and libbpf-tools' spellings that mean something else here
 * (doc/compat.tsv) */
static const struct opt_hint hints[] = {
	{ "-P", "PPID", HINT_ANY, "bcc's -P is --ppid %s here" },
	{ "--fails", NULL, HINT_ANY,
	  "failed execs are shown by default here; -x (--failed) shows only them" },
	{ 0 }
};

static const struct loupe_tool tool = {
	.name = "execsnoop",
	.summary = "Trace execve(2) and execveat(2): which programs start, with which\n"
		   "arguments, and the result (failed execs too). Arguments of a successful\n"
		   "exec are read from the new program's memory, so they are never blank.",
	.usage = "[OPTIONS] [--exec CMD [ARG...]]",
	.shared = OPTS_PER_EVENT | OPT(O_FAILED) | OPT(O_EXTENDED),
	.opts = opts,
	.shared_help = (const char *const[O__NR]){
		[O_FAILED] = "only failed execs (by default both)",
		[O_EXTENDED] = "PCOMM (parent name) and EXE (the executable) columns",
	},
	.needs_btf = true,
	.examples =
		"  execsnoop                     # trace all execs\n"
		"  execsnoop -x                  # only failed execs\n"
		"  execsnoop -T -U               # with times and user IDs\n"
		"  execsnoop -n sh -l -c         # comm contains 'sh', args contain '-c'\n"
		"  execsnoop --ppid 1 -e         # started by PID 1, parent name, exe\n"
		"  execsnoop --ancestors -q      # who started it, arguments quoted\n"
		"  execsnoop --exec make         # only what 'make' runs\n"
		"  execsnoop -j | jq -c 'select(.type==\"event\") | .args'  # JSON\n",
	.hints = hints,
};

enum { LOUPE_EVENT_COLS, C_PPID, C_PCOMM, C_RET, C_ERR, C_ERRNO, C_SYSCALL, C_ANC, C_EXE,
       C_ARGS, C_ARGS_CUT, C_ARGS_UNREAD, C_EXE_CUT, C_SCRIPT, C__NR };
static const struct col cols[] = {
	LOUPE_EVENT_COL_DEFS,
	[C_PPID]    = { "PPID", "ppid", 7, COL_JSON },
	[C_PCOMM]   = { "PCOMM", "pcomm", 16, COL_LEFT | COL_JSON },
	/* text RET: 0, or the errno name; JSON ret/errno/errno_name */
	[C_RET]     = { "RET", "ret", 6, COL_JSON },
	[C_ERR]     = { "", "errno", 0, COL_JSON },
	[C_ERRNO]   = { "", "errno_name", 0, COL_JSON },
	[C_SYSCALL] = { "", "syscall", 0, COL_JSON },
	[C_ANC]     = { "ANCESTORS", "ancestors", 24, COL_LEFT },
	[C_EXE]     = { "EXE", "exe", 20, COL_LEFT | COL_JSON },
	[C_ARGS]    = { "ARGS", "args", 0, COL_LEFT },
	[C_ARGS_CUT]    = { "", "args_truncated", 0, COL_JSON },
	[C_ARGS_UNREAD] = { "", "args_unreadable", 0, COL_JSON },
	[C_EXE_CUT]     = { "", "exe_truncated", 0, COL_JSON },
	[C_SCRIPT]      = { "", "script", 0, COL_JSON },
};
static const char *const sys_names[SYS__NR] = { "execve", "execveat" };

static struct out out;

/* The arguments: NUL-ended strings in data[0..len); at most max_args. */
static size_t split_args(const char *data, size_t len, const char **items, size_t *lens,
			 bool *more)
{
	size_t n = 0, at = 0;

	*more = false;
	while (at < len) {
		const char *end = memchr(data + at, 0, len - at);
		size_t l = end ? (size_t)(end - (data + at)) : len - at;

		if (n == max_args) {
			*more = true;
			break;
		}
		items[n] = data + at;
		lens[n++] = l;
		at += l + 1;
	}
	return n;
}

/* -l TEXT: in the arguments as the process passed them (raw bytes, a
 * blank between arguments) */
static bool line_matches(const char *data, size_t len)
{
	char *joined;
	size_t i;
	bool hit;

	if (!line)
		return true;
	joined = malloc(len + 1);
	if (!joined)
		return true;
	for (i = 0; i < len; i++)
		joined[i] = data[i] ? data[i] : ' ';
	joined[len] = 0;
	hit = memmem(joined, len, line, strlen(line)) != NULL;
	free(joined);
	return hit;
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct execsnoop_event *e = data;
	static const char *items[ARGS_SHOWN_MAX + 1];
	static size_t lens[ARGS_SHOWN_MAX + 1];
	char anc[EXEC_ANCESTORS][200], text[16];
	const char *ap[EXEC_ANCESTORS];
	size_t alen[EXEC_ANCESTORS], n, args_len, exe_len, i;
	bool more, cut;

	if (size < EXECSNOOP_HDR_SIZE)
		return -EINVAL;
	args_len = e->args_len < size - EXECSNOOP_HDR_SIZE ? e->args_len : size - EXECSNOOP_HDR_SIZE;
	exe_len = e->exe_len < size - EXECSNOOP_HDR_SIZE - args_len ?
		  e->exe_len : size - EXECSNOOP_HDR_SIZE - args_len;
	if (!line_matches(e->data, args_len))
		return LOUPE_SKIP;
	n = split_args(e->data, args_len, items, lens, &more);
	cut = more || (e->flags & (EXEC_F_ARGS_CUT | EXEC_F_MORE_ARGS));

	out_row_begin(&out);
	out_event_hdr(&out, C_TIME, &e->hdr);
	out_uint(&out, C_PPID, e->ppid);
	out_str(&out, C_PCOMM, e->pcomm, strnlen(e->pcomm, sizeof(e->pcomm)));
	if (o.json) {
		out_errno(&out, C_RET, C_ERR, C_ERRNO, e->ret);
	} else if (e->ret < 0) {
		out_errno(&out, -1, -1, C_RET, e->ret); /* the name in RET */
	} else {
		snprintf(text, sizeof(text), "%d", e->ret);
		out_cstr(&out, C_RET, text);
	}
	if (e->syscall < SYS__NR)
		out_cstr(&out, C_SYSCALL, sys_names[e->syscall]);
	for (i = 0; i < e->nanc && i < EXEC_ANCESTORS; i++) {
		char comm[17];

		snprintf(comm, sizeof(comm), "%.*s", (int)strnlen(e->anc[i].comm, 16),
			 e->anc[i].comm);
		if (e->anc[i].vpid == 1 && e->anc[i].pid != 1 && loupe_cgroups())
			/* -C: the chain ends at the container's first process */
			alen[i] = (size_t)snprintf(anc[i], sizeof(anc[i]),
						   "%s (pid 1 in container %s)", comm,
						   cgroups__get(loupe_cgroups(), e->hdr.cgroup_id)->name);
		else
			alen[i] = (size_t)snprintf(anc[i], sizeof(anc[i]), "%s:%u", comm,
						   e->anc[i].pid);
		ap[i] = anc[i];
	}
	if (ancestors)
		out_list(&out, C_ANC, ap, alen, e->nanc < EXEC_ANCESTORS ? e->nanc : EXEC_ANCESTORS,
			 false);
	if (exe_len)
		out_str_cut(&out, C_EXE, e->data + args_len, exe_len, e->flags & EXEC_F_EXE_CUT);
	if (o.json || !cut) {
		out_list(&out, C_ARGS, items, lens, n, quote);
	} else {
		/* text: " ..." after the last argument shown, as bcc does */
		items[n] = "...";
		lens[n] = 3;
		out_list(&out, C_ARGS, items, lens, n + 1, false);
	}
	if (cut)
		out_bool(&out, C_ARGS_CUT, true);
	if (e->flags & EXEC_F_ARGS_UNREAD)
		out_bool(&out, C_ARGS_UNREAD, true);
	if (e->flags & EXEC_F_EXE_CUT)
		out_bool(&out, C_EXE_CUT, true);
	if (e->flags & EXEC_F_SCRIPT)
		out_bool(&out, C_SCRIPT, true);
	out_row_end(&out, "event");
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object_open_opts oo;
	struct execsnoop_bpf *skel;
	struct sys_choice sc;
	uint32_t shown;
	int err;

	loupe_parse(&tool, argc, argv, &o);
	if (quote && o.json)
		loupe_usage_error("-q quotes text output: JSON has an array of arguments");
	loupe_start(&tool, &o);
	shown = event_cols_shown(&o, C_TIME) | OUT_BIT(C_PPID) | OUT_BIT(C_RET) |
		OUT_BIT(C_ARGS) | (ancestors ? OUT_BIT(C_ANC) : 0) |
		(o.extended ? OUT_BIT(C_PCOMM) | OUT_BIT(C_EXE) : 0);
	out_init(&out, stdout, o.json, cols, C__NR, shown);

	/* open: CO-RE reads of the task, its mm, binprm and file */
	skel = execsnoop_bpf__open_opts(skel_core_opts(&oo));
	if (!skel)
		return loupe_fail("open BPF object", -errno);

	/* configure: filters, options, the two syscalls' tracepoints */
	err = loupe_configure(skel->skeleton, &o);
	if (err)
		goto out;
	cfg.ppid = (uint32_t)ppid;
	cfg.failed_only = o.failed;
	cfg.ancestors = ancestors ? EXEC_ANCESTORS : 0;
	cfg.exe = o.extended || o.json;
	cfg.max_args = (uint8_t)(max_args < EXEC_KARGS_MAX ? max_args + 1 : EXEC_KARGS_MAX);
	skel->rodata->cfg_exec = cfg;
	err = syscalls_choose(skel->skeleton, sys_names, SYS__NR, false, SYS_SRC_TRACEPOINTS, &sc);
	if (err) {
		err = loupe_fail("no exec syscall to trace on this kernel", err);
		goto out;
	}

	/* load */
	err = loupe_loaded(skel->skeleton, &o, execsnoop_bpf__load(skel));
	if (err)
		goto out;

	/* attach */
	err = loupe_attached(skel->skeleton, execsnoop_bpf__attach(skel));
	if (err)
		goto out;
	loupe_info(1, "hooks: %s; raw_tp sched:sched_process_exec", sc.desc);

	/* run */
	fprintf(stderr, "Tracing execs... Hit Ctrl-C to end.\n");
	out_header(&out);
	err = loupe_poll(skel->maps.events, on_event, NULL, &o);
	err = loupe_finish(skel->skeleton, &o, err);
out:
	execsnoop_bpf__destroy(skel);
	return err;
}
