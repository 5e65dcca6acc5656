// SPDX-License-Identifier: GPL-2.0
/*
 * funccount: count hits of many probes with one program per hook kind, each
 * target told apart by its index (bpf/attach.bpf.h: a cookie, or a program
 * copy's instance constant). Counts are per-CPU, per generation (summaries,
 * bpf/summary.bpf.h): an array indexed by probe, or with -k process/comm a
 * hash. Syscall tracepoints (t:syscalls:*) go through raw_syscalls: two
 * programs whatever the number of syscalls, with the probe of each syscall
 * number in .rodata. No CO-RE.
 */
#include "vmlinux.h"
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "loupe.bpf.h"
#include "attach.bpf.h"
#include "count.bpf.h"
#include "hist.bpf.h"
#include "regs.h"
#include "tools/funccount/funccount.h"

const volatile struct funccount_cfg cfg_fc = {};

/* probe counts, [gen * nprobes + probe]; sized by user space */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct funccount_key);
	__type(value, __u64);
} keyed SEC(".maps");

/* --offset-heatmap: where in its second each hit fell */
LOUPE_HIST_ARRAY(offsets);

static __always_inline int hit(__u64 probe)
{
	__u32 gen, idx;
	__u64 *c;

	if (!loupe_filter_pass())
		return 0;
	if (cfg_fc.cpu_on) {
		__u32 cpu = bpf_get_smp_processor_id();

		if (cpu >= FC_CPU_MAX ||
		    !(cfg_fc.cpus[(cpu / 8) & (FC_CPU_MAX / 8 - 1)] & (1 << (cpu & 7))))
			return 0;
	}
	if (cfg_fc.offsets) {
		__u64 sub = (bpf_ktime_get_ns() + cfg_fc.wall_offset_ns) % 1000000000ULL;
		struct loupe_hist *h = loupe_hist_cur(&offsets);

		if (h)
			loupe_hist_add_shared(h, loupe_linear_slot(sub, 0, FC_OFFSET_STEP_NS), sub);
	}
	if (cfg_fc.by != FC_BY_PROBE) {
		struct funccount_key k = { .probe = ~0u };

		if (cfg_fc.by & FC_BY_PROBE)
			k.probe = (__u32)probe;
		if (cfg_fc.by & FC_BY_PROCESS)
			k.pid = loupe_pid_tgid() >> 32;
		if (cfg_fc.by & (FC_BY_PROCESS | FC_BY_COMM))
			bpf_get_current_comm(k.comm, sizeof(k.comm));
		loupe_count_add(&keyed, &k, 1);
		return 0;
	}
	gen = loupe_cur_gen();
	idx = gen * cfg_fc.nprobes + (__u32)probe;
	c = bpf_map_lookup_elem(&counts, &idx);
	if (c)
		loupe_add(c, 1); /* programs of several kinds may nest on a CPU */
	else
		loupe_count_loss(lost_map);
	return 0;
}

SEC("raw_tp")
int fc_raw_tp(void *ctx) { return hit(loupe_raw_cookie()); }

SEC("tracepoint")
int fc_tp(void *ctx) { return hit(loupe_cookie(ctx)); }

SEC("uprobe")
int fc_uprobe(struct pt_regs *ctx) { return hit(loupe_cookie(ctx)); }

SEC("usdt")
int fc_usdt(struct pt_regs *ctx) { return hit(bpf_usdt_cookie(ctx)); }

SEC("kprobe")
int fc_kprobe(struct pt_regs *ctx) { return hit(loupe_cookie(ctx)); }

SEC("kprobe.multi")
int fc_kprobe_multi(struct pt_regs *ctx) { return hit(bpf_get_attach_cookie(ctx)); }

SEC("raw_tp/sys_enter")
int fc_sys_enter(__u64 *ctx)
{
	long nr = (long)ctx[1];
	__u64 args[6];
	__u16 p;

	if ((unsigned long)nr >= FC_NR_MAX)
		return 0;
	p = cfg_fc.sys_enter[nr];
	/* a 32-bit task's numbers mean other syscalls: left out, as the
	 * syscalls:* tracepoints do (loupe_regs_args checks) */
	if (!p || loupe_regs_args((const void *)ctx[0], args))
		return 0;
	return hit(p - 1);
}

SEC("raw_tp/sys_exit")
int fc_sys_exit(__u64 *ctx)
{
	long nr = loupe_regs_nr((const void *)ctx[0]);
	__u16 p;

	if ((unsigned long)nr >= FC_NR_MAX)
		return 0;
	p = cfg_fc.sys_exit[nr];
	return p ? hit(p - 1) : 0;
}
