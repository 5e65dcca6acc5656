#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "unit.h"
#include "out.h"
#include "tests/helpers/outcheck.h"

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
	CHECK_STR(T("a\0b"), "a\\x00b");
	CHECK_STR(T("\x01\x1f"), "\\x01\\x1f");
	CHECK_STR(T("\\u202e"), "\\\\u202e"); /* a literal \u stays apart */
	CHECK_STR(T("\xe2\x80"), "\\xe2\\x80");          /* truncated RLO */
}

/* Valid UTF-8 that a terminal acts on: \uNNNN in both modes. */
static const struct {
	const char *utf8, *esc;
} unsafe_cps[] = {
	{ "\xc2\x80", "\\u0080" },     /* first C1 control */
	{ "\xc2\x85", "\\u0085" },     /* NEL */
	{ "\xc2\x9b", "\\u009b" },     /* CSI */
	{ "\xc2\x9d", "\\u009d" },     /* OSC */
	{ "\xc2\x9f", "\\u009f" },     /* last C1 control */
	{ "\xd8\x9c", "\\u061c" },     /* ALM */
	{ "\xe2\x80\x8e", "\\u200e" }, /* LRM */
	{ "\xe2\x80\x8f", "\\u200f" }, /* RLM */
	{ "\xe2\x80\xa8", "\\u2028" }, /* LINE SEPARATOR */
	{ "\xe2\x80\xa9", "\\u2029" }, /* PARAGRAPH SEPARATOR */
	{ "\xe2\x80\xaa", "\\u202a" }, /* LRE */
	{ "\xe2\x80\xab", "\\u202b" }, /* RLE */
	{ "\xe2\x80\xac", "\\u202c" }, /* PDF */
	{ "\xe2\x80\xad", "\\u202d" }, /* LRO */
	{ "\xe2\x80\xae", "\\u202e" }, /* RLO */
	{ "\xe2\x81\xa6", "\\u2066" }, /* LRI */
	{ "\xe2\x81\xa7", "\\u2067" }, /* RLI */
	{ "\xe2\x81\xa8", "\\u2068" }, /* FSI */
	{ "\xe2\x81\xa9", "\\u2069" }, /* PDI */
};

TEST(unsafe_code_points_escaped)
{
	char in[64], want[64];
	size_t i;

	for (i = 0; i < sizeof(unsafe_cps) / sizeof(unsafe_cps[0]); i++) {
		snprintf(in, sizeof(in), "a%sb", unsafe_cps[i].utf8);
		snprintf(want, sizeof(want), "a%sb", unsafe_cps[i].esc);
		CHECK_STR(text(in, strlen(in)), want);
		CHECK_STR(json(in, strlen(in)), want);
	}
	/* neighbours that stay: NBSP, the code points beside ALM, ZWJ,
	 * NARROW NBSP, WORD JOINER, the Trojan Source example's text */
	CHECK_STR(T("\xc2\xa0"), "\xc2\xa0");
	CHECK_STR(T("\xd8\x9b\xd8\x9d"), "\xd8\x9b\xd8\x9d");
	CHECK_STR(T("\xe2\x80\x8d"), "\xe2\x80\x8d");
	CHECK_STR(T("\xe2\x80\xaf"), "\xe2\x80\xaf");
	CHECK_STR(T("\xe2\x81\xa0"), "\xe2\x81\xa0");
	CHECK_STR(J("\xe2\x81\xa5\xe2\x81\xaa"), "\xe2\x81\xa5\xe2\x81\xaa");
	CHECK_STR(T("/tmp/\xe2\x80\xaetxt.sh"), "/tmp/\\u202etxt.sh");
	CHECK_STR(J("/tmp/\xe2\x80\xaetxt.sh"), "/tmp/\\u202etxt.sh");
	/* DEL: \x7f in text (as before), \u007f in JSON */
	CHECK_STR(J("a\x7f"), "a\\u007f");
	/* a C1 control's lead byte alone is invalid, not a control */
	CHECK_STR(T("\xc2"), "\\xc2");
	CHECK_STR(J("\xc2\x41"), "\xef\xbf\xbd" "A");
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
	CHECK_STR(J("\x7f"), "\\u007f");
	CHECK_STR(J("\b\f"), "\\b\\f");
}

/* ---- properties over arbitrary bytes --------------------------------- */

#define PMAX 64

/* One input through both escapers: the bounds hold (with a guard zone
 * after them), text is safe and decodes back to the input, JSON parses,
 * is safe and decodes to the input with U+FFFD for invalid bytes. Returns
 * false at the first failure, after reporting it. */
static bool check_both(const char *in, size_t n)
{
	char out[6 * PMAX + 16], back[4 * PMAX], want[3 * PMAX];
	size_t k, w;
	long b;

	memset(out, 0x55, sizeof(out));
	k = esc_text(out, in, n);
	CHECK(k <= 4 * n);
	CHECK((unsigned char)out[4 * n] == 0x55);
	CHECK(text_is_safe(out, k));
	b = unesc_text(back, out, k);
	CHECK(b == (long)n && !memcmp(back, in, n));
	if (k > 4 * n || !text_is_safe(out, k) || b != (long)n || memcmp(back, in, n))
		goto fail;

	memset(out, 0x55, sizeof(out));
	k = esc_json(out, in, n);
	CHECK(k <= 6 * n);
	CHECK((unsigned char)out[6 * n] == 0x55);
	CHECK(text_is_safe(out, k));
	b = unesc_json(back, out, k);
	w = replace_invalid(want, in, n);
	CHECK(b == (long)w && !memcmp(back, want, w));
	if (k > 6 * n || !text_is_safe(out, k) || b != (long)w || memcmp(back, want, w))
		goto fail;
	return true;
fail:
	fprintf(stderr, "  input:");
	for (k = 0; k < n; k++)
		fprintf(stderr, " %02x", (unsigned char)in[k]);
	fprintf(stderr, "\n");
	return false;
}

/* Every string of one and two bytes, and every three-byte string that
 * starts with a lead byte of a three-byte sequence (the bidi controls and
 * separators live there). */
TEST(escaping_exhaustive_short_inputs)
{
	unsigned a, b, c;
	char in[3];

	for (a = 0; a < 256; a++) {
		in[0] = (char)a;
		if (!check_both(in, 1))
			return;
		for (b = 0; b < 256; b++) {
			in[1] = (char)b;
			if (!check_both(in, 2))
				return;
		}
	}
	for (a = 0xe0; a <= 0xef; a++)
		for (b = 0; b < 256; b++)
			for (c = 0; c < 256; c++) {
				in[0] = (char)a, in[1] = (char)b, in[2] = (char)c;
				if (!check_both(in, 3))
					return;
			}
}

/* Random strings built from pieces that tend to break escapers. */
TEST(escaping_random_inputs)
{
	static const char *const pieces[] = {
		"a", "/", " ", "\"", "\\", "\\u", "\\x", "\n", "\x1b[2J", "\x7f", "\x00",
		"\xc2", "\xc2\x9b", "\xc2\xa0", "\xc3\xa9", "\xd8\x9c", "\xe2\x80",
		"\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x80\xa8", "\xe2\x80\x8f",
		"\xed\xa0\x80", "\xef\xbf\xbd", "\xf0\x9f\x98\x80", "\xf4\x90\x80\x80",
		"\xf0\x9f", "\x80", "\xbf", "\xfe", "\xff", "\xe4\xb8\xad",
	};
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	char in[PMAX];
	int iter;

	for (iter = 0; iter < 200000; iter++) {
		size_t n = 0, want;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		want = x % PMAX;
		while (n < want) {
			size_t p, l;

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			if (x & 1) {
				in[n++] = (char)(x >> 8); /* any byte */
				continue;
			}
			p = (size_t)(x >> 8) % (sizeof(pieces) / sizeof(pieces[0]));
			l = pieces[p][0] ? strlen(pieces[p]) : 1;
			if (n + l > want)
				break;
			memcpy(in + n, pieces[p], l);
			n += l;
		}
		if (!check_both(in, n))
			return;
	}
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

struct row_arg {
	bool json;
	uint32_t shown;
	const char *comm, *path; /* NULL: "cat\n", "/etc/\"x\"" */
};

static void one_row(FILE *f, void *arg)
{
	struct row_arg *a = arg;
	struct out *o = malloc(sizeof(*o));
	const char *comm = a->comm ? a->comm : "cat\n";
	const char *path = a->path ? a->path : "/etc/\"x\"";

	out_init(o, f, a->json, cols, NCOLS, a->shown);
	out_header(o);
	out_row_begin(o);
	out_fixed(o, 0, 1.5, 3);
	out_uint(o, 1, 1000);
	out_uint(o, 2, 4242);
	out_str(o, 3, comm, strlen(comm));
	out_int(o, 4, -1);
	out_str(o, 5, path, strlen(path));
	out_row_end(o, "event");
	free(o);
}

/* Split a line into words: start and end, in terminal columns. */
static int words(const char *s, size_t *st, size_t *en, int max)
{
	int n = 0;
	size_t i = 0;

	while (s[i] && s[i] != '\n' && n < max) {
		while (s[i] == ' ')
			i++;
		if (!s[i] || s[i] == '\n')
			break;
		st[n] = utf8_width(s, i);
		while (s[i] && s[i] != ' ' && s[i] != '\n')
			i++;
		en[n++] = utf8_width(s, i);
	}
	return n;
}

TEST(display_width)
{
	CHECK_EQ(utf8_width("", 0), 0);
	CHECK_EQ(utf8_width("abc", 3), 3);
	CHECK_EQ(utf8_width("caf\xc3\xa9", 5), 4);             /* é: 2 bytes */
	CHECK_EQ(utf8_width("e\xcc\x81", 3), 1);               /* e + U+0301 */
	CHECK_EQ(utf8_width("\xe4\xb8\xad\xe6\x96\x87", 6), 4); /* CJK */
	CHECK_EQ(utf8_width("\xea\xb0\x80", 3), 2);           /* Hangul U+AC00 */
	CHECK_EQ(utf8_width("\xef\xbc\xa1", 3), 2);           /* fullwidth A */
	CHECK_EQ(utf8_width("\xf0\x9f\x98\x80", 4), 2);       /* emoji */
	CHECK_EQ(utf8_width("\xf0\xa0\x80\x80", 4), 2);       /* U+20000 */
	CHECK_EQ(utf8_width("\xe2\x82\xac", 3), 1);           /* euro sign */
	CHECK_EQ(utf8_width("a\xe2\x80\x8b" "b", 5), 2);         /* ZWSP */
	CHECK_EQ(utf8_width("\xff", 1), 1);                   /* not UTF-8 */
	CHECK_EQ(utf8_width("\\u202e", 6), 6);               /* an escape */
}

/* Every combination of shown columns: a left-aligned field starts where
 * its header word starts, a right-aligned one ends where it ends; with
 * names of several bytes per column, and escaped ones. */
TEST(columns_align_in_every_combination)
{
	static const char *const comms[] = {
		NULL,                                    /* "cat\n" */
		"caf\xc3\xa9",                           /* é: 2 bytes, 1 column */
		"\xe4\xb8\xad\xe6\x96\x87\xe5\x90\x8d",    /* 3 CJK: 9 bytes, 6 columns */
		"e\xcc\x81t\xc3\xa9",                    /* combining acute */
		"\xf0\x9f\x98\x80x",                     /* emoji */
		"a\xe2\x80\xae" "b",                       /* RLO: \u202e */
		"\xff\xfe",                               /* \xff\xfe */
		"123456789012345",                       /* TASK_COMM_LEN - 1 */
	};
	uint32_t m;
	size_t ci;

	for (ci = 0; ci < sizeof(comms) / sizeof(comms[0]); ci++)
	for (m = 1; m < (1u << NCOLS); m++) {
		struct row_arg a = { false, m, comms[ci], "/p/\xc3\xa9\xe2\x80\xa8" };
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

TEST(columns_golden_multibyte)
{
	struct row_arg a = { false, (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5),
			     "\xe4\xb8\xad\xe6\x96\x87" "caf\xc3\xa9",
			     "/\xe2\x80\xae" };

	CHECK_STR(unit_capture(one_row, &a),
		  "    PID COMM               FD PATH\n"
		  "   4242 \xe4\xb8\xad\xe6\x96\x87" "caf\xc3\xa9           -1 /\\u202e\n");
}

TEST(columns_golden)
{
	struct row_arg a = { false, 0x3f, NULL, NULL };

	CHECK_STR(unit_capture(one_row, &a),
		  "TIME(s)     UID     PID COMM               FD PATH\n"
		  "1.500      1000    4242 cat\\n              -1 /etc/\"x\"\n");
	a.shown = (1u << 2) | (1u << 5);
	CHECK_STR(unit_capture(one_row, &a),
		  "    PID PATH\n"
		  "   4242 /etc/\"x\"\n");
}

/* A cell wider than its column keeps one blank before the next column;
 * later cells give up padding to bring the row back into line. */
static const struct col ecols[] = {
	{ "PID", "pid", 7, 0 },
	{ "ERRNO", "errno", 7, COL_LEFT },
	{ "ERR", "err", 5, 0 },
	{ "PATH", "path", 0, COL_LEFT },
};

struct err_arg { const char *errno_name; int err; uint32_t shown; };

static void err_row(FILE *f, void *arg)
{
	struct err_arg *a = arg;
	struct out *o = malloc(sizeof(*o));

	out_init(o, f, false, ecols, 4, a->shown);
	out_header(o);
	out_row_begin(o);
	out_uint(o, 0, 4242);
	out_cstr(o, 1, a->errno_name);
	out_int(o, 2, a->err);
	out_cstr(o, 3, "/x");
	out_row_end(o, "event");
	free(o);
}

TEST(columns_over_wide_cells)
{
	struct err_arg a = { "ENOENT", 2, 0xf };
	struct row_arg r = { false, 0x3f, "\x1b\x1b\x1b\x1b\x1b", NULL };

	CHECK_STR(unit_capture(err_row, &a),
		  "    PID ERRNO     ERR PATH\n"
		  "   4242 ENOENT      2 /x\n");
	/* 2 columns over: ERR's padding takes them back */
	a.errno_name = "EHWPOISON";
	a.err = 133;
	CHECK_STR(unit_capture(err_row, &a),
		  "    PID ERRNO     ERR PATH\n"
		  "   4242 EHWPOISON 133 /x\n");
	/* 7 columns over: one blank before each later column */
	a.errno_name = "ERESTARTNOINTR";
	a.err = 513;
	CHECK_STR(unit_capture(err_row, &a),
		  "    PID ERRNO     ERR PATH\n"
		  "   4242 ERESTARTNOINTR 513 /x\n");
	/* the over-wide cell right before the last column */
	a.shown = 0xb;
	CHECK_STR(unit_capture(err_row, &a),
		  "    PID ERRNO   PATH\n"
		  "   4242 ERESTARTNOINTR /x\n");
	/* ... and as the last column: no padding, no trailing blank */
	a.shown = 0x3;
	CHECK_STR(unit_capture(err_row, &a),
		  "    PID ERRNO\n"
		  "   4242 ERESTARTNOINTR\n");
	/* an escaped name over the width of COMM */
	CHECK_STR(unit_capture(one_row, &r),
		  "TIME(s)     UID     PID COMM               FD PATH\n"
		  "1.500      1000    4242 \\x1b\\x1b\\x1b\\x1b\\x1b -1 /etc/\"x\"\n");
}

TEST(json_rows)
{
	struct row_arg a = { true, (1u << 2) | (1u << 3) | (1u << 5), NULL, NULL };

	/* uid is COL_JSON: present though not shown in text */
	CHECK_STR(unit_capture(one_row, &a),
		  "{\"type\":\"event\",\"uid\":1000,\"pid\":4242,\"comm\":\"cat\\n\","
		  "\"path\":\"/etc/\\\"x\\\"\"}\n");
}

TEST(json_checker_rejects)
{
	CHECK(json_lines_ok("{\"a\":[1,-2.5e3,\"x\\u00e9\",true,null,{}]}\n"));
	CHECK(!json_lines_ok("{\"a\":\"\x01\"}\n"));
	CHECK(!json_lines_ok("{\"a\":\"\\q\"}\n"));
	CHECK(!json_lines_ok("{\"a\":\"\xff\"}\n"));
	CHECK(!json_lines_ok("{\"a\":\"x\"\n"));
	CHECK(!json_lines_ok("{\"a\":\"x\"}"));
	CHECK(!json_lines_ok("{\"a\":01}\n"));
	CHECK(!json_lines_ok("{\"a\":\"\xe2\x80\xae\"}\n")); /* raw RLO */
}

struct hostile { const char *comm, *path; size_t clen, plen; };

static void hostile_json(FILE *f, void *arg)
{
	const struct hostile *h = arg;
	struct out *o = malloc(sizeof(*o));
	struct jw w;

	out_init(o, f, true, cols, NCOLS, 0x3f);
	out_row_begin(o);
	out_fixed(o, 0, 1.5, 3);
	out_uint(o, 2, 4242);
	out_str(o, 3, h->comm, h->clen);
	out_int(o, 4, -1);
	out_str(o, 5, h->path, h->plen);
	out_row_end(o, "event");
	free(o);
	jw_begin(&w, f, "count");
	jw_key(&w, "keys");
	jw_arr_begin(&w);
	jw_strn(&w, h->comm, h->clen);
	jw_strn(&w, h->path, h->plen);
	jw_arr_end(&w);
	jw_end(&w);
}

/* JSON rows and records parse whatever the strings in them. */
TEST(json_lines_parse_with_hostile_strings)
{
	uint64_t x = 0x2545f4914f6cdd1dULL;
	char comm[16], path[300];
	int iter;

	for (iter = 0; iter < 5000; iter++) {
		struct hostile h = { comm, path, 0, 0 };
		size_t i;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		h.clen = x % sizeof(comm);
		h.plen = (x >> 8) % sizeof(path);
		for (i = 0; i < h.clen + h.plen; i++) {
			static const unsigned char pick[] = { 0, 0x1b, '"', '\\', '\n',
				0x7f, 0xc2, 0x9b, 0xe2, 0x80, 0xae, 0xa8, 0xff, 'a' };

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			*(i < h.clen ? &comm[i] : &path[i - h.clen]) =
				(char)(x & 1 ? pick[(x >> 1) % sizeof(pick)] : x >> 8);
		}
		if (!json_lines_ok(unit_capture(hostile_json, &h))) {
			CHECK(!"a JSON line does not parse");
			fprintf(stderr, "  %s", unit_capture(hostile_json, &h));
			return;
		}
	}
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
