#include <errno.h>
#include <string.h>

#include "parse.h"

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* "12.5" -> 12 and 5000... scaled to unit; digits only, one dot. */
static int parse_scaled(const char *s, size_t len, uint64_t unit, uint64_t *out)
{
	uint64_t whole = 0, frac = 0, div = 1;
	int dot = 0, digits = 0;
	size_t i;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (dot++)
				return -EINVAL;
			continue;
		}
		if (c < '0' || c > '9')
			return -EINVAL;
		digits++;
		if (!dot) {
			if (whole > (UINT64_MAX - 9) / 10)
				return -ERANGE;
			whole = whole * 10 + (uint64_t)(c - '0');
		} else if (div < 1000000000ULL) {
			frac = frac * 10 + (uint64_t)(c - '0');
			div *= 10;
		}
	}
	if (!digits || s[len - 1] == '.' || s[0] == '.')
		return -EINVAL;
	if (whole > UINT64_MAX / unit)
		return -ERANGE;
	*out = whole * unit + frac * unit / div;
	return 0;
}

int parse_duration(const char *s, uint64_t *ns)
{
	static const struct { const char *sfx; uint64_t unit; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000ULL }, { "m", 60000000000ULL },
		{ "h", 3600000000000ULL },
	};
	size_t len, i;
	uint64_t v;
	int err;

	if (!s || !*s)
		return -EINVAL;
	len = strlen(s);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t sl = strlen(units[i].sfx);

		if (len > sl && !strcmp(s + len - sl, units[i].sfx) &&
		    (s[len - sl - 1] >= '0' && s[len - sl - 1] <= '9')) {
			err = parse_scaled(s, len - sl, units[i].unit, &v);
			goto done;
		}
	}
	err = parse_scaled(s, len, 1000000000ULL, &v);
done:
	if (err)
		return err;
	if (v == 0)
		return -ERANGE;
	*ns = v;
	return 0;
}

int parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v, mul = 1;
	size_t len;
	char buf[32];
	int err;

	if (!s || !*s || (len = strlen(s)) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len + 1);
	switch (buf[len - 1]) {
	case 'k': case 'K': mul = 1ULL << 10; break;
	case 'm': case 'M': mul = 1ULL << 20; break;
	case 'g': case 'G': mul = 1ULL << 30; break;
	}
	if (mul != 1)
		buf[--len] = 0;
	err = parse_u64(buf, 1, UINT64_MAX / mul, &v);
	if (err)
		return err;
	*bytes = v * mul;
	return 0;
}

int parse_list(const char *s, parse_item_fn item, void *ctx)
{
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int err;

		if (!len)
			return -EINVAL;
		if ((err = item(ctx, p, len)))
			return err;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

int parse_u64_item(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *out)
{
	char buf[24];
	size_t i, skip = 0;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	while (skip + 1 < len && s[skip] == '0')
		skip++; /* leading zeros say nothing about the size */
	if (len - skip > 20)
		return -ERANGE;
	memcpy(buf, s + skip, len - skip);
	buf[len - skip] = 0;
	return parse_u64(buf, min, max, out);
}

struct ids_ctx {
	uint32_t *ids;
	size_t max, n;
};

static int id_item(void *c, const char *s, size_t len)
{
	struct ids_ctx *x = c;
	uint64_t v;
	int err;

	if ((err = parse_u64_item(s, len, 1, 0x7fffffff, &v)))
		return err;
	if (x->n >= x->max)
		return -E2BIG;
	x->ids[x->n++] = (uint32_t)v;
	return 0;
}

int parse_id_list(const char *s, uint32_t *ids, size_t max, size_t *n)
{
	struct ids_ctx x = { ids, max, *n };
	int err = parse_list(s, id_item, &x);

	if (!err)
		*n = x.n;
	return err;
}
