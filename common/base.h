/*
 * The bottom of common/: the tool's name, its verbosity, its error voice and
 * its clock. Every other module may call these; these call nothing above.
 *
 * The voice: every message on stderr starts with "<tool>: ". loupe_fail()
 * is the one way to report a failed step ("<tool>: <step>: <reason>") and
 * returns the exit code 1, so callers write `return loupe_fail(...)`.
 */
#ifndef LOUPE_BASE_H
#define LOUPE_BASE_H

#include <stdbool.h>
#include <stdint.h>

void loupe_set_name(const char *name);
const char *loupe_name(void);

/* -v given n times (0: quiet). */
void loupe_set_verbose(int n);
int loupe_verbose(void);

/* "<tool>: <step>: <strerror(err)>" on stderr; returns 1 (the exit code).
 * err is an errno, negative or positive. */
int loupe_fail(const char *step, int err);
/* "<tool>: <message>" on stderr; returns 1. */
int loupe_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "<tool>: <message>" on stderr (a warning: the run goes on). */
void loupe_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "<tool>: <message>" on stderr when -v was given at least `level` times. */
void loupe_info(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- clock ----------------------------------------------------------- */

/* CLOCK_MONOTONIC now, in ns: the clock of bpf_ktime_get_ns(). */
uint64_t loupe_now_mono(void);
/* Fix the start of the run and the offset from monotonic to wall-clock
 * time (taken from the tightest of a few samples). Called at start-up. */
void loupe_clock_init(void);
/* The monotonic time the run started. */
uint64_t loupe_start_mono(void);
/* Kernel timestamps (bpf_ktime_get_ns, CLOCK_MONOTONIC) to wall clock
 * (CLOCK_REALTIME ns) and to seconds since the run started. */
uint64_t loupe_wall_ns(uint64_t mono_ns);
double loupe_elapsed_s(uint64_t mono_ns);

#endif
