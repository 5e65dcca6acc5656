#include <stdint.h>
#include <stdlib.h>

#include "unit.h"
#include "out.h"

static const char *text(const char *s, size_t n)
{
	static char buf[1024];

	buf[esc_text(buf, s, n)] = 0;
	return buf;
}

static const char *json(const char *s, size_t n)
{
	static char buf[1024];

	buf[esc_json(buf, s, n)] = 0;
	return buf;
}

#define T(lit) text(lit, sizeof(lit) - 1)
#define J(lit) json(lit, sizeof(lit) - 1)

TEST(text_escaping)
{
	CHECK_STR(T("plain/path.txt"), "plain/path.txt");
	CHECK_STR(T("a\nb"), "a\\nb");
	CHECK_STR(T("\x1b[31m"), "\\x1b[31m");
	CHECK_STR(T("tab\there"), "tab\\there");
	CHECK_STR(T("back\\slash"), "back\\\\slash");
	CHECK_STR(T("\x7f"), "\\x7f");
	CHECK_STR(T("caf\xc3\xa9"), "caf\xc3\xa9");          /* valid UTF-8 kept */
	CHECK_STR(T("\xe2\x82\xac"), "\xe2\x82\xac");        /* euro sign */
	CHECK_STR(T("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80"); /* emoji */
	CHECK_STR(T("\xff\xfe"), "\\xff\\xfe");               /* invalid */
	CHECK_STR(T("\xc3"), "\\xc3");                        /* truncated */
	CHECK_STR(T("\xc0\xaf"), "\\xc0\\xaf");               /* overlong */
	CHECK_STR(T("\xed\xa0\x80"), "\\xed\\xa0\\x80");      /* surrogate */
	CHECK_STR(T("\xc2\x9b"), "\\xc2\\x9b");               /* C1 CSI */
	CHECK_STR(T("a\0b"), "a\\x00b");
}

TEST(json_escaping)
{
	CHECK_STR(J("plain"), "plain");
	CHECK_STR(J("q\"uote"), "q\\\"uote");
	CHECK_STR(J("back\\slash"), "back\\\\slash");
	CHECK_STR(J("a\nb\tc\rd"), "a\\nb\\tc\\rd");
	CHECK_STR(J("\x1b"), "\\u001b");
	CHECK_STR(J("\x01\x1f"), "\\u0001\\u001f");
	CHECK_STR(J("caf\xc3\xa9"), "caf\xc3\xa9");
	CHECK_STR(J("\xff"), "\xef\xbf\xbd");
	CHECK_STR(J("a\xc3"), "a\xef\xbf\xbd");
	CHECK_STR(J("\xf4\x90\x80\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_STR(J("\x7f"), "\x7f");
}

static const struct col cols[] = {
	{ "TIME(s)", "time_s", 8, COL_LEFT },
	{ "UID", "uid", 6, COL_JSON },
	{ "PID", "pid", 7, 0 },
	{ "COMM", "comm", 16, COL_LEFT },
	{ "FD", "fd", 4, 0 },
	{ "PATH", "path", 0, COL_LEFT },
};
#define NCOLS 6

struct row_arg { bool json; uint32_t shown; };

static void one_row(FILE *f, void *arg)
{
	struct row_arg *a = arg;
	struct out *o = malloc(sizeof(*o));

	out_init(o, f, a->json, cols, NCOLS, a->shown);
	out_header(o);
	out_row_begin(o);
	out_fixed(o, 0, 1.5, 3);
	out_uint(o, 1, 1000);
	out_uint(o, 2, 4242);
	out_str(o, 3, "cat\n", 4);
	out_int(o, 4, -1);
	out_str(o, 5, "/etc/\"x\"", 8);
	out_row_end(o, "event");
	free(o);
}

/* Split a line into words: start and end offsets. */
static int words(const char *s, size_t *st, size_t *en, int max)
{
	int n = 0;
	size_t i = 0;

	while (s[i] && s[i] != '\n' && n < max) {
		while (s[i] == ' ')
			i++;
		if (!s[i] || s[i] == '\n')
			break;
		st[n] = i;
		while (s[i] && s[i] != ' ' && s[i] != '\n')
			i++;
		en[n++] = i;
	}
	return n;
}

/* Every combination of shown columns: a left-aligned field starts where
 * its header word starts, a right-aligned one ends where it ends. */
TEST(columns_align_in_every_combination)
{
	uint32_t m;

	for (m = 1; m < (1u << NCOLS); m++) {
		struct row_arg a = { false, m };
		const char *s = unit_capture(one_row, &a);
		const char *row = strchr(s, '\n') + 1;
		size_t hs[NCOLS], he[NCOLS], rs[NCOLS], re[NCOLS];
		int nh = words(s, hs, he, NCOLS), nr = words(row, rs, re, NCOLS);
		int c, k = 0;

		CHECK_EQ(nh, __builtin_popcount(m));
		CHECK_EQ(nr, nh);
		for (c = 0; c < NCOLS && k < nh && k < nr; c++) {
			if (!(m & (1u << c)))
				continue;
			if (cols[c].flags & COL_LEFT)
				CHECK_EQ(rs[k], hs[k]);
			else
				CHECK_EQ(re[k], he[k]);
			k++;
		}
	}
}

TEST(columns_golden)
{
	struct row_arg a = { false, 0x3f };

	CHECK_STR(unit_capture(one_row, &a),
		  "TIME(s)     UID     PID COMM               FD PATH\n"
		  "1.500      1000    4242 cat\\n              -1 /etc/\"x\"\n");
	a.shown = (1u << 2) | (1u << 5);
	CHECK_STR(unit_capture(one_row, &a),
		  "    PID PATH\n"
		  "   4242 /etc/\"x\"\n");
}

TEST(json_rows)
{
	struct row_arg a = { true, (1u << 2) | (1u << 3) | (1u << 5) };

	/* uid is COL_JSON: present though not shown in text */
	CHECK_STR(unit_capture(one_row, &a),
		  "{\"type\":\"event\",\"uid\":1000,\"pid\":4242,\"comm\":\"cat\\n\","
		  "\"path\":\"/etc/\\\"x\\\"\"}\n");
}

static void jw_sample(FILE *f, void *arg)
{
	struct jw w;

	jw_begin(&w, f, "hist");
	jw_kv_str(&w, "unit", "usecs");
	jw_key(&w, "buckets");
	jw_arr_begin(&w);
	jw_obj_begin(&w);
	jw_kv_u64(&w, "lo", 0);
	jw_kv_u64(&w, "hi", 1);
	jw_obj_end(&w);
	jw_obj_begin(&w);
	jw_kv_u64(&w, "lo", 2);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_kv_i64(&w, "neg", -3);
	jw_key(&w, "list");
	jw_arr_begin(&w);
	jw_u64(&w, 1);
	jw_str(&w, "a\"");
	jw_arr_end(&w);
	jw_end(&w);
}

TEST(json_writer)
{
	CHECK_STR(unit_capture(jw_sample, NULL),
		  "{\"type\":\"hist\",\"unit\":\"usecs\",\"buckets\":[{\"lo\":0,\"hi\":1},"
		  "{\"lo\":2}],\"neg\":-3,\"list\":[1,\"a\\\"\"]}\n");
}

TEST(rfc3339_and_hms)
{
	char buf[64];

	setenv("TZ", "UTC", 1);
	fmt_rfc3339(buf, sizeof(buf), 1700000000123456789ULL);
	CHECK_STR(buf, "2023-11-14T22:13:20.123456+00:00");
	fmt_hms(buf, sizeof(buf), 1700000000123456789ULL, true);
	CHECK_STR(buf, "22:13:20.123456");
	fmt_hms(buf, sizeof(buf), 1700000000123456789ULL, false);
	CHECK_STR(buf, "22:13:20");
}
