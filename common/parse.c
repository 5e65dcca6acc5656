#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "parse.h"

/* The digits s[0..len) (any number of them, leading zeros too): -EINVAL
 * unless all are digits, then -ERANGE when the value needs more than 64
 * bits; a string that is not a number is -EINVAL however long. */
static int parse_digits(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	bool big = false;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		uint64_t d = (uint64_t)(s[i] - '0');

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (big || v > (UINT64_MAX - d) / 10)
			big = true;
		else
			v = v * 10 + d;
	}
	if (big)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	int err;

	if (!s)
		return -EINVAL;
	if ((err = parse_digits(s, strlen(s), &v)))
		return err;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* "12.5" -> 12 and 5000... scaled to unit; digits only, one dot, the
 * fraction to 1e-9 of the unit. */
static int parse_scaled(const char *s, size_t len, uint64_t unit, uint64_t *out)
{
	const char *dot = memchr(s, '.', len), *p;
	uint64_t whole, frac = 0, div = 1, part;
	int err;

	if (dot) {
		if (dot + 1 == s + len)
			return -EINVAL;
		for (p = dot + 1; p < s + len; p++) {
			if (*p < '0' || *p > '9')
				return -EINVAL;
			if (div < 1000000000ULL) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				div *= 10;
			}
		}
	}
	if ((err = parse_digits(s, dot ? (size_t)(dot - s) : len, &whole)))
		return err;
	/* frac * unit / div, which can need more than 64 bits: with
	 * unit = q * div + r, it is frac * q + frac * r / div (frac < div) */
	part = frac * (unit / div) + frac * (unit % div) / div;
	if (whole > (UINT64_MAX - part) / unit)
		return -ERANGE;
	*out = whole * unit + part;
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
	int err;

	if (!s || !*s)
		return -EINVAL;
	len = strlen(s);
	switch (s[len - 1]) {
	case 'k': case 'K': mul = 1ULL << 10; break;
	case 'm': case 'M': mul = 1ULL << 20; break;
	case 'g': case 'G': mul = 1ULL << 30; break;
	}
	if ((err = parse_digits(s, mul != 1 ? len - 1 : len, &v)))
		return err;
	if (v < 1 || v > UINT64_MAX / mul)
		return -ERANGE;
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
	uint64_t v;
	int err = parse_digits(s, len, &v);

	if (err)
		return err;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
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
