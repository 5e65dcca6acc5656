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

/* The standard header of an event of the current task, stamped now. */
static __always_inline void loupe_event_hdr(struct loupe_event_hdr *h)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	h->ts_ns = bpf_ktime_get_ns();
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->uid = (__u32)bpf_get_current_uid_gid();
	h->pad = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
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
