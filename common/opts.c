#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loupe.h"
#include "opts.h"
#include "outfile.h"
#include "parse.h"

#define DEFAULT_BUFFER_SIZE (2ULL << 20)

/* How a shared option takes its value. */
enum kind { K_FLAG, K_IDS, K_U64, K_DUR, K_STR, K_SIZE, K_EXEC };

struct shared_opt {
	int letter;
	const char *name, *arg, *help;
	enum kind kind;
};

/* Long-only options get ids above the char range. */
#define LONG_ID(x) (0x100 + (x))

static const struct shared_opt shared[O__NR] = {
	[O_PID]        = { 'p', "pid", "PID[,PID...]", "only these processes (in the kernel)", K_IDS },
	[O_TID]        = { 0, "tid", "TID[,TID...]", "only these threads (in the kernel)", K_IDS },
	[O_UID]        = { 'u', "uid", "UID", "only this user (in the kernel)", K_U64 },
	[O_NAME]       = { 'n', "name", "TEXT", "process name contains TEXT (in the kernel)", K_STR },
	[O_CGROUP]     = { 0, "cgroup", "PATH", "only tasks in this cgroup v2 or below it", K_STR },
	[O_EXEC]       = { 0, "exec", "CMD...", "start CMD (the rest of the line) and trace only it", K_EXEC },
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
	[O_BY]         = { 'k', "by", "KEYS", "what a count summary groups by", K_STR },
	[O_TOP]        = { 0, "top", "N", "only the N largest rows", K_U64 },
	[O_MAX_EVENTS] = { 0, "max-events", "N", "stop after N events", K_U64 },
	[O_BUFFER_SIZE]= { 0, "buffer-size", "SIZE", "ring buffer size (default 2M; 64K..1G, power of 2)", K_SIZE },
	[O_HEATMAP]    = { 0, "heatmap", NULL, "latency heat map on the terminal", K_FLAG },
	[O_SVG]        = { 0, "svg", "FILE", "write the heat map to an SVG file", K_STR },
	[O_MILLISECONDS]={ 'm', "milliseconds", NULL, "histogram in milliseconds", K_FLAG },
	[O_VERBOSE]    = { 'v', "verbose", NULL, "libbpf and hook-selection details on stderr", K_FLAG },
};

static const char *tool_name = "loupe";

void loupe_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", tool_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see %s --help)\n", tool_name);
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

int opt_parse_outfile(const char *arg, void *dst)
{
	int err = *arg ? outfile_check(arg) : -EINVAL;

	if (!err)
		*(const char **)dst = arg;
	return err;
}

static const char *why(int err)
{
	switch (err) {
	case -ERANGE: return "out of range";
	case -E2BIG: return "too many values";
	case -EINVAL: return "not a valid value";
	default: return strerror(-err); /* opt_parse_outfile: ENOENT, EISDIR... */
	}
}

static void help_line(int letter, const char *name, const char *arg,
		      const char *help)
{
	char left[64];

	snprintf(left, sizeof(left), "%c%c%s--%s%s%s", letter ? '-' : ' ',
		 letter ? letter : ' ', letter ? ", " : "  ", name,
		 arg ? " " : "", arg ? arg : "");
	if (strlen(left) > 26)
		printf("  %s\n  %-26s %s\n", left, "", help);
	else
		printf("  %-26s %s\n", left, help);
}

static void print_help(const struct loupe_tool *t)
{
	const struct tool_opt *to;
	int i;

	printf("Usage: %s %s\n%s\n\nOptions:\n", t->name, t->usage, t->summary);
	for (to = t->opts; to && to->name; to++)
		help_line(to->letter, to->name, to->arg, to->help);
	for (i = 0; i < O__NR; i++)
		if (t->shared & OPT(i))
			help_line(shared[i].letter, shared[i].name, shared[i].arg,
				  t->shared_help && t->shared_help[i] ?
				  t->shared_help[i] : shared[i].help);
	help_line('h', "help", NULL, "show this help");
	help_line('V', "version", NULL, "show the version");
	printf("\nExamples:\n%s", t->examples);
	printf("\nExit status: 0 ok (also Ctrl-C, -d, a closed pipe), 1 runtime "
	       "failure,\n2 usage error. See %s(8).\n", t->name);
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
	case O_INTERVAL: err = parse_duration(arg, &o->interval_ns); break;
	case O_COUNT: o->count = true; break;
	case O_BY: err = opt_parse_string(arg, &o->by); break;
	case O_TOP: err = parse_u64(arg, 1, UINT32_MAX, &o->top); break;
	case O_MAX_EVENTS: err = parse_u64(arg, 1, UINT64_MAX, &o->max_events); break;
	case O_BUFFER_SIZE:
		err = parse_size(arg, &v);
		if (!err && (v < (64 << 10) || v > (1ULL << 30) || (v & (v - 1))))
			err = -ERANGE;
		o->buffer_size = v;
		break;
	case O_HEATMAP: o->heatmap = true; break;
	case O_SVG: err = opt_parse_outfile(arg, &o->svg); break;
	case O_MILLISECONDS: o->milliseconds = true; break;
	case O_VERBOSE: o->verbose++; break;
	}
	(void)t;
	return err;
}

void loupe_parse(const struct loupe_tool *t, int argc, char **argv,
		 struct loupe_opts *o)
{
	struct option longs[O__NR + 64];
	char shorts[160] = "+hV"; /* + : stop at the first non-option */
	const struct tool_opt *to;
	int nl = 0, i, c, ntool = 0;

	tool_name = t->name;
	loupe_set_name(t->name);
	memset(o, 0, sizeof(*o));
	for (to = t->opts; to && to->name; to++)
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
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		int id = -1, err;
		const char *name;

		if (c == 'h') {
			print_help(t);
			exit(0);
		}
		if (c == 'V') {
			printf("%s (loupe) %s\n", t->name, LOUPE_VERSION);
			exit(0);
		}
		if (c == '?' || c == ':') {
			if (optopt && optopt < 0x100)
				loupe_usage_error("option -%c: %s", optopt,
						  strchr(shorts, optopt) ? "needs a value" : "unknown option");
			loupe_usage_error("%s: %s", argv[optind - 1],
					  optopt ? "needs a value" : "unknown option");
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
			loupe_usage_error("unknown option -%c", c);
		if (id == O_EXEC) {
			if (optind >= argc)
				loupe_usage_error("--exec needs a command");
			o->exec_argv = &argv[optind];
			optind = argc;
			break;
		}
		if (id < O__NR) {
			name = shared[id].name;
			err = parse_shared(t, id, optarg, o);
		} else {
			to = &t->opts[id - O__NR];
			name = to->name;
			if (to->parse)
				err = to->parse(optarg, to->dst);
			else {
				*(bool *)to->dst = true;
				err = 0;
			}
		}
		if (err)
			loupe_usage_error("invalid --%s value '%s': %s", name,
					  optarg ? optarg : "", why(err));
	}

	if (optind < argc) {
		if (!t->positional)
			loupe_usage_error("unexpected argument '%s'", argv[optind]);
		if (t->positional(argc - optind, argv + optind, o))
			loupe_usage_error("invalid arguments: %s", t->usage);
	}
	if (o->exec_argv && o->npids)
		loupe_usage_error("--exec and --pid exclude each other");
	if (t->shared & OPT(O_BUFFER_SIZE) && !o->buffer_size)
		o->buffer_size = DEFAULT_BUFFER_SIZE;
}
