/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one arch-specific place: where a system call's number and arguments
 * sit in the struct pt_regs that raw_syscalls:sys_enter / sys_exit pass
 * (raw_tp: ctx[0] is the pt_regs pointer, ctx[1] the id or the return
 * value). Declared by hand, as offsets into pt_regs, not through
 * vmlinux.h's struct with CO-RE: one relocation would make libbpf load the
 * kernel's 5 MB BTF (DESIGN.md §10), and these layouts are the kernel's
 * user-visible ptrace ABI (struct user_regs_struct / user_pt_regs), fixed
 * since long before 5.8.
 *
 * loupe_regs_args()   the six arguments, from one read; -1 when the read
 *                     failed or the call is a 32-bit compat one (its
 *                     number means another syscall: ia32 5 is open, x86-64
 *                     5 is fstat; syscalls:* tracepoints skip those too)
 * loupe_regs_nr()     the syscall number at sys_exit (the register that
 *                     held it at entry); -1 on failure or compat
 * loupe_regs_exit_args() the six arguments at sys_exit: the registers that
 *                     passed them still hold them (x86-64: only rax, rcx
 *                     and r11 change; arm64: x0, the first, is the return
 *                     value, and orig_x0 keeps it); -1 as loupe_regs_args
 */
#ifndef LOUPE_REGS_H
#define LOUPE_REGS_H

#if defined(__TARGET_ARCH_x86)
/* arch/x86/include/asm/ptrace.h: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx
 * dx si di orig_ax ip cs flags sp ss; arguments in di si dx r10 r8 r9. */
struct loupe_regs_tail {          /* pt_regs from r10 (offset 56) to cs */
	__u64 r10, r9, r8, ax, cx, dx, si, di, orig_ax, ip, cs;
};
#define LOUPE_REGS_TAIL_OFF 56
#define LOUPE_REGS_NR_OFF 120      /* orig_ax */
#define LOUPE_USER32_CS 0x23       /* __USER32_CS: an ia32 task */

static __always_inline int loupe_regs_args(const void *regs, __u64 *args)
{
	struct loupe_regs_tail t;

	if (bpf_probe_read_kernel(&t, sizeof(t), (const char *)regs + LOUPE_REGS_TAIL_OFF))
		return -1;
	if (t.cs == LOUPE_USER32_CS)
		return -1;
	args[0] = t.di;
	args[1] = t.si;
	args[2] = t.dx;
	args[3] = t.r10;
	args[4] = t.r8;
	args[5] = t.r9;
	return 0;
}

static __always_inline int loupe_regs_exit_args(const void *regs, __u64 *args)
{
	return loupe_regs_args(regs, args);
}

static __always_inline long loupe_regs_nr(const void *regs)
{
	struct { __u64 orig_ax, ip, cs; } t;

	if (bpf_probe_read_kernel(&t, sizeof(t), (const char *)regs + LOUPE_REGS_NR_OFF))
		return -1;
	return t.cs == LOUPE_USER32_CS ? -1 : (long)t.orig_ax;
}

#elif defined(__TARGET_ARCH_arm64)
/* arch/arm64/include/asm/ptrace.h: regs[31] sp pc pstate (user_pt_regs),
 * then orig_x0 (272), syscallno (280). Arguments in x0..x5 at entry.
 * Not tested on arm64 hardware here (the CI machines are x86-64). */
#define LOUPE_PSR_MODE32_BIT 0x10

static __always_inline int loupe_regs_args(const void *regs, __u64 *args)
{
	__u64 pstate;

	if (bpf_probe_read_kernel(args, 6 * sizeof(__u64), regs) ||
	    bpf_probe_read_kernel(&pstate, sizeof(pstate), (const char *)regs + 264))
		return -1;
	return pstate & LOUPE_PSR_MODE32_BIT ? -1 : 0;
}

static __always_inline int loupe_regs_exit_args(const void *regs, __u64 *args)
{
	if (loupe_regs_args(regs, args))
		return -1;
	return bpf_probe_read_kernel(&args[0], sizeof(args[0]), (const char *)regs + 272) ?
	       -1 : 0;
}

static __always_inline long loupe_regs_nr(const void *regs)
{
	__s32 nr;
	__u64 pstate;

	if (bpf_probe_read_kernel(&nr, sizeof(nr), (const char *)regs + 280) ||
	    bpf_probe_read_kernel(&pstate, sizeof(pstate), (const char *)regs + 264))
		return -1;
	return pstate & LOUPE_PSR_MODE32_BIT ? -1 : nr;
}

#else
#error "bpf/regs.h: no pt_regs layout for this architecture"
#endif

#endif
