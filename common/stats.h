/*
 * The run's accounting: events output (or counted in the kernel, for
 * summary tools) and every way one was lost, from each object's
 * loupe_stats (.bss) and each program's recursion misses (bpf_prog_info).
 * Reported once at exit: a line on stderr in text mode (always, so that
 * "0 lost" is a statement, not an absence), a final "stats" record in JSON
 * mode (and the stderr line too when something was lost).
 */
#ifndef LOUPE_STATS_H
#define LOUPE_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <bpf/libbpf.h>

/* Add an object's loss counters and its programs' recursion misses (once
 * per object, after the run). */
void stats_collect(const struct bpf_object_skeleton *s);
/* Events output by the event loop, or counted in the kernel (summaries). */
void stats_add_events(uint64_t n);
uint64_t stats_events(void);
/* Everything lost so far (collected objects only). */
uint64_t stats_lost(void);
/* The "stats" JSON record on out. */
void stats_json(FILE *out);
/* The losses so far of a running object s, read live, as the counter
 * loupe_<tool>_lost_events_total{reason="ringbuf|stash|read|map|end|
 * recursion"} in Prometheus text format (common/prom.h): --textfile.
 * s NULL: all 0. */
void stats_prom(FILE *f, const char *tool, const struct bpf_object_skeleton *s);
/* "<tool>: N events, M lost (...)" on stderr. */
void stats_line(void);

#endif
