// SPDX-License-Identifier: GPL-2.0
/*
 * errsnoop: every failed system call, from raw_syscalls:sys_exit (raw_tp,
 * the syscall event source of bpf/syscalls.bpf.h with every syscall, or
 * those of -s): a failure is a return value in [-4095, -1]. The syscall's
 * number comes from the registers (bpf/regs.h), and so do its arguments,
 * which the registers still hold at the exit: the path argument of a failed
 * open, stat, access, unlink, execve... is copied there, where the caller's
 * memory still holds it. With -e the entries are timed too (a program on
 * every syscall entry: the price is in errsnoop(8)). No CO-RE: the kernel's
 * BTF is not loaded.
 */
#include "vmlinux.h"
#include "loupe.bpf.h"
#include "events.bpf.h"
#include "count.bpf.h"
#include "regs.h"
#include "tools/errsnoop/errsnoop.h"

#define AF_UNIX 1
#define ETIMEDOUT 110

const volatile struct errsnoop_cfg cfg_err = {};

/* -e: when each thread's current syscall entered. LRU: a thread that dies
 * in a syscall (exit) leaves its entry, which goes first when the map is
 * full; a live entry evicted costs that call its latency, not its event. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct errsnoop_count_key);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline bool bit(const volatile __u8 *map, __u32 i)
{
	return map[(i / 8) & (ERR_ERRNO_MAX / 8 - 1)] & (1 << (i & 7));
}

/* The failure is one the user wants (bitmaps and rules in cfg_err). */
static __always_inline bool wanted(__u32 nr, __u32 err)
{
	int i;

	if (cfg_err.errno_on)
		return bit(cfg_err.show, err); /* -E shows what it names */
	if (cfg_err.show_all)
		return true;
	if (bit(cfg_err.hide, err))
		return false;
	if (err == ETIMEDOUT)
		for (i = 0; i < 4; i++)
			if (cfg_err.hide_timedout_nr[i] == nr)
				return false;
	return true;
}

static __always_inline int loupe_sys_enter(void *ctx, __u32 idx, long nr, const __u64 *args)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 ts = bpf_ktime_get_ns();

	/* -e only: the raw entry program is not loaded otherwise */
	bpf_map_update_elem(&starts, &tid, &ts, BPF_ANY);
	return 0;
}

/* The path argument (or AF_UNIX address) of a failed call into e. */
static __always_inline void path_arg(struct errsnoop_event *e, const void *regs, __u32 nr)
{
	__u64 args[6];
	__u32 a = nr < ERR_NR_MAX ? cfg_err.path_arg[nr & (ERR_NR_MAX - 1)] : 0;
	bool cut = false;

	e->path_len = 0;
	if ((!a && nr != cfg_err.connect_nr && nr != cfg_err.bind_nr) ||
	    loupe_regs_exit_args(regs, args))
		return;
	if (a) {
		e->path_len = loupe_user_str(e->path, ERR_PATH_MAX, args[(a - 1) & 7], &cut);
	} else {
		/* struct sockaddr_un: family, then the path (abstract names
		 * start with a NUL: shown from the byte after it) */
		__u16 family = 0;

		if (bpf_probe_read_user(&family, 2, (void *)args[1]) || family != AF_UNIX)
			return;
		e->path_len = loupe_user_str(e->path, ERR_PATH_MAX, args[1] + 2, &cut);
		if (!e->path_len)
			e->path_len = loupe_user_str(e->path, ERR_PATH_MAX, args[1] + 3, &cut);
		e->flags |= ERR_F_UNIX;
	}
	e->flags |= ERR_F_PATH | (cut ? ERR_F_PATH_CUT : 0);
}

static __always_inline int loupe_sys_exit(void *ctx, __u32 idx, long nr, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), err = (__u32)-ret;
	__u64 *start = NULL, lat = 0;
	struct errsnoop_event *e;

	if (cfg_err.latency) {
		start = bpf_map_lookup_elem(&starts, &tid);
		if (start)
			lat = bpf_ktime_get_ns() - *start;
	}
	if (ret < -4095 || !wanted((__u32)nr, err) || !loupe_filter_pass())
		goto out;
	if (cfg_err.count_by) {
		struct errsnoop_count_key k = { .nr = ~0u };

		if (cfg_err.count_by & ERR_BY_SYSCALL)
			k.nr = (__u32)nr;
		if (cfg_err.count_by & ERR_BY_ERRNO)
			k.err = err;
		if (cfg_err.count_by & ERR_BY_PROCESS)
			k.pid = loupe_pid_tgid() >> 32;
		if (cfg_err.count_by & (ERR_BY_PROCESS | ERR_BY_COMM))
			bpf_get_current_comm(k.comm, sizeof(k.comm));
		loupe_count_add(&counts, &k, 1);
		goto out;
	}
	e = loupe_scratch();
	if (!e)
		goto out;
	e->flags = start ? ERR_F_LAT : 0;
	e->lat_ns = lat;
	e->ret = ret;
	e->nr = (__u32)nr;
	e->path_len = 0;
	if (cfg_err.paths)
		path_arg(e, (const void *)((__u64 *)ctx)[0], (__u32)nr);
	loupe_event_hdr(&e->hdr);
	loupe_output(e, ERRSNOOP_HDR_SIZE + (e->path_len & (ERR_PATH_MAX - 1)));
out:
	if (start)
		bpf_map_delete_elem(&starts, &tid);
	return 0;
}

/* the cheap test first: most syscalls succeed */
#define LOUPE_SYS_EXIT_WANTED(ret) ((ret) < 0)
#define LOUPE_SYS_ENTER 1
#define LOUPE_SYS_EXIT 1
#include "syscalls.bpf.h"
