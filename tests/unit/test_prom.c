/* Prometheus text format (common/prom.h) and the count template's
 * --textfile: escaping, histogram buckets, cumulative sticky series. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"
#include "count.h"
#include "opts.h"
#include "prom.h"

struct sample_arg {
	const char *name;
	struct prom_labels *l;
	uint64_t v;
};

static void sample(FILE *f, void *arg)
{
	struct sample_arg *a = arg;

	prom_sample(f, a->name, a->l, a->v);
}

TEST(prom_label_values_escaped)
{
	static struct prom_labels l;
	struct sample_arg a = { "m_total", &l, 7 };

	prom_labels_init(&l);
	CHECK_EQ(prom_label(&l, "comm", "a\"b\\c", 5), 0);
	CHECK_STR(unit_capture(sample, &a), "m_total{comm=\"a\\\"b\\\\\\\\c\"} 7\n");

	/* what a process may call itself: a newline, a quote and a brace
	 * cannot end the label or the line; ESC, a bidi override and bytes
	 * that are not UTF-8 become text (as loupe's text output shows them) */
	prom_labels_init(&l);
	prom_label(&l, "comm", "x\n} 1\n\"", 7);
	prom_label(&l, "path", "\x1b[31m\xe2\x80\xae\xff", 9);
	CHECK_STR(unit_capture(sample, &a),
		  "m_total{comm=\"x\\\\n} 1\\\\n\\\"\",path=\"\\\\x1b[31m\\\\u202e\\\\xff\"} 7\n");

	/* already text-safe values: only the format's escapes (a raw newline
	 * in a trusted string too) */
	prom_labels_init(&l);
	prom_label_text(&l, "a", "p\\q\"\nr", 6);
	prom_label_text(&l, "b", "caf\xc3\xa9", 5);
	CHECK_STR(unit_capture(sample, &a), "m_total{a=\"p\\\\q\\\"\\nr\",b=\"caf\xc3\xa9\"} 7\n");

	/* no labels: no braces */
	a.l = NULL;
	CHECK_STR(unit_capture(sample, &a), "m_total 7\n");
	prom_labels_init(&l);
	a.l = &l;
	CHECK_STR(unit_capture(sample, &a), "m_total 7\n");
}

TEST(prom_labels_bounded)
{
	static struct prom_labels l;
	static char big[PROM_LABELS_BUF];
	int i;

	prom_labels_init(&l);
	for (i = 0; i < PROM_MAX_LABELS; i++)
		CHECK_EQ(prom_label_text(&l, "x", "v", 1), 0);
	CHECK_EQ(prom_label_text(&l, "x", "v", 1), -E2BIG);
	prom_labels_init(&l);
	memset(big, '"', sizeof(big));
	CHECK_EQ(prom_label_text(&l, "x", big, sizeof(big)), -E2BIG);
	CHECK_EQ(l.n, 0);
}

static void family(FILE *f, void *arg)
{
	prom_family(f, "loupe_x_total", "counter", arg);
}

TEST(prom_help_escaped)
{
	CHECK_STR(unit_capture(family, "a \\ b\nc \"d\""),
		  "# HELP loupe_x_total a \\\\ b\\nc \"d\"\n# TYPE loupe_x_total counter\n");
}

TEST(prom_seconds_exact)
{
	char b[48];

	CHECK_STR(prom_seconds(b, sizeof(b), 0), "0");
	CHECK_STR(prom_seconds(b, sizeof(b), 2000), "0.000002");
	CHECK_STR(prom_seconds(b, sizeof(b), 1), "0.000000001");
	CHECK_STR(prom_seconds(b, sizeof(b), 3000000000ULL), "3");
	CHECK_STR(prom_seconds(b, sizeof(b), 2500000000ULL), "2.5");
	/* 2^32 us: no binary fraction noise */
	CHECK_STR(prom_seconds(b, sizeof(b), 4294967296000ULL), "4294.967296");
	CHECK_STR(prom_seconds(b, sizeof(b), UINT64_MAX), "18446744073.709551615");
}

struct hist_arg {
	const struct hist_fmt *fmt;
	const struct loupe_hist *h;
	struct prom_labels *l;
};

static void histogram(FILE *f, void *arg)
{
	struct hist_arg *a = arg;

	prom_histogram(f, "h_seconds", a->l, a->fmt, a->h);
}

static int lines_with(const char *text, const char *what)
{
	int n = 0;

	for (; (text = strstr(text, what)); text++)
		n++;
	return n;
}

TEST(prom_histogram_log2_usecs)
{
	static const struct hist_fmt us = { HIST_LOG2, 0, 0, "usecs", 1000, 1000, "sum_ns" };
	static struct prom_labels l;
	struct loupe_hist h = { 0 };
	struct hist_arg a = { &us, &h, &l };
	const char *t;

	h.slots[0] = 1;      /* 0..1 us: below 2 us */
	h.slots[3] = 4;      /* 8..15 us: below 16 us */
	h.slots[31] = 2;     /* below 2^32 us */
	h.slots[40] = 1;     /* above the last finite bound: in +Inf only */
	h.sum = 123456789;   /* ns */
	prom_labels_init(&l);
	prom_label(&l, "disk", "loop3", 5);
	t = unit_capture(histogram, &a);
	CHECK(strstr(t, "h_seconds_bucket{disk=\"loop3\",le=\"0.000002\"} 1\n") == t);
	CHECK(strstr(t, "h_seconds_bucket{disk=\"loop3\",le=\"0.000008\"} 1\n"));
	CHECK(strstr(t, "h_seconds_bucket{disk=\"loop3\",le=\"0.000016\"} 5\n"));
	CHECK(strstr(t, "h_seconds_bucket{disk=\"loop3\",le=\"2147.483648\"} 5\n"));
	CHECK(strstr(t, "h_seconds_bucket{disk=\"loop3\",le=\"4294.967296\"} 7\n"));
	CHECK(strstr(t, "\nh_seconds_bucket{disk=\"loop3\",le=\"+Inf\"} 8\n"
			"h_seconds_sum{disk=\"loop3\"} 0.123456789\n"
			"h_seconds_count{disk=\"loop3\"} 8\n"));
	/* the same 32 finite buckets (2 us .. 2^32 us) whatever was counted */
	CHECK_EQ(lines_with(t, "_bucket{"), 33);
	h = (struct loupe_hist){ 0 };
	t = unit_capture(histogram, &a);
	CHECK_EQ(lines_with(t, "_bucket{"), 33);
	CHECK(strstr(t, "le=\"+Inf\"} 0\n"));
	CHECK(strstr(t, "h_seconds_sum{disk=\"loop3\"} 0\n"));
}

TEST(prom_histogram_log2_msecs)
{
	static const struct hist_fmt ms = { HIST_LOG2, 0, 0, "msecs", 1000000, 1000000, "sum_ns" };
	struct loupe_hist h = { 0 };
	struct hist_arg a = { &ms, &h, NULL };
	const char *t;

	h.slots[1] = 3;      /* 2..3 ms: below 4 ms */
	h.sum = 7500000;
	t = unit_capture(histogram, &a);
	CHECK(strstr(t, "h_seconds_bucket{le=\"0.002\"} 0\nh_seconds_bucket{le=\"0.004\"} 3\n"));
	CHECK(strstr(t, "h_seconds_bucket{le=\"4194.304\"} 3\n")); /* 2^22 ms, the last */
	CHECK_EQ(lines_with(t, "_bucket{"), 23);
	CHECK(strstr(t, "h_seconds_sum 0.0075\nh_seconds_count 3\n"));
}

/* ---- the count template's textfile ------------------------------------- */

struct ckey {
	uint32_t gen;        /* as in the BPF count maps: ignored across intervals */
	uint32_t pid;
	char name[16];
};

enum { K_COUNT, K_PID, K_NAME, K__NR };
static const struct col ccols[] = {
	[K_COUNT] = { "COUNT", "count", 8, 0 },
	[K_PID] = { "PID", "pid", 7, 0 },
	[K_NAME] = { "NAME", "name", 0, COL_LEFT },
};

static void ccells(struct out *o, const void *k, void *ctx)
{
	const struct ckey *key = k;

	out_uint(o, K_PID, key->pid);
	out_str(o, K_NAME, key->name, strnlen(key->name, sizeof(key->name)));
}

static const char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = 0;
	return buf;
}

static void add(struct count_table *t, uint32_t gen, uint32_t pid, const char *name,
		uint64_t n)
{
	struct ckey k = { gen, pid, "" };

	strncpy(k.name, name, sizeof(k.name));
	count_table__add(t, &k, n);
}

/* A count summary with --textfile into a temporary file: the tool's out
 * (text or JSON, into /dev/null), the table, the count_out. */
struct fixture {
	struct out o;
	struct loupe_opts opts;
	char path[32];
	struct count_table *t;
	struct count_out *co;
	FILE *devnull;
};

static void fixture_init(struct fixture *x, const struct count_prom *prom, uint64_t top,
			 bool json, uint32_t shown)
{
	int fd;

	strcpy(x->path, "/tmp/loupe-unit-prom-XXXXXX");
	fd = mkstemp(x->path);
	close(fd);
	x->opts = (struct loupe_opts){ .tool = "unit", .top = top, .textfile = x->path,
				       .interval_ns = 1000000000 };
	x->devnull = fopen("/dev/null", "w");
	x->t = count_table__new(sizeof(struct ckey));
	out_init(&x->o, x->devnull, json, ccols, K__NR, shown);
	x->co = count_out__new(&x->o, K_COUNT, -1, ccells, NULL, prom, &x->opts, NULL);
	CHECK(x->co != NULL);
}

static void fixture_free(struct fixture *x)
{
	count_out__free(x->co);
	count_table__free(x->t);
	fclose(x->devnull);
	unlink(x->path);
}

TEST(count_textfile_cumulative_top_other)
{
	const struct count_prom prom = {
		"calls_total", "Calls.", (const char *const[K__NR]){ [K_NAME] = "name" },
	};
	static struct fixture x;
	const char *s;

	fixture_init(&x, &prom, 2, false, OUT_BIT(K_COUNT) | OUT_BIT(K_NAME));
	/* interval 1: a and b take the two series; c goes to other */
	add(x.t, 0, 1, "a", 5);
	add(x.t, 0, 2, "b\n\"", 3);
	add(x.t, 0, 3, "c", 1);
	CHECK_EQ(count_out__table(x.co, x.t, 0), 0);
	s = slurp(x.path);
	CHECK(strstr(s, "# HELP loupe_unit_calls_total Calls.\n"
			"# TYPE loupe_unit_calls_total counter\n"
			"loupe_unit_calls_total{name=\"a\"} 5\n"
			"loupe_unit_calls_total{name=\"b\\\\n\\\"\"} 3\n"
			"loupe_unit_calls_total{name=\"other\"} 1\n") == s);
	CHECK(strstr(s, "loupe_unit_lost_events_total{reason=\"ringbuf\"} 0\n"));

	/* interval 2 (the other generation): c is now the largest, but a key
	 * never moves between its series and other, so all only grow; a
	 * process literally named "other" is counted in other */
	count_table__clear(x.t);
	add(x.t, 1, 3, "c", 10);
	add(x.t, 1, 1, "a", 1);
	add(x.t, 1, 4, "other", 2);
	CHECK_EQ(count_out__table(x.co, x.t, 0), 0);
	s = slurp(x.path);
	CHECK(strstr(s, "loupe_unit_calls_total{name=\"a\"} 6\n"
			"loupe_unit_calls_total{name=\"b\\\\n\\\"\"} 3\n"
			"loupe_unit_calls_total{name=\"other\"} 13\n"));
	CHECK_EQ(lines_with(s, "loupe_unit_calls_total{"), 3);
	fixture_free(&x);
}

TEST(count_textfile_all_keys_without_top)
{
	const struct count_prom prom = {
		"calls_total", "Calls.",
		(const char *const[K__NR]){ [K_PID] = "pid", [K_NAME] = "name" },
	};
	static struct fixture x;
	const char *s;

	/* the labels are the text columns, with -j too */
	fixture_init(&x, &prom, 0, true, OUT_BIT(K_COUNT) | OUT_BIT(K_PID) | OUT_BIT(K_NAME));
	add(x.t, 0, 1, "a", 5);
	add(x.t, 0, 2, "b", 3);
	add(x.t, 0, 3, "c", 1);
	CHECK_EQ(count_out__table(x.co, x.t, 0), 0);
	s = slurp(x.path);
	CHECK(strstr(s, "loupe_unit_calls_total{pid=\"1\",name=\"a\"} 5\n"
			"loupe_unit_calls_total{pid=\"2\",name=\"b\"} 3\n"
			"loupe_unit_calls_total{pid=\"3\",name=\"c\"} 1\n#"));
	CHECK(!strstr(s, "other"));
	fixture_free(&x);
}
