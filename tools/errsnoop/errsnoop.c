// SPDX-License-Identifier: GPL-2.0
/* errsnoop: which system calls fail, where, with which errno, how often. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "loupe.h"
#include "count.h"
#include "event.h"
#include "names.h"
#include "parse.h"
#include "syscalls.h"
#include "tools/errsnoop/errsnoop.h"
#include "errsnoop.skel.h"

static struct loupe_opts o;
static struct errsnoop_cfg cfg;
static bool show_all, list;
static char *sys_pats[64], *ignore_pats[64];
static size_t nsys, nignore;

/* -E ERRNO[,...]: names (ENOENT) or numbers, repeatable */
static int errno_item(void *ctx, const char *s, size_t len)
{
	char buf[32];
	int e;

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = 0;
	e = errno_parse(buf);
	if (e <= 0 || e >= ERR_ERRNO_MAX)
		return -EINVAL;
	cfg.show[e / 8] |= (uint8_t)(1 << (e % 8));
	cfg.errno_on = 1;
	return 0;
}

static int parse_errnos(const char *arg, void *dst)
{
	return parse_list(arg, errno_item, dst);
}

/* -s / --ignore SYSCALL[,...]: names or globs that match at least one */
struct pats {
	char **v;
	size_t *n;
};

static int syscall_item(void *ctx, const char *s, size_t len)
{
	struct pats *p = ctx;
	char *pat = strndup(s, len);
	unsigned i;
	bool hit = false;

	if (!pat)
		return -ENOMEM;
	for (i = 0; i < loupe_syscall_table_len && !hit; i++)
		hit = loupe_syscall_table[i] && !fnmatch(pat, loupe_syscall_table[i], 0);
	if (!hit || *p->n >= 64) {
		free(pat);
		return hit ? -E2BIG : -ENOENT;
	}
	p->v[(*p->n)++] = pat;
	return 0;
}

static int parse_syscalls(const char *arg, void *dst)
{
	struct pats p = { dst == &nsys ? sys_pats : ignore_pats, dst };

	return parse_list(arg, syscall_item, &p);
}

/* -k keys, in the order of the key bits */
static const char *const by_names[] = { "syscall", "errno", "process", "comm", NULL };

static const struct tool_opt opts[] = {
	{ 'E', "errno", "ERRNO[,...]", "only these errnos (names or numbers; shows hidden ones)",
	  parse_errnos, &cfg, TOOL_OPT_REPEAT, OV_ERRNO },
	{ 's', "syscall", "NAME[,...]", "only these syscalls (names or globs: 'stat*')",
	  parse_syscalls, &nsys, TOOL_OPT_REPEAT, OV_SYSCALL },
	{ 0, "ignore", "NAME[,...]", "leave these syscalls out (names or globs)",
	  parse_syscalls, &nignore, TOOL_OPT_REPEAT, OV_SYSCALL },
	{ 'A', "all", NULL, "hide nothing (see below: the failures hidden by default)",
	  NULL, &show_all },
	{ 0, "list", NULL, "list the syscalls errsnoop knows, and exit", NULL, &list },
	{ 0 },
};

/* syscount's spellings (bcc, libbpf-tools) that mean something else here
 * (doc/compat.tsv) */
#define FAILURES "errsnoop shows only failed calls, one line each; for counts as " \
	"syscount -x prints them use -c"
#define LATENCY "syscount's -L (latency) is -e here: each failing call's LAT(us)"
#define PROCESS "syscount's -P (per process) is -c -k process here"
static const struct opt_hint hints[] = {
	{ "-x", NULL, HINT_ANY, FAILURES },
	{ "--failures", NULL, HINT_ANY, FAILURES },
	{ "-e", "ERRNO", HINT_ANY, "-e is the call's latency here; for an errno use -E %s" },
	{ "-L", NULL, HINT_ANY, LATENCY },
	{ "--latency", NULL, HINT_ANY, LATENCY },
	{ "-P", NULL, HINT_ANY, PROCESS },
	{ "--process", NULL, HINT_ANY, PROCESS },
	{ "-T", "TOP", HINT_NUMBER, "-T is the time here; for the top %s use -c --top %s" },
	{ "-l", NULL, HINT_ANY, "syscount's -l is --list here" },
	{ "-m", NULL, HINT_ANY, "latencies (-e) are in microseconds here; there is no -m" },
	{ "-c", "PPID", HINT_NUMBER, "bcc's syscount -c (children of a PID) has no "
	  "counterpart; -c is the count summary here" },
	{ 0 }
};

static const struct loupe_tool tool = {
	.name = "errsnoop",
	.summary = "Trace failed system calls: which syscall, which errno, which process.\n"
		   "Hidden unless asked for (-A, -E, -s): ERESTART* (user space never sees\n"
		   "them), EAGAIN, EINTR, and ETIMEDOUT from futex waits.",
	.usage = "[OPTIONS] [--exec CMD [ARG...]]",
	.shared = OPTS_PER_EVENT | OPT(O_EXTENDED) | OPT(O_COUNT) | OPT(O_BY) | OPT(O_TOP) |
		  OPT(O_INTERVAL) | OPT(O_TEXTFILE),
	.opts = opts,
	.by_keys = by_names,
	.shared_help = (const char *const[O__NR]){
		[O_EXTENDED] = "LAT(us): how long the failing call took (times every call)",
		[O_BY] = "count by: syscall, errno, process, comm",
	},
	.examples =
		"  errsnoop                      # every failed syscall (noise hidden)\n"
		"  errsnoop -p 181 -T            # PID 181's failures, with times\n"
		"  errsnoop -E ENOENT,EACCES     # only missing files and refusals\n"
		"  errsnoop -s 'open*,stat*'     # only opens and stats\n"
		"  errsnoop -c                   # counts by syscall and errno\n"
		"  errsnoop -c -k process --top 10 -i 5  # who fails most, every 5 s\n"
		"  errsnoop -A -s futex -c       # everything futex returns, counted\n"
		"  errsnoop -j | jq -c 'select(.type==\"event\")'  # JSON\n",
	.hints = hints,
};

enum { C_COUNT, LOUPE_EVENT_COLS, C_SYSCALL, C_NR, C_ERRNO, C_ERR, C_RET, C_LAT, C_LAT_NS,
       C_PATH, C_PATH_CUT, C_UNIX, C__NR };
static const struct col cols[] = {
	[C_COUNT]    = { "COUNT", "count", 7, 0 },
	LOUPE_EVENT_COL_DEFS,
	[C_SYSCALL]  = { "SYSCALL", "syscall", 16, COL_LEFT },
	[C_NR]       = { "", "nr", 0, COL_JSON },
	[C_ERRNO]    = { "ERRNO", "errno_name", 14, COL_LEFT },
	[C_ERR]      = { "", "errno", 0, COL_JSON },
	[C_RET]      = { "RET", "ret", 5, 0 },
	[C_LAT]      = { "LAT(us)", "lat_us", 9, COL_TEXT },
	[C_LAT_NS]   = { "", "lat_ns", 0, COL_JSON },
	[C_PATH]     = { "PATH", "path", 0, COL_LEFT },
	[C_PATH_CUT] = { "", "path_truncated", 0, COL_JSON },
	[C_UNIX]     = { "", "unix_socket", 0, COL_JSON },
};

static struct out out;

static void syscall_cells(struct out *t, uint32_t nr)
{
	const char *n = syscall_name((int)nr);
	char num[24];

	if (!n) { /* never a blank: the number */
		snprintf(num, sizeof(num), "%u", nr);
		n = num;
	}
	out_cstr(t, C_SYSCALL, n);
	out_uint(t, C_NR, nr);
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct errsnoop_event *e = data;
	size_t plen;

	if (size < ERRSNOOP_HDR_SIZE)
		return -EINVAL;
	plen = e->path_len < size - ERRSNOOP_HDR_SIZE ? e->path_len : size - ERRSNOOP_HDR_SIZE;
	out_row_begin(&out);
	out_event_hdr(&out, C_TIME, &e->hdr);
	syscall_cells(&out, e->nr);
	out_errno(&out, C_RET, C_ERR, C_ERRNO, e->ret);
	if (e->flags & ERR_F_LAT) {
		out_fixed(&out, C_LAT, (double)e->lat_ns / 1e3, 1);
		out_uint(&out, C_LAT_NS, e->lat_ns);
	}
	if (e->flags & ERR_F_PATH) {
		out_str_cut(&out, C_PATH, e->path, plen, e->flags & ERR_F_PATH_CUT);
		if (e->flags & ERR_F_PATH_CUT)
			out_bool(&out, C_PATH_CUT, true);
		if (e->flags & ERR_F_UNIX)
			out_bool(&out, C_UNIX, true);
	}
	out_row_end(&out, "event");
	return 0;
}

/* --textfile: the count table's columns as labels */
static const struct count_prom prom = {
	.metric = "failed_syscalls_total",
	.help = "Failed system calls (errsnoop -c): by syscall and errno, or as -k says",
	.labels = (const char *const[C__NR]){ [C_SYSCALL] = "syscall", [C_ERRNO] = "errno",
					      [C_PID] = "pid", [C_COMM] = "comm" },
};

static void count_cells(struct out *t, const void *key, void *ctx)
{
	const struct errsnoop_count_key *k = key;

	if (k->nr != ~0u)
		syscall_cells(t, k->nr);
	if (k->err)
		out_errno(t, -1, C_ERR, C_ERRNO, -(int64_t)k->err);
	out_uint(t, C_PID, k->pid);
	out_str(t, C_COMM, k->comm, strnlen(k->comm, sizeof(k->comm)));
}

static bool matches(char *const *pats, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!fnmatch(pats[i], name, 0))
			return true;
	return false;
}

/* The syscalls that take a path, and which argument it is (0-based). */
static const struct { const char *name; int arg; } path_args[] = {
	{ "open", 0 }, { "openat", 1 }, { "openat2", 1 }, { "creat", 0 },
	{ "stat", 0 }, { "lstat", 0 }, { "newfstatat", 1 }, { "fstatat64", 1 },
	{ "statx", 1 }, { "statfs", 0 }, { "access", 0 }, { "faccessat", 1 },
	{ "faccessat2", 1 }, { "unlink", 0 }, { "unlinkat", 1 }, { "rmdir", 0 },
	{ "mkdir", 0 }, { "mkdirat", 1 }, { "mknod", 0 }, { "mknodat", 1 },
	{ "chdir", 0 }, { "chroot", 0 }, { "execve", 0 }, { "execveat", 1 },
	{ "readlink", 0 }, { "readlinkat", 1 }, { "rename", 0 }, { "renameat", 1 },
	{ "renameat2", 1 }, { "link", 0 }, { "linkat", 1 }, { "symlink", 1 },
	{ "symlinkat", 2 }, { "chmod", 0 }, { "fchmodat", 1 }, { "fchmodat2", 1 },
	{ "chown", 0 }, { "lchown", 0 }, { "fchownat", 1 }, { "truncate", 0 },
	{ "utime", 0 }, { "utimes", 0 }, { "utimensat", 1 }, { "futimesat", 1 },
	{ "getxattr", 0 }, { "lgetxattr", 0 }, { "setxattr", 0 }, { "lsetxattr", 0 },
	{ "listxattr", 0 }, { "llistxattr", 0 }, { "removexattr", 0 },
	{ "lremovexattr", 0 }, { "umount2", 0 }, { "swapon", 0 }, { "swapoff", 0 },
	{ "acct", 0 }, { "uselib", 0 }, { "name_to_handle_at", 1 }, { "open_tree", 1 },
	{ "move_mount", 1 }, { "mount_setattr", 1 }, { "inotify_add_watch", 1 },
	{ "fanotify_mark", 4 },
};

static void configure(char **names, int *n)
{
	static const int hidden[] = { EAGAIN, EINTR, 512, 513, 514, 515, 516 };
	static const char *const timedout[] = { "futex", "futex_waitv" };
	unsigned i, k = 0;

	*n = 0;
	for (i = 0; i < loupe_syscall_table_len; i++) {
		const char *name = loupe_syscall_table[i];

		if (!name || (nsys && !matches(sys_pats, nsys, name)) ||
		    matches(ignore_pats, nignore, name))
			continue;
		names[(*n)++] = (char *)name;
	}
	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		cfg.hide[hidden[i] / 8] |= (uint8_t)(1 << (hidden[i] % 8));
	memset(cfg.hide_timedout_nr, 0xff, sizeof(cfg.hide_timedout_nr));
	for (i = 0; i < 2; i++) {
		int nr = syscall_parse(timedout[i]);

		/* -s naming it asks for its ETIMEDOUT */
		if (nr >= 0 && !(nsys && matches(sys_pats, nsys, timedout[i])))
			cfg.hide_timedout_nr[k++] = (uint32_t)nr;
	}
	for (i = 0; i < sizeof(path_args) / sizeof(path_args[0]); i++) {
		int nr = syscall_parse(path_args[i].name);

		if (nr >= 0 && nr < ERR_NR_MAX)
			cfg.path_arg[nr] = (uint8_t)(path_args[i].arg + 1);
	}
	cfg.connect_nr = (uint32_t)syscall_parse("connect");
	cfg.bind_nr = (uint32_t)syscall_parse("bind");
	cfg.show_all = show_all;
	cfg.latency = o.extended;
	cfg.paths = 1;
}

static void print_list(void)
{
	unsigned i;

	for (i = 0; i < loupe_syscall_table_len; i++)
		if (loupe_syscall_table[i])
			printf("%4u %s\n", i, loupe_syscall_table[i]);
	exit(0);
}

int main(int argc, char **argv)
{
	static char *names[ERR_NR_MAX];
	struct errsnoop_bpf *skel;
	struct sys_choice sc;
	uint32_t by, shown;
	int err, n;

	loupe_parse(&tool, argc, argv, &o);
	if (list)
		print_list();
	by = count_by_option(&o, "syscall,errno", tool.by_keys);
	if (o.count && o.extended)
		loupe_usage_error("-e adds per-event latency: not with -c");
	configure(names, &n);
	if (!n)
		loupe_usage_error("-s and --ignore leave no syscall to trace");
	cfg.count_by = by;
	loupe_start(&tool, &o);
	shown = o.count ? OUT_BIT(C_COUNT) |
		(by & ERR_BY_SYSCALL ? OUT_BIT(C_SYSCALL) : 0) |
		(by & ERR_BY_ERRNO ? OUT_BIT(C_ERRNO) : 0) |
		(by & ERR_BY_PROCESS ? OUT_BIT(C_PID) : 0) |
		(by & (ERR_BY_PROCESS | ERR_BY_COMM) ? OUT_BIT(C_COMM) : 0) :
		event_cols_shown(&o, C_TIME) | OUT_BIT(C_TID) | OUT_BIT(C_SYSCALL) |
		OUT_BIT(C_ERRNO) | OUT_BIT(C_RET) | (o.extended ? OUT_BIT(C_LAT) : 0) |
		OUT_BIT(C_PATH);
	out_init(&out, stdout, o.json, cols, C__NR, shown);

	/* open: no CO-RE (no kernel BTF loaded) */
	skel = errsnoop_bpf__open();
	if (!skel)
		return loupe_fail("open BPF object", -errno);

	/* configure: filters, the hidden set, the syscalls (raw_syscalls:
	 * one program on every syscall exit, and with -e on every entry) */
	err = loupe_configure(skel->skeleton, &o);
	if (err)
		goto out;
	skel->rodata->cfg_err = cfg;
	err = syscalls_choose(skel->skeleton, (const char *const *)names, n,
			      !nsys && !nignore, SYS_SRC_RAW, &sc);
	if (err) {
		err = loupe_fail("configure the syscall source", err);
		goto out;
	}
	if (!o.extended)
		bpf_program__set_autoload(skel->progs.raw_sys_enter, false);

	/* load */
	err = loupe_loaded(skel->skeleton, &o, errsnoop_bpf__load(skel));
	if (err)
		goto out;

	/* attach */
	err = loupe_attached(skel->skeleton, errsnoop_bpf__attach(skel));
	if (err)
		goto out;
	loupe_info(1, "hooks: %s%s", sc.desc, o.extended ? "" : "; the exit only (no -e)");

	/* run */
	fprintf(stderr, "Tracing failed syscalls... Hit Ctrl-C to end.\n");
	if (!o.count)
		out_header(&out);
	err = o.count ? count_run(skel->skeleton, skel->maps.counts, &out, C_COUNT, C_TIME,
				  count_cells, NULL, &prom, &o) :
		loupe_poll(skel->maps.events, on_event, NULL, &o);
	err = loupe_finish(skel->skeleton, &o, err);
out:
	errsnoop_bpf__destroy(skel);
	return err;
}
