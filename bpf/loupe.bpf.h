/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every loupe BPF object includes: the filter and the loss counters.
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
	__u64 pid_tgid = bpf_get_current_pid_tgid();
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
