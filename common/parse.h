/*
 * Strict parsers for option values. Each consumes the whole string, checks
 * the range and returns 0 or -EINVAL / -ERANGE; none prints.
 */
#ifndef LOUPE_PARSE_H
#define LOUPE_PARSE_H

#include <stdint.h>
#include <stddef.h>

/* Decimal integer in [min, max]; no sign, no spaces, no suffix. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Duration in ns: "10" (seconds), "10s", "500ms", "250us", "2m", "1h",
 * "1.5s". Must be > 0. */
int parse_duration(const char *s, uint64_t *ns);
/* Size in bytes: "65536", "256K", "8M", "1G" (powers of 1024). */
int parse_size(const char *s, uint64_t *bytes);
/* Comma-separated list of ids in [1, 2^31-1]: "12,34". At most max. */
int parse_id_list(const char *s, uint32_t *ids, size_t max, size_t *n);

#endif
