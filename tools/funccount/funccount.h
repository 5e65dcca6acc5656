/* funccount wire types, shared by funccount.bpf.c and the front end. */
#ifndef FUNCCOUNT_H
#define FUNCCOUNT_H

#include "bpf/types.h"

#define FC_NR_MAX     1024   /* syscall numbers below this */
#define FC_CPU_MAX    1024   /* --cpu: CPUs below this */
#define FC_OFFSET_STEP_NS 40000000ULL /* --offset-heatmap: 40 ms buckets */

/* -k process/comm: counts keyed by probe and what -k picks. */
enum { FC_BY_PROBE = 1, FC_BY_PROCESS = 2, FC_BY_COMM = 4 };
struct funccount_key {
	__u32 gen;       /* generation (bpf/summary.bpf.h) */
	__u32 probe;     /* BY_PROBE: the probe's index, else ~0 */
	__u32 pid;       /* BY_PROCESS */
	__u32 pad;
	char comm[16];   /* BY_PROCESS, BY_COMM */
};

/* Configuration, in .rodata as cfg_fc. */
struct funccount_cfg {
	__u16 sys_enter[FC_NR_MAX]; /* syscall nr -> probe index + 1 (0: none) */
	__u16 sys_exit[FC_NR_MAX];
	__u8 cpus[FC_CPU_MAX / 8];  /* --cpu: bitmap */
	__u32 nprobes;              /* array counts: nprobes per generation */
	__u32 by;                   /* FC_BY_*; FC_BY_PROBE alone: the array */
	__u64 wall_offset_ns;       /* --offset-heatmap: realtime - monotonic, mod 1 s */
	__u8 cpu_on;
	__u8 offsets;               /* --offset-heatmap: sub-second offsets */
	__u8 pad[6];
};

#ifndef __bpf__
_Static_assert(sizeof(struct funccount_key) == 32, "funccount_key layout");
_Static_assert(sizeof(struct funccount_cfg) == 4096 + 128 + 8 + 8 + 8, "funccount_cfg layout");
#endif

#endif
