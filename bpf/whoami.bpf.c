// SPDX-License-Identifier: GPL-2.0
/*
 * Who is loupe, as the kernel counts? bpf_get_current_pid_tgid() reports
 * PIDs of the initial PID namespace; getpid() those of the caller's. When
 * loupe runs in a PID namespace of its own, its own events must still be
 * left out (the filter's self_tgid), so user space runs this program once
 * with BPF_PROG_TEST_RUN (raw tracepoint programs run in the caller's
 * context, Linux 5.10) and reads the answer back. common/skel.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

__u32 whoami_tgid;

SEC("raw_tp")
int whoami(void *ctx)
{
	whoami_tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
