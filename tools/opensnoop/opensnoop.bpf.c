// SPDX-License-Identifier: GPL-2.0
/*
 * opensnoop: open, openat and openat2 from their syscall tracepoints.
 * No CO-RE relocations here (DESIGN.md §10): the kernel's BTF is not loaded.
 */
#include "vmlinux.h"
#include "loupe.bpf.h"
#include "syscall_tp.h"
#include "tools/opensnoop/opensnoop.h"

const volatile bool cfg_failed_only = false;

/* what sys_enter saw, until sys_exit of the same thread */
struct open_args {
	__u64 fname;
	__u32 flags;
	__u32 mode;
	__u32 syscall;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct open_args);
} stash SEC(".maps");

/* struct open_how, declared here to keep CO-RE out of this object */
struct how { __u64 flags, mode, resolve; };

static __always_inline int enter(__u64 fname, __u64 flags, __u64 mode, __u32 sys)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct open_args a = { .fname = fname, .flags = (__u32)flags,
			       .mode = (__u32)mode, .syscall = sys };

	if (!loupe_filter_pass())
		return 0;
	if (bpf_map_update_elem(&stash, &tid, &a, BPF_ANY))
		loupe_count_loss(lost_stash);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int tp_enter_open(struct syscall_enter_ctx *ctx)
{
	return enter(ctx->args[0], ctx->args[1], ctx->args[2], SYS_OPEN);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int tp_enter_openat(struct syscall_enter_ctx *ctx)
{
	return enter(ctx->args[1], ctx->args[2], ctx->args[3], SYS_OPENAT);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int tp_enter_openat2(struct syscall_enter_ctx *ctx)
{
	struct how h = {};

	/* a bad pointer fails the syscall with EFAULT: still an open to show */
	bpf_probe_read_user(&h, sizeof(h), (void *)ctx->args[2]);
	return enter(ctx->args[1], h.flags, h.mode, SYS_OPENAT2);
}

static __always_inline int leave(struct syscall_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct opensnoop_event *e;
	struct open_args *a;
	long len;

	a = bpf_map_lookup_elem(&stash, &tid);
	if (!a)
		return 0;
	if (cfg_failed_only && ctx->ret >= 0)
		goto out;
	e = loupe_scratch();
	if (!e)
		goto out;
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = pid_tgid >> 32;
	e->tid = tid;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->ret = (__s32)ctx->ret;
	e->flags = a->flags;
	e->mode = a->mode;
	e->syscall = a->syscall;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	len = bpf_probe_read_user_str(e->path, sizeof(e->path), (void *)a->fname);
	if (len <= 0)
		len = 1; /* unreadable (e.g. EFAULT): an empty path */
	len &= OPENSNOOP_PATH_MAX * 2 - 1;
	if (len > OPENSNOOP_PATH_MAX)
		len = OPENSNOOP_PATH_MAX;
	e->path_len = len - 1;
	loupe_output(e, OPENSNOOP_HDR_SIZE + len);
out:
	bpf_map_delete_elem(&stash, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_open")
int tp_exit_open(struct syscall_exit_ctx *ctx) { return leave(ctx); }

SEC("tracepoint/syscalls/sys_exit_openat")
int tp_exit_openat(struct syscall_exit_ctx *ctx) { return leave(ctx); }

SEC("tracepoint/syscalls/sys_exit_openat2")
int tp_exit_openat2(struct syscall_exit_ctx *ctx) { return leave(ctx); }
