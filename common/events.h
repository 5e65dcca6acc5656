/*
 * The per-event template's loop: records from a BPF ring buffer (map
 * "events", bpf/events.bpf.h) handed to the tool's callback, stdout
 * flushed per batch, until Ctrl-C, SIGTERM, -d, --max-events, a closed
 * stdout (also noticed while idle: the reader of a pipe has gone) or
 * --exec's command exiting.
 */
#ifndef LOUPE_EVENTS_H
#define LOUPE_EVENTS_H

#include <stddef.h>

#include <bpf/libbpf.h>

#include "opts.h"

/* A record from the ring buffer: return 0 when it was output, LOUPE_SKIP
 * when the tool filtered it out (it does not count for --max-events), a
 * negative errno to stop with an error. */
#define LOUPE_SKIP 1
typedef int (*loupe_event_fn)(void *ctx, void *data, size_t size);

/* Wait on the ring buffer, waking at least every 20 ms to consume what
 * arrived without a wakeup (bpf/events.bpf.h submits without waking while
 * the buffer is lightly filled). Returns 0 at the end of the run, -errno
 * on failure. Releases --exec's command once it is polling. */
int loupe_poll(struct bpf_map *events, loupe_event_fn fn, void *ctx,
	       const struct loupe_opts *o);

/* stdout is a pipe or socket whose reader has gone (POLLERR/POLLHUP). */
bool stdout_reader_gone(void);
/* Flush stdout: 0, -EPIPE (reader gone) or -EIO. */
int loupe_flush_stdout(void);

#endif
