/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Count tables on the BPF side: a BPF_MAP_TYPE_PERCPU_HASH from a tool's
 * key struct (its first __u32 is the generation, bpf/summary.bpf.h) to a
 * __u64 count, read by common/count.h. Include after loupe.bpf.h.
 */
#ifndef LOUPE_COUNT_BPF_H
#define LOUPE_COUNT_BPF_H

#include "summary.bpf.h"

static const __u64 loupe_zero_count = 0;

/* Add n to the count of `key` (the generation is set here). */
static __always_inline void loupe_count_add(void *map, void *key, __u64 n)
{
	__u64 *c;

	*(__u32 *)key = loupe_cur_gen();
	c = loupe_lookup_or_init(map, key, &loupe_zero_count);
	if (c)
		loupe_add(c, n);
}

#endif
