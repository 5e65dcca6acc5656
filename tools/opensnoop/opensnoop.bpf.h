/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The opensnoop programs, shared by its two objects:
 *   opensnoop.bpf.c       paths as passed; no CO-RE, so no kernel BTF load
 *   opensnoop_full.bpf.c  -F: relative paths made absolute (CO-RE reads)
 * The including object defines the two functions declared below, after
 * including this header.
 *
 * open, openat, openat2, creat and open_by_handle_at come from the syscall
 * event source (bpf/syscalls.bpf.h: per-syscall tracepoints by default, or
 * raw_syscalls): the entry stashes the arguments per thread, the exit
 * builds the record (the result is known, and -x, --path decide there).
 */
#ifndef OPENSNOOP_BPF_H
#define OPENSNOOP_BPF_H

#include "loupe.bpf.h"
#include "events.bpf.h"
#include "stash.bpf.h"
#include "count.bpf.h"
#include "syscall_tp.h"
#include "tools/opensnoop/opensnoop.h"

/* asm-generic values, as on x86-64 and arm64 */
#define OS_O_ACCMODE 00000003
#define OS_O_WRONLY  00000001
#define OS_O_CREAT   00000100
#define OS_O_TRUNC   00001000
#define OS_AT_FDCWD  -100

const volatile struct opensnoop_cfg cfg_open = {};

/* what the entry saw, until the exit of the same thread */
struct open_args {
	__u64 fname;     /* user pointer; 0 for open_by_handle_at */
	__u32 flags;
	__u32 mode;
	__u32 syscall;   /* enum opensnoop_syscall */
	__s32 dfd;       /* the directory fd a relative name starts from */
};

/* The record to fill: at least sizeof(struct opensnoop_event) bytes. */
static __always_inline struct opensnoop_event *event_buf(void);
/* Write the path into e->path and set e->path_cut; returns its length
 * (< OPENSNOOP_PATH_MAX), 0 when there is none. ret is the syscall's
 * result. */
static __always_inline __u32 event_path(struct opensnoop_event *e,
					const struct open_args *a, long ret);

LOUPE_STASH(stash, __u32, struct open_args, 16384);

/* -c: OPENSNOOP_BY_* bits of the count key; 0: one record per open */
const volatile __u32 cfg_count_by = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct opensnoop_count_key);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct opensnoop_count_key);
} count_key SEC(".maps");

/* -c: count the open under its key instead of sending a record */
static __always_inline void count_open(const struct opensnoop_event *e, __u32 len,
				       __u32 tgid)
{
	__u32 zero = 0;
	struct opensnoop_count_key *k = bpf_map_lookup_elem(&count_key, &zero);

	if (!k)
		return;
	__builtin_memset(k, 0, sizeof(*k));
	if (cfg_count_by & OPENSNOOP_BY_PROCESS)
		k->pid = tgid;
	if (cfg_count_by & (OPENSNOOP_BY_PROCESS | OPENSNOOP_BY_COMM))
		bpf_get_current_comm(k->comm, sizeof(k->comm));
	if (len > OPENSNOOP_COUNT_PATH - 1)
		len = OPENSNOOP_COUNT_PATH - 1;
	barrier_var(len); /* keep the mask: it bounds the size for the verifier */
	if (cfg_count_by & OPENSNOOP_BY_PATH)
		bpf_probe_read_kernel(k->path, len & (OPENSNOOP_COUNT_PATH - 1), e->path);
	loupe_count_add(&counts, k, 1);
}

/* The user's path string into e->path; its length, e->path_cut set. */
static __always_inline __u32 user_path(struct opensnoop_event *e, __u64 fname)
{
	bool cut;
	__u32 n = loupe_user_str(e->path, OPENSNOOP_PATH_MAX, fname, &cut);

	e->path_cut = cut;
	return n;
}

/* -f: any of the flags given */
static __always_inline bool flags_pass(__u32 flags)
{
	if (flags & cfg_open.flags_any)
		return true;
	return cfg_open.flags_rdonly && (flags & OS_O_ACCMODE) == 0;
}

/*
 * --path: the path starts with one of the prefixes (bytes compared). No
 * branch depends on the path's bytes, only on the prefix lengths, which are
 * rodata constants: the verifier walks each loop once, whatever the path
 * (an early exit per byte multiplied its work beyond its limit with -F).
 */
static __always_inline bool prefix_pass(const char *path, __u32 len)
{
	int p, i;

	for (p = 0; p < OPENSNOOP_MAX_PREFIXES; p++) {
		__u32 plen = cfg_open.prefix_len[p];
		__u8 diff = plen > len;

		if (p >= cfg_open.nprefix)
			break;
		for (i = 0; i < OPENSNOOP_PREFIX_MAX - 1; i++) {
			if (i >= plen)
				break;
			diff |= path[i] ^ cfg_open.prefix[p][i];
		}
		if (!diff)
			return true;
	}
	return false;
}

static __always_inline int enter(__u64 fname, __u64 flags, __u64 mode, __u32 sys,
				 __s64 dfd)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct open_args a = { .fname = fname, .flags = (__u32)flags,
			       .mode = (__u32)mode, .syscall = sys, .dfd = (__s32)dfd };

	if (!loupe_filter_pass())
		return 0;
	if (cfg_open.flags_on && !flags_pass(a.flags))
		return 0;
	loupe_stash_put(&stash, &tid, &a);
	return 0;
}

/* struct open_how, declared here to keep CO-RE out of the default object */
struct how { __u64 flags, mode, resolve; };

/* The entry of one of the traced syscalls (idx: enum opensnoop_syscall). */
static __always_inline int loupe_sys_enter(void *ctx, __u32 idx, long nr, const __u64 *args)
{
	struct how h = {};

	switch (idx) {
	case SYS_OPEN:
		return enter(args[0], args[1], args[2], SYS_OPEN, OS_AT_FDCWD);
	case SYS_OPENAT:
		return enter(args[1], args[2], args[3], SYS_OPENAT, args[0]);
	case SYS_OPENAT2:
		/* a bad pointer fails the syscall with EFAULT: still an open */
		bpf_probe_read_user(&h, sizeof(h), (void *)args[2]);
		return enter(args[1], h.flags, h.mode, SYS_OPENAT2, args[0]);
	case SYS_CREAT:
		/* creat(path, mode) is open(path, O_CREAT|O_WRONLY|O_TRUNC, mode) */
		return enter(args[0], OS_O_CREAT | OS_O_WRONLY | OS_O_TRUNC, args[1],
			     SYS_CREAT, OS_AT_FDCWD);
	case SYS_OPEN_BY_HANDLE_AT:
		/* (mount_fd, handle, flags): no name; the file is known from
		 * the returned fd (opensnoop_full.bpf.c) */
		return enter(0, args[2], 0, SYS_OPEN_BY_HANDLE_AT, args[0]);
	}
	return 0;
}

static __always_inline int leave(long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, len;
	struct opensnoop_event *e;
	struct open_args *a;

	a = loupe_stash_get(&stash, &tid);
	if (!a)
		return 0;
	if (cfg_open.failed_only && ret >= 0)
		goto out;
	e = event_buf();
	if (!e)
		goto out;
	e->path_cut = 0;
	len = event_path(e, a, ret) & (OPENSNOOP_PATH_MAX - 1);
	if (cfg_open.nprefix && !prefix_pass(e->path, len))
		goto out;
	if (cfg_count_by) {
		count_open(e, len, loupe_pid_tgid_of(pid_tgid) >> 32);
		goto out;
	}
	loupe_event_hdr(&e->hdr);
	e->ret = (__s32)ret;
	e->flags = a->flags;
	e->mode = a->mode;
	e->syscall = a->syscall;
	e->path_len = len;
	loupe_output(e, OPENSNOOP_HDR_SIZE + len);
out:
	loupe_stash_drop(&stash, &tid);
	return 0;
}

static __always_inline int loupe_sys_exit(void *ctx, __u32 idx, long nr, long ret)
{
	return leave(ret);
}

#ifdef OPENSNOOP_ONE_EXIT
/*
 * The object defines OPENSNOOP_ONE_EXIT when leave() is costly to verify
 * (-F's path walk: ~37,000 instructions, ~13 ms): the tracepoint exits
 * then tail-call one copy of it, verified once instead of once per
 * syscall. (The raw_syscalls exit is one program: it calls leave().)
 */
int tp_exit_any(struct syscall_exit_ctx *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32)); /* no BTF key type: prog arrays refuse one */
	__array(values, int(struct syscall_exit_ctx *));
} exit_prog SEC(".maps") = { .values = { [0] = (void *)&tp_exit_any } };

static __always_inline int exit_tail(void *ctx, __u32 idx, long nr, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_tail_call(ctx, &exit_prog, 0);
	/* not reached while exit_prog holds tp_exit_any */
	if (bpf_map_delete_elem(&stash, &tid) == 0)
		loupe_count_loss(lost_read);
	return 0;
}
#define loupe_sys_exit_tp exit_tail
#endif

#define LOUPE_SYS_ENTER 1
#define LOUPE_SYS_EXIT 1
#include "syscalls.bpf.h"

LOUPE_SYSCALL_TP(open, SYS_OPEN)
LOUPE_SYSCALL_TP(openat, SYS_OPENAT)
LOUPE_SYSCALL_TP(openat2, SYS_OPENAT2)
LOUPE_SYSCALL_TP(creat, SYS_CREAT)
LOUPE_SYSCALL_TP(open_by_handle_at, SYS_OPEN_BY_HANDLE_AT)

#ifdef OPENSNOOP_ONE_EXIT
/* no tracepoint of its own (not attached): reached by tail call only */
SEC("tracepoint")
int tp_exit_any(struct syscall_exit_ctx *ctx) { return leave(ctx->ret); }
#endif

#endif
