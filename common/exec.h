/*
 * --exec CMD: the tool starts CMD itself and traces only it and what it
 * starts. The child is forked at start-up and held until the tracer is
 * attached (exec_release), then runs CMD with stdout sent to stderr (so
 * its output never mixes with the tracer's data). It follows CMD's
 * descendants through a cgroup v2 of its own (loupe-exec-<tracer pid>,
 * removed at exit), or, where cgroup v2 is not writable or --cgroup is
 * given, through the pid filter on CMD alone.
 *
 * If the tracer dies (even SIGKILL), CMD is not left running unobserved:
 * the child has PR_SET_PDEATHSIG(SIGKILL) before it execs, and a later
 * start removes stale loupe-exec-* cgroups (killing what is left in them).
 */
#ifndef LOUPE_EXEC_H
#define LOUPE_EXEC_H

#include <stdbool.h>
#include <sys/types.h>

#include "opts.h"

/* Fork the child (waiting) and set o->cgroup or o->pids to trace it.
 * 0 or -errno. */
int exec_start(struct loupe_opts *o);
/* Let the child run CMD (once the tracer is attached). Idempotent. */
void exec_release(void);
/* The child has exited (reaped here); false while it runs or without
 * --exec. */
bool exec_done(void);
/* Whether --exec is in use. */
bool exec_active(void);
/* Stop the child (SIGTERM) and reap it, at the end of the run. */
void exec_stop(void);
/* Remove loupe-exec-* cgroups left by tracers that are gone. */
void exec_reap_stale_cgroups(void);

#endif
