/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry -> exit stashes: what an operation's start saw (a syscall's
 * arguments, a start time), kept in a hash under the operation's key (a
 * thread id, a request address) until its end. Every loss is counted:
 *   lost_stash  the stash was full, the start is forgotten
 *   lost_end    a start was still there when the same key started again:
 *               the end of the earlier operation was never seen
 * Include after loupe.bpf.h.
 *
 *   LOUPE_STASH(starts, __u32, struct my_args, 16384);
 *   loupe_stash_put(&starts, &tid, &args);          entry
 *   a = loupe_stash_get(&starts, &tid); ...           exit
 *   loupe_stash_drop(&starts, &tid);
 */
#ifndef LOUPE_STASH_BPF_H
#define LOUPE_STASH_BPF_H

#define LOUPE_STASH(name, key_type, value_type, entries)  \
	struct {                                          \
		__uint(type, BPF_MAP_TYPE_HASH);          \
		__uint(max_entries, entries);             \
		__type(key, key_type);                    \
		__type(value, value_type);                \
	} name SEC(".maps")

/* Insert val under key unless the key is there: 0, or -EEXIST (left as
 * it was), or another error (counted as lost_stash). */
static __always_inline long loupe_stash_add(void *map, const void *key, const void *val)
{
	long err = bpf_map_update_elem(map, key, val, BPF_NOEXIST);

	if (err && err != -17 /* EEXIST */)
		loupe_count_loss(lost_stash);
	return err;
}

/* Start an operation: val under key; an earlier start of the same key
 * whose end was never seen is counted (lost_end) and replaced. */
static __always_inline void loupe_stash_put(void *map, const void *key, const void *val)
{
	if (loupe_stash_add(map, key, val) != -17)
		return;
	loupe_count_loss(lost_end);
	if (bpf_map_update_elem(map, key, val, BPF_ANY))
		loupe_count_loss(lost_stash);
}

/* What the start saw, or NULL (started before tracing, filtered out). */
static __always_inline void *loupe_stash_get(void *map, const void *key)
{
	return bpf_map_lookup_elem(map, key);
}

static __always_inline void loupe_stash_drop(void *map, const void *key)
{
	bpf_map_delete_elem(map, key);
}

/* Start timing key (a map of __u64 start times). */
static __always_inline void loupe_start_time(void *map, const void *key)
{
	__u64 ts = bpf_ktime_get_ns();

	loupe_stash_put(map, key, &ts);
}

/* End timing key: true and *delta (ns, never negative) when its start was
 * seen; the start is removed. */
static __always_inline bool loupe_end_time(void *map, const void *key, __u64 *delta)
{
	__u64 *ts = bpf_map_lookup_elem(map, key), d;

	if (!ts)
		return false;
	d = bpf_ktime_get_ns() - *ts;
	bpf_map_delete_elem(map, key);
	*delta = (__s64)d < 0 ? 0 : d;
	return true;
}

#endif
