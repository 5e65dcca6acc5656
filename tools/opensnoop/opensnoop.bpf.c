// SPDX-License-Identifier: GPL-2.0
/*
 * opensnoop's default object: paths as the caller passed them. No CO-RE
 * relocations here (DESIGN.md §10): the kernel's BTF is not loaded. The
 * programs are in opensnoop.bpf.h; -F loads opensnoop_full.bpf.c instead.
 */
#include "vmlinux.h"
#include "tools/opensnoop/opensnoop.bpf.h"

static __always_inline struct opensnoop_event *event_buf(void)
{
	return loupe_scratch();
}

/* the name as passed; none for open_by_handle_at */
static __always_inline __u32 event_path(struct opensnoop_event *e,
					const struct open_args *a, long ret)
{
	if (a->syscall == SYS_OPEN_BY_HANDLE_AT)
		return 0;
	return user_path(e, a->fname);
}
