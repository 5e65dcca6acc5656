#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "count.h"
#include "interval.h"
#include "loupe.h"
#include "maps.h"

struct count_table {
	size_t ksz;
	unsigned char *keys;
	uint64_t *counts;
	size_t n, cap;
	uint32_t *slots;      /* open addressing: row index + 1, 0 = empty */
	size_t nslots;        /* power of two, > 2 * n */
	size_t *order;        /* sorted row indexes, valid when sorted */
	int sorted;
};

struct count_table *count_table__new(size_t key_size)
{
	struct count_table *t = calloc(1, sizeof(*t));

	if (t)
		t->ksz = key_size ? key_size : 1;
	return t;
}

void count_table__free(struct count_table *t)
{
	if (!t)
		return;
	free(t->keys);
	free(t->counts);
	free(t->slots);
	free(t->order);
	free(t);
}

void count_table__clear(struct count_table *t)
{
	t->n = 0;
	t->sorted = 0;
	if (t->slots)
		memset(t->slots, 0, t->nslots * sizeof(*t->slots));
}

/* FNV-1a */
static size_t hash(const unsigned char *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= k[i];
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 32));
}

static int rehash(struct count_table *t, size_t nslots)
{
	uint32_t *s = calloc(nslots, sizeof(*s));
	size_t i;

	if (!s)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		size_t j = hash(t->keys + i * t->ksz, t->ksz) & (nslots - 1);

		while (s[j])
			j = (j + 1) & (nslots - 1);
		s[j] = (uint32_t)(i + 1);
	}
	free(t->slots);
	t->slots = s;
	t->nslots = nslots;
	return 0;
}

int count_table__add(struct count_table *t, const void *key, uint64_t n)
{
	size_t j;

	if (2 * (t->n + 1) > t->nslots &&
	    rehash(t, t->nslots ? t->nslots * 2 : 64))
		return -ENOMEM;
	j = hash(key, t->ksz) & (t->nslots - 1);
	while (t->slots[j]) {
		size_t r = t->slots[j] - 1;

		if (!memcmp(t->keys + r * t->ksz, key, t->ksz)) {
			t->counts[r] += n;
			return 0;
		}
		j = (j + 1) & (t->nslots - 1);
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		unsigned char *k = realloc(t->keys, cap * t->ksz);
		uint64_t *c;

		if (!k)
			return -ENOMEM;
		t->keys = k;
		c = realloc(t->counts, cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		t->counts = c;
		t->cap = cap;
	}
	memcpy(t->keys + t->n * t->ksz, key, t->ksz);
	t->counts[t->n] = n;
	t->slots[j] = (uint32_t)(++t->n);
	t->sorted = 0;
	return 0;
}

static int row_cmp(const void *a, const void *b, void *arg)
{
	const struct count_table *t = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (t->counts[x] != t->counts[y])
		return t->counts[x] > t->counts[y] ? -1 : 1;
	return memcmp(t->keys + x * t->ksz, t->keys + y * t->ksz, t->ksz);
}

void count_table__sort(struct count_table *t)
{
	size_t i, *o = realloc(t->order, (t->n ? t->n : 1) * sizeof(*o));

	if (!o)
		return; /* stays in insertion order */
	t->order = o;
	for (i = 0; i < t->n; i++)
		o[i] = i;
	qsort_r(o, t->n, sizeof(*o), row_cmp, t);
	t->sorted = 1;
}

size_t count_table__len(const struct count_table *t)
{
	return t->n;
}

static size_t row(const struct count_table *t, size_t i)
{
	return t->sorted ? t->order[i] : i;
}

const void *count_table__key(const struct count_table *t, size_t i)
{
	return t->keys + row(t, i) * t->ksz;
}

uint64_t count_table__count(const struct count_table *t, size_t i)
{
	return t->counts[row(t, i)];
}

uint64_t count_table__total(const struct count_table *t)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < t->n; i++)
		s += t->counts[i];
	return s;
}

struct take_ctx {
	struct count_table *t;
	void (*project)(void *dst, const void *key, void *ctx);
	void *ctx;
	void *buf;
};

static int take_one(void *c, const void *key, const void *val)
{
	struct take_ctx *tc = c;
	uint64_t n;

	memcpy(&n, val, sizeof(n));
	if (tc->project) {
		memset(tc->buf, 0, tc->t->ksz);
		tc->project(tc->buf, key, tc->ctx);
		key = tc->buf;
	}
	return count_table__add(tc->t, key, n);
}

int count_table__take(struct count_table *t, int map_fd, uint32_t gen,
		      void (*project)(void *dst, const void *key, void *ctx), void *ctx)
{
	struct take_ctx tc = { t, project, ctx, NULL };
	int err;

	tc.buf = malloc(t->ksz);
	if (!tc.buf)
		return -ENOMEM;
	err = map_take_hash(map_fd, gen, take_one, &tc);
	free(tc.buf);
	return err;
}

void count_table__print(struct count_table *t, struct out *o, int count_col,
			int time_col, uint64_t wall_ns, uint64_t top, count_cells_fn cells,
			void *ctx)
{
	size_t i, n = t->n;

	count_table__sort(t);
	if (top && top < n)
		n = (size_t)top;
	out_header(o);
	for (i = 0; i < n; i++) {
		out_row_begin(o);
		if (time_col >= 0)
			out_walltime(o, time_col, wall_ns);
		cells(o, count_table__key(t, i), ctx);
		out_uint(o, count_col, count_table__count(t, i));
		out_row_end(o, "count");
	}
}

int count_parse_by(const char *by, const char *const *names, uint32_t *mask)
{
	const char *p = by;
	uint32_t m = 0;

	if (!by || !*by)
		return -EINVAL;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int i;

		for (i = 0; names[i]; i++)
			if (strlen(names[i]) == len && !strncmp(names[i], p, len))
				break;
		if (!len || !names[i] || i >= 32)
			return -EINVAL;
		m |= 1u << i;
		if (!comma)
			break;
		p = comma + 1;
	}
	*mask = m;
	return 0;
}

struct run_ctx {
	struct count_table *t;
	int fd, count_col, time_col;
	struct out *o;
	count_cells_fn cells;
	void *ctx;
	const struct loupe_opts *opts;
};

static int run_one(void *c, uint32_t gen, uint64_t wall_ns, bool last)
{
	struct run_ctx *r = c;
	char ts[16];
	int err;

	(void)last;
	count_table__clear(r->t);
	err = count_table__take(r->t, r->fd, gen, NULL, NULL);
	if (err)
		return err;
	stats_add_events(count_table__total(r->t));
	if (!r->o->json) {
		if (r->opts->interval_ns)
			fputc('\n', r->o->f);
		if (r->opts->timestamp) {
			fmt_hms(ts, sizeof(ts), wall_ns, false);
			fprintf(r->o->f, "%-8s\n", ts);
		}
	}
	count_table__print(r->t, r->o, r->count_col, r->time_col, wall_ns, r->opts->top,
			   r->cells, r->ctx);
	return 0;
}

int count_run(const struct bpf_object_skeleton *s, struct bpf_map *map,
	      struct out *o, int count_col, int time_col, count_cells_fn cells, void *ctx,
	      const struct loupe_opts *opts)
{
	struct run_ctx r = { NULL, bpf_map__fd(map), count_col, time_col, o, cells, ctx, opts };
	struct interval iv;
	int err = interval__init(&iv, s, opts);

	if (err)
		return err;
	r.t = count_table__new(bpf_map__key_size(map));
	if (!r.t)
		return -ENOMEM;
	err = interval__run(&iv, run_one, &r);
	count_table__free(r.t);
	return err;
}

uint32_t count_by_option(const struct loupe_opts *opts, const char *dflt,
			 const char *const *names)
{
	char list[256] = "";
	uint32_t mask = 0;
	size_t n = 0;
	int i;

	if (!opts->count) {
		if (opts->by || opts->top || opts->interval_ns)
			loupe_usage_error("-k, --top and -i need -c");
		return 0;
	}
	/* per-event options that a count summary would silently ignore */
	if (opts->max_events)
		loupe_usage_error("--max-events counts events printed: not with -c");
	if (opts->extended)
		loupe_usage_error("-e adds per-event columns: not with -c");
	if (opts->containers)
		loupe_usage_error("-C adds a per-event column: not with -c");
	if (opts->elapsed || opts->print_uid)
		loupe_usage_error("%s adds a per-event column: not with -c (-T gives "
				  "each table a time line)", opts->elapsed ? "-t" : "-U");
	if (opts->buffer_size_given)
		loupe_usage_error("--buffer-size sizes the event buffer, which -c does not use");
	if (!count_parse_by(opts->by ? opts->by : dflt, names, &mask))
		return mask;
	for (i = 0; names[i] && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
				      names[i]);
	loupe_usage_error("invalid -k value '%s': a comma-separated list of %s",
			  opts->by, list);
}
