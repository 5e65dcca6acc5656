// SPDX-License-Identifier: GPL-2.0
/*
 * floor.bpf.c - the cost floor for opensnoop-like tracers.
 *
 * Empty programs on the same six syscall tracepoints opensnoop uses. Whatever
 * a real tracer costs beyond this is its own work (reading the path,
 * reserving/submitting events, waking user space); what this costs is the
 * price of having a BPF program on these tracepoints at all.
 *
 * Also two empty raw tracepoint programs on raw_syscalls sys_enter and
 * sys_exit: the price of a program that runs on every syscall of the
 * machine (a tool's syscall source on raw_syscalls). floor -m picks which
 * of these programs are loaded (floor.c).
 *
 * And three empty programs without a target (a classic tracepoint, a raw
 * tracepoint, a uprobe) that floor attaches where -m tp:, rawtp: and
 * uprobe: items say: the floor of any other tool's hooks.
 *
 * The tracepoint contexts are declared by hand from
 * /sys/kernel/tracing/events/syscalls/<name>/format (syscall tracepoint
 * layouts are stable ABI). There is no vmlinux.h and no CO-RE relocation, so
 * libbpf does not load the kernel BTF for this object.
 */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

/* Common header of every trace event, then the syscall number. */
struct syscall_trace_hdr {
	__u16 common_type;
	__u8 common_flags;
	__u8 common_preempt_count;
	__s32 common_pid;
	__s32 syscall_nr;
	__u32 pad;
};

struct trace_sys_enter_open {
	struct syscall_trace_hdr hdr;
	const char *filename;	/* offset 16 */
	__u64 flags;
	__u64 mode;
};

struct trace_sys_enter_openat {
	struct syscall_trace_hdr hdr;
	__u64 dfd;		/* offset 16 */
	const char *filename;	/* offset 24 */
	__u64 flags;
	__u64 mode;
};

struct trace_sys_enter_openat2 {
	struct syscall_trace_hdr hdr;
	__u64 dfd;		/* offset 16 */
	const char *filename;	/* offset 24 */
	void *how;
	__u64 usize;
};

struct trace_sys_exit {
	struct syscall_trace_hdr hdr;
	__s64 ret;		/* offset 16 */
};

SEC("tracepoint/syscalls/sys_enter_open")
int floor_enter_open(struct trace_sys_enter_open *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int floor_enter_openat(struct trace_sys_enter_openat *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int floor_enter_openat2(struct trace_sys_enter_openat2 *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_open")
int floor_exit_open(struct trace_sys_exit *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int floor_exit_openat(struct trace_sys_exit *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int floor_exit_openat2(struct trace_sys_exit *ctx)
{
	return 0;
}

SEC("raw_tp/sys_enter")
int floor_raw_sys_enter(void *ctx)
{
	return 0;
}

SEC("raw_tp/sys_exit")
int floor_raw_sys_exit(void *ctx)
{
	return 0;
}

SEC("tracepoint")
int floor_tp_any(void *ctx)
{
	return 0;
}

SEC("raw_tp")
int floor_rawtp_any(void *ctx)
{
	return 0;
}

SEC("uprobe")
int floor_uprobe_any(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
