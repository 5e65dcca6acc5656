/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The syscall event source: a tool names the system calls it traces and
 * gets their entries and exits from one of two sources, chosen by user
 * space at run time (common/syscalls.h) -- both are compiled in, one is
 * loaded:
 *
 *   tracepoints   syscalls:sys_enter_<name> / sys_exit_<name>, a program
 *                 pair per syscall. The untraced syscalls pay only the
 *                 slow path that any syscall tracepoint turns on (~15 ns
 *                 here); each link costs ~40-70 ms to release (done by a
 *                 detached child, common/attach.h). For a handful of
 *                 syscalls.
 *   raw_syscalls  raw_tp sys_enter / sys_exit: two programs that run on
 *                 every syscall of the machine (~45 ns more per syscall
 *                 than the tracepoints) and keep the traced ones by number
 *                 (cfg_sys_idx); arguments from pt_regs (bpf/regs.h). For
 *                 many syscalls or all of them.
 *
 * The tool defines, before including this header:
 *   LOUPE_SYS_ENTER / LOUPE_SYS_EXIT   1 for each direction it needs
 *   int loupe_sys_enter(void *ctx, __u32 idx, long nr, const __u64 *args)
 *   int loupe_sys_exit(void *ctx, __u32 idx, long nr, long ret)
 *   optionally loupe_sys_exit_tp(), called by the tracepoint exits
 *     instead of loupe_sys_exit (e.g. a tail call into one verified copy)
 *   optionally LOUPE_SYS_EXIT_WANTED(ret): a cheap test on the return
 *     value before the raw exit reads the registers (errsnoop: ret < 0)
 * and lists its syscalls with LOUPE_SYSCALL_TP(name, idx), idx being its
 * own number for the syscall (0..LOUPE_SYS_IDX_MAX-2). With cfg_sys_all
 * the raw source passes every syscall (idx 0) and no tracepoint is used.
 * Include after loupe.bpf.h.
 */
#ifndef LOUPE_SYSCALLS_BPF_H
#define LOUPE_SYSCALLS_BPF_H

#include "syscall_tp.h"
#include "regs.h"

#define LOUPE_SYS_NR_MAX 1024   /* syscall numbers below this (x86-64: ~470) */

/* syscall number -> the tool's idx + 1 (0: not traced); raw source only */
const volatile __u8 cfg_sys_idx[LOUPE_SYS_NR_MAX] = {};
/* every syscall (raw source only): idx is 0 */
const volatile bool cfg_sys_all = false;

#ifndef LOUPE_SYS_EXIT_WANTED
#define LOUPE_SYS_EXIT_WANTED(ret) 1
#endif

/* The tool's idx + 1 of syscall nr, 0 when it is not traced. */
static __always_inline __u32 loupe_sys_lookup(long nr)
{
	if ((unsigned long)nr >= LOUPE_SYS_NR_MAX)
		return 0;
	if (cfg_sys_all)
		return 1;
	return cfg_sys_idx[nr];
}

/* Exits are defined before entries: libbpf attaches a skeleton's programs
 * in definition order, so every exit is live before its entry is, and a
 * call that straddles the attach never leaves a start that no exit takes
 * (which a later call of that thread would count as lost_end). */
#if LOUPE_SYS_EXIT
static __always_inline int loupe_sys_exit(void *ctx, __u32 idx, long nr, long ret);
#ifndef loupe_sys_exit_tp
#define loupe_sys_exit_tp loupe_sys_exit
#endif

SEC("raw_tp/sys_exit")
int raw_sys_exit(__u64 *ctx)
{
	long ret = (long)ctx[1], nr;
	__u32 idx;

	if (!LOUPE_SYS_EXIT_WANTED(ret))
		return 0;
	nr = loupe_regs_nr((const void *)ctx[0]);
	idx = loupe_sys_lookup(nr);
	if (!idx)
		return 0;
	return loupe_sys_exit(ctx, idx - 1, nr, ret);
}
#define LOUPE_SYS_TP_EXIT(name, idx)                                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                            \
	int tp_exit_##name(struct syscall_exit_ctx *ctx)                      \
	{ return loupe_sys_exit_tp(ctx, idx, ctx->nr, ctx->ret); }
#else
#define LOUPE_SYS_TP_EXIT(name, idx)
#endif

#if LOUPE_SYS_ENTER
static __always_inline int loupe_sys_enter(void *ctx, __u32 idx, long nr, const __u64 *args);

SEC("raw_tp/sys_enter")
int raw_sys_enter(__u64 *ctx)
{
	long nr = (long)ctx[1];
	__u32 idx = loupe_sys_lookup(nr);
	__u64 args[6];

	if (!idx || loupe_regs_args((const void *)ctx[0], args))
		return 0;
	return loupe_sys_enter(ctx, idx - 1, nr, args);
}
#define LOUPE_SYS_TP_ENTER(name, idx)                                         \
	SEC("tracepoint/syscalls/sys_enter_" #name)                           \
	int tp_enter_##name(struct syscall_enter_ctx *ctx)                    \
	{ return loupe_sys_enter(ctx, idx, ctx->nr, ctx->args); }
#else
#define LOUPE_SYS_TP_ENTER(name, idx)
#endif

/* The tracepoint programs of one syscall (named tp_enter_<name>,
 * tp_exit_<name>: common/syscalls.c enables them by name), exit first. */
#define LOUPE_SYSCALL_TP(name, idx) LOUPE_SYS_TP_EXIT(name, idx) LOUPE_SYS_TP_ENTER(name, idx)

#endif
