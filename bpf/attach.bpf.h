/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Telling a program's targets apart when one program is attached to many
 * (common/attach.h). Each target has a cookie; a program reads it with
 *
 *   loupe_cookie(ctx)      tracepoint, kprobe and uprobe programs: the link's
 *                          cookie (bpf_get_attach_cookie, 5.15+) when user
 *                          space set cfg_cookie_helper, else the instance
 *                          constant of this copy of the program
 *   loupe_raw_cookie()     raw_tp programs: the instance constant (libbpf
 *                          1.1 cannot give raw tracepoints a cookie)
 *
 * The instance constant is an ld_imm64 of LOUPE_INSTANCE_MAGIC in the
 * original program; attach_clone() loads copies of it with the constant
 * replaced by a target's cookie. The verifier sees a known constant, so
 * only one branch of loupe_cookie() is ever checked: the helper is never
 * verified in a copy, nor in an original when cfg_cookie_helper is off
 * (kernels before 5.15).
 */
#ifndef LOUPE_ATTACH_BPF_H
#define LOUPE_ATTACH_BPF_H

#define LOUPE_INSTANCE_MAGIC 0x10c0ffee5eed1e55ULL

/* user space: the kernel delivers cookies to this object's perf-event
 * programs (attach_cookies_supported) */
const volatile bool cfg_cookie_helper = false;

static __always_inline __u64 loupe_instance(void)
{
	__u64 v;

	/* an ld_imm64 of the magic, opaque to the compiler */
	asm volatile("%0 = 0x10c0ffee5eed1e55 ll" : "=r"(v));
	return v;
}

/* True when this copy's instance is not a cookie (the original). The
 * comparison must not use an ld_imm64 of the magic itself, which a copy
 * would patch too: it compares with magic - 1 + 1, the magic - 1 loaded
 * in asm so that the compiler cannot fold it back into the magic. */
static __always_inline bool loupe_is_original(__u64 i)
{
	__u64 m;

	asm volatile("%0 = 0x10c0ffee5eed1e54 ll" : "=r"(m));
	return i == m + 1;
}

static __always_inline __u64 loupe_raw_cookie(void)
{
	__u64 i = loupe_instance();

	return loupe_is_original(i) ? 0 : i;
}

static __always_inline __u64 loupe_cookie(void *ctx)
{
	__u64 i = loupe_instance();

	if (!loupe_is_original(i))
		return i;
	if (cfg_cookie_helper)
		return bpf_get_attach_cookie(ctx);
	return 0;
}

#endif
