/*
 * libFuzzer target: the escapers (esc_text, esc_json, opts_esc), the UTF-8
 * helpers, and whole rows through out_*() in JSON and text mode, on
 * arbitrary bytes.
 *
 * - esc_text: at most 4 bytes per input byte, nothing written past what it
 *   returns (a guard zone after the bound stays intact), valid UTF-8 with
 *   nothing a terminal acts on (C0, DEL, C1, the bidi controls and marks,
 *   U+2028/9), decodes back to the input exactly, and is byte for byte
 *   what out.h describes (a reference written here from that text).
 * - esc_json: at most 6 bytes per input byte, the same guard, safe to print,
 *   in quotes a JSON string (checked by tests/helpers/outcheck.c) that
 *   decodes to the input with each invalid byte replaced by U+FFFD, and
 *   byte for byte what out.h describes.
 * - utf8_seq_len agrees with an independent decoder at every offset;
 *   utf8_width is at most the number of bytes.
 * - opts_esc: NUL-terminated, safe, decodes to the argument (its first 64
 *   bytes and "..." when longer).
 * - a row: the input split at NUL bytes into comm, path and argv items;
 *   in JSON one line that parses, with each value decoding to its input;
 *   in text a header and a row, both safe, and the argv cell (with quote)
 *   read back as a shell would gives the items;
 * - the same strings through the JSON record writer (jw_strn, as count
 *   records write keys): one line that parses, each value decoding back.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "out.h"
#include "tests/fuzz/fuzz.h"
#include "tests/helpers/outcheck.h"

#define GUARD 16
#define MAX_ITEMS 16
#define ROW_MAX 8000 /* the row's cells fit the 64K arena */

static const char *cur;
static size_t cur_len;

static void print_input(void)
{
	fuzz_dump("input", cur, cur_len);
}

static bool untouched(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] != 0x55)
			return false;
	return true;
}

/* ---- references, from the text of out.h -------------------------------- */

static bool cp_escaped(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x200e ||
	       cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

static char *put(char *d, const char *s)
{
	size_t n = strlen(s);

	memcpy(d, s, n);
	return d + n;
}

static size_t ref_esc(char *dst, const char *src, size_t len, bool json)
{
	const unsigned char *s = (const unsigned char *)src;
	char *d = dst, tmp[16];
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		uint32_t cp;
		int n;

		if (c == '\\') {
			d = put(d, "\\\\");
		} else if (c == '"' && json) {
			d = put(d, "\\\"");
		} else if (c >= 0x20 && c < 0x7f) {
			*d++ = (char)c;
		} else if (c == '\n' || c == '\t' || c == '\r' ||
			   (json && (c == '\b' || c == '\f'))) {
			*d++ = '\\';
			*d++ = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' :
			       c == '\b' ? 'b' : 'f';
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(tmp, sizeof(tmp), json ? "\\u%04x" : "\\x%02x", c);
			d = put(d, tmp);
		} else if (!(n = chk_utf8(s + i, len - i, &cp))) {
			if (json) {
				d = put(d, "\xef\xbf\xbd");
			} else {
				snprintf(tmp, sizeof(tmp), "\\x%02x", c);
				d = put(d, tmp);
			}
		} else {
			if (cp_escaped(cp)) {
				snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned)cp);
				d = put(d, tmp);
			} else {
				memcpy(d, s + i, (size_t)n);
				d += n;
			}
			i += (size_t)n;
			continue;
		}
		i++;
	}
	return (size_t)(d - dst);
}

/* ---- the escapers -------------------------------------------------------- */

static void check_escapers(const char *in, size_t n)
{
	char *out = malloc(6 * n + GUARD), *back = malloc(3 * n + 1);
	char *want = malloc(6 * n + 1), *line = malloc(6 * n + 16);
	size_t k, w, i;
	long b;

	/* text */
	memset(out, 0x55, 6 * n + GUARD);
	k = esc_text(out, in, n);
	REQUIRE(k <= 4 * n);
	REQUIRE(untouched(out + k, 4 * n - k + GUARD));
	REQUIRE(text_is_safe(out, k));
	b = unesc_text(back, out, k);
	REQUIRE(b == (long)n && !memcmp(back, in, n));
	w = ref_esc(want, in, n, false);
	REQUIRE(w == k && !memcmp(want, out, k));

	/* JSON */
	memset(out, 0x55, 6 * n + GUARD);
	k = esc_json(out, in, n);
	REQUIRE(k <= 6 * n);
	REQUIRE(untouched(out + k, 6 * n - k + GUARD));
	REQUIRE(text_is_safe(out, k));
	b = unesc_json(back, out, k);
	w = replace_invalid(want, in, n);
	REQUIRE(b == (long)w && !memcmp(back, want, w));
	w = ref_esc(want, in, n, true);
	REQUIRE(w == k && !memcmp(want, out, k));
	memcpy(line, "{\"s\":\"", 6);
	memcpy(line + 6, out, k);
	memcpy(line + 6 + k, "\"}\n", 4);
	REQUIRE(json_lines_ok(line));

	/* the UTF-8 helpers */
	for (i = 0; i < n; i++) {
		uint32_t cp;

		REQUIRE(utf8_seq_len((const unsigned char *)in + i, n - i) ==
			chk_utf8((const unsigned char *)in + i, n - i, &cp));
	}
	REQUIRE(utf8_width(in, n) <= n);
	free(out);
	free(back);
	free(want);
	free(line);
}

static void check_opts_esc(const char *in, size_t n)
{
	char *arg = malloc(n + 1), buf[300], back[300];
	size_t len, m;
	long b;

	memcpy(arg, in, n);
	arg[n] = 0;
	len = strlen(arg);
	memset(buf, 0x55, sizeof(buf));
	REQUIRE(opts_esc(arg, buf, sizeof(buf)) == buf);
	REQUIRE(memchr(buf, 0, sizeof(buf)) != NULL);
	m = strlen(buf);
	REQUIRE(m + 1 < sizeof(buf));
	REQUIRE(text_is_safe(buf, m));
	if (len > 64) {
		REQUIRE(m >= 3 && !memcmp(buf + m - 3, "...", 3));
		m -= 3;
	}
	b = unesc_text(back, buf, m);
	REQUIRE(b == (long)(len > 64 ? 64 : len) && !memcmp(back, arg, (size_t)b));
	free(arg);
}

/* ---- rows ---------------------------------------------------------------- */

enum { C_PID, C_COMM, C_PATH, C_ARGS, C__NR };
static const struct col cols[] = {
	[C_PID] = { "PID", "pid", 7, 0 },
	[C_COMM] = { "COMM", "comm", 16, COL_LEFT },
	[C_PATH] = { "PATH", "path", 24, COL_LEFT },
	[C_ARGS] = { "ARGS", "args", 0, COL_LEFT },
};

struct pieces {
	const char *s[2 + MAX_ITEMS];
	size_t len[2 + MAX_ITEMS];
	size_t n; /* comm, path, then the items */
};

static char *write_row(const struct pieces *p, bool json, uint32_t shown, bool cut,
		       size_t *len)
{
	static struct out o;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	REQUIRE(f != NULL);
	out_init(&o, f, json, cols, C__NR, shown);
	out_header(&o);
	out_row_begin(&o);
	out_uint(&o, C_PID, 4242);
	out_str(&o, C_COMM, p->s[0], p->len[0]);
	out_str_cut(&o, C_PATH, p->s[1], p->len[1], cut);
	out_list(&o, C_ARGS, p->s + 2, p->len + 2, p->n - 2, true);
	out_row_end(&o, "event");
	REQUIRE(!fclose(f));
	REQUIRE(strlen(buf) == *len); /* no NUL byte in the output */
	return buf;
}

/* The JSON string at *p decodes to what esc_json keeps of s. */
static void expect_string(const char **p, const char *s, size_t n)
{
	char *dec = malloc(3 * n + 1), *want = malloc(3 * n + 1);
	size_t dl, wl = replace_invalid(want, s, n);

	*p = json_string(*p, dec, &dl);
	REQUIRE(*p != NULL);
	REQUIRE(dl == wl && !memcmp(dec, want, wl));
	free(dec);
	free(want);
}

static void expect(const char **p, const char *lit)
{
	REQUIRE(!strncmp(*p, lit, strlen(lit)));
	*p += strlen(lit);
}

static void check_json_row(const struct pieces *pc, bool cut)
{
	size_t len, i;
	char *buf = write_row(pc, true, 0xf, cut, &len);
	const char *p = buf;

	REQUIRE(json_lines_ok(buf));
	expect(&p, "{\"type\":\"event\",\"pid\":4242,\"comm\":");
	expect_string(&p, pc->s[0], pc->len[0]);
	expect(&p, ",\"path\":");
	expect_string(&p, pc->s[1], pc->len[1]);
	expect(&p, ",\"args\":[");
	for (i = 2; i < pc->n; i++) {
		if (i > 2)
			expect(&p, ",");
		expect_string(&p, pc->s[i], pc->len[i]);
	}
	expect(&p, "]}\n");
	REQUIRE(*p == 0);
	free(buf);
}

/* Read the argv cell back as a shell would (blanks between words, '...'
 * quotes, \' outside them) and undo esc_text on each word. */
static void check_text_args(const struct pieces *pc)
{
	size_t len, i, item = 2;
	char *buf = write_row(pc, false, OUT_BIT(C_ARGS), false, &len);
	char *row = strchr(buf, '\n'), *word = malloc(len + 1), *back = malloc(len + 1);
	size_t wl = 0;
	bool q = false;
	long b;

	REQUIRE(row && !strncmp(buf, "ARGS\n", 5));
	row++;
	REQUIRE(len > 0 && buf[len - 1] == '\n' && row <= buf + len - 1);
	REQUIRE(text_is_safe(row, (size_t)(buf + len - 1 - row)));
	for (i = 0; row + i <= buf + len - 1; i++) {
		char c = row[i];

		if (q && c == '\'') {
			q = false;
		} else if (q) {
			word[wl++] = c;
		} else if (c == '\'') {
			q = true;
		} else if (c == '\\' && row[i + 1] == '\'') {
			word[wl++] = '\'';
			i++;
		} else if (c == ' ' || c == '\n') {
			if (pc->n == 2 && c == '\n' && !wl)
				break; /* no items: an empty cell */
			REQUIRE(item < pc->n);
			b = unesc_text(back, word, wl);
			REQUIRE(b == (long)pc->len[item] && !memcmp(back, pc->s[item], pc->len[item]));
			item++;
			wl = 0;
		} else {
			word[wl++] = c;
		}
	}
	REQUIRE(!q && item == pc->n);
	free(buf);
	free(word);
	free(back);
}

static void check_text_row(const struct pieces *pc, bool cut)
{
	size_t len;
	char *buf = write_row(pc, false, 0xf, cut, &len), *nl = strchr(buf, '\n');

	/* a header and a row, each safe to print */
	REQUIRE(nl && text_is_safe(buf, (size_t)(nl - buf)));
	REQUIRE(strchr(nl + 1, '\n') == buf + len - 1);
	REQUIRE(text_is_safe(nl + 1, (size_t)(buf + len - 2 - nl)));
	free(buf);
	check_text_args(pc);
}

/* A record of the JSON writer: {"type":"count","keys":["comm",...]} */
static void check_jw(const struct pieces *pc)
{
	char *buf = NULL;
	const char *p;
	size_t len, i;
	FILE *f = open_memstream(&buf, &len);
	struct jw w;

	REQUIRE(f != NULL);
	jw_begin(&w, f, "count");
	jw_key(&w, "keys");
	jw_arr_begin(&w);
	for (i = 0; i < pc->n; i++)
		jw_strn(&w, pc->s[i], pc->len[i]);
	jw_arr_end(&w);
	jw_kv_u64(&w, "n", pc->n);
	jw_end(&w);
	REQUIRE(!fclose(f));
	REQUIRE(strlen(buf) == len);
	REQUIRE(json_lines_ok(buf));
	p = buf;
	expect(&p, "{\"type\":\"count\",\"keys\":[");
	for (i = 0; i < pc->n; i++) {
		if (i)
			expect(&p, ",");
		expect_string(&p, pc->s[i], pc->len[i]);
	}
	expect(&p, "],\"n\":");
	REQUIRE(strtoul(p, NULL, 10) == pc->n);
	free(buf);
}

static void check_rows(const char *in, size_t n)
{
	struct pieces pc = { .n = 0 };
	const char *p = in, *end = in + n;

	/* comm, path, items: split at NUL bytes */
	while (pc.n < 2 + MAX_ITEMS) {
		const char *z = memchr(p, 0, (size_t)(end - p));

		pc.s[pc.n] = p;
		pc.len[pc.n] = z ? (size_t)(z - p) : (size_t)(end - p);
		pc.n++;
		if (!z)
			break;
		p = z + 1;
	}
	while (pc.n < 2) {
		pc.s[pc.n] = "";
		pc.len[pc.n++] = 0;
	}
	check_json_row(&pc, n & 1);
	check_text_row(&pc, n & 1);
	check_jw(&pc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;

	cur = in;
	cur_len = size;
	fuzz_context = print_input;
	check_escapers(in, size);
	check_opts_esc(in, size);
	if (size <= ROW_MAX)
		check_rows(in, size);
	return 0;
}
