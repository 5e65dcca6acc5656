#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "maps.h"

#define BATCH 256

int map_shape(int fd, struct map_shape *s)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int err;

	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err)
		return -errno;
	s->type = info.type;
	s->key_size = info.key_size;
	s->value_size = info.value_size;
	s->ncpus = 1;
	s->user_size = info.value_size;
	switch (info.type) {
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		s->ncpus = libbpf_num_possible_cpus();
		if (s->ncpus < 1)
			return s->ncpus < 0 ? s->ncpus : -EINVAL;
		s->user_size = ((info.value_size + 7) / 8 * 8) * (size_t)s->ncpus;
		break;
	}
	return 0;
}

static bool no_batch(void)
{
	const char *e = getenv("LOUPE_NO_BATCH");

	return e && *e == '1';
}

/* key by key: the fallback */
static int read_iter(int fd, const struct map_shape *s, map_entry_fn fn, void *ctx)
{
	void *key = calloc(2, s->key_size), *val = malloc(s->user_size);
	void *prev = NULL, *next;
	int err = 0;

	if (!key || !val) {
		err = -ENOMEM;
		goto out;
	}
	next = key;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		if (!bpf_map_lookup_elem(fd, next, val)) {
			err = fn(ctx, next, val);
			if (err)
				goto out;
		} else if (errno != ENOENT) { /* deleted meanwhile: skip */
			err = -errno;
			goto out;
		}
		prev = next;
		next = (char *)key + (next == key ? s->key_size : 0);
	}
	if (errno != ENOENT)
		err = -errno;
out:
	free(key);
	free(val);
	return err;
}

int map_read_all(int fd, map_entry_fn fn, void *ctx)
{
	struct map_shape s;
	size_t tok = 8, cap = BATCH;
	char *keys = NULL, *vals = NULL, *in = NULL, *out = NULL;
	bool first = true;
	int err;

	err = map_shape(fd, &s);
	if (err)
		return err;
	if (no_batch())
		return read_iter(fd, &s, fn, ctx);
	if (s.key_size > tok)
		tok = s.key_size;
	in = calloc(1, tok);
	out = calloc(1, tok);
	if (!in || !out) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		__u32 n = (__u32)cap, i;
		char *t;

		if (!keys) {
			keys = malloc(cap * s.key_size);
			vals = malloc(cap * s.user_size);
			if (!keys || !vals) {
				err = -ENOMEM;
				goto out;
			}
		}
		err = bpf_map_lookup_batch(fd, first ? NULL : in, out, keys, vals, &n, NULL);
		if (err)
			err = -errno;
		if (err && err != -ENOENT) {
			if (err == -ENOSPC && cap < (1u << 20)) {
				/* a hash bucket holds more than cap entries */
				cap *= 4;
				free(keys);
				free(vals);
				keys = vals = NULL;
				continue;
			}
			if (first && (err == -EINVAL || err == -ENOTSUP ||
				      err == -EOPNOTSUPP || err == -ENOSYS)) {
				err = read_iter(fd, &s, fn, ctx);
				goto out;
			}
			goto out;
		}
		for (i = 0; i < n; i++) {
			int r = fn(ctx, keys + i * s.key_size, vals + i * s.user_size);

			if (r) {
				err = r;
				goto out;
			}
		}
		if (err == -ENOENT) {
			err = 0;
			break;
		}
		first = false;
		t = in;
		in = out;
		out = t;
	}
out:
	free(keys);
	free(vals);
	free(in);
	free(out);
	return err;
}

int map_delete_keys(int fd, const void *keys, size_t n, size_t key_size)
{
	size_t i;

	if (!n)
		return 0;
	if (!no_batch()) {
		__u32 cnt = (__u32)n;

		if (!bpf_map_delete_batch(fd, keys, &cnt, NULL) && cnt == n)
			return 0;
		/* a missing key stops a batch: finish one by one */
	}
	for (i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, (const char *)keys + i * key_size) &&
		    errno != ENOENT)
			return -errno;
	return 0;
}

void map_sum_percpu(void *dst, const void *val, size_t vsize, int ncpus)
{
	size_t words = vsize / 8, stride = (vsize + 7) / 8, w;
	const uint64_t *v = val;
	uint64_t *d = dst;
	int c;

	memset(dst, 0, vsize);
	for (c = 0; c < ncpus; c++)
		for (w = 0; w < words; w++)
			d[w] += v[(size_t)c * stride + w];
}

int map_take_array(int fd, uint32_t gen, void *out, size_t vsize)
{
	struct map_shape s;
	void *val;
	int err;

	err = map_shape(fd, &s);
	if (err)
		return err;
	if (s.value_size != vsize)
		return -EINVAL;
	val = calloc(1, s.user_size);
	if (!val)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &gen, val)) {
		err = -errno;
		goto out;
	}
	map_sum_percpu(out, val, vsize, s.ncpus);
	memset(val, 0, s.user_size);
	if (bpf_map_update_elem(fd, &gen, val, BPF_ANY))
		err = -errno;
out:
	free(val);
	return err;
}

struct take {
	const struct map_shape *s;
	uint32_t gen;
	map_entry_fn fn;
	void *ctx;
	void *sum;
	char *keys;
	size_t n, cap;
};

static int take_one(void *c, const void *key, const void *val)
{
	struct take *t = c;
	uint32_t g;
	int err;

	memcpy(&g, key, sizeof(g));
	if (g != t->gen)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char *k = realloc(t->keys, cap * t->s->key_size);

		if (!k)
			return -ENOMEM;
		t->keys = k;
		t->cap = cap;
	}
	memcpy(t->keys + t->n++ * t->s->key_size, key, t->s->key_size);
	map_sum_percpu(t->sum, val, t->s->value_size, t->s->ncpus);
	err = t->fn(t->ctx, key, t->sum);
	return err;
}

int map_take_hash(int fd, uint32_t gen, map_entry_fn fn, void *ctx)
{
	struct map_shape s;
	struct take t = { .s = &s, .gen = gen, .fn = fn, .ctx = ctx };
	int err;

	err = map_shape(fd, &s);
	if (err)
		return err;
	if (s.key_size < sizeof(uint32_t) || s.value_size % 8)
		return -EINVAL;
	t.sum = malloc(s.value_size);
	if (!t.sum)
		return -ENOMEM;
	err = map_read_all(fd, take_one, &t);
	/* delete what was read even after an error in fn: the next interval
	 * must not count it again */
	if (t.n) {
		int e = map_delete_keys(fd, t.keys, t.n, s.key_size);

		if (!err)
			err = e;
	}
	free(t.keys);
	free(t.sum);
	return err;
}
