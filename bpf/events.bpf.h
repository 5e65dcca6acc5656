/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event path of per-event objects: the ring buffer "events" with
 * adaptive wakeup, reservations and copies whose failures are counted
 * (lost_ringbuf), per-CPU scratch for building a variable-length record,
 * the standard event header (struct loupe_event_hdr, bpf/types.h), and
 * copies of user strings that say when they were cut. Include after
 * loupe.bpf.h.
 */
#ifndef LOUPE_EVENTS_BPF_H
#define LOUPE_EVENTS_BPF_H

/* Sized by user space before load (--buffer-size). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 23);
} events SEC(".maps");

/*
 * Adaptive wakeup (DESIGN.md §10): records are submitted without waking the
 * reader while the buffer is lightly filled; the reader drains on its own
 * timer (epoll timeout + consume). The one record that makes the unread data
 * cross cfg_wakeup_bytes forces a wakeup. A plain submit is never used: it
 * wakes only when the buffer was empty, which loses wakeups after a
 * NO_WAKEUP record.
 */
const volatile __u64 cfg_wakeup_bytes = 1 << 20;

static __always_inline __u64 loupe_wakeup_flags(__u64 size)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	if (avail < cfg_wakeup_bytes && avail + size >= cfg_wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* Reserve a fixed-size record; a full buffer is counted as a loss. */
static __always_inline void *loupe_reserve(__u64 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e)
		loupe_count_loss(lost_ringbuf);
	return e;
}

static __always_inline void loupe_submit(void *e, __u64 size)
{
	/* the reserved record is already counted in AVAIL_DATA */
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	bpf_ringbuf_submit(e, (avail >= cfg_wakeup_bytes &&
			       avail - size < cfg_wakeup_bytes) ?
			      BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

/* Copy a variable-length record (size <= its buffer) into the ring. */
static __always_inline void loupe_output(void *data, __u64 size)
{
	if (bpf_ringbuf_output(&events, data, size, loupe_wakeup_flags(size)))
		loupe_count_loss(lost_ringbuf);
}

/* Per-CPU scratch space for building a variable-length record. */
#define LOUPE_SCRATCH_SIZE 8192
struct loupe_scratch {
	char buf[LOUPE_SCRATCH_SIZE];
};
LOUPE_PERCPU_BUF(scratch, struct loupe_scratch);

static __always_inline void *loupe_scratch(void)
{
	return scratch_get();
}

/* -C: the PID of task (a struct task_struct *) in its own PID namespace:
 * its struct pid's number at the pid's own level. 0 when unreadable. */
static __always_inline __u32 loupe_task_vpid(const void *task)
{
	const char *pid = NULL;
	__u32 level = 0;

	if (bpf_probe_read_kernel(&pid, sizeof(pid), (const char *)task +
				  cfg_task.task_thread_pid) || !pid ||
	    bpf_probe_read_kernel(&level, sizeof(level), pid + cfg_task.pid_level))
		return 0;
	return loupe_upid_nr(pid, (int)level);
}

/* The current process's PID in its PID namespace and its mount namespace. */
static __always_inline void loupe_task_ns(__u32 *vpid, __u64 *mntns)
{
	const char *task = (const char *)bpf_get_current_task(), *leader = NULL;
	const char *nsproxy = NULL, *mnt = NULL;
	__u32 inum = 0;

	*vpid = 0;
	*mntns = 0;
	if (!cfg_task.on)
		return;
	if (!bpf_probe_read_kernel(&leader, sizeof(leader), task + cfg_task.task_group_leader) &&
	    leader)
		*vpid = loupe_task_vpid(leader);
	if (!bpf_probe_read_kernel(&nsproxy, sizeof(nsproxy), task + cfg_task.task_nsproxy) &&
	    nsproxy &&
	    !bpf_probe_read_kernel(&mnt, sizeof(mnt), nsproxy + cfg_task.nsproxy_mnt_ns) && mnt &&
	    !bpf_probe_read_kernel(&inum, sizeof(inum), mnt + cfg_task.mnt_ns_inum))
		*mntns = inum;
}

/* The standard header of an event of the current task, stamped now. */
static __always_inline void loupe_event_hdr(struct loupe_event_hdr *h)
{
	__u64 pid_tgid = loupe_pid_tgid();

	h->ts_ns = bpf_ktime_get_ns();
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	loupe_task_ns(&h->vpid, &h->mntns);
}

/*
 * A NUL-terminated user string into dst (size bytes, a constant power of
 * two): returns its length without the NUL, and sets *cut when the string
 * went on beyond size - 1 bytes (the byte where the copy stopped is not
 * its NUL). An unreadable pointer gives 0: the syscall fails with EFAULT,
 * which the event shows.
 */
#define loupe_user_str(dst, size, src, cut) ({                                  \
	long __n = bpf_probe_read_user_str((dst), (size), (const void *)(src)); \
	char __c = 0;                                                           \
	*(cut) = __n == (size) &&                                               \
		 !bpf_probe_read_user(&__c, 1, (const char *)(src) + (size) - 1) && \
		 __c != 0;                                                      \
	(__u32)(__n > 1 ? (__n - 1) & ((size) - 1) : 0);                        \
})

#endif
