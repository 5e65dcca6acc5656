/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Summaries aggregated in the kernel (histograms, count tables), read by
 * user space once per interval without losing a count between intervals.
 *
 * Every summary map is indexed by a generation, 0 or 1: the first __u32 of
 * a hash key, or the index of a 2-entry array. Programs count into the
 * generation in loupe_gen (.bss). At the end of an interval user space
 * flips loupe_gen, waits until no program can still be running with the old
 * value (membarrier(MEMBARRIER_CMD_GLOBAL), i.e. synchronize_rcu(): tracing
 * programs run inside RCU read-side sections), then reads and clears the
 * old generation at leisure while new counts go to the other one. Nothing
 * is read-then-deleted under a running program (common/interval.h).
 *
 * Include after loupe.bpf.h.
 */
#ifndef LOUPE_SUMMARY_BPF_H
#define LOUPE_SUMMARY_BPF_H

/* Flipped by user space (common/interval.c); only bit 0 is used. */
__u32 loupe_gen = 0;

static __always_inline __u32 loupe_cur_gen(void)
{
	return *(volatile __u32 *)&loupe_gen & 1;
}

/*
 * The value of `key` in a hash map, created from `init` when missing.
 * Race-safe: another CPU may insert the same key between our lookup and
 * update, so the update uses BPF_NOEXIST (never overwriting that CPU's
 * counts) and we look the key up again whatever it returned. A full map is
 * counted as a loss (lost_map) and returns NULL.
 */
static __always_inline void *loupe_lookup_or_init(void *map, const void *key,
						  const void *init)
{
	void *v = bpf_map_lookup_elem(map, key);
	long err;

	if (v)
		return v;
	err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST */) {
		loupe_count_loss(lost_map);
		return NULL;
	}
	v = bpf_map_lookup_elem(map, key);
	if (!v)
		loupe_count_loss(lost_map);
	return v;
}

/*
 * Counters are per-CPU map values. loupe_add() uses an atomic instruction
 * (uncontended: one CPU's copy), which keeps a count exact even when
 * several programs that share the map interrupt one another on a CPU (task
 * and irq context). A map written by ONE program can use plain adds
 * (loupe_add_1w): the kernel never runs a program nested inside itself on
 * a CPU (such a run is skipped and counted as a recursion miss).
 */
#define loupe_add(p, v) __sync_fetch_and_add((p), (v))
#define loupe_add_1w(p, v) (*(p) += (v))

#endif
