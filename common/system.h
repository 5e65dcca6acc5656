/*
 * What the host offers, found at run time: capabilities, tracefs (mounted
 * when missing), the cgroup v2 mount, tracepoints, kernel BTF, commands on
 * PATH. Functions print nothing (ensure_tracefs excepted, under -v) and
 * return 0 / -errno or a bool.
 */
#ifndef LOUPE_SYSTEM_H
#define LOUPE_SYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Capability numbers (linux/capability.h), without libcap. */
#define LOUPE_CAP_DAC_READ_SEARCH 2
#define LOUPE_CAP_SYS_ADMIN 21
#define LOUPE_CAP_PERFMON 38
#define LOUPE_CAP_BPF 39

/* The effective set has capability cap. */
bool sys_has_cap(int cap);

/* tracefs's events directory ("/sys/kernel/tracing/events", or the
 * debugfs one), mounting tracefs on /sys/kernel/tracing when a fresh boot
 * has not (libbpf reads tracepoint ids there, as perf and bpftrace do).
 * 0, or -errno when it is not there and cannot be mounted. */
int sys_ensure_tracefs(void);
/* The tracefs root ("/sys/kernel/tracing"), or NULL when not mounted
 * (mounted is not readable: tracefs is mode 0700 on most systems). */
const char *sys_tracefs(void);
/* tracefs has events/<category>/<name>. */
bool sys_tracepoint_exists(const char *category, const char *name);
/* The event id of a tracepoint (events/<cat>/<name>/id), or -errno. */
int sys_tracepoint_id(const char *category, const char *name);

/* Where cgroup2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a
 * hybrid v1/v2 system): true and buf set, or false and buf empty. */
bool sys_cgroup2_mount(char *buf, size_t len);
/* The current process's cgroup v2 path relative to the mount ("/user.slice/..."). */
bool sys_own_cgroup2(char *buf, size_t len);

/* execvp()'s search: 0 when cmd would run, -ENOENT when not found,
 * -EACCES when found but not executable (or not a regular file). */
int sys_find_command(const char *cmd);

/* kernel.perf_event_paranoid (2 when unreadable). */
int sys_perf_paranoid(void);
/* This process may open perf events for tracepoints and uprobes: Debian's
 * kernels (a distribution patch) refuse them to everyone without
 * CAP_SYS_ADMIN when perf_event_paranoid is 3, their default; BPF links to
 * raw tracepoints are not perf events and still work. */
bool sys_perf_events_allowed(void);

/* The kernel has BTF (/sys/kernel/btf/vmlinux is readable). */
bool sys_has_vmlinux_btf(void);

/* This process runs in a PID namespace of its own (a container), not in
 * the initial one, whose PIDs bpf_get_current_pid_tgid() reports: true,
 * with *dev and *ino (stat of /proc/self/ns/pid, dev as the kernel encodes
 * it) naming the namespace for bpf_get_ns_current_pid_tgid(). False in the
 * initial namespace, and when /proc/self/ns/pid cannot be read (no /proc:
 * nothing better to say); *dev and *ino are then 0. */
bool sys_own_pidns(uint64_t *dev, uint64_t *ino);

#endif
