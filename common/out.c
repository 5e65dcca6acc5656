#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "out.h"

/* ---- UTF-8 and escaping --------------------------------------------- */

/* Decode the valid UTF-8 sequence at s: its length (1..4), the code point
 * in *cp; 0 when the bytes are not valid UTF-8 (a stray continuation byte,
 * overlong, a surrogate, above U+10FFFF, truncated by len). */
static int utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned c = s[0], n, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, v = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, v = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, v = c & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return (int)n;
}

int utf8_seq_len(const unsigned char *s, size_t len)
{
	uint32_t cp;

	return utf8_decode(s, len, &cp);
}

/*
 * Valid UTF-8 that both escapers still escape, as \uXXXX, because a
 * terminal acts on these code points instead of just showing them. All are
 * below U+10000, so four hex digits always suffice.
 * - U+0080..U+009F, the C1 controls: CSI (U+009B) and OSC (U+009D) start
 *   escape sequences on terminals that take 8-bit controls, NEL (U+0085)
 *   breaks the line on some.
 * - U+202A..U+202E (LRE, RLE, PDF, LRO, RLO) and U+2066..U+2069 (LRI, RLI,
 *   FSI, PDI): bidirectional embeddings, overrides and isolates reorder
 *   what follows them on terminals and viewers that implement bidi ("Trojan
 *   Source", CVE-2021-42574): "/tmp/<RLO>txt.sh" shows as "/tmp/hs.txt",
 *   and an override left open runs on into the columns after the cell.
 * - U+200E LRM, U+200F RLM and U+061C ALM: they cannot override, but they
 *   are invisible characters of strong direction, so they move the neutral
 *   characters beside them (punctuation, digits, the blank between two
 *   columns) and make two names that look the same differ. The cost: a
 *   right-to-left name that uses one on purpose shows it as \u200f, still
 *   readable.
 * - U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR: viewers and
 *   editors break the line there, so one row would look like two.
 */
static bool cp_unsafe(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x200e ||
	       cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

static const char hexd[] = "0123456789abcdef";

/* \xNN: one byte (4 bytes out) */
static char *put_hex(char *d, unsigned char c)
{
	*d++ = '\\';
	*d++ = 'x';
	*d++ = hexd[c >> 4];
	*d++ = hexd[c & 15];
	return d;
}

/* \uNNNN: a code point below U+10000 (6 bytes out) */
static char *put_u(char *d, uint32_t cp)
{
	*d++ = '\\';
	*d++ = 'u';
	*d++ = hexd[(cp >> 12) & 15];
	*d++ = hexd[(cp >> 8) & 15];
	*d++ = hexd[(cp >> 4) & 15];
	*d++ = hexd[cp & 15];
	return d;
}

/* Worst cases per input byte: a C0 control, DEL or invalid byte, 1 -> 4
 * (\xNN); a C1 control, 2 -> 6; the others of cp_unsafe, 3 -> 6. */
size_t esc_text(char *dst, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	char *d = dst;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		uint32_t cp;
		int n;

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			*d++ = (char)c;
			i++;
			continue;
		}
		switch (c) {
		case '\\': *d++ = '\\'; *d++ = '\\'; i++; continue;
		case '\n': *d++ = '\\'; *d++ = 'n'; i++; continue;
		case '\t': *d++ = '\\'; *d++ = 't'; i++; continue;
		case '\r': *d++ = '\\'; *d++ = 'r'; i++; continue;
		}
		/* other C0 controls, DEL and bytes that are not UTF-8 */
		n = c >= 0x80 ? utf8_decode(s + i, len - i, &cp) : 0;
		if (!n) {
			d = put_hex(d, c);
			i++;
			continue;
		}
		if (cp_unsafe(cp)) {
			d = put_u(d, cp);
		} else {
			memcpy(d, s + i, (size_t)n);
			d += n;
		}
		i += (size_t)n;
	}
	return (size_t)(d - dst);
}

/* Worst cases per input byte: a C0 control or DEL, 1 -> 6 (\u00NN); a C1
 * control, 2 -> 6; the others of cp_unsafe, 3 -> 6; an invalid byte, 1 -> 3
 * (U+FFFD). */
size_t esc_json(char *dst, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	char *d = dst;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		uint32_t cp;
		int n;

		if (c >= 0x20 && c < 0x7f) {
			if (c == '"' || c == '\\')
				*d++ = '\\';
			*d++ = (char)c;
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			switch (c) {
			case '\n': *d++ = '\\'; *d++ = 'n'; break;
			case '\t': *d++ = '\\'; *d++ = 't'; break;
			case '\r': *d++ = '\\'; *d++ = 'r'; break;
			case '\b': *d++ = '\\'; *d++ = 'b'; break;
			case '\f': *d++ = '\\'; *d++ = 'f'; break;
			default: d = put_u(d, c);
			}
			i++;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (!n) {
			/* U+FFFD REPLACEMENT CHARACTER for each invalid byte */
			*d++ = (char)0xef; *d++ = (char)0xbf; *d++ = (char)0xbd;
			i++;
		} else if (cp_unsafe(cp)) {
			d = put_u(d, cp);
			i += (size_t)n;
		} else {
			memcpy(d, s + i, (size_t)n);
			d += n;
			i += (size_t)n;
		}
	}
	return (size_t)(d - dst);
}

/*
 * Terminal columns of a code point: 0 for combining marks and zero-width
 * characters, 2 for the main East Asian wide and emoji ranges, 1 otherwise.
 * A small table rather than wcwidth(3), which depends on the locale (the
 * tools set none) and on the libc's Unicode version; terminals differ on the
 * rarer code points anyway.
 */
static const struct {
	uint32_t lo, hi;
	int w;
} cp_widths[] = {
	{ 0x0300, 0x036f, 0 },   /* combining diacritical marks */
	{ 0x1100, 0x115f, 2 },   /* Hangul Jamo leading consonants */
	{ 0x200b, 0x200d, 0 },   /* zero width space, non-joiner, joiner */
	{ 0x2e80, 0xa4cf, 2 },   /* CJK radicals .. Yi */
	{ 0xac00, 0xd7a3, 2 },   /* Hangul syllables */
	{ 0xf900, 0xfaff, 2 },   /* CJK compatibility ideographs */
	{ 0xfe30, 0xfe4f, 2 },   /* CJK compatibility forms */
	{ 0xff00, 0xff60, 2 },   /* fullwidth forms */
	{ 0xffe0, 0xffe6, 2 },   /* fullwidth signs */
	{ 0x1f300, 0x1f64f, 2 }, /* pictographs, emoticons */
	{ 0x1f680, 0x1f6ff, 2 }, /* transport and map symbols */
	{ 0x1f900, 0x1f9ff, 2 }, /* supplemental symbols and pictographs */
	{ 0x20000, 0x3fffd, 2 }, /* CJK extension planes */
};

static int cp_width(uint32_t cp)
{
	size_t i;

	if (cp < 0x300)
		return 1;
	for (i = 0; i < sizeof(cp_widths) / sizeof(cp_widths[0]); i++)
		if (cp >= cp_widths[i].lo && cp <= cp_widths[i].hi)
			return cp_widths[i].w;
	return 1;
}

size_t utf8_width(const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, w = 0;

	while (i < len) {
		uint32_t cp;
		int n = utf8_decode(s + i, len - i, &cp);

		if (!n) {
			w++;
			i++;
			continue;
		}
		w += (size_t)cp_width(cp);
		i += (size_t)n;
	}
	return w;
}

/* ---- time ------------------------------------------------------------ */

void fmt_hms(char *buf, size_t len, uint64_t ns, bool micro)
{
	time_t t = (time_t)(ns / 1000000000ULL);
	struct tm tm;

	localtime_r(&t, &tm);
	if (micro)
		snprintf(buf, len, "%02d:%02d:%02d.%06u", tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (unsigned)(ns % 1000000000ULL / 1000));
	else
		snprintf(buf, len, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void fmt_rfc3339(char *buf, size_t len, uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000ULL);
	struct tm tm;
	long off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06u%c%02ld:%02ld",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (unsigned)(ns % 1000000000ULL / 1000),
		 off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60,
		 (off < 0 ? -off : off) % 60);
}

/* ---- table rows ------------------------------------------------------ */

void out_init(struct out *o, FILE *f, bool json, const struct col *cols,
	      int ncols, uint32_t shown)
{
	memset(o, 0, offsetof(struct out, arena));
	o->f = f;
	o->json = json;
	o->cols = cols;
	if (ncols > OUT_MAX_COLS) { /* a tool's column table: a programming error */
		fprintf(stderr, "out_init: %d columns, at most %d\n", ncols, OUT_MAX_COLS);
		abort();
	}
	o->ncols = ncols;
	o->shown = shown;
}

static int last_shown(const struct out *o)
{
	int i, last = -1;

	for (i = 0; i < o->ncols; i++)
		if (o->shown & OUT_BIT(i))
			last = i;
	return last;
}

/*
 * Pad by display width, not bytes: "café" takes 4 columns, not 5. A cell
 * wider than its column (a long errno name, an escaped name) pushes the rest
 * of the row right by *over columns; the next cells give up padding to take
 * the row back into line, but never the blank between two columns, which
 * the callers always write.
 */
static void put_cell(struct out *o, int i, const char *s, size_t len, size_t *over)
{
	size_t w = utf8_width(s, len) + *over, width = (size_t)o->cols[i].width;
	size_t pad = w < width ? width - w : 0;

	*over = w > width ? w - width : 0;
	if (!(o->cols[i].flags & COL_LEFT))
		for (; pad > 0; pad--)
			fputc(' ', o->f);
	fwrite(s, 1, len, o->f);
	if (i == last_shown(o))
		return; /* no trailing blanks */
	for (; pad > 0; pad--)
		fputc(' ', o->f);
}

void out_header(struct out *o)
{
	int i, sep = 0;
	size_t over = 0;

	if (o->json)
		return;
	for (i = 0; i < o->ncols; i++) {
		if (!(o->shown & OUT_BIT(i)))
			continue;
		if (sep++)
			fputc(' ', o->f);
		put_cell(o, i, o->cols[i].hdr, strlen(o->cols[i].hdr), &over);
	}
	fputc('\n', o->f);
}

void out_row_begin(struct out *o)
{
	o->set = o->is_str = 0;
	o->used = 0;
}

static bool wanted(const struct out *o, int col)
{
	if (col < 0 || col >= o->ncols)
		return false;
	if (o->json)
		return !(o->cols[col].flags & COL_TEXT) &&
		       ((o->shown & OUT_BIT(col)) || (o->cols[col].flags & COL_JSON));
	return o->shown & OUT_BIT(col);
}

static char *cell_alloc(struct out *o, size_t n)
{
	char *p;

	if (o->used + n > sizeof(o->arena))
		return NULL;
	p = o->arena + o->used;
	o->used += n;
	return p;
}

static void set_raw(struct out *o, int col, const char *s, size_t len, bool str)
{
	char *p = cell_alloc(o, len);

	if (!p)
		return;
	memcpy(p, s, len);
	o->cell_off[col] = (uint32_t)(p - o->arena);
	o->cell_len[col] = (uint32_t)len;
	o->set |= OUT_BIT(col);
	if (str)
		o->is_str |= OUT_BIT(col);
	else
		o->is_str &= ~OUT_BIT(col);
}

void out_str(struct out *o, int col, const char *s, size_t len)
{
	char *p;
	size_t n;

	if (!wanted(o, col))
		return;
	if (o->json) {
		p = cell_alloc(o, len * 6);
		if (!p)
			return;
		n = esc_json(p, s, len);
	} else {
		p = cell_alloc(o, len * 4);
		if (!p)
			return;
		n = esc_text(p, s, len);
	}
	o->used = (size_t)(p - o->arena) + n;
	o->cell_off[col] = (uint32_t)(p - o->arena);
	o->cell_len[col] = (uint32_t)n;
	o->set |= OUT_BIT(col);
	o->is_str |= OUT_BIT(col);
}

/* Close a cell written at p..p+n into the arena (see out_str). */
static void set_arena(struct out *o, int col, char *p, size_t n, bool str)
{
	o->used = (size_t)(p - o->arena) + n;
	o->cell_off[col] = (uint32_t)(p - o->arena);
	o->cell_len[col] = (uint32_t)n;
	o->set |= OUT_BIT(col);
	if (str)
		o->is_str |= OUT_BIT(col);
	else
		o->is_str &= ~OUT_BIT(col);
}

void out_str_cut(struct out *o, int col, const char *s, size_t len, bool cut)
{
	char *p;
	size_t n;

	if (!cut || o->json) {
		out_str(o, col, s, len);
		return;
	}
	if (!wanted(o, col) || !(p = cell_alloc(o, len * 4 + 3)))
		return;
	n = esc_text(p, s, len);
	memcpy(p + n, "...", 3);
	set_arena(o, col, p, n + 3, true);
}

/* Does an escaped text item need quotes to stay one word? */
static bool needs_quotes(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return true;
	for (i = 0; i < n; i++)
		if (s[i] == ' ' || s[i] == '\'' || s[i] == '"')
			return true;
	return false;
}

void out_list(struct out *o, int col, const char *const *items, const size_t *lens,
	      size_t n, bool quote)
{
	size_t need = 2, i, j, m, at = 0;
	char *p, *tmp;

	if (!wanted(o, col))
		return;
	/* JSON: 6 per byte + quotes and comma; text: 4 per byte (a quote
	 * becomes 4 too), 2 quotes and a blank */
	for (i = 0; i < n; i++)
		need += lens[i] * 6 + 4;
	if (!(p = cell_alloc(o, need)))
		return;
	if (o->json)
		p[at++] = '[';
	for (i = 0; i < n; i++) {
		if (i)
			p[at++] = o->json ? ',' : ' ';
		if (o->json) {
			p[at++] = '"';
			at += esc_json(p + at, items[i], lens[i]);
			p[at++] = '"';
			continue;
		}
		m = esc_text(p + at, items[i], lens[i]);
		/* -q: 'it'\''s' as a shell would read it back */
		if (!quote || !needs_quotes(p + at, m) || !(tmp = malloc(m + 1))) {
			at += m;
			continue;
		}
		memcpy(tmp, p + at, m);
		p[at++] = '\'';
		for (j = 0; j < m; j++) {
			if (tmp[j] == '\'') {
				memcpy(p + at, "'\\''", 4);
				at += 4;
			} else {
				p[at++] = tmp[j];
			}
		}
		p[at++] = '\'';
		free(tmp);
	}
	if (o->json)
		p[at++] = ']';
	set_arena(o, col, p, at, false);
}

void out_bool(struct out *o, int col, bool v)
{
	if (!wanted(o, col))
		return;
	if (o->json)
		set_raw(o, col, v ? "true" : "false", v ? 4 : 5, false);
	else
		set_raw(o, col, v ? "yes" : "no", v ? 3 : 2, false);
}

void out_addr(struct out *o, int col, int family, const void *addr)
{
	char buf[INET6_ADDRSTRLEN];

	if (!wanted(o, col))
		return;
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "?");
	set_raw(o, col, buf, strlen(buf), true);
}

void out_cstr(struct out *o, int col, const char *s)
{
	if (wanted(o, col))
		out_str(o, col, s, strlen(s));
}

void out_int(struct out *o, int col, int64_t v)
{
	char buf[24];
	int n;

	if (!wanted(o, col))
		return;
	n = snprintf(buf, sizeof(buf), "%" PRId64, v);
	set_raw(o, col, buf, (size_t)n, false);
}

void out_uint(struct out *o, int col, uint64_t v)
{
	char buf[24];
	int n;

	if (!wanted(o, col))
		return;
	n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
	set_raw(o, col, buf, (size_t)n, false);
}

void out_fixed(struct out *o, int col, double v, int prec)
{
	char buf[48];
	int n;

	if (!wanted(o, col))
		return;
	if (!isfinite(v))
		v = 0;
	n = snprintf(buf, sizeof(buf), "%.*f", prec, v);
	set_raw(o, col, buf, (size_t)n, false);
}

void out_walltime(struct out *o, int col, uint64_t ns)
{
	char buf[48];

	if (!wanted(o, col))
		return;
	if (o->json)
		fmt_rfc3339(buf, sizeof(buf), ns);
	else
		fmt_hms(buf, sizeof(buf), ns, true);
	set_raw(o, col, buf, strlen(buf), o->json);
}

void out_row_end(struct out *o, const char *json_type)
{
	int i, sep = 0;
	size_t over = 0;

	if (o->json) {
		fprintf(o->f, "{\"type\":\"%s\"", json_type);
		for (i = 0; i < o->ncols; i++) {
			if (!(o->set & OUT_BIT(i)))
				continue;
			fprintf(o->f, ",\"%s\":", o->cols[i].key);
			if (o->is_str & OUT_BIT(i))
				fputc('"', o->f);
			fwrite(o->arena + o->cell_off[i], 1, o->cell_len[i], o->f);
			if (o->is_str & OUT_BIT(i))
				fputc('"', o->f);
		}
		fputs("}\n", o->f);
		return;
	}
	for (i = 0; i < o->ncols; i++) {
		if (!(o->shown & OUT_BIT(i)))
			continue;
		if (sep++)
			fputc(' ', o->f);
		if (o->set & OUT_BIT(i))
			put_cell(o, i, o->arena + o->cell_off[i], o->cell_len[i],
				 &over);
		else
			put_cell(o, i, "-", 1, &over);
	}
	fputc('\n', o->f);
}

/* ---- JSON records ---------------------------------------------------- */

/* A comma before every member but the first of its object or array. */
static void jw_sep(struct jw *w)
{
	if (!w->first[w->depth])
		fputc(',', w->f);
	w->first[w->depth] = false;
}

/* Values in arrays are members; values after jw_key() are not. */
static void jw_value_sep(struct jw *w)
{
	if (w->arrays & (1u << w->depth))
		jw_sep(w);
}

void jw_begin(struct jw *w, FILE *f, const char *type)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->first[0] = true;
	fputc('{', f);
	jw_kv_str(w, "type", type);
}

void jw_key(struct jw *w, const char *key)
{
	jw_sep(w);
	fprintf(w->f, "\"%s\":", key);
}

void jw_strn(struct jw *w, const char *s, size_t len)
{
	char stackbuf[512], *buf = stackbuf;

	jw_value_sep(w);
	if (len * 6 > sizeof(stackbuf))
		buf = malloc(len * 6);
	fputc('"', w->f);
	if (buf)
		fwrite(buf, 1, esc_json(buf, s, len), w->f);
	fputc('"', w->f);
	if (buf != stackbuf)
		free(buf);
}

void jw_str(struct jw *w, const char *s)
{
	jw_strn(w, s, strlen(s));
}

void jw_u64(struct jw *w, uint64_t v)
{
	jw_value_sep(w);
	fprintf(w->f, "%" PRIu64, v);
}

void jw_i64(struct jw *w, int64_t v)
{
	jw_value_sep(w);
	fprintf(w->f, "%" PRId64, v);
}

void jw_double(struct jw *w, double v)
{
	jw_value_sep(w);
	if (!isfinite(v))
		v = 0;
	fprintf(w->f, "%.6g", v);
}

void jw_bool(struct jw *w, bool v)
{
	jw_value_sep(w);
	fputs(v ? "true" : "false", w->f);
}

static void jw_open(struct jw *w, char c, bool array)
{
	jw_value_sep(w);
	fputc(c, w->f);
	if (w->depth + 1 >= (int)(sizeof(w->first) / sizeof(w->first[0])))
		return; /* deeper nesting is not used by any record */
	w->depth++;
	w->first[w->depth] = true;
	if (array)
		w->arrays |= 1u << w->depth;
	else
		w->arrays &= ~(1u << w->depth);
}

static void jw_close(struct jw *w, char c)
{
	fputc(c, w->f);
	if (w->depth > 0)
		w->depth--;
}

void jw_obj_begin(struct jw *w) { jw_open(w, '{', false); }
void jw_obj_end(struct jw *w) { jw_close(w, '}'); }
void jw_arr_begin(struct jw *w) { jw_open(w, '[', true); }
void jw_arr_end(struct jw *w) { jw_close(w, ']'); }

void jw_end(struct jw *w)
{
	fputs("}\n", w->f);
}

void jw_kv_str(struct jw *w, const char *k, const char *v)
{
	jw_key(w, k);
	jw_str(w, v);
}

void jw_kv_u64(struct jw *w, const char *k, uint64_t v)
{
	jw_key(w, k);
	jw_u64(w, v);
}

void jw_kv_i64(struct jw *w, const char *k, int64_t v)
{
	jw_key(w, k);
	jw_i64(w, v);
}
