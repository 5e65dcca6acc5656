/*
 * Tool lifecycle: start-up checks, configuring and loading a BPF skeleton's
 * shared parts (filters, event buffer), the event loop, loss reporting and
 * exit. A tool's main reads as a story:
 *
 *   loupe_parse(&tool, argc, argv, &o);          parse (exit 2 on bad input)
 *   loupe_start(&tool, &o);                      privileges, signals, clock
 *   skel = x_bpf__open();                        open
 *   loupe_configure(skel->skeleton, &o);         shared rodata, buffer size
 *   x_bpf__load(skel);                           load
 *   loupe_fill_filters(skel->skeleton, &o);      pid/tid/cgroup maps
 *   x_bpf__attach(skel);                         attach
 *   loupe_poll(skel->maps.events, cb, ctx, &o);  run
 *   loupe_finish(skel->skeleton, &o);            report losses
 *
 * Functions return 0 or -errno and print nothing, except loupe_fail*,
 * loupe_start and loupe_finish, which are the lifecycle's voice.
 */
#ifndef LOUPE_H
#define LOUPE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "opts.h"
#include "out.h"
#include "../bpf/types.h"

void loupe_set_name(const char *name);
const char *loupe_name(void);

/* Print "<tool>: <step>: <reason for err>" and return 1 (the exit code). */
int loupe_fail(const char *step, int err);
/* Same, for a failed skeleton load: names the likely cause. */
int loupe_fail_load(int err);
/* For a failed skeleton attach: names the hook that failed and why. */
int loupe_fail_attach(const struct bpf_object_skeleton *s, int err);

/* Root/capabilities, kernel BTF (if the tool needs it), the processes named
 * by -p/--tid, signals, stdout buffering, libbpf logging, --exec's child.
 * Exits 1 with one line naming the cause when something is missing. */
void loupe_start(const struct loupe_tool *t, struct loupe_opts *o);

/* Before load: shared rodata (cfg_filter, cfg_wakeup_bytes) and the size of
 * map "events" in every object that has them. */
int loupe_configure(struct bpf_object_skeleton *s, const struct loupe_opts *o);
/* After load: the pid/tid sets and the cgroup in the filter maps; releases
 * --exec's child once the caller has attached (see loupe_poll). */
int loupe_fill_filters(struct bpf_object_skeleton *s, const struct loupe_opts *o);

/* Turn off a program whose tracepoint does not exist on this kernel (e.g.
 * syscalls:sys_enter_open on arm64). Returns true if it stays on. */
bool loupe_autoload_if_exists(struct bpf_program *p);
/* True if tracefs has events/<category>/<name>. */
bool loupe_tracepoint_exists(const char *category, const char *name);
/* Set a variable in a skeleton's .rodata/.bss/.data by name, before load. */
int loupe_set_var(struct bpf_object_skeleton *s, const char *name,
		  const void *val, size_t size);
/* Address of a variable in the mmaped .bss/.data (after load), or NULL. */
void *loupe_var(const struct bpf_object_skeleton *s, const char *name);

/* A record from the ring buffer: return 0 when it was output, LOUPE_SKIP
 * when the tool filtered it out (it does not count for --max-events), a
 * negative errno to stop with an error. */
#define LOUPE_SKIP 1
typedef int (*loupe_event_fn)(void *ctx, void *data, size_t size);

/* The event loop. Waits on the ring buffer (waking at least every 20 ms to
 * consume what arrived without a wakeup), flushes stdout per batch, and
 * returns 0 at Ctrl-C, SIGTERM, -d, --max-events, a closed stdout, or
 * --exec's command exiting; -errno on failure. Starts --exec's child. */
int loupe_poll(struct bpf_map *events, loupe_event_fn fn, void *ctx,
	       const struct loupe_opts *o);

/* Sleep until the next interval (drift-free), the end of -d, or a signal.
 * Returns false when the tool should stop after this summary. */
bool loupe_wait_interval(const struct loupe_opts *o, uint64_t *next_ns);

/* Report what was lost (stderr in text mode, a "stats" record in JSON) and
 * return the exit code: 0, or 1 if output failed for another reason than
 * a closed pipe. */
int loupe_finish(const struct bpf_object_skeleton *s, const struct loupe_opts *o);
/* Add one more object's losses before loupe_finish (tools with two). */
void loupe_collect(const struct bpf_object_skeleton *s);

/* Detach every link of a skeleton, in parallel. */
void loupe_detach(struct bpf_object_skeleton *s);

bool loupe_exiting(void);
/* Number of events output so far (callbacks that returned 0). */
uint64_t loupe_events_out(void);
/* Summary tools: add n events counted in the kernel (the "events" that
 * loupe_finish reports). */
void loupe_add_events(uint64_t n);

/* Kernel timestamps (bpf_ktime_get_ns, CLOCK_MONOTONIC) to wall clock and
 * to seconds since the tool started. */
uint64_t loupe_wall_ns(uint64_t mono_ns);
double loupe_elapsed_s(uint64_t mono_ns);
uint64_t loupe_now_mono(void);

#endif
