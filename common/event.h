/*
 * The standard columns of a per-event record (struct loupe_event_hdr,
 * bpf/types.h), declared once for every per-event tool. A tool's column
 * enum holds LOUPE_EVENT_COLS where the standard columns go, its column
 * array LOUPE_EVENT_COL_DEFS, and then only its own columns:
 *
 *   enum { LOUPE_EVENT_COLS, C_FD, C_PATH, C__NR };
 *   static const struct col cols[] = { LOUPE_EVENT_COL_DEFS, [C_FD] = ... };
 *   shown = event_cols_shown(&o, C_TIME) | OUT_BIT(C_FD) | ...;
 *   out_event_hdr(&out, C_TIME, &e->hdr);
 *
 * Text: TIME (-T, HH:MM:SS.ffffff), TIME(s) (-t), UID (-U), PID, TID
 * (with --tid), COMM, CONTAINER (-C: the container's short id, else the
 * cgroup's name). JSON always has time (RFC 3339), uid, pid, tid, comm
 * and cgroup_id; time_s with -t; with -C cgroup (the path), container_id
 * (when the cgroup is a container's), vpid (the PID inside the process's
 * PID namespace) and mntns (its mount namespace's inode number). The JSON conventions of every tool
 * (these keys, ret/errno/errno_name, durations, truncation flags) are in
 * doc/json.md.
 */
#ifndef LOUPE_EVENT_H
#define LOUPE_EVENT_H

#include <stdint.h>

#include "opts.h"
#include "out.h"
#include "../bpf/types.h"

#define LOUPE_EVENT_COLS C_TIME, C_TIME_S, C_UID, C_PID, C_TID, C_COMM, C_CGROUP_ID, \
	C_CONTAINER, C_CGROUP, C_CONTAINER_ID, C_VPID, C_MNTNS

#define LOUPE_EVENT_COL_DEFS                                                   \
	[C_TIME]      = { "TIME", "time", 15, COL_LEFT | COL_JSON },           \
	[C_TIME_S]    = { "TIME(s)", "time_s", 10, COL_LEFT },                 \
	[C_UID]       = { "UID", "uid", 6, COL_JSON },                         \
	[C_PID]       = { "PID", "pid", 7, 0 },                                \
	[C_TID]       = { "TID", "tid", 7, COL_JSON },                         \
	[C_COMM]      = { "COMM", "comm", 16, COL_LEFT },                      \
	[C_CGROUP_ID] = { "CGROUP_ID", "cgroup_id", 0, COL_JSON },             \
	[C_CONTAINER] = { "CONTAINER", "container", 12, COL_LEFT | COL_TEXT }, \
	[C_CGROUP]    = { "", "cgroup", 0, 0 },                                \
	[C_CONTAINER_ID] = { "", "container_id", 0, 0 },                       \
	[C_VPID]      = { "", "vpid", 0, 0 },                                  \
	[C_MNTNS]     = { "", "mntns", 0, 0 }

/* The standard columns shown in text by the options, for a tool whose
 * C_TIME is `first`. */
uint32_t event_cols_shown(const struct loupe_opts *o, int first);
/* The standard cells of a row from the header. */
void out_event_hdr(struct out *out, int first, const struct loupe_event_hdr *h);
/* The errno cells: text ERR (the number) and ERRNO (the name, "-" on
 * success), JSON "ret" (as returned), "errno" (0 on success) and
 * "errno_name" (on failure). Columns ret, err and errno_name may be -1
 * for a tool that has not that column. */
void out_errno(struct out *out, int c_ret, int c_err, int c_name, int64_t ret);

#endif
