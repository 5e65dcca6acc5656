/*
 * The tool lifecycle, and the one header a tool's front end includes. A
 * tool's main reads as a story:
 *
 *   loupe_parse(&tool, argc, argv, &o);                parse (exit 2 on bad input)
 *   loupe_start(&tool, &o);                            privileges, signals, clock
 *   skel = x_bpf__open();                              open
 *   loupe_configure(skel->skeleton, &o);               shared rodata, buffer size
 *   loupe_loaded(skel->skeleton, &o, x_bpf__load(skel));      load, filter maps
 *   loupe_attached(skel->skeleton, x_bpf__attach(skel));      attach
 *   err = loupe_poll(skel->maps.events, cb, ctx, &o);  run (common/events.h)
 *   return loupe_finish(skel->skeleton, &o, err);      report, release the links
 *
 * This file owns start-up (the checks that make a tool fail in one line
 * before anything is loaded), signals and the end of the run (-d, Ctrl-C,
 * SIGTERM), the interval sleep, and the exit: the final report and the
 * release of every link (common/attach.h: in a detached child, so that the
 * prompt comes back at once however slowly the kernel releases them).
 * Functions return 0 or -errno and print nothing, except loupe_start,
 * loupe_finish and the loupe_fail_* helpers, the lifecycle's voice.
 */
#ifndef LOUPE_H
#define LOUPE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "base.h"
#include "events.h"
#include "opts.h"
#include "out.h"
#include "skel.h"
#include "stats.h"
#include "../bpf/types.h"

/* For a failed skeleton load: names the likely cause. Returns 1. */
int loupe_fail_load(int err);
/* For a failed skeleton attach: names the hook that failed and why. */
int loupe_fail_attach(const struct bpf_object_skeleton *s, int err);

/* Root/capabilities, tracefs, kernel BTF (if the tool needs it), the
 * processes named by -p/--tid, --cgroup, --exec's command, signals, stdout
 * buffering, libbpf logging, --exec's child. Exits 1 with one line naming
 * the cause when something is missing. */
void loupe_start(const struct loupe_tool *t, struct loupe_opts *o);

/* skel_configure / skel_fill_filters with the lifecycle's voice: on
 * failure they print "<tool>: <step>: <reason>" and return 1. */
int loupe_configure(struct bpf_object_skeleton *s, const struct loupe_opts *o);
int loupe_fill_filters(struct bpf_object_skeleton *s, const struct loupe_opts *o);

/* After the typed load call, whose result is err: on failure the reason
 * (loupe_fail_load), else the filter maps filled. 0, or 1 (said why). */
int loupe_loaded(struct bpf_object_skeleton *s, const struct loupe_opts *o, int err);
/* After the typed attach call (err its result): 0, or 1 (loupe_fail_attach). */
int loupe_attached(struct bpf_object_skeleton *s, int err);

/* The run's cgroup cache (common/containers.h) with -C or --container,
 * else NULL. */
struct cgroups *loupe_cgroups(void);

/* Ctrl-C or SIGTERM has arrived. */
bool loupe_exiting(void);
/* The monotonic time -d ends the run, 0 without -d. */
uint64_t loupe_deadline(const struct loupe_opts *o);

/* The result err of rewriting a file the run keeps rewriting (--svg,
 * --textfile; common/outfile.h), with the lifecycle's voice: 0 when it was
 * written; when Ctrl-C or SIGTERM ended a FIFO's wait for its reader
 * (-EINTR), *path becomes NULL (the file is left alone from then on) and
 * 0; any other failure prints "<tool>: <path>: <reason>" and returns 1
 * (the run ends with exit 1). */
int loupe_rewrote(const char **path, int err);

/* Sleep until the next interval (drift-free), the end of -d, a signal,
 * --exec's command exiting or the reader of stdout going away. Returns
 * false when the tool should stop after this summary. */
bool loupe_wait_interval(const struct loupe_opts *o, uint64_t *next_ns);

/* The end of the run: say why the run failed if run_err is a -errno (1:
 * it was said already), collect s's losses (and those of objects given to
 * loupe_collect), report them (stderr in text mode, a "stats" record in
 * JSON), and release every link (s's and those of common/attach.h) in a
 * detached child. Returns the exit code: 0, or 1 if the run or the output
 * failed (a closed pipe is not a failure). s may be NULL. */
int loupe_finish(struct bpf_object_skeleton *s, const struct loupe_opts *o, int run_err);
/* A second object of the tool: its losses count and its links are
 * released by loupe_finish. */
void loupe_collect(struct bpf_object_skeleton *s);

#endif
