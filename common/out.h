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

/* Escaping, exposed for tests. Return the bytes written (no NUL added);
 * dst must hold 4*len (text) / 6*len (JSON) bytes. */
size_t esc_text(char *dst, const char *src, size_t len);
size_t esc_json(char *dst, const char *src, size_t len);
/* length of a valid UTF-8 sequence at s (1..4), or 0 when invalid */
int utf8_seq_len(const unsigned char *s, size_t len);

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
