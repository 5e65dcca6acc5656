// SPDX-License-Identifier: GPL-2.0
/* opensnoop: which files are opened, by whom, with what result. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include "loupe.h"
#include "count.h"
#include "event.h"
#include "names.h"
#include "syscalls.h"
#include "tools/opensnoop/opensnoop.h"
#include "opensnoop.skel.h"
#include "opensnoop_full.skel.h"

static struct loupe_opts o;
static struct opensnoop_cfg cfg; /* -f, --path, -x: cfg_open in the object */

/* -f O_FLAG, repeatable: an open passes with any of the flags */
static int parse_flag(const char *arg, void *dst)
{
	struct opensnoop_cfg *c = dst;
	unsigned bit;
	int err = oflag_parse(arg, &bit);

	if (err)
		return err;
	c->flags_on = 1;
	c->flags_any |= bit;
	c->flags_rdonly |= !bit; /* O_RDONLY is 0: the access mode is tested */
	return 0;
}

/* --path PREFIX, repeatable: the path starts with any of them */
static int parse_prefix(const char *arg, void *dst)
{
	struct opensnoop_cfg *c = dst;
	size_t len = strlen(arg);

	if (!len)
		return -EINVAL;
	if (len >= OPENSNOOP_PREFIX_MAX)
		return -ERANGE;
	if (c->nprefix >= OPENSNOOP_MAX_PREFIXES)
		return -E2BIG;
	memcpy(c->prefix[c->nprefix], arg, len);
	c->prefix_len[c->nprefix++] = (__u32)len;
	return 0;
}

/* -k keys, in the order of the key bits */
static const char *const by_names[] = { "path", "process", "comm", NULL };

static const struct tool_opt opts[] = {
	{ 'f', "flag", "O_FLAG", "only opens with this flag (O_CREAT...; repeat:any)",
	  parse_flag, &cfg, TOOL_OPT_REPEAT, OV_OFLAG },
	{ 0, "path", "PREFIX", "only paths starting with PREFIX (repeat: any of 8)",
	  parse_prefix, &cfg, TOOL_OPT_REPEAT, OV_FILE },
	{ 0 },
};

/* bcc's and libbpf-tools' spellings that mean something else here
 * (doc/compat.tsv) */
static const struct opt_hint hints[] = {
	{ "--extended_fields", NULL, HINT_ANY, "bcc's --extended_fields is -e (--extended) here" },
	{ "--extended-fields", NULL, HINT_ANY,
	  "libbpf-tools' --extended-fields is -e (--extended) here" },
	{ "--flag_filter", "O_FLAG", HINT_ANY, "bcc's --flag_filter is -f %s (--flag) here" },
	{ 0 }
};

static struct loupe_tool tool = {
	.name = "opensnoop",
	.summary = "Trace open(2), openat(2), openat2(2), creat(2), open_by_handle_at(2):\n"
		   "which files are opened, by whom, with what result. -e adds FLAGS and\n"
		   "MODE; -F makes relative names absolute, and --path then matches those.",
	.usage = "[OPTIONS] [--exec CMD [ARG...]]",
	.shared = OPTS_PER_EVENT | OPT(O_FAILED) | OPT(O_EXTENDED) | OPT(O_FULL_PATH) |
		  OPT(O_COUNT) | OPT(O_BY) | OPT(O_TOP) | OPT(O_INTERVAL) | OPT(O_TEXTFILE),
	.opts = opts,
	.by_keys = by_names,
	.shared_help = (const char *const[O__NR]){
		[O_EXTENDED] = "FLAGS and MODE columns",
		[O_FULL_PATH] = "absolute paths for relative opens (loads BTF)",
	},
	.examples =
		"  opensnoop                     # trace all opens\n"
		"  opensnoop -x                  # only failed opens\n"
		"  opensnoop -p 181              # only PID 181\n"
		"  opensnoop -n nginx -T         # comm contains 'nginx', with times\n"
		"  opensnoop -F --path /etc/     # opens under /etc/, relative ones too\n"
		"  opensnoop -f O_CREAT -e       # only creating opens, with flags and mode\n"
		"  opensnoop --cgroup /sys/fs/cgroup/system.slice/nginx.service\n"
		"  opensnoop --exec ls /tmp      # only what 'ls /tmp' opens\n"
		"  opensnoop -c -k path --top 5  # the 5 paths opened most (-k process,comm)\n"
		"  opensnoop -j | jq 'select(.type==\"event\") | .path'  # JSON\n"
		"  opensnoop -d 10s > opens.txt  # 10 seconds into a file\n",
	.hints = hints,
};

enum { C_COUNT, LOUPE_EVENT_COLS, C_FD, C_ERR, C_ERRNO, C_RET, C_SYSCALL, C_FLAGS, C_MODE,
       C_FLAGS_N, C_MODE_N, C_PATH, C_PATH_CUT, C__NR };
static const struct col cols[] = {
	[C_COUNT]   = { "COUNT", "count", 7, 0 },
	LOUPE_EVENT_COL_DEFS,
	[C_FD]      = { "FD", "fd", 4, 0 },
	[C_ERR]     = { "ERR", "errno", 3, 0 },
	[C_ERRNO]   = { "ERRNO", "errno_name", 7, COL_LEFT },
	[C_RET]     = { "RET", "ret", 0, COL_JSON },
	[C_SYSCALL] = { "SYSCALL", "syscall", 7, COL_LEFT | COL_JSON },
	/* -e: octal in text; numbers in JSON, always there (mode only when
	 * the open uses it) */
	[C_FLAGS]   = { "FLAGS", "flags", 8, COL_LEFT | COL_TEXT },
	[C_MODE]    = { "MODE", "mode", 4, COL_LEFT | COL_TEXT },
	[C_FLAGS_N] = { "FLAGS", "flags", 0, COL_JSON },
	[C_MODE_N]  = { "MODE", "mode", 0, COL_JSON },
	[C_PATH]    = { "PATH", "path", 0, COL_LEFT },
	[C_PATH_CUT]= { "", "path_truncated", 0, COL_JSON },
};
static const char *const sys_names[SYS__NR] = { "open", "openat", "openat2",
						 "creat", "open_by_handle_at" };

static struct out out;

static int on_event(void *ctx, void *data, size_t size)
{
	const struct opensnoop_event *e = data;
	bool has_mode = e->flags & (O_CREAT | (O_TMPFILE & ~O_DIRECTORY));
	size_t plen;

	if (size < OPENSNOOP_HDR_SIZE)
		return -EINVAL;
	plen = e->path_len;
	if (plen > size - OPENSNOOP_HDR_SIZE)
		plen = size - OPENSNOOP_HDR_SIZE;

	out_row_begin(&out);
	out_event_hdr(&out, C_TIME, &e->hdr);
	out_int(&out, C_FD, e->ret >= 0 ? e->ret : -1);
	out_errno(&out, C_RET, C_ERR, C_ERRNO, e->ret);
	if (e->syscall < SYS__NR)
		out_cstr(&out, C_SYSCALL, sys_names[e->syscall]);
	if (o.extended && !o.json) {
		char f[16], m[16] = "n/a";

		snprintf(f, sizeof(f), "%08o", e->flags);
		if (has_mode)
			snprintf(m, sizeof(m), "%04o", e->mode);
		out_cstr(&out, C_FLAGS, f);
		out_cstr(&out, C_MODE, m);
	}
	out_uint(&out, C_FLAGS_N, e->flags);
	if (has_mode)
		out_uint(&out, C_MODE_N, e->mode);
	if (!plen && e->syscall == SYS_OPEN_BY_HANDLE_AT)
		out_cstr(&out, C_PATH, "[handle]"); /* not resolved: see -F */
	else
		out_str_cut(&out, C_PATH, e->path, plen, e->path_cut);
	if (e->path_cut)
		out_bool(&out, C_PATH_CUT, true);
	out_row_end(&out, "event");
	return 0;
}

/* -c: a row of the count table (the columns -k did not pick are hidden) */
static void count_cells(struct out *t, const void *key, void *ctx)
{
	const struct opensnoop_count_key *k = key;

	out_uint(t, C_PID, k->pid);
	out_str(t, C_COMM, k->comm, strnlen(k->comm, sizeof(k->comm)));
	out_str(t, C_PATH, k->path, strnlen(k->path, sizeof(k->path)));
}

/* --textfile: the count table's columns as labels (-x: failed opens) */
static struct count_prom prom = {
	.metric = "opens_total",
	.help = "Opens of files (opensnoop -c): by process and path, or as -k says",
	.labels = (const char *const[C__NR]){ [C_PID] = "pid", [C_COMM] = "comm",
					      [C_PATH] = "path" },
};

static uint32_t shown_cols(uint32_t by)
{
	if (o.count)
		return OUT_BIT(C_COUNT) | (by & OPENSNOOP_BY_PROCESS ? OUT_BIT(C_PID) : 0) |
		       (by & (OPENSNOOP_BY_PROCESS | OPENSNOOP_BY_COMM) ? OUT_BIT(C_COMM) : 0) |
		       (by & OPENSNOOP_BY_PATH ? OUT_BIT(C_PATH) : 0);
	uint32_t shown = event_cols_shown(&o, C_TIME) | OUT_BIT(C_FD) |
			 OUT_BIT(C_ERR) | OUT_BIT(C_ERRNO) | OUT_BIT(C_PATH);

	if (o.extended)
		shown |= OUT_BIT(C_FLAGS) | OUT_BIT(C_MODE);
	return shown;
}

int main(int argc, char **argv)
{
	struct opensnoop_bpf *def = NULL;
	struct opensnoop_full_bpf *full = NULL;
	struct bpf_object_skeleton *s;
	struct bpf_object_open_opts oo;
	struct sys_choice sc;
	uint32_t by;
	int err;

	loupe_parse(&tool, argc, argv, &o);
	by = count_by_option(&o, "process,path", tool.by_keys);
	tool.needs_btf = o.full_path;
	if (o.failed) {
		prom.metric = "failed_opens_total";
		prom.help = "Failed opens of files (opensnoop -c -x): by process and path, "
			    "or as -k says";
	}
	loupe_start(&tool, &o);
	out_init(&out, stdout, o.json, cols, C__NR, shown_cols(by));

	/* open: -F reads kernel structs (CO-RE: libbpf loads the kernel's BTF,
	 * DESIGN.md §10); the default object reads none */
	if (o.full_path) {
		full = opensnoop_full_bpf__open_opts(skel_core_opts(&oo));
		s = full ? full->skeleton : NULL;
	} else {
		def = opensnoop_bpf__open();
		s = def ? def->skeleton : NULL;
	}
	if (!s)
		return loupe_fail("open BPF object", -errno);

	/* configure: shared filters; -f, --path, -x; the syscalls that exist */
	cfg.failed_only = o.failed;
	err = loupe_configure(s, &o);
	if (err)
		goto out;
	err = skel_set_var(s, "cfg_open", &cfg, sizeof(cfg));
	if (!err)
		err = skel_set_var(s, "cfg_count_by", &by, sizeof(by));
	if (err) {
		err = loupe_fail("configure BPF object", err);
		goto out;
	}
	/* a handful of syscalls: their own tracepoints (bpf/syscalls.bpf.h) */
	err = syscalls_choose(s, sys_names, SYS__NR, false, SYS_SRC_TRACEPOINTS, &sc);
	if (err) {
		err = loupe_fail(err == -ENOENT ? "no open syscall to trace on this kernel" :
				 "configure the syscall source", err);
		goto out;
	}

	/* load */
	err = loupe_loaded(s, &o, full ? opensnoop_full_bpf__load(full) : opensnoop_bpf__load(def));
	if (err)
		goto out;

	/* attach */
	err = loupe_attached(s, full ? opensnoop_full_bpf__attach(full) : opensnoop_bpf__attach(def));
	if (err)
		goto out;
	if (o.verbose)
		fprintf(stderr, "opensnoop: hooks: %s; object %s\n", sc.desc,
			full ? "opensnoop_full (-F: CO-RE, kernel BTF)" : "opensnoop (no CO-RE)");

	/* run */
	fprintf(stderr, "Tracing open()s... Hit Ctrl-C to end.\n");
	if (!o.count) /* -c: a count table per -i interval, or one at the end */
		out_header(&out);
	err = o.count ? count_run(s, full ? full->maps.counts : def->maps.counts, &out,
				  C_COUNT, C_TIME, count_cells, NULL, &prom, &o) :
		loupe_poll(full ? full->maps.events : def->maps.events, on_event, NULL, &o);
	err = loupe_finish(s, &o, err);
out:
	opensnoop_full_bpf__destroy(full);
	opensnoop_bpf__destroy(def);
	return err;
}
