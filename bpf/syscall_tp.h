/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Syscall tracepoint contexts, declared by hand. The layouts of
 * syscalls:sys_enter_* / sys_exit_* and raw_syscalls:sys_enter / sys_exit
 * are stable ABI since 2.6.x: 8 bytes of common fields, the syscall number
 * at offset 8, then the six arguments (or the return value) from offset 16
 * as 8-byte slots. Declaring them here, not through vmlinux.h's
 * trace_event_raw_* types, keeps CO-RE relocations (and the 5.5 MB kernel
 * BTF load they cost) out of objects that need nothing else.
 */
#ifndef LOUPE_SYSCALL_TP_H
#define LOUPE_SYSCALL_TP_H

struct syscall_enter_ctx {
	__u64 common;
	__s32 nr;       /* int in syscalls:*; the low half of raw_syscalls' long id */
	__u32 pad;
	__u64 args[6];
};

struct syscall_exit_ctx {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__s64 ret;
};

#endif
