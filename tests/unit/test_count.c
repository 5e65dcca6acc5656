/* Count table: merging, sorting, --top, text and JSON rows, -k parsing. */
#include <stdint.h>
#include <stdlib.h>

#include "unit.h"
#include "count.h"

struct key {
	uint32_t pid;
	char name[12];
};

enum { C_COUNT, C_PID, C_NAME };
static const struct col cols[] = {
	[C_COUNT] = { "COUNT", "count", 8, 0 },
	[C_PID] = { "PID", "pid", 7, 0 },
	[C_NAME] = { "NAME", "name", 0, COL_LEFT },
};

static void cells(struct out *o, const void *k, void *ctx)
{
	const struct key *key = k;

	(void)ctx;
	out_uint(o, C_PID, key->pid);
	out_cstr(o, C_NAME, key->name);
}

static struct count_table *fill(void)
{
	struct count_table *t = count_table__new(sizeof(struct key));
	struct key a = { 1, "alpha" }, b = { 2, "beta" }, c = { 3, "gamma" }, d = { 4, "delta" };

	count_table__add(t, &a, 5);
	count_table__add(t, &b, 7);
	count_table__add(t, &c, 5);
	count_table__add(t, &a, 3);   /* merges: alpha 8 */
	count_table__add(t, &d, 1);
	return t;
}

static uint64_t top;
static int json;

static void print(FILE *f, void *arg)
{
	static struct out o;
	struct count_table *t = arg;

	out_init(&o, f, json, cols, 3, OUT_BIT(C_COUNT) | OUT_BIT(C_PID) | OUT_BIT(C_NAME));
	count_table__print(t, &o, C_COUNT, -1, 0, top, cells, NULL);
}

TEST(count_sort_and_top)
{
	struct count_table *t = fill();
	size_t i;

	CHECK_EQ(count_table__len(t), 4);
	CHECK_EQ(count_table__total(t), 21);
	top = 0;
	json = 0;
	/* largest first; equal counts (beta? no: alpha 8, beta 7, gamma 5,
	 * delta 1) in key order */
	CHECK_STR(unit_capture(print, t),
		"   COUNT     PID NAME\n"
		"       8       1 alpha\n"
		"       7       2 beta\n"
		"       5       3 gamma\n"
		"       1       4 delta\n");
	top = 2;
	CHECK_STR(unit_capture(print, t),
		"   COUNT     PID NAME\n"
		"       8       1 alpha\n"
		"       7       2 beta\n");
	json = 1;
	CHECK_STR(unit_capture(print, t),
		"{\"type\":\"count\",\"count\":8,\"pid\":1,\"name\":\"alpha\"}\n"
		"{\"type\":\"count\",\"count\":7,\"pid\":2,\"name\":\"beta\"}\n");
	for (i = 0; i < 1000; i++) {  /* growth and rehash keep counts */
		struct key k = { (uint32_t)(100 + i % 300), "x" };

		count_table__add(t, &k, 1);
	}
	CHECK_EQ(count_table__len(t), 304);
	CHECK_EQ(count_table__total(t), 1021);
	count_table__sort(t);
	CHECK_EQ(count_table__count(t, 0), 8);
	CHECK_EQ(((const struct key *)count_table__key(t, 3))->pid, 100); /* 4 each, lowest key first */
	count_table__clear(t);
	CHECK_EQ(count_table__len(t), 0);
	count_table__free(t);
}

TEST(count_ties_in_key_order)
{
	struct count_table *t = count_table__new(sizeof(struct key));
	struct key a = { 9, "z" }, b = { 3, "y" }, c = { 5, "x" };

	count_table__add(t, &a, 2);
	count_table__add(t, &b, 2);
	count_table__add(t, &c, 2);
	count_table__sort(t);
	CHECK_EQ(((const struct key *)count_table__key(t, 0))->pid, 3);
	CHECK_EQ(((const struct key *)count_table__key(t, 1))->pid, 5);
	CHECK_EQ(((const struct key *)count_table__key(t, 2))->pid, 9);
	count_table__free(t);
}

TEST(count_parse_by)
{
	static const char *const names[] = { "path", "process", "comm", NULL };
	uint32_t m = 0;

	CHECK_EQ(count_parse_by("path", names, &m), 0);
	CHECK_EQ(m, 1);
	CHECK_EQ(count_parse_by("process,path", names, &m), 0);
	CHECK_EQ(m, 3);
	CHECK_EQ(count_parse_by("comm,comm", names, &m), 0);
	CHECK_EQ(m, 4);
	CHECK(count_parse_by("", names, &m) < 0);
	CHECK(count_parse_by("path,", names, &m) < 0);
	CHECK(count_parse_by("pat", names, &m) < 0);
	CHECK(count_parse_by("paths", names, &m) < 0);
}
