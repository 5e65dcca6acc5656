/* The parse core (common/opts.h): every rejection returns an error and a
 * message, nothing exits, repeated options accumulate or are refused. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "unit.h"
#include "interval.h"
#include "opts.h"
#include "parse.h"

static bool flag_a;
static const char *word;
static int nrep;

static int parse_rep(const char *arg, void *dst)
{
	(void)arg;
	(*(int *)dst)++;
	return 0;
}

static const struct tool_opt topts[] = {
	{ 'a', "alpha", NULL, "a flag", NULL, &flag_a },
	{ 0, "word", "W", "a string", opt_parse_string, &word },
	{ 'r', "rep", "X", "repeatable", parse_rep, &nrep, TOOL_OPT_REPEAT },
	{ 0 },
};

static const struct loupe_tool tool = {
	.name = "t", .summary = "s", .usage = "[OPTIONS]",
	.shared = OPTS_PER_EVENT | OPT(O_INTERVAL) | OPT(O_COUNT) | OPT(O_FAILED), .opts = topts,
	.examples = "  t\n", .positional = interval_positional,
};

/* t's argv from a NULL-terminated list of strings */
static int parse(const struct loupe_tool *t, struct loupe_opts *o, char *err,
		 const char *const *args)
{
	static char *argv[32];
	int argc = 0;

	argv[argc++] = (char *)t->name;
	while (*args && argc < 31)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	flag_a = false;
	word = NULL;
	nrep = 0;
	return opts_parse(t, argc, argv, o, err, 512);
}
#define P(...) parse(&tool, &o, err, (const char *const[]){ __VA_ARGS__, NULL })

TEST(opts_valid_and_accumulating)
{
	struct loupe_opts o;
	char err[512];

	CHECK_EQ(P("-p", "1,2", "-p", "3", "--tid", "4", "-a", "-r", "x", "-r", "y"), 0);
	CHECK_EQ(o.npids, 3); CHECK_EQ(o.pids[2], 3); CHECK_EQ(o.ntids, 1);
	CHECK(flag_a); CHECK_EQ(nrep, 2);
	CHECK_EQ(P("-v", "-v", "-x", "-x"), 0); CHECK_EQ(o.verbose, 2); CHECK(o.failed);
	CHECK_EQ(P("-c", "2", "5"), 0);
	CHECK(o.interval_ns == 2000000000ULL); CHECK(o.interval_count == 5);
	CHECK_EQ(P("--help"), OPTS_HELP);
	CHECK_EQ(P("-V"), OPTS_VERSION);
	CHECK_EQ(P("--exec", "ls", "-l"), 0); CHECK_STR(o.exec_argv[1], "-l");
}

TEST(opts_rejections_have_reasons)
{
	struct loupe_opts o;
	char err[512];

	CHECK_EQ(P("-d", "1", "-d", "2"), -EINVAL);
	CHECK_STR(err, "option --duration given more than once");
	CHECK_EQ(P("--word", "a", "--word", "b"), -EINVAL);
	CHECK_STR(err, "option --word given more than once");
	CHECK_EQ(P("--json=1"), -EINVAL);
	CHECK_STR(err, "option --json takes no value");
	CHECK_EQ(P("-p"), -EINVAL);
	CHECK_STR(err, "option -p needs a value");
	CHECK_EQ(P("--pid"), -EINVAL);
	CHECK_STR(err, "option --pid needs a value");
	CHECK_EQ(P("--bogus"), -EINVAL);
	CHECK_STR(err, "unknown option --bogus");
	CHECK_EQ(P("-\xc3\xa9"), -EINVAL);
	CHECK(!strchr(err, '\xc3') || strstr(err, "\xc3\xa9")); /* valid UTF-8 may pass */
	CHECK_EQ(P("-\x1b"), -EINVAL);
	CHECK_STR(err, "unknown option -\\x1b");
	CHECK_EQ(P("-p", "1x"), -EINVAL);
	CHECK_STR(err, "invalid --pid value '1x': a comma-separated list of ids from 1 to "
		  "2147483647");
	CHECK_EQ(P("-i", "1ms"), -EINVAL);
	CHECK_STR(err, "invalid --interval value '1ms': at least 100ms");
	CHECK_EQ(P("--buffer-size", "1000"), -EINVAL);
	CHECK_STR(err, "invalid --buffer-size value '1000': a power of two from 64K to 1G");
	CHECK_EQ(P("-n", "0123456789abcdef"), -EINVAL);
	CHECK_STR(err, "invalid --name value '0123456789abcdef': at most 15 bytes (a task's comm)");
	CHECK_EQ(P("1", "2", "3"), -EINVAL);
	CHECK_STR(err, "unexpected argument '3' (usage: [interval [count]])");
	CHECK_EQ(P("-i", "1", "2"), -EINVAL);
	CHECK_STR(err, "give the interval either with -i or as an argument");
	CHECK_EQ(P("0.01"), -EINVAL);
	CHECK_EQ(P("--exec"), -EINVAL);
	CHECK_STR(err, "--exec needs a command");
	CHECK_EQ(P("-p", "1", "--exec", "ls"), -EINVAL);
	CHECK_EQ(P("--word", "evil\n\x1b[2J"), 0);
	CHECK_EQ(P("-d", "evil\n\x1b[2J"), -EINVAL);
	CHECK_STR(err, "invalid --duration value 'evil\\n\\x1b[2J': a duration > 0: 10 "
		  "(seconds), 10s, 500ms, 2m, 1h");
}

/* An unknown byte inside a cluster of short options ("-x" + "é"): the
 * message names that argument, not argv[0] (found by tests/fuzz/fuzz_opts);
 * an abbreviated flag given a value takes no value, as the full name does. */
TEST(opts_messages_name_the_argument)
{
	struct loupe_opts o;
	char err[512];

	CHECK_EQ(P("-x\xc3\xa9"), -EINVAL);
	CHECK_STR(err, "unknown option -x\xc3\xa9");
	CHECK_EQ(P("-\x1bx"), -EINVAL);
	CHECK_STR(err, "unknown option -\\x1bx");
	CHECK_EQ(P("-v", "-v\x01"), -EINVAL);
	CHECK_STR(err, "unknown option -v\\x01");
	CHECK_EQ(P("--js=1"), -EINVAL);
	CHECK_STR(err, "option --json takes no value");
	CHECK_EQ(P("--help=1"), -EINVAL);
	CHECK_STR(err, "option --help takes no value");
	CHECK_EQ(P("--he=1"), -EINVAL);
	CHECK_STR(err, "option --help takes no value");
	CHECK_EQ(P("--pi"), -EINVAL);
	CHECK_STR(err, "option --pi needs a value");
}

/* The positional parser's message for the longest escaped argument is not
 * cut (found by tests/fuzz/fuzz_opts). */
TEST(opts_positional_message_whole)
{
	struct loupe_opts o;
	char err[512], arg[71], want[400] = "invalid interval '";
	int i;

	memset(arg, 0xff, 70);
	arg[70] = 0;
	for (i = 0; i < 64; i++)
		strcat(want, "\\xff");
	strcat(want, "...': a number of seconds, or a duration of at least 100ms");
	CHECK_EQ(P(arg), -EINVAL);
	CHECK_STR(err, want);
}

TEST(opts_id_limit)
{
	static char list[1100 * 5];
	struct loupe_opts o;
	char err[512];
	size_t n = 0;
	int i;

	for (i = 1; i <= 1025; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%d", i > 1 ? "," : "", i);
	CHECK_EQ(P("-p", list), -EINVAL);
	CHECK_STR(err, "invalid --pid value '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,"
		  "20,21,22,23,24,2...': too many ids (at most 1024 in all)");
}

/* The muscle-memory hints (struct opt_hint): each kind of refusal a peer's
 * spelling explains, the shared entries, and valid command lines left
 * alone. */
static const char *disk_name;

static const struct tool_opt hopts[] = {
	{ 'a', "alpha", NULL, "a flag", NULL, &flag_a },
	{ 0, "disk", "NAME", "a string", opt_parse_string, &disk_name },
	{ 0 },
};

static const struct opt_hint htable[] = {
	{ "-d", "DISK", HINT_WORD, "disk %s" },
	{ "-F", NULL, HINT_ANY, "per-flags" },
	{ "-P", "PPID", HINT_ANY, "ppid %s" },
	{ "--disk", NULL, HINT_ANY, "disk flag" },
	{ NULL, "MIN", HINT_NUMBER, "min %s, %s" },
	{ 0 }
};

static const struct loupe_tool htool = {
	.name = "h", .summary = "s", .usage = "[OPTIONS]",
	.shared = OPTS_PER_EVENT | OPT(O_COUNT), .opts = hopts,
	.examples = "  h\n", .hints = htable,
};

#define H(...) parse(&htool, &o, err, (const char *const[]){ __VA_ARGS__, NULL })

TEST(opts_hints)
{
	struct loupe_opts o;
	char err[512], arg[71], want[512];
	int i;

	/* a loupe option refusing the peer's value */
	CHECK_EQ(H("-d", "sdc"), -EINVAL);
	CHECK_STR(err, "invalid --duration value 'sdc' (disk sdc)");
	CHECK(o.hinted);
	CHECK_EQ(H("-d", "0"), -EINVAL); /* a number: a duration meant */
	CHECK_STR(err, "invalid --duration value '0': a duration > 0: 10 (seconds), 10s, "
		  "500ms, 2m, 1h");
	CHECK(!o.hinted);
	CHECK_EQ(H("--duration", "sdc"), -EINVAL); /* loupe's own spelling */
	CHECK(!o.hinted);
	CHECK_EQ(H("-u", "root"), -EINVAL); /* shared */
	CHECK_STR(err, "invalid --uid value 'root' (-u takes a user id here: -u $(id -u root))");
	/* the peer's option, unknown here: its value after it, in the
	 * cluster, or none */
	CHECK_EQ(H("-aF"), -EINVAL);
	CHECK_STR(err, "unknown option -F (per-flags)");
	CHECK_EQ(H("-P", "181"), -EINVAL);
	CHECK_STR(err, "unknown option -P (ppid 181)");
	CHECK_EQ(H("-P181"), -EINVAL);
	CHECK_STR(err, "unknown option -P (ppid 181)");
	CHECK_EQ(H("-P", "-a"), -EINVAL);
	CHECK_STR(err, "unknown option -P (ppid PPID)");
	CHECK_EQ(H("--cgroupmap=/m"), -EINVAL);
	CHECK_STR(err, "unknown option --cgroupmap=/m (bcc's --cgroupmap takes a pinned BPF "
		  "map; here --cgroup takes a cgroup v2 directory)");
	/* the peer's value left after a loupe flag */
	CHECK_EQ(H("-Ut", "123"), -EINVAL);
	CHECK_STR(err, "unexpected argument '123' (-t is the elapsed time here; for a "
		  "thread use --tid 123)");
	CHECK_EQ(H("-c", "CG"), -EINVAL);
	CHECK_STR(err, "unexpected argument 'CG' (libbpf-tools' -c (a cgroup) is --cgroup "
		  "CG here)");
	/* a flag no peer gives a value, or none: a positional argument */
	CHECK_EQ(H("-a", "5"), -EINVAL);
	CHECK_STR(err, "unexpected argument '5' (min 5, 5)");
	CHECK_EQ(H("-n", "-t", "5"), -EINVAL); /* -t was -n's value */
	CHECK_STR(err, "unexpected argument '5' (min 5, 5)");
	CHECK_EQ(H("-t", "--", "x"), -EINVAL);
	CHECK_STR(err, "unexpected argument 'x'");
	CHECK(!o.hinted);
	/* a loupe option missing a value the peer's flag never took */
	CHECK_EQ(H("--disk"), -EINVAL);
	CHECK_STR(err, "option --disk needs a value (disk flag)");
	/* valid command lines are never reinterpreted */
	CHECK_EQ(H("-t", "-d", "5", "-c"), 0);
	CHECK(o.elapsed && o.count && !o.hinted);
	CHECK_EQ(H("--disk", "sdc", "--tid", "1"), 0);
	CHECK(!o.hinted);
	/* a hint that does not fit is left out, the reason kept */
	memset(arg, 'x', 70);
	memset(arg, 0xff, 64);
	arg[70] = 0;
	strcpy(want, "invalid --duration value '");
	for (i = 0; i < 64; i++)
		strcat(want, "\\xff");
	strcat(want, "...': a duration > 0: 10 (seconds), 10s, 500ms, 2m, 1h");
	CHECK_EQ(H("-d", arg), -EINVAL);
	CHECK_STR(err, want);
	CHECK(!o.hinted);
}
