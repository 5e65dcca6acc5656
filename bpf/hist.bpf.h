/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Histogram slots and updates on the BPF side (layout: bpf/hist.h). Maps of
 * struct loupe_hist are per-CPU, indexed by generation (bpf/summary.bpf.h):
 *
 *   unkeyed  BPF_MAP_TYPE_PERCPU_ARRAY, 2 entries, index = loupe_cur_gen()
 *   keyed    BPF_MAP_TYPE_PERCPU_HASH, key struct starting with __u32 gen,
 *            created with loupe_hist_of() (per disk, per flags, per pid...)
 *
 * Include after loupe.bpf.h.
 */
#ifndef LOUPE_HIST_BPF_H
#define LOUPE_HIST_BPF_H

#include "hist.h"
#include "summary.bpf.h"

/* The two map shapes (see above): an unkeyed per-generation array, and a
 * keyed per-CPU hash of up to `entries` keys of key_type. */
#define LOUPE_HIST_ARRAY(name)                                                \
	struct {                                                              \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                      \
		__uint(max_entries, 2);                                       \
		__type(key, __u32);                                           \
		__type(value, struct loupe_hist);                             \
	} name SEC(".maps")
#define LOUPE_HIST_HASH(name, key_type, entries)                              \
	struct {                                                              \
		__uint(type, BPF_MAP_TYPE_PERCPU_HASH);                       \
		__uint(max_entries, entries);                                 \
		__uint(map_flags, BPF_F_NO_PREALLOC);                         \
		__type(key, key_type);                                        \
		__type(value, struct loupe_hist);                             \
	} name SEC(".maps")

/* floor(log2(v)), and 0 for v = 0: the log2 slot of v (0..63). */
static __always_inline __u32 loupe_log2_slot(__u64 v)
{
	__u32 r = 0, s;

	s = (v > 0xffffffffULL) << 5; v >>= s; r |= s;
	s = (v > 0xffff) << 4; v >>= s; r |= s;
	s = (v > 0xff) << 3; v >>= s; r |= s;
	s = (v > 0xf) << 2; v >>= s; r |= s;
	s = (v > 0x3) << 1; v >>= s; r |= s;
	r |= (v >> 1);
	return r;
}

/* The linear slot of v with base and step (step > 0; see bpf/hist.h). */
static __always_inline __u32 loupe_linear_slot(__u64 v, __u64 base, __u64 step)
{
	__u64 s;

	if (v < base)
		return 0;
	s = (v - base) / step;
	return s > LOUPE_HIST_SLOTS - 1 ? LOUPE_HIST_SLOTS - 1 : (__u32)s;
}

/* Count raw value `raw` in `slot` of h, from the one program that writes
 * this map (plain adds: see loupe_add_1w in bpf/summary.bpf.h). */
static __always_inline void loupe_hist_add(struct loupe_hist *h, __u32 slot,
					   __u64 raw)
{
	/* clang drops the mask as redundant after loupe_log2_slot(), but
	 * older verifiers (6.1) cannot bound the slot without it */
	barrier_var(slot);
	loupe_add_1w(&h->slots[slot & (LOUPE_HIST_SLOTS - 1)], 1);
	loupe_add_1w(&h->sum, raw);
}

/* The same where several programs that can interrupt one another on a CPU
 * write the map. */
static __always_inline void loupe_hist_add_shared(struct loupe_hist *h, __u32 slot,
						  __u64 raw)
{
	barrier_var(slot);
	loupe_add(&h->slots[slot & (LOUPE_HIST_SLOTS - 1)], 1);
	loupe_add(&h->sum, raw);
}

/* An all-zero histogram to create hash entries from (too big for the
 * 512-byte BPF stack). */
static const struct loupe_hist loupe_zero_hist = {};

/* The histogram of `key` (its first __u32 is set to the generation here)
 * in a keyed hist map, created when missing; NULL when the map is full. */
static __always_inline struct loupe_hist *loupe_hist_of(void *map, void *key)
{
	*(__u32 *)key = loupe_cur_gen();
	return loupe_lookup_or_init(map, key, &loupe_zero_hist);
}

/* The histogram of the current generation in an unkeyed (array) map. */
static __always_inline struct loupe_hist *loupe_hist_cur(void *map)
{
	__u32 gen = loupe_cur_gen();

	return bpf_map_lookup_elem(map, &gen);
}

#endif
