/*
 * The cgroup_mkdir watcher, user side: with -C a small BPF object of
 * common's own (bpf/cgwatch.bpf.c) records the id and path of every cgroup
 * v2 directory made during the run, so that the path of a container's
 * cgroup is still known when the container is gone before its events are
 * printed. Functions return 0 or -errno and print nothing.
 */
#ifndef LOUPE_CGWATCH_H
#define LOUPE_CGWATCH_H

#include <stddef.h>
#include <stdint.h>

/* Load and attach it (raw_tp cgroup_mkdir; offsets from the kernel's BTF).
 * Its link joins the run's set (common/attach.h); its losses are reported
 * with the tool's (loupe_collect). */
int cgwatch_start(void);
/* The path (relative to the cgroup2 mount) of a cgroup made since the
 * start: 0, or -ENOENT. */
int cgwatch_path(uint64_t id, char *path, size_t len);

#endif
