/*
 * Checks of what common/out.h writes, shared by the unit tests and the
 * fuzzers. Written apart from out.c (their own UTF-8 decoder, their own
 * list of code points a terminal acts on), so that a mistake there is not
 * repeated here and passed as correct.
 */
#ifndef LOUPE_TESTS_OUTCHECK_H
#define LOUPE_TESTS_OUTCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the valid UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF) and its code point in *cp;
 * 0 when the bytes there are not valid UTF-8. */
int chk_utf8(const unsigned char *s, size_t len, uint32_t *cp);

/* A code point a terminal acts on: C0, DEL, C1, the bidi controls and
 * marks, the line and paragraph separators (the list in out.h). */
bool chk_terminal_acts_on(uint32_t cp);

/* Valid UTF-8 with nothing a terminal acts on: what escaped text and a
 * JSON line printed raw must be. */
bool text_is_safe(const char *buf, size_t n);

/* Undo esc_text, as bash's $'...' would: the length written to dst, or -1
 * for a form esc_text does not write. */
long unesc_text(char *dst, const char *s, size_t n);

/* Check the inside of a JSON string (RFC 8259) and decode it into dst
 * (NULL: check only): the decoded length, or -1 when a JSON parser would
 * reject it. Surrogate escapes are rejected too: esc_json never writes
 * them. */
long unesc_json(char *dst, const char *s, size_t n);

/* What esc_json must keep of src: each byte that is not valid UTF-8
 * replaced by U+FFFD (dst holds 3 * n). */
size_t replace_invalid(char *dst, const char *src, size_t n);

/* The JSON string starting at p (at its opening quote): decoded into dst
 * (NULL: check only) with its length in *len; returns the byte after the
 * closing quote, or NULL when it is not a valid JSON string. */
const char *json_string(const char *p, char *dst, size_t *len);

/* Every line of s is one JSON object (RFC 8259), printable as it is. */
bool json_lines_ok(const char *s);

#endif
