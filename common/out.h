/*
 * Output: columns declared once, rows written through the same calls in text
 * and JSON mode, untrusted strings escaped, other JSON records.
 *
 * A tool declares an array of struct col; out_init() with a mask of shown
 * columns; then per row: out_row_begin(), out_<kind>(col, value)... in any
 * order, out_row_end(). Text rows and the header come from the same column
 * list, so they cannot drift. In JSON every shown column becomes a key
 * (col.key), plus columns flagged COL_JSON.
 */
#ifndef LOUPE_OUT_H
#define LOUPE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum col_flags {
	COL_LEFT = 1,  /* left-aligned (strings) */
	COL_JSON = 2,  /* always in JSON, even when not shown in text */
	COL_TEXT = 4,  /* never in JSON (e.g. a text rendering of another key) */
};

struct col {
	const char *hdr;   /* text header, e.g. "PID" */
	const char *key;   /* JSON key, lower_snake_case, e.g. "pid" */
	int width;         /* text width; the last shown column is unpadded */
	unsigned flags;
};

#define OUT_MAX_COLS 32
#define OUT_ARENA (64 * 1024)

struct out {
	FILE *f;
	bool json;
	const struct col *cols;
	int ncols;
	uint32_t shown;                 /* bit i: column i is shown in text */
	/* current row */
	uint32_t set;                   /* bit i: cell i has a value */
	uint32_t is_str;                /* bit i: cell i is a JSON string */
	uint32_t cell_off[OUT_MAX_COLS];
	uint32_t cell_len[OUT_MAX_COLS];
	uint32_t json_off[OUT_MAX_COLS]; /* string cells: JSON-escaped copy */
	uint32_t json_len[OUT_MAX_COLS];
	size_t used;
	char arena[OUT_ARENA];
};

void out_init(struct out *o, FILE *f, bool json, const struct col *cols,
	      int ncols, uint32_t shown);
#define OUT_BIT(i) (1u << (i))
void out_header(struct out *o);       /* text mode only; no-op in JSON */
void out_row_begin(struct out *o);
/* untrusted bytes (need not be NUL-terminated) */
void out_str(struct out *o, int col, const char *s, size_t len);
/* untrusted bytes cut at a copy limit: text shows "..." after them (the
 * JSON record says so with a <key>_truncated column of the tool's) */
void out_str_cut(struct out *o, int col, const char *s, size_t len, bool cut);
/* a list of untrusted strings (argv): a JSON array of strings; in text the
 * items escaped and joined by blanks, and with quote each item that is
 * empty or holds a blank or a quote put in '...' as a shell reads it back */
void out_list(struct out *o, int col, const char *const *items, const size_t *lens,
	      size_t n, bool quote);
/* JSON true/false; text yes/no */
void out_bool(struct out *o, int col, bool v);
/* an IP address: family AF_INET (4 bytes at addr) or AF_INET6 (16);
 * v4-mapped IPv6 addresses read "::ffff:1.2.3.4" */
void out_addr(struct out *o, int col, int family, const void *addr);
/* a trusted C string (names from tables, formatted numbers) */
void out_cstr(struct out *o, int col, const char *s);
void out_int(struct out *o, int col, int64_t v);
void out_uint(struct out *o, int col, uint64_t v);
/* float shown with `prec` decimals in both modes */
void out_fixed(struct out *o, int col, double v, int prec);
/* wall-clock ns since the epoch: text "HH:MM:SS.ffffff",
 * JSON "YYYY-MM-DDTHH:MM:SS.ffffff+hh:mm" (RFC 3339) */
void out_walltime(struct out *o, int col, uint64_t ns);
void out_row_end(struct out *o, const char *json_type);

/*
 * Escaping of untrusted bytes (file names, argv, comm), so that what a
 * traced process names a file can neither break a row nor act on the
 * terminal. Pure functions: no state, no allocation, no locale; src need not
 * be NUL-terminated and may hold any bytes; dst gets no NUL. Both return the
 * bytes written, at most 4*len (text) or 6*len (JSON): dst must hold that.
 *
 * esc_text, for text output: the result is printable, and unambiguous
 * because a backslash of the input is doubled: each escape stands for one
 * byte or code point, so the input can be had back exactly. The forms are
 * those of bash's $'...' strings (where \uNNNN gives UTF-8 in a UTF-8
 * locale):
 *   \n \t \r \\     newline, tab, carriage return, backslash
 *   \xNN            any other byte below 0x20, DEL (\x7f), and every byte
 *                   that is not part of valid UTF-8 (NN: 2 lower-case hex
 *                   digits); \x80..\xff therefore always means invalid UTF-8
 *   \uNNNN          valid UTF-8 of a code point a terminal acts on (4
 *                   lower-case hex digits): the C1 controls \u0080..\u009f,
 *                   the bidi controls \u202a..\u202e, \u2066..\u2069,
 *                   \u200e, \u200f, \u061c and the separators \u2028,
 *                   \u2029 (the reasons are in out.c)
 * Every other valid UTF-8 sequence is copied unchanged.
 *
 * esc_json, the inside of a JSON string: always valid JSON and valid UTF-8.
 * " and \ are escaped; \n \t \r \b \f; other C0 controls, DEL and the
 * code points above as \u00NN / \uNNNN (lower-case hex), so that a JSON
 * line printed raw to a terminal is safe too; each byte that is not valid
 * UTF-8 becomes U+FFFD; other valid UTF-8 is copied unchanged.
 */
size_t esc_text(char *dst, const char *src, size_t len);
size_t esc_json(char *dst, const char *src, size_t len);
/* length of a valid UTF-8 sequence at s (1..4), or 0 when invalid */
int utf8_seq_len(const unsigned char *s, size_t len);
/* Terminal columns of escaped text (what esc_text writes, or a trusted
 * string): a code point takes 1 column, a combining mark (U+0300..U+036F)
 * or zero-width space/joiner (U+200B..U+200D) 0, a character of the main
 * East Asian wide and emoji ranges 2; a byte that is not UTF-8 counts 1. */
size_t utf8_width(const char *s, size_t len);

/* Wall-clock formatting of a CLOCK_REALTIME ns value. */
void fmt_hms(char *buf, size_t len, uint64_t ns, bool micro);
void fmt_rfc3339(char *buf, size_t len, uint64_t ns);

/*
 * A small JSON object writer for records that are not table rows
 * ("stats", "hist", "count"...). Writes one line: {"type":"<t>",...}.
 */
struct jw {
	FILE *f;
	int depth;
	uint32_t arrays;  /* bit d: nesting level d is an array */
	bool first[8];
};
void jw_begin(struct jw *w, FILE *f, const char *type);
void jw_key(struct jw *w, const char *key);      /* then a value */
void jw_str(struct jw *w, const char *s);        /* escaped */
void jw_strn(struct jw *w, const char *s, size_t len);
void jw_u64(struct jw *w, uint64_t v);
void jw_i64(struct jw *w, int64_t v);
void jw_double(struct jw *w, double v);
void jw_bool(struct jw *w, bool v);
void jw_obj_begin(struct jw *w);                 /* nested { */
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_end(struct jw *w);                       /* } and newline */
/* shorthands: key + value */
void jw_kv_str(struct jw *w, const char *k, const char *v);
void jw_kv_u64(struct jw *w, const char *k, uint64_t v);
void jw_kv_i64(struct jw *w, const char *k, int64_t v);

#endif
