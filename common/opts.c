#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "complete.h"
#include "opts.h"
#include "out.h"
#include "outfile.h"
#include "parse.h"

#define DEFAULT_BUFFER_SIZE (2ULL << 20)

/* How a shared option takes its value. */
enum kind { K_FLAG, K_IDS, K_U64, K_DUR, K_STR, K_SIZE, K_EXEC };

struct shared_opt {
	int letter;
	const char *name, *arg, *help;
	enum kind kind;
	enum opt_values values; /* for the completion */
};

/* Long-only options get ids above the char range. */
#define LONG_ID(x) (0x100 + (x))

static const struct shared_opt shared[O__NR] = {
	[O_PID]        = { 'p', "pid", "PID[,PID...]", "only these processes (in the kernel)", K_IDS, OV_PID },
	[O_TID]        = { 0, "tid", "TID[,TID...]", "only these threads (in the kernel)", K_IDS },
	[O_UID]        = { 'u', "uid", "UID", "only this user (in the kernel)", K_U64, OV_UID },
	[O_NAME]       = { 'n', "name", "TEXT", "process name contains TEXT (in the kernel)", K_STR, OV_PNAME },
	[O_CGROUP]     = { 0, "cgroup", "PATH", "only tasks in this cgroup v2 or below it", K_STR, OV_DIR },
	[O_EXEC]       = { 0, "exec", "CMD...", "start CMD (the rest of the line) and trace only it", K_EXEC, OV_COMMAND },
	[O_FAILED]     = { 'x', "failed", NULL, "only failed calls", K_FLAG },
	[O_TIMESTAMP]  = { 'T', "timestamp", NULL, "wall-clock time of each event (HH:MM:SS.ffffff)", K_FLAG },
	[O_ELAPSED]    = { 't', "elapsed", NULL, "seconds since the tool started", K_FLAG },
	[O_PRINT_UID]  = { 'U', "print-uid", NULL, "show the UID column", K_FLAG },
	[O_EXTENDED]   = { 'e', "extended", NULL, "more detail", K_FLAG },
	[O_FULL_PATH]  = { 'F', "full-path", NULL, "full paths, not just names", K_FLAG },
	[O_JSON]       = { 'j', "json", NULL, "newline-delimited JSON on stdout", K_FLAG },
	[O_DURATION]   = { 'd', "duration", "DUR", "stop after DUR (10, 10s, 500ms, 2m)", K_DUR },
	[O_INTERVAL]   = { 'i', "interval", "DUR", "print a summary every DUR", K_DUR },
	[O_COUNT]      = { 'c', "count", NULL, "count summary instead of one line per event", K_FLAG },
	[O_BY]         = { 'k', "by", "KEYS", "what a count summary groups by", K_STR, OV_KEYS },
	[O_TOP]        = { 0, "top", "N", "only the N largest rows", K_U64 },
	[O_MAX_EVENTS] = { 0, "max-events", "N", "stop after N events", K_U64 },
	[O_BUFFER_SIZE]= { 0, "buffer-size", "SIZE", "ring buffer size (default 2M; 64K..1G, power of 2)", K_SIZE },
	[O_HEATMAP]    = { 0, "heatmap", NULL, "latency heat map on the terminal", K_FLAG },
	[O_SVG]        = { 0, "svg", "FILE", "write the heat map to an SVG file", K_STR, OV_FILE },
	[O_MILLISECONDS]={ 'm', "milliseconds", NULL, "histogram in milliseconds", K_FLAG },
	[O_VERBOSE]    = { 'v', "verbose", NULL, "libbpf and hook-selection details on stderr", K_FLAG },
	[O_CONTAINERS] = { 'C', "containers", NULL, "CONTAINER column (id or cgroup name); in JSON, PID inside", K_FLAG },
	[O_CONTAINER]  = { 0, "container", "ID", "only this container (an id prefix, in the kernel)", K_STR },
	[O_TEXTFILE]   = { 0, "textfile", "FILE", "rewrite FILE with the summary every interval, in Prometheus text format (for node_exporter)", K_STR, OV_FILE },
};

void loupe_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", loupe_name());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see %s --help)\n", loupe_name());
	exit(2);
}

int opt_parse_u64(const char *arg, void *dst)
{
	return parse_u64(arg, 0, UINT64_MAX, dst);
}

int opt_parse_duration(const char *arg, void *dst)
{
	return parse_duration(arg, dst);
}

int opt_parse_string(const char *arg, void *dst)
{
	if (!*arg)
		return -EINVAL;
	*(const char **)dst = arg;
	return 0;
}

const char *opts_esc(const char *arg, char *buf, size_t len)
{
	char tmp[64 * 4 + 8];
	size_t n = strlen(arg), m;

	if (n > 64)
		n = 64;
	m = esc_text(tmp, arg, n);
	snprintf(buf, len, "%.*s%s", (int)m, tmp, strlen(arg) > 64 ? "..." : "");
	return buf;
}

int opt_parse_outfile(const char *arg, void *dst)
{
	int err = *arg ? outfile_check(arg) : -EINVAL;

	if (!err)
		*(const char **)dst = arg;
	return err;
}

/* Why a value was refused, with the option's limits. */
static const char *why(int id, int err)
{
	if (err == -E2BIG && (id == O_PID || id == O_TID))
		return "too many ids (at most 1024 in all)";
	if (err == -E2BIG)
		return "too many values";
	switch (id) {
	case O_PID: case O_TID:
		return "a comma-separated list of ids from 1 to 2147483647";
	case O_UID: return "a user id from 0 to 4294967294";
	case O_NAME: return err == -ERANGE ? "at most 15 bytes (a task's comm)" : "empty";
	case O_DURATION: return "a duration > 0: 10 (seconds), 10s, 500ms, 2m, 1h";
	case O_INTERVAL: return err == -ERANGE ? "at least 100ms" :
		"a duration: 1 (second), 500ms, 2m";
	case O_TOP: return "a whole number from 1 to 4294967295";
	case O_MAX_EVENTS: return "a whole number >= 1";
	case O_BUFFER_SIZE: return "a power of two from 64K to 1G";
	case O_SVG: case O_TEXTFILE:
		return err == -EINVAL ? "empty" : strerror(-err); /* outfile_check */
	case O_CONTAINER: return "a container id or its first hex digits";
	}
	return err == -ERANGE ? "out of range" : "not a valid value";
}

/* One option's help: "  -x, --name ARG   help", the help wrapped at
 * word boundaries so that no line is wider than 80 columns. */
static void help_line(FILE *f, int letter, const char *name, const char *arg,
		      const char *help)
{
	enum { COL = 29, WIDTH = 80 };
	char left[64];
	int at;

	snprintf(left, sizeof(left), "%c%c%s--%s%s%s", letter ? '-' : ' ',
		 letter ? letter : ' ', letter ? ", " : "  ", name,
		 arg ? " " : "", arg ? arg : "");
	if (strlen(left) > 26)
		fprintf(f, "  %s\n%*s", left, COL, "");
	else
		fprintf(f, "  %-26s ", left);
	at = COL;
	while (*help) {
		size_t word = strcspn(help, " ");

		if (at > COL && at + 1 + (int)word > WIDTH) {
			fprintf(f, "\n%*s", COL, "");
			at = COL;
		} else if (at > COL) {
			fputc(' ', f);
			at++;
		}
		fwrite(help, 1, word, f);
		at += (int)word;
		help += word;
		help += strspn(help, " ");
	}
	fputc('\n', f);
}

void opts_each(const struct loupe_tool *t,
	       void (*fn)(const struct opt_info *oi, void *ctx), void *ctx)
{
	const struct tool_opt *to;
	struct opt_info oi;
	int i;

	for (to = t->opts; to && to->name; to++) {
		oi = (struct opt_info){ to->letter, to->name, to->arg, to->help, to->values };
		fn(&oi, ctx);
	}
	for (i = 0; i < O__NR; i++) {
		const struct shared_opt *s = &shared[i];

		if (!(t->shared & OPT(i)))
			continue;
		oi = (struct opt_info){ s->letter, s->name, s->arg,
			t->shared_help && t->shared_help[i] ? t->shared_help[i] : s->help,
			s->values };
		fn(&oi, ctx);
	}
	oi = (struct opt_info){ 'h', "help", NULL, "show this help", OV_NONE };
	fn(&oi, ctx);
	oi = (struct opt_info){ 'V', "version", NULL, "show the version", OV_NONE };
	fn(&oi, ctx);
}

static void help_opt(const struct opt_info *oi, void *f)
{
	help_line(f, oi->letter, oi->name, oi->arg, oi->help);
}

/* The name to show: the one the tool was run by when it holds the tool's
 * own (the Debian package installs opensnoop-loupe), so that messages and
 * help name what the user typed, and its man page. */
static const char *shown_name(const struct loupe_tool *t)
{
	return strstr(loupe_name(), t->name) ? loupe_name() : t->name;
}

void opts_help(const struct loupe_tool *t, FILE *f)
{
	fprintf(f, "Usage: %s %s\n%s\n\nOptions:\n", shown_name(t), t->usage, t->summary);
	opts_each(t, help_opt, f);
	fprintf(f, "\nExamples:\n%s", t->examples);
	fprintf(f, "\nExit status: 0 ok (also Ctrl-C, -d, a closed pipe), 1 runtime "
		"failure,\n2 usage error. See %s(8).\n", shown_name(t));
}

static int parse_shared(const struct loupe_tool *t, int id, const char *arg,
			struct loupe_opts *o)
{
	uint64_t v;
	int err = 0;

	switch (id) {
	case O_PID: err = parse_id_list(arg, o->pids, LOUPE_MAX_IDS, &o->npids); break;
	case O_TID: err = parse_id_list(arg, o->tids, LOUPE_MAX_IDS, &o->ntids); break;
	case O_UID:
		err = parse_u64(arg, 0, 0xfffffffe, &v);
		o->uid = (uint32_t)v;
		o->uid_set = true;
		break;
	case O_NAME:
		if (!*arg || strlen(arg) > 15)
			return *arg ? -ERANGE : -EINVAL;
		o->name = arg;
		break;
	case O_CGROUP: err = opt_parse_string(arg, &o->cgroup); break;
	case O_FAILED: o->failed = true; break;
	case O_TIMESTAMP: o->timestamp = true; break;
	case O_ELAPSED: o->elapsed = true; break;
	case O_PRINT_UID: o->print_uid = true; break;
	case O_EXTENDED: o->extended = true; break;
	case O_FULL_PATH: o->full_path = true; break;
	case O_JSON: o->json = true; break;
	case O_DURATION: err = parse_duration(arg, &o->duration_ns); break;
	case O_INTERVAL:
		err = parse_duration(arg, &o->interval_ns);
		if (!err && o->interval_ns < LOUPE_MIN_INTERVAL_NS)
			err = -ERANGE;
		break;
	case O_COUNT: o->count = true; break;
	case O_BY: err = opt_parse_string(arg, &o->by); break;
	case O_TOP: err = parse_u64(arg, 1, UINT32_MAX, &o->top); break;
	case O_MAX_EVENTS: err = parse_u64(arg, 1, UINT64_MAX, &o->max_events); break;
	case O_BUFFER_SIZE:
		err = parse_size(arg, &v);
		if (!err && (v < (64 << 10) || v > (1ULL << 30) || (v & (v - 1))))
			err = -ERANGE;
		o->buffer_size = v;
		o->buffer_size_given = true;
		break;
	case O_HEATMAP: o->heatmap = true; break;
	case O_SVG: err = opt_parse_outfile(arg, &o->svg); break;
	case O_TEXTFILE: err = opt_parse_outfile(arg, &o->textfile); break;
	case O_MILLISECONDS: o->milliseconds = true; break;
	case O_VERBOSE: o->verbose++; break;
	case O_CONTAINERS: o->containers = true; break;
	case O_CONTAINER:
		err = *arg && strspn(arg, "0123456789abcdefABCDEF") == strlen(arg) ? 0 : -EINVAL;
		o->container = arg;
		break;
	}
	(void)t;
	return err;
}

static int errf(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The long option getopt_long found for an error, by its value. */
static const char *long_name(const struct option *longs, int val)
{
	for (; longs->name; longs++)
		if (longs->val == val)
			return longs->name;
	return "?";
}

/* The peers' spellings every tool answers (after its own, loupe_tool.hints). */
#define BUFFER_PAGES "bcc's -b counts perf buffer pages per CPU; here --buffer-size " \
	"takes the ring buffer's bytes (256K, 8M)"
static const struct opt_hint shared_hints[] = {
	{ "--cgroupmap", "MAP", HINT_ANY,
	  "bcc's --cgroupmap takes a pinned BPF map; here --cgroup takes a cgroup v2 directory",
	  OPT(O_CGROUP) },
	{ "--mntnsmap", "MAP", HINT_ANY,
	  "bcc's --mntnsmap has no counterpart; filter by --cgroup PATH or --container ID",
	  OPT(O_CGROUP) | OPT(O_CONTAINER) },
	{ "-u", "USER", HINT_WORD, "-u takes a user id here: -u $(id -u %s)", OPT(O_UID) },
	{ "-t", "TID", HINT_NUMBER, "-t is the elapsed time here; for a thread use --tid %s",
	  OPT(O_TID) | OPT(O_ELAPSED) },
	{ "-c", "CG", HINT_WORD, "libbpf-tools' -c (a cgroup) is --cgroup %s here", OPT(O_CGROUP) },
	{ "-b", "PAGES", HINT_ANY, BUFFER_PAGES, OPT(O_BUFFER_SIZE) },
	{ "--buffer-pages", "PAGES", HINT_ANY, BUFFER_PAGES, OPT(O_BUFFER_SIZE) },
	{ 0 }
};

/* Where a refused command line went wrong, as the hints match it. */
struct fault {
	enum {
		F_UNKNOWN,     /* an option loupe does not have */
		F_NEEDS_VALUE, /* a loupe option given no value */
		F_VALUE,       /* a loupe option that refused its value */
		F_ARGUMENT,    /* a positional argument refused */
	} kind;
	char spelled[72];      /* "-d", "--cgroupmap" as typed; "": none */
	const char *value;     /* the value at fault or the one the peer takes */
};

static bool hint_applies(const struct loupe_tool *t, const struct opt_hint *h,
			 const struct fault *f)
{
	const char *v = f->value;

	if ((t->shared & h->needs) != h->needs)
		return false;
	if (h->peer ? strcmp(h->peer, f->spelled) : f->spelled[0] || f->kind != F_ARGUMENT)
		return false;
	switch (f->kind) {
	case F_UNKNOWN:
		break;
	case F_NEEDS_VALUE: /* the peer's flag takes none */
		return !h->arg;
	case F_VALUE: /* a flag there, followed by another option */
		if (!h->arg)
			return v && v[0] == '-';
		break;
	case F_ARGUMENT:
		if (!h->arg)
			return false;
		break;
	}
	if (h->when == HINT_ANY)
		return true;
	if (!v || !*v)
		return false;
	return (h->when == HINT_NUMBER) == (*v >= '0' && *v <= '9');
}

static const struct opt_hint *hint_find(const struct loupe_tool *t, const struct fault *f)
{
	const struct opt_hint *tables[] = { t->hints, shared_hints }, *h;
	struct fault bare;
	size_t i;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		for (h = tables[i]; h && h->say; h++)
			if (hint_applies(t, h, f))
				return h;
	/* an argument after a flag no peer gives a value: as a positional one */
	if (f->kind == F_ARGUMENT && f->spelled[0]) {
		bare = *f;
		bare.spelled[0] = 0;
		return hint_find(t, &bare);
	}
	return NULL;
}

/*
 * A refusal: "<fmt...>", then the hint for f as " (<say>)" when there is
 * one and it fits, else ": <why>" when why is given. Returns -EINVAL.
 */
static int refuse(const struct loupe_tool *t, struct loupe_opts *o, const struct fault *f,
		  char *err, size_t len, const char *why, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
static int refuse(const struct loupe_tool *t, struct loupe_opts *o, const struct fault *f,
		  char *err, size_t len, const char *why, const char *fmt, ...)
{
	const struct opt_hint *h = hint_find(t, f);
	char val[300], say[1024];
	size_t n, at = 0;
	const char *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	n = strlen(err);
	if (h) {
		if (f->value && (h->arg || f->kind != F_VALUE))
			opts_esc(f->value, val, sizeof(val));
		else
			snprintf(val, sizeof(val), "%s", h->arg ? h->arg : "");
		for (p = h->say; *p && at + 1 < sizeof(say); p++) {
			if (p[0] == '%' && p[1] == 's') {
				at += (size_t)snprintf(say + at, sizeof(say) - at, "%s", val);
				at = at < sizeof(say) ? at : sizeof(say) - 1;
				p++;
			} else
				say[at++] = *p;
		}
		say[at] = 0;
		if (n + strlen(say) + 4 < len) {
			snprintf(err + n, len - n, " (%s)", say);
			o->hinted = true;
			return -EINVAL;
		}
	}
	if (why)
		snprintf(err + n, len - n, ": %s", why);
	return -EINVAL;
}

/* f for the option getopt_long refused: spelled as typed in arg (the
 * argument holding it), the value the peer would take after it. */
static void fault_option(struct fault *f, int kind, int letter, const char *arg,
			 const char *next)
{
	const char *rest;

	f->kind = kind;
	f->value = NULL;
	if (letter) {
		snprintf(f->spelled, sizeof(f->spelled), "-%c", letter);
		rest = arg[0] == '-' && arg[1] != '-' ? strchr(arg + 1, letter) : NULL;
		f->value = rest && rest[1] ? rest + 1 : next && next[0] != '-' ? next : NULL;
		return;
	}
	snprintf(f->spelled, sizeof(f->spelled), "--%.*s", (int)strcspn(arg + 2, "="),
		 arg + 2);
	rest = strchr(arg, '=');
	f->value = rest ? rest + 1 : next && next[0] != '-' ? next : NULL;
}

int opts_parse(const struct loupe_tool *t, int argc, char **argv, struct loupe_opts *o,
	       char *err, size_t errlen)
{
	struct option longs[O__NR + 64];
	unsigned char seen[O__NR + 64] = { 0 };
	char shorts[160] = "+:hV"; /* + : stop at the first non-option */
	char e1[300], e2[512]; /* e2: the positional parser's message */
	const struct tool_opt *to;
	int nl = 0, i, c, ntool = 0, at;
	struct fault f;
	/* the last option, when a flag: where it ended, as spelled */
	int flag_end = 0;
	char flag_spelled[72] = "";

	memset(o, 0, sizeof(*o));
	o->tool = t->name;
	*err = 0;
	for (to = t->opts; to && to->name && ntool < 60; to++)
		ntool++;

	/* build the getopt tables from the shared table and the tool's */
	for (i = 0; i < O__NR; i++) {
		const struct shared_opt *s = &shared[i];

		if (!(t->shared & OPT(i)))
			continue;
		longs[nl++] = (struct option){ s->name,
			s->kind == K_FLAG || s->kind == K_EXEC ? no_argument : required_argument,
			NULL, LONG_ID(i) };
		if (s->letter) {
			size_t l = strlen(shorts);

			shorts[l] = (char)s->letter;
			if (s->kind != K_FLAG)
				shorts[++l] = ':';
			shorts[l + 1] = 0;
		}
	}
	for (i = 0; i < ntool; i++) {
		to = &t->opts[i];
		longs[nl++] = (struct option){ to->name,
			to->arg ? required_argument : no_argument, NULL, LONG_ID(O__NR + i) };
		if (to->letter) {
			size_t l = strlen(shorts);

			shorts[l] = (char)to->letter;
			if (to->arg)
				shorts[++l] = ':';
			shorts[l + 1] = 0;
		}
	}
	longs[nl++] = (struct option){ "help", no_argument, NULL, 'h' };
	longs[nl++] = (struct option){ "version", no_argument, NULL, 'V' };
	longs[nl] = (struct option){ 0 };

	opterr = 0;
	optind = 0; /* glibc: start over (the fuzzer parses many times) */
	for (at = 1; (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1; at = optind) {
		int id = -1, r;
		const char *name;
		bool repeat, flag;

		if (c == 'h')
			return OPTS_HELP;
		if (c == 'V')
			return OPTS_VERSION;
		if (c == '?' || c == ':') {
			/* getopt_long has moved past the argument at fault,
			 * unless it stopped inside a cluster ("-x" + "Z") */
			const char *arg = argv[optind > at ? optind - 1 : optind];
			const char *next = optind > at && optind < argc ? argv[optind] : NULL;

			/* a long option found, and given a value ("--js=1") */
			if (c == '?' && optopt && !strncmp(arg, "--", 2))
				return errf(err, errlen, "option --%s takes no value",
					    long_name(longs, optopt));
			if (optopt >= 0x100) {
				f = (struct fault){ .kind = F_NEEDS_VALUE };
				snprintf(f.spelled, sizeof(f.spelled), "--%s",
					 long_name(longs, optopt));
				return refuse(t, o, &f, err, errlen, NULL,
					      "option %s needs a value",
					      opts_esc(arg, e1, sizeof(e1)));
			}
			if (c == ':' && !optopt)
				return errf(err, errlen, "option %s needs a value",
					    opts_esc(arg, e1, sizeof(e1)));
			if (c == ':') {
				fault_option(&f, F_NEEDS_VALUE, optopt, arg, NULL);
				return refuse(t, o, &f, err, errlen, NULL,
					      "option -%c needs a value", optopt);
			}
			if (optopt > 0x20 && optopt < 0x7f) {
				fault_option(&f, F_UNKNOWN, optopt, arg, next);
				return refuse(t, o, &f, err, errlen, NULL, "unknown option -%c",
					      optopt);
			}
			if (!optopt && !strncmp(arg, "--", 2) && arg[2]) {
				fault_option(&f, F_UNKNOWN, 0, arg, next);
				return refuse(t, o, &f, err, errlen, NULL, "unknown option %s",
					      opts_esc(arg, e1, sizeof(e1)));
			}
			return errf(err, errlen, "unknown option %s", opts_esc(arg, e1, sizeof(e1)));
		}
		if (c >= 0x100)
			id = c - 0x100;
		else {
			for (i = 0; i < O__NR && id < 0; i++)
				if ((t->shared & OPT(i)) && shared[i].letter == c)
					id = i;
			for (i = 0; i < ntool && id < 0; i++)
				if (t->opts[i].letter == c)
					id = O__NR + i;
		}
		if (id < 0)
			return errf(err, errlen, "unknown option -%c", c);
		if (id == O_EXEC) {
			if (optind >= argc)
				return errf(err, errlen, "--exec needs a command");
			o->exec_argv = &argv[optind];
			optind = argc;
			break;
		}
		if (id < O__NR) {
			name = shared[id].name;
			flag = shared[id].kind == K_FLAG;
			repeat = flag || shared[id].kind == K_IDS;
		} else {
			to = &t->opts[id - O__NR];
			name = to->name;
			flag = !to->arg;
			repeat = flag || (to->flags & TOOL_OPT_REPEAT);
		}
		if (seen[id]++ && !repeat)
			return errf(err, errlen, "option --%s given more than once", name);
		if (id < O__NR)
			r = parse_shared(t, id, optarg, o);
		else if (to->parse)
			r = to->parse(optarg, to->dst);
		else {
			*(bool *)to->dst = true;
			r = 0;
		}
		if (r) {
			f = (struct fault){ .kind = F_VALUE, .value = optarg };
			if (c < 0x100)
				snprintf(f.spelled, sizeof(f.spelled), "-%c", c);
			else
				snprintf(f.spelled, sizeof(f.spelled), "--%s", name);
			return refuse(t, o, &f, err, errlen,
				      id < O__NR ? why(id, r) : r == -ERANGE ? "out of range" :
				      r == -E2BIG ? "too many values" : "not a valid value",
				      "invalid --%s value '%s'", name,
				      opts_esc(optarg ? optarg : "", e1, sizeof(e1)));
		}
		flag_end = flag ? optind : 0;
		if (flag && c < 0x100)
			snprintf(flag_spelled, sizeof(flag_spelled), "-%c", c);
		else if (flag)
			snprintf(flag_spelled, sizeof(flag_spelled), "--%s", name);
	}

	if (optind < argc) {
		/* the first argument left, and the flag just before it, if any:
		 * a flag here that takes a value there ("-t 123") */
		f = (struct fault){ .kind = F_ARGUMENT, .value = argv[optind] };
		if (flag_end == optind && optind > 1 && argv[optind - 1][0] == '-' &&
		    (argv[optind - 1][1] == '-' ? !strcmp(argv[optind - 1], flag_spelled) :
		     argv[optind - 1][strlen(argv[optind - 1]) - 1] == flag_spelled[1]))
			snprintf(f.spelled, sizeof(f.spelled), "%s", flag_spelled);
		if (!t->positional)
			return refuse(t, o, &f, err, errlen, NULL, "unexpected argument '%s'",
				      opts_esc(argv[optind], e1, sizeof(e1)));
		if (t->positional(argc - optind, argv + optind, o, e2, sizeof(e2)))
			return refuse(t, o, &f, err, errlen, NULL, "%s", e2);
	}
	if (o->exec_argv && o->npids)
		return errf(err, errlen, "--exec and --pid exclude each other");
	if (o->container && o->cgroup)
		return errf(err, errlen, "--container and --cgroup exclude each other");
	if (o->container && o->exec_argv)
		return errf(err, errlen, "--container and --exec exclude each other");
	if (t->shared & OPT(O_BUFFER_SIZE) && !o->buffer_size)
		o->buffer_size = DEFAULT_BUFFER_SIZE;
	return 0;
}

void loupe_parse(const struct loupe_tool *t, int argc, char **argv,
		 struct loupe_opts *o)
{
	const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	char err[512];
	int r;

	/* the name run by, if it holds the tool's own (shown_name) */
	loupe_set_name(base ? base + 1 : argc > 0 ? argv[0] : t->name);
	loupe_set_name(shown_name(t));
	/* the build asks each tool for its completion data (common/complete.h) */
	if (argc == 2 && !strcmp(argv[1], COMPLETE_SPEC_OPTION)) {
		complete_spec(t, stdout);
		exit(fflush(stdout) ? 1 : 0);
	}
	r = opts_parse(t, argc, argv, o, err, sizeof(err));
	if (r == OPTS_HELP) {
		opts_help(t, stdout);
		exit(0);
	}
	if (r == OPTS_VERSION) {
		printf("%s (loupe) %s\n", loupe_name(), LOUPE_VERSION);
		exit(0);
	}
	if (r && o->hinted) {
		fprintf(stderr, "%s: %s\n", loupe_name(), err);
		exit(2);
	}
	if (r)
		loupe_usage_error("%s", err);
}
