// SPDX-License-Identifier: GPL-2.0
/*
 * execsnoop: every exec, with its result and its arguments.
 *
 * execve and execveat come from the syscall event source (bpf/syscalls.bpf.h,
 * per-syscall tracepoints): the entry stashes the call per thread. A
 * successful exec is reported from sched_process_exec (raw_tp: the task and
 * the struct linux_binprm), past the point of no return, where the kernel
 * has just copied the arguments into the new image at mm->arg_start: they
 * are resident, so they are never blank (bcc #3343, #2627). The stash is
 * keyed by the thread that called exec: an exec from a non-main thread
 * enters as that TID and leaves as the process's PID, and
 * sched_process_exec's old_pid is that TID, so the entry is found and
 * removed there. A failed exec is reported at its syscall exit, with the
 * arguments read from the caller's memory (each one, up to --max-args).
 * Kernel structs (task, mm, binprm, file) are read with CO-RE.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "loupe.bpf.h"
#include "events.bpf.h"
#include "stash.bpf.h"
#include "path.h"
#include "tools/execsnoop/execsnoop.h"

#define AT_EMPTY_PATH 0x1000

const volatile struct execsnoop_cfg cfg_exec = {};

/* what the entry saw */
struct exec_call {
	__u64 filename;  /* user pointer */
	__u64 argv;      /* user pointer */
	__u32 syscall;
	__u32 flags;     /* execveat's flags */
};

LOUPE_STASH(calls, __u32, struct exec_call, 16384);

/* the record, room for one more argument or path component, the walk */
struct exec_buf {
	struct execsnoop_event e;
	char slack[LOUPE_PATH_BUF];
	struct loupe_path_walk walk;
};

LOUPE_PERCPU_BUF(bufs, struct exec_buf);

/* t's PID as loupe reports PIDs: when loupe runs in a PID namespace of its
 * own, that namespace's, 0 outside it (bpf/loupe.bpf.h) */
static __always_inline __u32 task_pid(struct task_struct *t)
{
	if (cfg_pidns.ino)
		return loupe_task_pid_tgid((__u64)t) >> 32;
	return BPF_CORE_READ(t, tgid);
}

/* The parent (its tgid and comm) and, with --ancestors, the chain from the
 * parent up: to init, or with -C to a container's first process (PID 1 in
 * its namespace), which ends the chain of a process inside a container.
 * When loupe runs in a PID namespace of its own, the chain ends at that
 * namespace's init (PID 1), or at a task outside it (PID 0). */
static __always_inline bool family(struct execsnoop_event *e)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct task_struct *p = BPF_CORE_READ(t, real_parent);
	int i;

	e->ppid = task_pid(p);
	BPF_CORE_READ_STR_INTO(&e->pcomm, p, comm);
	if (cfg_exec.ppid && e->ppid != cfg_exec.ppid)
		return false;
	e->nanc = 0;
	for (i = 0; i < EXEC_ANCESTORS; i++) {
		if (i >= cfg_exec.ancestors || !p)
			break;
		e->anc[i].pid = task_pid(p);
		BPF_CORE_READ_STR_INTO(&e->anc[i].comm, p, comm);
		e->anc[i].vpid = cfg_task.on ? loupe_task_vpid(p) : 0;
		e->nanc = i + 1;
		if (e->anc[i].pid <= 1 || e->anc[i].vpid == 1)
			break; /* init's parent is the idle task; a container's init */
		p = BPF_CORE_READ(p, real_parent);
	}
	return true;
}

static __always_inline int enter(__u64 filename, __u64 argv, __u32 sys, __u32 flags)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct exec_call c = { .filename = filename, .argv = argv, .syscall = sys,
			       .flags = flags };

	loupe_stash_put(&calls, &tid, &c);
	return 0;
}

/* Send e: the header, its arguments and path. */
static __always_inline void send(struct execsnoop_event *e)
{
	__u64 size = loupe_bound(EXECSNOOP_HDR_SIZE + (__u64)e->args_len + e->exe_len,
				 sizeof(*e));

	loupe_event_hdr(&e->hdr);
	loupe_output(e, size);
}

static __always_inline int loupe_sys_enter(void *ctx, __u32 idx, long nr, const __u64 *args)
{
	if (idx == SYS_EXECVE)
		return enter(args[0], args[1], SYS_EXECVE, 0);
	if (idx == SYS_EXECVEAT)
		return enter(args[1], args[2], SYS_EXECVEAT, (__u32)args[4]);
	return 0;
}

/* A failed exec: the arguments from the caller's memory, one by one. */
static __always_inline __u32 read_argv(struct exec_buf *b, __u64 argv)
{
	struct execsnoop_event *e = &b->e;
	__u32 off = 0;
	int i;

	for (i = 0; i < EXEC_KARGS_MAX; i++) {
		const char *arg = NULL;
		long n;

		if (i >= cfg_exec.max_args) {
			if (!bpf_probe_read_user(&arg, sizeof(arg), (void *)(argv + i * 8)) && arg)
				e->flags |= EXEC_F_MORE_ARGS;
			break;
		}
		if (bpf_probe_read_user(&arg, sizeof(arg), (void *)(argv + i * 8))) {
			e->flags |= EXEC_F_ARGS_UNREAD;
			break;
		}
		if (!arg)
			break;
		if (off > EXEC_ARGS_MAX - 2) {
			e->flags |= EXEC_F_ARGS_CUT;
			break;
		}
		n = bpf_probe_read_user_str(e->data + (off & (EXEC_ARGS_MAX - 1)),
					    EXEC_ARG_MAX, arg);
		if (n <= 0) {
			e->flags |= EXEC_F_ARGS_UNREAD;
			break;
		}
		if (n == EXEC_ARG_MAX)
			e->flags |= EXEC_F_ARGS_CUT;
		off += (__u32)n;
	}
	if (off > EXEC_ARGS_MAX) {
		/* the last argument went into the slack: end it at the limit */
		off = EXEC_ARGS_MAX;
		e->data[EXEC_ARGS_MAX - 1] = 0;
		e->flags |= EXEC_F_ARGS_CUT;
	}
	return off;
}

static __always_inline int loupe_sys_exit(void *ctx, __u32 idx, long nr, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), len = 0;
	struct exec_call *c = loupe_stash_get(&calls, &tid);
	struct exec_buf *b;
	struct execsnoop_event *e;
	bool cut = false;

	if (!c)
		return 0;
	/* a success was reported by sched_process_exec, which removed the
	 * entry; one left here with ret 0 was not traced there (filtered) */
	if (ret >= 0 || !loupe_filter_pass() || !(b = bufs_get()))
		goto out;
	e = &b->e;
	e->flags = c->syscall == SYS_EXECVEAT ? EXEC_F_AT : 0;
	if (!family(e))
		goto out;
	len = loupe_bound(read_argv(b, c->argv), EXEC_ARGS_MAX);
	e->args_len = len;
	/* the file as named by the caller */
	e->exe_len = loupe_user_str(e->data + len, EXEC_PATH_MAX, c->filename, &cut);
	if (cut)
		e->flags |= EXEC_F_EXE_CUT;
	e->ret = (__s32)ret;
	e->syscall = c->syscall;
	send(e);
out:
	loupe_stash_drop(&calls, &tid);
	return 0;
}

#define LOUPE_SYS_ENTER 1
#define LOUPE_SYS_EXIT 1
#include "syscalls.bpf.h"

LOUPE_SYSCALL_TP(execve, SYS_EXECVE)
LOUPE_SYSCALL_TP(execveat, SYS_EXECVEAT)

/* The new image's arguments: mm->arg_start .. arg_end, just copied there
 * by the kernel (resident). */
static __always_inline void new_args(struct execsnoop_event *e)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	unsigned long start = BPF_CORE_READ(mm, arg_start), end = BPF_CORE_READ(mm, arg_end);
	__u64 n = end > start ? end - start : 0;

	if (n > EXEC_ARGS_MAX) {
		n = EXEC_ARGS_MAX;
		e->flags |= EXEC_F_ARGS_CUT;
	}
	if (bpf_probe_read_user(e->data, n & (2 * EXEC_ARGS_MAX - 1), (void *)start)) {
		n = 0;
		e->flags |= EXEC_F_ARGS_UNREAD;
	}
	e->args_len = (__u32)n;
}

/* The executable (the interpreter for a script), as a full path. */
static __always_inline void exe_path(struct exec_buf *b, struct linux_binprm *bprm)
{
	struct execsnoop_event *e = &b->e;
	struct vfsmount *cwd_mnt, *root_mnt, *mnt;
	struct dentry *cwd, *root, *d;
	struct file *f = BPF_CORE_READ(bprm, file);
	__u32 off = loupe_bound(e->args_len, EXEC_ARGS_MAX);
	bool cut = false;


	e->exe_len = 0;
	if (!f || loupe_task_fs(&cwd_mnt, &cwd, &root_mnt, &root))
		return;
	core_file_path(f, &mnt, &d);
	loupe_path_walk(&b->walk, mnt, d, root_mnt, root);
	e->exe_len = loupe_path_emit(e->data + off, &b->walk, &cut);
	if (e->exe_len > 1)
		e->exe_len--; /* without the trailing '/' */
	if (cut || b->walk.truncated)
		e->flags |= EXEC_F_EXE_CUT;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(raw_sched_process_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	__u32 tid = (__u32)old_pid;
	struct exec_call *c = loupe_stash_get(&calls, &tid);
	struct execsnoop_event *e;
	struct exec_buf *b;

	if (cfg_exec.failed_only || !loupe_filter_pass() || !(b = bufs_get()))
		goto out;
	e = &b->e;
	e->flags = c && c->syscall == SYS_EXECVEAT ? EXEC_F_AT : 0;
	if (!family(e))
		goto out;
	/* a script: the name run is not the interpreter's */
	if (BPF_CORE_READ(bprm, interp) != BPF_CORE_READ(bprm, filename))
		e->flags |= EXEC_F_SCRIPT;
	new_args(e);
	e->exe_len = 0;
	if (cfg_exec.exe)
		exe_path(b, bprm);
	e->ret = 0;
	e->syscall = c ? c->syscall : SYS_EXECVE;
	send(e);
out:
	if (c)
		loupe_stash_drop(&calls, &tid);
	return 0;
}
