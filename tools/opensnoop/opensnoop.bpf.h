/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The opensnoop programs, shared by its two objects:
 *   opensnoop.bpf.c       paths as passed; no CO-RE, so no kernel BTF load
 *   opensnoop_full.bpf.c  -F: relative paths made absolute (CO-RE reads)
 * The including object defines the two functions declared below, after
 * including this header.
 *
 * open, openat, openat2, creat and open_by_handle_at are traced at their
 * syscall tracepoints: sys_enter stashes the arguments per thread, sys_exit
 * builds the record (the result is known, and -x, --path decide there).
 */
#ifndef OPENSNOOP_BPF_H
#define OPENSNOOP_BPF_H

#include "loupe.bpf.h"
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

/* what sys_enter saw, until sys_exit of the same thread */
struct open_args {
	__u64 fname;     /* user pointer; 0 for open_by_handle_at */
	__u32 flags;
	__u32 mode;
	__u32 syscall;   /* enum opensnoop_syscall */
	__s32 dfd;       /* the directory fd a relative name starts from */
};

/* The record to fill: at least sizeof(struct opensnoop_event) bytes. */
static __always_inline struct opensnoop_event *event_buf(void);
/* Write the path into e->path; returns its length (< OPENSNOOP_PATH_MAX),
 * 0 when there is none. ret is the syscall's result. */
static __always_inline __u32 event_path(struct opensnoop_event *e,
					const struct open_args *a, long ret);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct open_args);
} stash SEC(".maps");

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

/* The user's path string into dst (OPENSNOOP_PATH_MAX bytes); its length. */
static __always_inline __u32 user_path(char *dst, __u64 fname)
{
	long n = bpf_probe_read_user_str(dst, OPENSNOOP_PATH_MAX, (void *)fname);

	return n > 1 ? (__u32)(n - 1) & (OPENSNOOP_PATH_MAX - 1) : 0;
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
	if (bpf_map_update_elem(&stash, &tid, &a, BPF_ANY))
		loupe_count_loss(lost_stash);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int tp_enter_open(struct syscall_enter_ctx *ctx)
{
	return enter(ctx->args[0], ctx->args[1], ctx->args[2], SYS_OPEN, OS_AT_FDCWD);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int tp_enter_openat(struct syscall_enter_ctx *ctx)
{
	return enter(ctx->args[1], ctx->args[2], ctx->args[3], SYS_OPENAT, ctx->args[0]);
}

/* struct open_how, declared here to keep CO-RE out of the default object */
struct how { __u64 flags, mode, resolve; };

SEC("tracepoint/syscalls/sys_enter_openat2")
int tp_enter_openat2(struct syscall_enter_ctx *ctx)
{
	struct how h = {};

	/* a bad pointer fails the syscall with EFAULT: still an open to show */
	bpf_probe_read_user(&h, sizeof(h), (void *)ctx->args[2]);
	return enter(ctx->args[1], h.flags, h.mode, SYS_OPENAT2, ctx->args[0]);
}

/* creat(path, mode) is open(path, O_CREAT|O_WRONLY|O_TRUNC, mode) */
SEC("tracepoint/syscalls/sys_enter_creat")
int tp_enter_creat(struct syscall_enter_ctx *ctx)
{
	return enter(ctx->args[0], OS_O_CREAT | OS_O_WRONLY | OS_O_TRUNC, ctx->args[1],
		     SYS_CREAT, OS_AT_FDCWD);
}

/* open_by_handle_at(mount_fd, handle, flags): no name; the file is known
 * from the returned fd (opensnoop_full.bpf.c) */
SEC("tracepoint/syscalls/sys_enter_open_by_handle_at")
int tp_enter_open_by_handle_at(struct syscall_enter_ctx *ctx)
{
	return enter(0, ctx->args[2], 0, SYS_OPEN_BY_HANDLE_AT, ctx->args[0]);
}

static __always_inline int leave(struct syscall_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, len;
	struct opensnoop_event *e;
	struct open_args *a;

	a = bpf_map_lookup_elem(&stash, &tid);
	if (!a)
		return 0;
	if (cfg_open.failed_only && ctx->ret >= 0)
		goto out;
	e = event_buf();
	if (!e)
		goto out;
	len = event_path(e, a, ctx->ret) & (OPENSNOOP_PATH_MAX - 1);
	if (cfg_open.nprefix && !prefix_pass(e->path, len))
		goto out;
	if (cfg_count_by) {
		count_open(e, len, pid_tgid >> 32);
		goto out;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = pid_tgid >> 32;
	e->tid = tid;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->ret = (__s32)ctx->ret;
	e->flags = a->flags;
	e->mode = a->mode;
	e->syscall = a->syscall;
	e->path_len = len;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	loupe_output(e, OPENSNOOP_HDR_SIZE + len);
out:
	bpf_map_delete_elem(&stash, &tid);
	return 0;
}

#ifdef OPENSNOOP_ONE_EXIT
/*
 * The object defines OPENSNOOP_ONE_EXIT when leave() is costly to verify
 * (-F's path walk: ~37,000 instructions, ~13 ms): the exit programs then
 * tail-call one copy of it, verified once instead of once per syscall.
 */
int tp_exit_any(struct syscall_exit_ctx *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32)); /* no BTF key type: prog arrays refuse one */
	__array(values, int(struct syscall_exit_ctx *));
} exit_prog SEC(".maps") = { .values = { [0] = (void *)&tp_exit_any } };

static __always_inline int exit_body(struct syscall_exit_ctx *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_tail_call(ctx, &exit_prog, 0);
	/* not reached while exit_prog holds tp_exit_any */
	if (bpf_map_delete_elem(&stash, &tid) == 0)
		loupe_count_loss(lost_read);
	return 0;
}
#else
#define exit_body leave
#endif

SEC("tracepoint/syscalls/sys_exit_open")
int tp_exit_open(struct syscall_exit_ctx *ctx) { return exit_body(ctx); }

SEC("tracepoint/syscalls/sys_exit_openat")
int tp_exit_openat(struct syscall_exit_ctx *ctx) { return exit_body(ctx); }

SEC("tracepoint/syscalls/sys_exit_openat2")
int tp_exit_openat2(struct syscall_exit_ctx *ctx) { return exit_body(ctx); }

SEC("tracepoint/syscalls/sys_exit_creat")
int tp_exit_creat(struct syscall_exit_ctx *ctx) { return exit_body(ctx); }

SEC("tracepoint/syscalls/sys_exit_open_by_handle_at")
int tp_exit_open_by_handle_at(struct syscall_exit_ctx *ctx) { return exit_body(ctx); }

#ifdef OPENSNOOP_ONE_EXIT
/* no tracepoint of its own (not attached): reached by tail call only */
SEC("tracepoint")
int tp_exit_any(struct syscall_exit_ctx *ctx) { return leave(ctx); }
#endif

#endif
