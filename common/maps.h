/*
 * Reading BPF maps from user space: every entry in batches
 * (BPF_MAP_LOOKUP_BATCH, 5.6+), or key by key where the kernel or the map
 * type has no batch operations; per-CPU values summed over the CPUs; a
 * generation of a summary map taken out (read, then removed) once no
 * program can write to it any more (bpf/summary.bpf.h, common/interval.h).
 * Functions return 0 or -errno and print nothing.
 */
#ifndef LOUPE_MAPS_H
#define LOUPE_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Called per entry; val is the value as the kernel returns it (per-CPU
 * maps: one copy per possible CPU, each rounded up to 8 bytes). Returns 0
 * to go on, or a negative errno to stop with it. */
typedef int (*map_entry_fn)(void *ctx, const void *key, const void *val);

struct map_shape {
	uint32_t type;
	size_t key_size;
	size_t value_size;   /* one value (one CPU's copy) */
	size_t user_size;    /* what a lookup returns: value_size, or per-CPU copies */
	int ncpus;           /* copies in user_size (1 if not per-CPU) */
};
int map_shape(int fd, struct map_shape *s);

/* Every entry of a map. Batched unless the kernel refuses batch reads for
 * the map (or LOUPE_NO_BATCH=1 is set, for tests): then get_next_key +
 * lookup. Entries added while it runs may or may not be seen. */
int map_read_all(int fd, map_entry_fn fn, void *ctx);
/* Delete n keys (batched, or one by one); missing keys are not an error. */
int map_delete_keys(int fd, const void *keys, size_t n, size_t key_size);

/* dst = sum of the per-CPU copies in val, as vectors of u64 (summary
 * values are u64 counters). vsize: bytes of one value (multiple of 8). */
void map_sum_percpu(void *dst, const void *val, size_t vsize, int ncpus);

/* Summary maps (bpf/summary.bpf.h) -- call only once no program can still
 * write the generation (interval__flip()):
 *   array  a 2-entry (per-CPU) array indexed by generation: its value for
 *          gen, summed over CPUs, into out (vsize bytes); then zeroed.
 *   hash   a (per-CPU) hash whose keys start with __u32 gen: fn is called
 *          with each key of gen and its value summed over CPUs; then those
 *          keys are deleted. */
int map_take_array(int fd, uint32_t gen, void *out, size_t vsize);
int map_take_hash(int fd, uint32_t gen, map_entry_fn fn, void *ctx);

#endif
