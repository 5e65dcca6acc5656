/*
 * Strict parsers for option values. Each consumes the whole string, checks
 * the range and returns 0 or -EINVAL (not of the form, whatever its
 * length) / -ERANGE (of the form, but the value is out of range, also when
 * it needs more than 64 bits) / -E2BIG; none prints.
 */
#ifndef LOUPE_PARSE_H
#define LOUPE_PARSE_H

#include <stdint.h>
#include <stddef.h>

/* Decimal integer in [min, max]; no sign, no spaces, no suffix. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Duration in ns: "10" (seconds), "10s", "500ms", "250us", "2m", "1h",
 * "1.5s" (a fraction to 1e-9 of its unit; further digits are ignored).
 * Must be > 0 and fit in 64 bits. */
int parse_duration(const char *s, uint64_t *ns);
/* Size in bytes: "65536", "256K", "8M", "1G" (powers of 1024). */
int parse_size(const char *s, uint64_t *bytes);

/* A comma-separated list: item(ctx, s, len) is called for each item (not
 * NUL-terminated; never empty: an empty item, a leading, trailing or
 * doubled comma is -EINVAL). Stops at the first item that returns an
 * error and returns it. */
typedef int (*parse_item_fn)(void *ctx, const char *s, size_t len);
int parse_list(const char *s, parse_item_fn item, void *ctx);

/* A list item (len bytes at s, not NUL-terminated) as parse_u64 reads it. */
int parse_u64_item(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *out);

/* Comma-separated ids in [1, 2^31-1] appended to ids[*n..max-1]: "12,34".
 * -E2BIG when more than max in all. On error *n is unchanged. */
int parse_id_list(const char *s, uint32_t *ids, size_t max, size_t *n);

#endif
