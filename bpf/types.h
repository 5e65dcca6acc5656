/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wire types shared by every BPF object and user space: the filter
 * configuration (in each object's .rodata) and the loss counters (in each
 * object's .bss). Fixed-width, explicitly padded, size-asserted.
 */
#ifndef LOUPE_BPF_TYPES_H
#define LOUPE_BPF_TYPES_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define LOUPE_COMM_LEN 16
#define LOUPE_MAX_FILTER_IDS 1024 /* entries of filter_pids / filter_tids */

/* Filter applied in the kernel. A field whose *_on is 0 is a rodata
 * constant, so the verifier removes its check entirely. */
struct loupe_filter {
	__u8 pid_on;    /* tgid must be in map filter_pids */
	__u8 tid_on;    /* tid must be in map filter_tids */
	__u8 uid_on;    /* uid must equal .uid */
	__u8 comm_on;   /* comm must contain .comm (substring) */
	__u8 cgroup_on; /* task must be in cgroup filter_cgroup[0] or below */
	__u8 pad[3];
	__u32 uid;
	__u32 comm_len; /* strlen(.comm), 1..15 */
	char comm[LOUPE_COMM_LEN];
	__u32 self_tgid; /* the tracer itself (getpid()): never traced */
	__u32 pad2;
};

/* loupe's own PID namespace, when it is not the initial one (all zero in
 * the initial namespace, so the verifier removes every use). Then every
 * PID and TID the objects report, count by or filter on is that
 * namespace's, and 0 for a task outside it, as getppid() returns 0 for a
 * parent outside the caller's namespace (bpf/loupe.bpf.h). */
struct loupe_pidns {
	__u64 dev;       /* the nsfs device of /proc/self/ns/pid (kernel dev_t) */
	__u64 ino;       /* its inode number: the namespace's */
	__u32 nested;    /* cfg_task holds the offsets to follow tasks in
			  * namespaces nested inside it too */
	__u32 pad;
};

/* The layout of struct bpf_pidns_info (uapi, Linux 5.7), declared here so
 * that reading it is no CO-RE relocation (vmlinux.h marks its structs
 * preserve_access_index): see loupe.bpf.h on start-up cost. */
struct loupe_pidns_info {
	__u32 pid;       /* the thread's */
	__u32 tgid;
};

/* Every way an event can be lost in the kernel. User space adds each
 * program's recursion misses (bpf_prog_info) when it reports. */
struct loupe_stats {
	__u64 lost_ringbuf;  /* ring buffer full: reservation failed */
	__u64 lost_stash;    /* entry stash (tid -> args) full */
	__u64 lost_read;     /* a kernel/user read failed where it must not */
	__u64 lost_map;      /* a summary map (histogram, count table) full */
	__u64 lost_end;      /* an operation's end was never seen: its start
			      * entry was still there when the same key
			      * (request, thread) started again */
};

/* The header every per-event record starts with (bpf/events.bpf.h fills
 * it; common/event.h prints it: TIME, TIME(s), UID, PID, TID, COMM,
 * CONTAINER and the JSON keys time, uid, pid, tid, comm, cgroup_id, and
 * with -C vpid, mntns). */
struct loupe_event_hdr {
	__u64 ts_ns;      /* bpf_ktime_get_ns() */
	__u64 cgroup_id;  /* the task's cgroup v2 id (bpf_get_current_cgroup_id) */
	__u32 pid;        /* tgid, in loupe's PID namespace (bpf/loupe.bpf.h) */
	__u32 tid;
	__u32 uid;
	__u32 vpid;       /* -C: the process's PID in its own PID namespace */
	char comm[LOUPE_COMM_LEN];
	__u64 mntns;      /* -C: its mount namespace's inode number */
};

/* Offsets into kernel structs, from the kernel's BTF by user space (only
 * with -C, or when loupe runs in a PID namespace of its own), so that
 * objects read namespaces without CO-RE relocations, which would make
 * libbpf load the kernel's BTF on every run. In each object's .rodata as
 * cfg_task (bpf/loupe.bpf.h). */
struct loupe_task_offsets {
	__u32 on;                 /* -C: fill vpid and mntns */
	__u32 task_group_leader;  /* task_struct.group_leader */
	__u32 task_thread_pid;    /* task_struct.thread_pid */
	__u32 task_nsproxy;       /* task_struct.nsproxy */
	__u32 task_real_parent;   /* task_struct.real_parent */
	__u32 nsproxy_mnt_ns;     /* nsproxy.mnt_ns */
	__u32 mnt_ns_inum;        /* mnt_namespace.ns.inum */
	__u32 pid_level;          /* pid.level */
	__u32 pid_numbers;        /* pid.numbers */
	__u32 upid_size;          /* sizeof(struct upid) */
	__u32 upid_nr;            /* upid.nr */
	__u32 upid_ns;            /* upid.ns */
	__u32 pidns_inum;         /* pid_namespace.ns.inum */
	__u32 pad;
};

/* The cgroup_mkdir watcher's offsets (bpf/cgwatch.bpf.c), the same way. */
struct loupe_cgroup_offsets {
	__u32 cgroup_kn;          /* cgroup.kn */
	__u32 cgroup_root;        /* cgroup.root */
	__u32 kn_id;              /* kernfs_node.id: the cgroup v2 id */
	__u32 root_hierarchy_id;  /* cgroup_root.hierarchy_id: 0 for cgroup v2 */
};

#define LOUPE_CGROUP_PATH 512 /* a cgroup's path, NUL included */

#ifndef __bpf__
_Static_assert(sizeof(struct loupe_cgroup_offsets) == 16, "loupe_cgroup_offsets layout");
_Static_assert(sizeof(struct loupe_event_hdr) == 56, "loupe_event_hdr layout");
_Static_assert(sizeof(struct loupe_task_offsets) == 56, "loupe_task_offsets layout");
_Static_assert(sizeof(struct loupe_pidns) == 24, "loupe_pidns layout");
_Static_assert(sizeof(struct loupe_pidns_info) == 8, "loupe_pidns_info layout");
_Static_assert(sizeof(struct loupe_filter) == 40, "loupe_filter layout");
_Static_assert(sizeof(struct loupe_stats) == 40, "loupe_stats layout");
#endif

#endif
