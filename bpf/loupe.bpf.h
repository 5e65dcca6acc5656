/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every loupe BPF object includes: the PIDs it reports, the filter
 * and the loss counters.
 * Include it once per object, after vmlinux.h. Objects that send events
 * also include bpf/events.bpf.h (the ring buffer); summary objects do not,
 * and carry no ring buffer.
 *
 * Objects that include only this (and bpf/syscall_tp.h) carry no CO-RE
 * relocations, so libbpf does not load the kernel's BTF for them: start-up
 * stays near 8 ms and 3 MB (DESIGN.md §10). Kernel structs belong in
 * objects that need them (bpf/core_shims.h).
 */
#ifndef LOUPE_BPF_H
#define LOUPE_BPF_H

#include <bpf/bpf_helpers.h>
#include "types.h"

char LICENSE[] SEC("license") = "GPL";

/* ---- PIDs ------------------------------------------------------------ */

/* loupe's PID namespace when it runs in one of its own, else all zero
 * (bpf/types.h): every use below is then a branch the verifier removes, and
 * the initial namespace's PIDs cost what they always did. */
const volatile struct loupe_pidns cfg_pidns = {};

/* Where tasks' PIDs and namespaces sit in kernel structs, filled from the
 * kernel's BTF by user space with -C or cfg_pidns.nested (bpf/types.h). */
const volatile struct loupe_task_offsets cfg_task = {};

#define LOUPE_PIDNS_LEVELS 32 /* the kernel's MAX_PID_NS_LEVEL */

/* pid's (a struct pid *) number at index i of its numbers[], 0 if none. */
static __always_inline __u32 loupe_upid_nr(const char *pid, int i)
{
	int nr = 0;

	if (!pid || i < 0 || i > LOUPE_PIDNS_LEVELS ||
	    bpf_probe_read_kernel(&nr, sizeof(nr), pid + cfg_task.pid_numbers +
				  i * cfg_task.upid_size + cfg_task.upid_nr))
		return 0;
	return (__u32)nr;
}

/*
 * task's (a struct task_struct *) tgid and tid in loupe's PID namespace,
 * read from its struct pids, as bpf_get_current_pid_tgid() packs them
 * (tgid << 32 | tid): 0 when it has none there, or when cfg_pidns.nested
 * is off. For other tasks than the current one (a parent), and for a
 * current task in a namespace nested inside loupe's, which
 * bpf_get_ns_current_pid_tgid() does not map.
 *
 * A struct pid has a number in each namespace from the initial one
 * (numbers[0]) down to its task's own (numbers[level]). Loupe's level is
 * unknown to user space (NS_GET_PARENT stops at the caller's own
 * namespace), so they are compared from the initial one down: one
 * comparison for a task of the host. The verifier walks every iteration,
 * so this is a global function, which it checks once per program (a
 * static one at every call: several milliseconds each), and which it
 * removes unchecked when the call is dead code (Linux 6.8; earlier ones
 * check it, quickly, as cfg_pidns is zero).
 */
__noinline __u64 loupe_task_pid_tgid(__u64 task)
{
	const char *t = (const char *)task, *tpid = NULL, *leader = NULL, *lpid = NULL;
	__u32 level = 0, tid = 0, tgid = 0;
	int i;

	if (!cfg_pidns.nested || !t ||
	    bpf_probe_read_kernel(&tpid, sizeof(tpid), t + cfg_task.task_thread_pid) || !tpid ||
	    bpf_probe_read_kernel(&level, sizeof(level), tpid + cfg_task.pid_level))
		return 0;
	for (i = 0; i <= LOUPE_PIDNS_LEVELS; i++) {
		const char *ns = NULL;
		__u32 inum = 0;

		if (i > level ||
		    bpf_probe_read_kernel(&ns, sizeof(ns), tpid + cfg_task.pid_numbers +
					  i * cfg_task.upid_size + cfg_task.upid_ns) || !ns ||
		    bpf_probe_read_kernel(&inum, sizeof(inum), ns + cfg_task.pidns_inum))
			break;
		if (inum != cfg_pidns.ino)
			continue;
		/* a thread group is all in one namespace: the leader's number */
		tid = loupe_upid_nr(tpid, i);
		if (!bpf_probe_read_kernel(&leader, sizeof(leader), t + cfg_task.task_group_leader) &&
		    leader &&
		    !bpf_probe_read_kernel(&lpid, sizeof(lpid), leader + cfg_task.task_thread_pid))
			tgid = loupe_upid_nr(lpid, i);
		break;
	}
	return (__u64)tgid << 32 | tid;
}

/* The current task's, in loupe's namespace (cfg_pidns set); global for
 * the same reason. */
__noinline __u64 loupe_pidns_pid_tgid(void)
{
	struct loupe_pidns_info ns;

	/* Linux 5.7; it maps only tasks whose own namespace is loupe's */
	if (!bpf_get_ns_current_pid_tgid(cfg_pidns.dev, cfg_pidns.ino,
					 (struct bpf_pidns_info *)&ns, sizeof(ns)))
		return (__u64)ns.tgid << 32 | ns.pid;
	return loupe_task_pid_tgid(bpf_get_current_task());
}

/*
 * bpf_get_current_pid_tgid() as loupe reports and filters PIDs: the
 * initial namespace's, or with cfg_pidns those of loupe's own namespace,
 * 0 for a task outside it (as getppid() is for a parent outside the
 * caller's namespace). Entry/exit stashes keep the initial namespace's
 * TID as their key: tasks outside would all share TID 0.
 */
static __always_inline __u64 loupe_pid_tgid(void)
{
	if (cfg_pidns.ino)
		return loupe_pidns_pid_tgid();
	return bpf_get_current_pid_tgid();
}

/* The same, where bpf_get_current_pid_tgid() is already at hand (read for
 * a stash key): pid_tgid is its value, used as it is in the initial
 * namespace. */
static __always_inline __u64 loupe_pid_tgid_of(__u64 pid_tgid)
{
	if (cfg_pidns.ino)
		return loupe_pidns_pid_tgid();
	return pid_tgid;
}

/* ---- filter ---------------------------------------------------------- */

const volatile struct loupe_filter cfg_filter = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LOUPE_MAX_FILTER_IDS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u8);
} filter_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LOUPE_MAX_FILTER_IDS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u8);
} filter_tids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} filter_cgroup SEC(".maps");

/* True when the current task passes every enabled filter. */
static __always_inline bool loupe_filter_pass(void)
{
	__u64 pid_tgid = loupe_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;

	if (tgid == cfg_filter.self_tgid)
		return false;
	if (cfg_filter.pid_on && !bpf_map_lookup_elem(&filter_pids, &tgid))
		return false;
	if (cfg_filter.tid_on && !bpf_map_lookup_elem(&filter_tids, &tid))
		return false;
	if (cfg_filter.uid_on &&
	    (__u32)bpf_get_current_uid_gid() != cfg_filter.uid)
		return false;
	if (cfg_filter.cgroup_on &&
	    bpf_current_task_under_cgroup(&filter_cgroup, 0) != 1)
		return false;
	if (cfg_filter.comm_on) {
		char comm[LOUPE_COMM_LEN];
		__u32 n = cfg_filter.comm_len;
		int i, j;

		bpf_get_current_comm(comm, sizeof(comm));
		for (i = 0; i < LOUPE_COMM_LEN; i++) {
			bool match = true;

			if (i + n > LOUPE_COMM_LEN - 1)
				return false;
			for (j = 0; j < LOUPE_COMM_LEN - 1; j++) {
				if (j >= n)
					break;
				if (comm[(i + j) & (LOUPE_COMM_LEN - 1)] !=
				    cfg_filter.comm[j]) {
					match = false;
					break;
				}
			}
			if (match)
				return true;
		}
		return false;
	}
	return true;
}

/* ---- bounds for the verifier ---------------------------------------- */

/*
 * v, at most max, in a way the verifier sees: a clamp written in C is often
 * compiled into a select, or applied to a copy while the unbounded value is
 * spilled and used, and the verifier then refuses the pointer arithmetic.
 * The asm makes the bounded value the only one the compiler can use.
 */
#define loupe_bound(v, max) ({                                                  \
	__u64 __v = (v);                                                        \
	asm volatile("if %[x] <= %[m] goto +1; %[x] = %[m]"                     \
		     : [x] "+r"(__v) : [m] "i"(max));                           \
	__v;                                                                    \
})

/* ---- per-CPU buffers ---------------------------------------------- */

/* A per-CPU buffer of type `type` (too big for the 512-byte stack), and
 * name##_get() to get it (NULL only if the map lookup fails).
 *   LOUPE_PERCPU_BUF(bufs, struct my_buf);  struct my_buf *b = bufs_get(); */
#define LOUPE_PERCPU_BUF(name, vtype)                                         \
	struct {                                                              \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                      \
		__uint(max_entries, 1);                                       \
		__type(key, __u32);                                           \
		__type(value, vtype);                                         \
	} name SEC(".maps");                                                  \
	static __always_inline vtype *name##_get(void)                         \
	{                                                                     \
		__u32 zero = 0;                                               \
		return bpf_map_lookup_elem(&name, &zero);                     \
	}

/* ---- loss counters --------------------------------------------------- */

struct loupe_stats loupe_stats = {};

#define loupe_count_loss(field) __sync_fetch_and_add(&loupe_stats.field, 1)

#endif
