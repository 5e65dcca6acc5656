#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "count.h"
#include "interval.h"
#include "loupe.h"
#include "maps.h"
#include "outfile.h"
#include "prom.h"

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

bool count_table__has(const struct count_table *t, const void *key)
{
	size_t j;

	if (!t->nslots)
		return false;
	for (j = hash(key, t->ksz) & (t->nslots - 1); t->slots[j];
	     j = (j + 1) & (t->nslots - 1))
		if (!memcmp(t->keys + (t->slots[j] - 1) * t->ksz, key, t->ksz))
			return true;
	return false;
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

struct count_out {
	struct out *o;
	int count_col, time_col;
	count_cells_fn cells;
	void *ctx;
	const struct loupe_opts *opts;
	/* --textfile */
	const struct count_prom *prom;
	const struct bpf_object_skeleton *s;
	const char *textfile;     /* until Ctrl-C interrupts a FIFO's wait */
	struct count_table *series; /* the keys with a series: run totals */
	uint64_t other;           /* the other keys' run total (--top) */
	struct prom_labels *l, *other_l;
	struct out *cells_out;    /* a row's cells as text, for its labels */
};

struct count_out *count_out__new(struct out *o, int count_col, int time_col,
				 count_cells_fn cells, void *ctx, const struct count_prom *prom,
				 const struct loupe_opts *opts,
				 const struct bpf_object_skeleton *s)
{
	struct count_out *co = calloc(1, sizeof(*co));

	if (!co)
		return NULL;
	*co = (struct count_out){ o, count_col, time_col, cells, ctx, opts, prom, s,
				  prom ? opts->textfile : NULL };
	if (!co->textfile)
		return co;
	co->l = malloc(sizeof(*co->l));
	co->other_l = malloc(sizeof(*co->other_l));
	co->cells_out = malloc(sizeof(*co->cells_out));
	if (!co->l || !co->other_l || !co->cells_out) {
		count_out__free(co);
		return NULL;
	}
	/* the labels of the text output's columns, whether or not -j */
	out_init(co->cells_out, NULL, false, o->cols, o->ncols, o->shown);
	return co;
}

void count_out__free(struct count_out *co)
{
	if (!co)
		return;
	count_table__free(co->series);
	free(co->l);
	free(co->other_l);
	free(co->cells_out);
	free(co);
}

/* The labels of a key: its row's cells of the label columns. */
static void key_labels(struct count_out *co, const void *key)
{
	struct out *c = co->cells_out;
	int i;

	prom_labels_init(co->l);
	out_row_begin(c);
	co->cells(c, key, co->ctx);
	for (i = 0; i < c->ncols; i++)
		if (co->prom->labels[i] && (c->set & OUT_BIT(i)))
			prom_label_text(co->l, co->prom->labels[i], c->arena + c->cell_off[i],
					c->cell_len[i]);
}

static bool same_labels(const struct prom_labels *a, const struct prom_labels *b)
{
	int i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->name[i], b->name[i]) || a->len[i] != b->len[i] ||
		    memcmp(a->buf + a->off[i], b->buf + b->off[i], a->len[i]))
			return false;
	return true;
}

/* --textfile's content: a series per key, "other", the losses. */
static int prom_counts(FILE *f, void *arg)
{
	struct count_out *co = arg;
	struct count_table *t = co->series;
	uint64_t other = co->other;
	char name[128];
	size_t i;
	int c;

	snprintf(name, sizeof(name), "loupe_%s_%s", co->opts->tool, co->prom->metric);
	prom_family(f, name, "counter", co->prom->help);
	/* "other" in every label the rows can have */
	prom_labels_init(co->other_l);
	for (c = 0; c < co->cells_out->ncols; c++)
		if (co->prom->labels[c] && (co->cells_out->shown & OUT_BIT(c)))
			prom_label_text(co->other_l, co->prom->labels[c], "other", 5);
	count_table__sort(t);
	for (i = 0; i < count_table__len(t); i++) {
		key_labels(co, count_table__key(t, i));
		if (co->opts->top && same_labels(co->l, co->other_l))
			other += count_table__count(t, i); /* a process named "other" */
		else
			prom_sample(f, name, co->l, count_table__count(t, i));
	}
	if (co->opts->top)
		prom_sample(f, name, co->other_l, other);
	stats_prom(f, co->opts->tool, co->s);
	return 0;
}

/* Add an interval's rows (sorted) to the run's series; keys without their
 * generation (the __u32 they start with, count_table__take), so the
 * intervals' rows of one key meet. */
static int add_series(struct count_out *co, const struct count_table *t)
{
	uint64_t top = co->opts->top;
	unsigned char *k;
	size_t i;
	int err = 0;

	if (!co->series && !(co->series = count_table__new(t->ksz)))
		return -ENOMEM;
	if (!(k = malloc(t->ksz)))
		return -ENOMEM;
	for (i = 0; i < count_table__len(t) && !err; i++) {
		memcpy(k, count_table__key(t, i), t->ksz);
		memset(k, 0, t->ksz < sizeof(uint32_t) ? t->ksz : sizeof(uint32_t));
		if (top && count_table__len(co->series) >= top &&
		    !count_table__has(co->series, k))
			co->other += count_table__count(t, i);
		else
			err = count_table__add(co->series, k, count_table__count(t, i));
	}
	free(k);
	return err;
}

int count_out__table(struct count_out *co, struct count_table *t, uint64_t wall_ns)
{
	char ts[16];
	int err;

	stats_add_events(count_table__total(t));
	if (!co->o->json) {
		if (co->opts->interval_ns)
			fputc('\n', co->o->f);
		if (co->opts->timestamp) {
			fmt_hms(ts, sizeof(ts), wall_ns, false);
			fprintf(co->o->f, "%-8s\n", ts);
		}
	}
	count_table__print(t, co->o, co->count_col, co->time_col, wall_ns, co->opts->top,
			   co->cells, co->ctx);
	if (!co->textfile)
		return 0;
	err = add_series(co, t);
	if (err)
		return err;
	return loupe_rewrote(&co->textfile, outfile_write(co->textfile, prom_counts, co));
}

struct run_ctx {
	struct count_table *t;
	struct count_out *co;
	int fd;
};

static int run_one(void *c, uint32_t gen, uint64_t wall_ns, bool last)
{
	struct run_ctx *r = c;
	int err;

	(void)last;
	count_table__clear(r->t);
	err = count_table__take(r->t, r->fd, gen, NULL, NULL);
	return err ? err : count_out__table(r->co, r->t, wall_ns);
}

int count_run(const struct bpf_object_skeleton *s, struct bpf_map *map,
	      struct out *o, int count_col, int time_col, count_cells_fn cells, void *ctx,
	      const struct count_prom *prom, const struct loupe_opts *opts)
{
	struct run_ctx r = { NULL, NULL, bpf_map__fd(map) };
	struct interval iv;
	int err = interval__init(&iv, s, opts);

	if (err)
		return err;
	r.t = count_table__new(bpf_map__key_size(map));
	r.co = count_out__new(o, count_col, time_col, cells, ctx, prom, opts, s);
	err = r.t && r.co ? interval__run(&iv, run_one, &r) : -ENOMEM;
	count_out__free(r.co);
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
		if (opts->by || opts->top || opts->interval_ns || opts->textfile)
			loupe_usage_error("-k, --top, -i and --textfile need -c");
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
