/*
 * libFuzzer target: the parse core, opts_parse(), with a tool that has every
 * shared option, tool options of each kind (flags, a string, numbers, a
 * duration, a repeatable one) and interval_positional, and with a small
 * tool (OPTS_ALL, nothing else, no positional arguments). The input is
 * argv: arguments separated by NUL bytes, at most MAX_ARGS of them.
 *
 * Checked after each call:
 * - the result is 0, OPTS_HELP, OPTS_VERSION or -EINVAL, and argv is left
 *   in its order (the parse core does not let getopt permute it);
 * - -EINVAL: the message is non-empty, NUL-terminated, not cut, within
 *   errlen (a guard zone after it stays intact), valid UTF-8 with nothing
 *   a terminal acts on, never names argv[0], and "needs a value" is never
 *   said of an "--opt=value" argument; the positional parser's own message
 *   fits the buffer it is given;
 * - 0: every field in its documented range (ids in [1, 2^31-1] and at most
 *   LOUPE_MAX_IDS, uid <= 2^32-2, name 1..15 bytes, strings non-empty and
 *   inside argv, interval 0 or >= LOUPE_MIN_INTERVAL_NS, a count only with
 *   an interval, --top <= 2^32-1, buffer size a power of two in 64K..1G,
 *   --exec's command inside argv and never with -p...), and the tool's own
 *   destinations likewise; options the tool does not have set nothing;
 * - OPTS_HELP: the help text is printable;
 * - a hint (struct opt_hint; the tool has one of each kind) only with a
 *   refusal, at the end of its message;
 * - determinism: parsing the same argv again, after a parse that leaves
 *   getopt inside a cluster of short options, gives the same result, the
 *   same message and the same values.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "interval.h"
#include "opts.h"
#include "parse.h"
#include "tests/fuzz/fuzz.h"
#include "tests/helpers/outcheck.h"

#define MAX_ARGS 32
#define ERRLEN 512 /* as loupe_parse() */
#define GUARD 16
#define MAX_REPS 8

static char prog[] = "ARGV0-NAME";

/* the tool's own options */
static struct tool_state {
	bool alpha, beta;
	const char *word;
	uint64_t number, wait;
	uint64_t reps[MAX_REPS];
	size_t nreps;
	int positional_calls;
} ts;

static int parse_rep(const char *arg, void *dst)
{
	struct tool_state *s = dst;
	uint64_t v;
	int err = parse_u64(arg, 0, 1000, &v);

	if (err)
		return err;
	if (s->nreps >= MAX_REPS)
		return -E2BIG;
	s->reps[s->nreps++] = v;
	return 0;
}

/* interval_positional, and its message checked against its buffer */
static int positional(int argc, char **argv, struct loupe_opts *o, char *err, size_t len)
{
	int r;

	REQUIRE(argc >= 1 && len >= 2);
	memset(err, 0x55, len);
	ts.positional_calls++;
	r = interval_positional(argc, argv, o, err, len);
	REQUIRE(r == 0 || r == -EINVAL);
	if (r) {
		REQUIRE(memchr(err, 0, len) != NULL);
		REQUIRE(err[0] != 0);
		/* a message that fills the buffer has been cut */
		REQUIRE(strlen(err) + 1 < len);
	} else {
		REQUIRE(argc <= 2);
		REQUIRE(o->interval_ns >= LOUPE_MIN_INTERVAL_NS);
		REQUIRE(argc == 1 ? o->interval_count == 0 : o->interval_count >= 1);
	}
	return r;
}

static const struct tool_opt topts[] = {
	{ 'a', "alpha", NULL, "a flag", NULL, &ts.alpha },
	{ 0, "beta", NULL, "a long-only flag", NULL, &ts.beta },
	{ 'W', "word", "WORD", "a string", opt_parse_string, &ts.word },
	{ 'N', "number", "N", "a number", opt_parse_u64, &ts.number },
	{ 0, "wait", "DUR", "a duration", opt_parse_duration, &ts.wait },
	{ 'r', "rep", "N", "0..1000, repeatable", parse_rep, &ts, TOOL_OPT_REPEAT },
	{ 0 },
};

/* hints of every kind: a peer's flag, its option with a value (with a
 * condition), a long name, a positional one, several "%s" */
static const struct opt_hint hints[] = {
	{ "-d", "DISK", HINT_WORD, "-d is the duration here; for a disk use --disk %s" },
	{ "-F", NULL, HINT_ANY, "for a histogram per set of flags use --per-flags" },
	{ "-c", "CPU", HINT_NUMBER, "bcc's -c is --cpu %s here" },
	{ "-a", "X", HINT_ANY, "a peer's -a %s is --alpha %s %s here" },
	{ "-W", NULL, HINT_ANY, "a peer's flag: -W takes a word here" },
	{ "--word", NULL, HINT_ANY, "a peer's --word flag" },
	{ "--flags", NULL, HINT_ANY, "bcc's --flags is --per-flags here" },
	{ "--min", "MS", HINT_NUMBER, "--min %s is --wait %sms here" },
	{ NULL, "MIN_MS", HINT_NUMBER, "min_ms %s: no counterpart" },
	{ 0 }
};

static const struct loupe_tool tool = {
	.name = "fuzz",
	.summary = "every shared option, tool options of each kind",
	.usage = "[OPTIONS] [interval [count]]",
	.shared = OPTS_PER_EVENT | (OPT(O__NR) - 1),
	.opts = topts,
	.examples = "  fuzz -p 1 2 3\n",
	.positional = positional,
	.hints = hints,
};

static const struct loupe_tool small = {
	.name = "small",
	.summary = "only the options every tool has",
	.usage = "[OPTIONS]",
	.shared = OPTS_ALL,
	.examples = "  small -p 1\n",
};

static char **cur_argv;
static int cur_argc;

static void print_argv(void)
{
	int i;

	for (i = 0; i < cur_argc; i++) {
		char label[16];

		snprintf(label, sizeof(label), "argv[%d]", i);
		fuzz_dump(label, cur_argv[i], strlen(cur_argv[i]));
	}
}

static bool in_argv(const char *p, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return true;
	return false;
}

static bool some_arg_contains(int argc, char **argv, const char *s)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strstr(argv[i], s))
			return true;
	return false;
}

static void check_ids(const uint32_t *ids, size_t n)
{
	size_t i;

	REQUIRE(n <= LOUPE_MAX_IDS);
	for (i = 0; i < n; i++)
		REQUIRE(ids[i] >= 1 && ids[i] <= 0x7fffffff);
}

static void check_str(const char *s, int argc, char **argv)
{
	if (!s)
		return;
	REQUIRE(*s);
	REQUIRE(in_argv(s, argc, argv));
}

static void check_ok(const struct loupe_tool *t, const struct loupe_opts *o, int argc,
		     char **argv, size_t bytes)
{
	uint64_t b = o->buffer_size;
	size_t i;

	if (t == &small) {
		/* what the small tool does not have stays unset */
		REQUIRE(!o->ntids && !o->uid_set && !o->exec_argv && !o->failed);
		REQUIRE(!o->elapsed && !o->print_uid && !o->extended && !o->full_path);
		REQUIRE(!o->interval_ns && !o->interval_count && !o->count && !o->by);
		REQUIRE(!o->top && !o->max_events && !o->buffer_size);
		REQUIRE(!o->buffer_size_given && !o->heatmap && !o->svg && !o->milliseconds);
		REQUIRE(!ts.alpha && !ts.beta && !ts.word && !ts.nreps);
		REQUIRE(!ts.positional_calls);
		b = 2ULL << 20; /* the checks below */
	}

	check_ids(o->pids, o->npids);
	check_ids(o->tids, o->ntids);
	REQUIRE(o->uid_set ? o->uid <= 0xfffffffe : o->uid == 0);
	if (o->name) {
		REQUIRE(strlen(o->name) >= 1 && strlen(o->name) <= 15);
		REQUIRE(in_argv(o->name, argc, argv));
	}
	check_str(o->cgroup, argc, argv);
	check_str(o->by, argc, argv);
	check_str(o->svg, argc, argv);
	if (o->exec_argv) {
		REQUIRE(o->exec_argv > argv && o->exec_argv < argv + argc);
		REQUIRE(o->npids == 0);
		REQUIRE(o->exec_argv[0] != NULL);
	}
	REQUIRE(o->interval_ns == 0 || o->interval_ns >= LOUPE_MIN_INTERVAL_NS);
	REQUIRE(o->interval_count == 0 || o->interval_ns != 0);
	REQUIRE(o->top <= UINT32_MAX);
	REQUIRE(b >= (64 << 10) && b <= (1ULL << 30) && !(b & (b - 1)));
	REQUIRE(o->buffer_size_given || b == (2ULL << 20));
	REQUIRE(o->verbose >= 0 && (size_t)o->verbose <= bytes);

	check_str(ts.word, argc, argv);
	REQUIRE(ts.nreps <= MAX_REPS);
	for (i = 0; i < ts.nreps; i++)
		REQUIRE(ts.reps[i] <= 1000);
	REQUIRE(ts.positional_calls <= 1);
}

static void check_err(const char *err, int argc, char **argv)
{
	size_t n;
	const char *p;

	REQUIRE(memchr(err, 0, ERRLEN) != NULL);
	n = strlen(err);
	REQUIRE(n > 0);
	REQUIRE(n + 1 < ERRLEN); /* not cut */
	for (p = err + ERRLEN; p < err + ERRLEN + GUARD; p++)
		REQUIRE(*p == 0x55);
	REQUIRE(text_is_safe(err, n));
	REQUIRE(!strchr(err, '\n'));
	/* the message names the argument at fault, never the program */
	REQUIRE(!strstr(err, prog) || some_arg_contains(argc, argv, prog));
	/* "--json=1" has a value: it never "needs" one */
	if (!strncmp(err, "option --", 9) && strstr(err, " needs a value"))
		REQUIRE(!memchr(err, '=', (size_t)(strstr(err, " needs a value") - err)));
}

/* The help text: printable lines. */
static void check_help(const struct loupe_tool *t)
{
	char *buf = NULL, *p, *nl;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	REQUIRE(f != NULL);
	opts_help(t, f);
	REQUIRE(!fclose(f));
	REQUIRE(len > 0 && buf[len - 1] == '\n');
	for (p = buf; (nl = strchr(p, '\n')); p = nl + 1)
		REQUIRE(text_is_safe(p, (size_t)(nl - p)));
	free(buf);
}

/* One parse, checked. */
static int parse(const struct loupe_tool *t, int argc, char **argv, struct loupe_opts *o,
		 char *err, size_t bytes)
{
	char **copy = malloc(sizeof(*copy) * (size_t)(argc + 1));
	int r, i;

	memcpy(copy, argv, sizeof(*copy) * (size_t)(argc + 1));
	memset(&ts, 0, sizeof(ts));
	memset(err, 0x55, ERRLEN + GUARD);
	r = opts_parse(t, argc, argv, o, err, ERRLEN);
	REQUIRE(r == 0 || r == OPTS_HELP || r == OPTS_VERSION || r == -EINVAL);
	for (i = 0; i <= argc; i++)
		REQUIRE(argv[i] == copy[i]); /* not permuted */
	free(copy);
	/* a hint only on a refusal, ending its message */
	REQUIRE(!o->hinted || r == -EINVAL);
	if (r == -EINVAL) {
		check_err(err, argc, argv);
		REQUIRE(!o->hinted || err[strlen(err) - 1] == ')');
	} else if (r == 0)
		check_ok(t, o, argc, argv, bytes);
	else if (r == OPTS_HELP)
		check_help(t);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct loupe_opts o1, o2;
	static char err1[ERRLEN + GUARD], err2[ERRLEN + GUARD];
	static char poison_arg[] = "-vvZv";
	char *poison[] = { prog, poison_arg, NULL };
	char *argv[MAX_ARGS + 2];
	char *buf = malloc(size + 1), *p, *end;
	struct tool_state ts1;
	int argc = 0, r1, r2;

	memcpy(buf, data, size);
	buf[size] = 0;
	argv[argc++] = prog;
	for (p = buf, end = buf + size; size && argc <= MAX_ARGS; ) {
		char *z = memchr(p, 0, (size_t)(end - p));

		argv[argc++] = p;
		if (!z)
			break;
		p = z + 1;
	}
	argv[argc] = NULL;
	cur_argv = argv;
	cur_argc = argc;
	fuzz_context = print_argv;

	parse(&small, argc, argv, &o1, err1, size);
	r1 = parse(&tool, argc, argv, &o1, err1, size);
	memcpy(&ts1, &ts, sizeof(ts));

	/* again, after a parse that stops inside "-vvZv" */
	REQUIRE(opts_parse(&tool, 2, poison, &o2, err2, ERRLEN) == -EINVAL);
	r2 = parse(&tool, argc, argv, &o2, err2, size);
	REQUIRE(r2 == r1);
	if (r1 == -EINVAL)
		REQUIRE(!strcmp(err1, err2));
	if (r1 == 0) {
		REQUIRE(!memcmp(&o1, &o2, sizeof(o1)));
		REQUIRE(!memcmp(&ts1, &ts, sizeof(ts)));
	}
	free(buf);
	return 0;
}
