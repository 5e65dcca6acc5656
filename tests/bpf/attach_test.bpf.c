// SPDX-License-Identifier: GPL-2.0
/*
 * The attachment layer's test object (tests/attach_test.c): one program
 * per hook kind, each attached to several targets, counting the test's own
 * hits per cookie.
 */
#include "vmlinux.h"
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "loupe.bpf.h"
#include "attach.bpf.h"

#define NHITS 16

const volatile __u32 cfg_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NHITS);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline int hit(__u64 cookie)
{
	__u32 k = (__u32)cookie;
	__u64 *c;

	if ((bpf_get_current_pid_tgid() >> 32) != cfg_tgid || cookie >= NHITS)
		return 0;
	c = bpf_map_lookup_elem(&hits, &k);
	if (c)
		__sync_fetch_and_add(c, 1);
	return 0;
}

SEC("tracepoint")
int on_tp(void *ctx) { return hit(loupe_cookie(ctx)); }

SEC("raw_tp")
int on_raw_tp(void *ctx) { return hit(loupe_raw_cookie()); }

SEC("uprobe")
int on_uprobe(struct pt_regs *ctx) { return hit(loupe_cookie(ctx)); }

SEC("usdt")
int on_usdt(struct pt_regs *ctx) { return hit(bpf_usdt_cookie(ctx)); }
