/*
 * The one option table (DESIGN.md §6). Every shared option has one letter,
 * long name, help text and strict parser for the whole suite; a tool picks
 * the ones it supports with a mask and adds its own options declaratively.
 */
#ifndef LOUPE_OPTS_H
#define LOUPE_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum loupe_opt {
	O_PID, O_TID, O_UID, O_NAME, O_CGROUP, O_EXEC, O_FAILED, O_TIMESTAMP,
	O_ELAPSED, O_PRINT_UID, O_EXTENDED, O_FULL_PATH, O_JSON, O_DURATION,
	O_INTERVAL, O_COUNT, O_BY, O_TOP, O_MAX_EVENTS, O_BUFFER_SIZE,
	O_HEATMAP, O_SVG, O_MILLISECONDS, O_VERBOSE, O_CONTAINERS, O_CONTAINER,
	O_TEXTFILE, O__NR
};
#define OPT(x) (1ULL << (x))
/* what every tool has; help and version are always there */
#define OPTS_ALL (OPT(O_PID) | OPT(O_NAME) | OPT(O_CGROUP) | OPT(O_CONTAINER) | OPT(O_JSON) | \
		  OPT(O_DURATION) | OPT(O_VERBOSE) | OPT(O_TIMESTAMP))
#define OPTS_PER_EVENT (OPTS_ALL | OPT(O_TID) | OPT(O_UID) | OPT(O_EXEC) | OPT(O_CONTAINERS) | \
			OPT(O_ELAPSED) | OPT(O_PRINT_UID) | OPT(O_MAX_EVENTS) | \
			OPT(O_BUFFER_SIZE))

#define LOUPE_MAX_IDS 1024 /* -p, --tid: the size of the filter maps */

/* Values of the shared options after parsing. */
struct loupe_opts {
	const char *tool;         /* the tool's own name (loupe_tool.name), however
				     it was installed: metric names */
	uint32_t pids[LOUPE_MAX_IDS];
	size_t npids;
	uint32_t tids[LOUPE_MAX_IDS];
	size_t ntids;
	bool uid_set;
	uint32_t uid;
	const char *name;         /* comm substring, 1..15 bytes */
	const char *cgroup;       /* cgroup v2 directory */
	bool containers;          /* -C: the CONTAINER column, JSON cgroup... */
	const char *container;    /* --container: an id prefix (hex) */
	char **exec_argv;         /* --exec: the command and its arguments */
	bool failed, timestamp, elapsed, print_uid, extended, full_path, json;
	uint64_t duration_ns;     /* 0: until interrupted */
	uint64_t interval_ns;     /* 0: one summary at the end */
	uint64_t interval_count;  /* 0: unlimited */
	bool count;
	const char *by;
	uint64_t top;             /* 0: all rows */
	uint64_t max_events;      /* 0: unlimited */
	uint64_t buffer_size;     /* bytes; 0: default */
	bool buffer_size_given;   /* --buffer-size was on the command line */
	bool heatmap;
	const char *svg;
	const char *textfile;     /* --textfile: Prometheus text format (common/prom.h) */
	bool milliseconds;
	int verbose;
	/* after a refusal: the message names what to type instead (a hint,
	 * struct opt_hint), so loupe_parse adds no "see --help" */
	bool hinted;
};

/* What an option's value (or a positional argument) is, for the shell
 * completion generated from the option tables (common/complete.h). Words
 * the build knows are written into the completion; the others are looked
 * up when the user presses TAB. A list (1,2 / ENOENT,EACCES) completes its
 * last element. */
enum opt_values {
	OV_NONE,    /* nothing to offer: a number, a duration, free text */
	OV_KEYS,    /* the tool's -k keys (loupe_tool.by_keys) */
	OV_ERRNO,   /* errno names (common/names) */
	OV_SYSCALL, /* system call names (common/names) */
	OV_OFLAG,   /* open flags (O_CREAT...) */
	OV_FILE,
	OV_DIR,
	OV_COMMAND, /* a command and its arguments: the rest of the line */
	OV_PID,     /* running processes */
	OV_UID,     /* user ids */
	OV_PNAME,   /* names of running processes */
	OV_DISK,    /* block devices and partitions (/sys/class/block) */
	OV_FSTYPE,  /* file system types (/proc/filesystems) */
	OV_PROBE,   /* funccount's patterns (t: categories from tracefs...) */
	OV__NR
};

/* A tool's own option. parse() returns 0 or a negative errno; on error the
 * common code prints "<tool>: invalid <--long> value '<arg>': <why>". */
struct tool_opt {
	int letter;               /* 0 for long-only */
	const char *name;         /* long name without -- */
	const char *arg;          /* argument name for help, NULL for a flag */
	const char *help;
	int (*parse)(const char *arg, void *dst); /* NULL: dst is a bool flag */
	void *dst;
	unsigned flags;           /* TOOL_OPT_* */
	enum opt_values values;   /* what completes the value */
};
/* The option may be given more than once (its parser accumulates); other
 * options with a value given twice are a usage error. */
#define TOOL_OPT_REPEAT 1

/*
 * A spelling that bcc's or libbpf-tools' tools give another meaning (or
 * have and loupe has not), and what to type here instead: the muscle-memory
 * hints (doc/compat.tsv lists the command lines they answer). The parse
 * core consults them only after it has refused a command line, so a valid
 * loupe command is never reinterpreted; the refusal still exits 2 and
 * loads nothing, its one line ending in "(<say>)". An entry answers:
 * - the peer's option, unknown here ("biolatency -F", "--cgroupmap M");
 * - a loupe option with the same letter given the peer's value and
 *   refusing it ("biolatency -d sdc": an invalid duration);
 * - the peer's value left over after a loupe flag with the same letter
 *   ("opensnoop -t 123": -t is a flag here, 123 an unexpected argument),
 *   or a loupe option with that letter missing a value the peer's flag
 *   never took ("tcpconnect -d");
 * - with peer NULL, an unexpected or refused positional argument
 *   ("tcpconnect -e 1": tcpconnlat's min_ms).
 */
enum hint_when {
	HINT_ANY,
	HINT_WORD,   /* the value does not start with a digit ("sdc", "root") */
	HINT_NUMBER, /* it does ("123") */
};
struct opt_hint {
	const char *peer;         /* "-d", "--cgroupmap"; NULL: a positional argument */
	const char *arg;          /* the peer's value ("DISK"), NULL: a flag there */
	enum hint_when when;      /* for entries with a value */
	const char *say;          /* what to type instead; each "%s" is the value
				     as given (escaped), or arg when there is none */
	uint64_t needs;           /* OPT(...) of the shared options say names:
				     the entry applies only to tools that have them */
};

struct loupe_tool {
	const char *name;
	const char *summary;      /* one line */
	const char *usage;        /* after the name, e.g. "[OPTIONS]" */
	uint64_t shared;          /* OPT(...) mask of shared options */
	const struct tool_opt *opts; /* terminated by { 0 } */
	/* optional: the tool's own help text for some shared options, indexed
	 * by enum loupe_opt (e.g. what -e adds in this tool) */
	const char *const *shared_help;
	const char *examples;     /* lines for --help */
	/* positional arguments (NULL: none accepted); returns 0, or -EINVAL
	 * with a one-line reason in err (without the tool's name) */
	int (*positional)(int argc, char **argv, struct loupe_opts *o,
			  char *err, size_t errlen);
	enum opt_values positional_values; /* what completes them */
	/* the keys -k accepts (NULL-terminated; count_parse_by's names) */
	const char *const *by_keys;
	/* the tool needs kernel BTF (CO-RE relocations or tp_btf) */
	bool needs_btf;
	/* the peers' spellings this tool answers with a hint (terminated by
	 * an entry without say), before the shared ones (common/opts.c) */
	const struct opt_hint *hints;
};

/*
 * The parse core: argv into o (cleared first) and the tool's own option
 * destinations. Prints nothing and never exits, so it can be fuzzed.
 * Returns 0 when the options are valid, OPTS_HELP or OPTS_VERSION when
 * one was asked for, or -EINVAL with a one-line reason in err (without the
 * tool's name; strings from argv escaped).
 *
 * Repeated options: list options (-p, --tid, tool options marked
 * TOOL_OPT_REPEAT) accumulate, flags may repeat (-v counts), any other
 * option given twice is an error.
 *
 * A refusal that a peer's spelling explains (struct opt_hint) ends in
 * "(<what to type instead>)" and sets o->hinted; a hint that would not fit
 * in errlen is left out.
 */
#define OPTS_HELP 1
#define OPTS_VERSION 2
int opts_parse(const struct loupe_tool *t, int argc, char **argv, struct loupe_opts *o,
	       char *err, size_t errlen);
/* Help text on f. */
void opts_help(const struct loupe_tool *t, FILE *f);

/* One option as a tool offers it. */
struct opt_info {
	int letter;               /* 0 for long-only */
	const char *name;         /* long name without -- */
	const char *arg;          /* NULL for a flag */
	const char *help;         /* the tool's own text where it gives one */
	enum opt_values values;
};
/* Calls fn for every option t accepts, in help order: its own, the shared
 * ones it picked, then -h and -V. The one walk over the option tables that
 * help and completion share. */
void opts_each(const struct loupe_tool *t,
	       void (*fn)(const struct opt_info *oi, void *ctx), void *ctx);

/*
 * opts_parse with the lifecycle's voice: prints help (exit 0), version
 * (exit 0) or "<tool>: <reason> (see <tool> --help)" (exit 2); returns
 * only when the options are valid. Also names the tool (base.h).
 */
void loupe_parse(const struct loupe_tool *t, int argc, char **argv,
		 struct loupe_opts *o);

/* Report a usage error and exit 2: "<tool>: <message> (see <tool> --help)". */
void loupe_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Escape an argument for a message (control bytes and invalid UTF-8 as in
 * text output; cut at 64 bytes). Returns buf. */
const char *opts_esc(const char *arg, char *buf, size_t len);

/* The shortest -i / positional interval the summaries honour. */
#define LOUPE_MIN_INTERVAL_NS 100000000ULL

/* Parsers usable as tool_opt.parse. */
int opt_parse_u64(const char *arg, void *dst);      /* uint64_t, >= 0 */
int opt_parse_duration(const char *arg, void *dst); /* uint64_t ns */
int opt_parse_string(const char *arg, void *dst);   /* const char *, non-empty */
/* const char *: a file to write that outfile_check() accepts (its
 * directory exists and is writable, it is not a directory...), so that a
 * bad destination is a usage error before anything is loaded. */
int opt_parse_outfile(const char *arg, void *dst);

#endif
