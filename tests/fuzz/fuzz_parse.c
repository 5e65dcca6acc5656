/*
 * libFuzzer target: the strict value parsers (common/parse.h), the name
 * parsers (common/names.h) and -k's parser (count_parse_by), each against
 * a reference written here from the header's contract. The input, up to
 * its first NUL byte, is the string every parser is given.
 *
 * - parse_u64: an all-digit string is its strtoull value (-ERANGE when
 *   that overflows or is outside [min, max]), anything else -EINVAL.
 * - parse_duration: digits, an optional fraction and an optional unit
 *   parse iff whole * unit + fraction * unit (the fraction to 1e-9 of the
 *   unit) fits in 64 bits and is > 0, to exactly that; else -EINVAL for
 *   other strings, -ERANGE for those values.
 * - parse_size: digits and an optional K/M/G parse iff the product fits
 *   and is > 0.
 * - parse_list: the items given to the callback are never empty, are in
 *   order, stop at the first error, and joined with commas give back the
 *   input on success.
 * - parse_id_list: appends after *n; on error *n and ids[0..*n) are
 *   unchanged; the values are the items'.
 * - errno_parse, syscall_parse, oflag_parse: never crash; a name that
 *   parses comes back from the number (errno_name, syscall_name), one that
 *   fails is in no table; oflag_parse's bit tells its flag apart.
 * - count_parse_by: success iff every item is one of the first 32 names,
 *   the mask their bits; *mask untouched on error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "count.h"
#include "names.h"
#include "opts.h"
#include "parse.h"
#include "tests/fuzz/fuzz.h"

typedef unsigned __int128 u128;

static const char *cur;

static void print_input(void)
{
	fuzz_dump("input", cur, strlen(cur));
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* digits to a number, saturating at 2^64 (more than any u64) */
static u128 digits_value(const char *s, size_t n)
{
	u128 v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		v = v * 10 + (u128)(s[i] - '0');
		if (v > UINT64_MAX)
			return (u128)UINT64_MAX + 1;
	}
	return v;
}

/* ---- parse_u64 --------------------------------------------------------- */

static void check_u64(const char *s, uint64_t min, uint64_t max)
{
	uint64_t v = 0x5555, want;
	int r = parse_u64(s, min, max, &v);
	char *end;

	if (!all_digits(s, strlen(s))) {
		REQUIRE(r == -EINVAL);
		REQUIRE(v == 0x5555);
		return;
	}
	errno = 0;
	want = strtoull(s, &end, 10);
	REQUIRE(*end == 0);
	if (errno == ERANGE || want < min || want > max) {
		REQUIRE(r == -ERANGE);
		REQUIRE(v == 0x5555);
		return;
	}
	REQUIRE(r == 0);
	REQUIRE(v == want);
}

/* ---- parse_duration ---------------------------------------------------- */

static void check_duration(const char *s)
{
	static const struct { const char *sfx; uint64_t unit; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "h", 3600000000000ULL }, { "m", 60000000000ULL },
		{ "s", 1000000000ULL },
	};
	size_t len = strlen(s), nw, nf = 0, i;
	uint64_t unit = 1000000000ULL, ns = 0x5555;
	const char *dot;
	u128 whole, frac = 0, v;
	int r = parse_duration(s, &ns);

	/* the unit: the longest suffix that leaves something before it */
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t sl = strlen(units[i].sfx);

		if (len > sl && !strcmp(s + len - sl, units[i].sfx)) {
			unit = units[i].unit;
			len -= sl;
			break;
		}
	}
	/* digits, optionally "." digits */
	dot = memchr(s, '.', len);
	nw = dot ? (size_t)(dot - s) : len;
	if (dot)
		nf = len - nw - 1;
	if (!all_digits(s, nw) || (dot && !all_digits(dot + 1, nf))) {
		REQUIRE(r == -EINVAL);
		REQUIRE(ns == 0x5555);
		return;
	}
	whole = digits_value(s, nw);
	for (i = 0; i < 9; i++)
		frac = frac * 10 + (u128)(dot && i < nf ? dot[1 + i] - '0' : 0);
	v = whole * unit + frac * unit / 1000000000ULL;
	if (v > UINT64_MAX || v == 0) {
		REQUIRE(r == -ERANGE);
		REQUIRE(ns == 0x5555);
		return;
	}
	REQUIRE(r == 0);
	REQUIRE(ns == (uint64_t)v);
}

/* ---- parse_size -------------------------------------------------------- */

static void check_size(const char *s)
{
	size_t len = strlen(s);
	uint64_t b = 0x5555, mul = 1;
	int r = parse_size(s, &b);
	u128 v;

	if (len) {
		switch (s[len - 1]) {
		case 'k': case 'K': mul = 1ULL << 10; break;
		case 'm': case 'M': mul = 1ULL << 20; break;
		case 'g': case 'G': mul = 1ULL << 30; break;
		}
	}
	if (mul != 1)
		len--;
	if (!all_digits(s, len)) {
		REQUIRE(r == -EINVAL);
		REQUIRE(b == 0x5555);
		return;
	}
	v = digits_value(s, len) * mul;
	if (v == 0 || v > UINT64_MAX) {
		REQUIRE(r == -ERANGE);
		REQUIRE(b == 0x5555);
		return;
	}
	REQUIRE(r == 0);
	REQUIRE(b == (uint64_t)v);
}

/* ---- parse_list -------------------------------------------------------- */

struct items {
	const char *s[256];
	size_t len[256];
	size_t n;
	bool overflow;
};

/* "bad" fails with -ERANGE, an item starting with '!' with -E2BIG */
static int record_item(void *ctx, const char *s, size_t len)
{
	struct items *it = ctx;

	REQUIRE(len > 0);
	if (it->n < 256) {
		it->s[it->n] = s;
		it->len[it->n] = len;
		it->n++;
	} else {
		it->overflow = true;
	}
	if (len == 3 && !memcmp(s, "bad", 3))
		return -ERANGE;
	if (s[0] == '!')
		return -E2BIG;
	return 0;
}

static void check_list(const char *s)
{
	static struct items got, want;
	const char *p = s;
	int r, wr = 0;
	size_t i, at = 0;

	memset(&got, 0, sizeof(got));
	memset(&want, 0, sizeof(want));
	r = parse_list(s, record_item, &got);
	/* the reference: split at every comma, stop at the first bad item */
	if (!*s)
		wr = -EINVAL;
	while (*s && !wr) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);

		if (!len) {
			wr = -EINVAL;
			break;
		}
		if (want.n < 256) {
			want.s[want.n] = p;
			want.len[want.n] = len;
			want.n++;
		}
		if (len == 3 && !memcmp(p, "bad", 3))
			wr = -ERANGE;
		else if (p[0] == '!')
			wr = -E2BIG;
		if (!c)
			break;
		p = c + 1;
	}
	REQUIRE(r == wr);
	REQUIRE(got.n == want.n);
	for (i = 0; i < got.n; i++)
		REQUIRE(got.s[i] == want.s[i] && got.len[i] == want.len[i]);
	if (r || got.overflow)
		return;
	/* the items and commas between them are the input */
	for (i = 0; i < got.n; i++) {
		REQUIRE(!memcmp(s + at, got.s[i], got.len[i]));
		at += got.len[i];
		REQUIRE(s[at] == (i + 1 < got.n ? ',' : 0));
		at++;
	}
	REQUIRE(at == strlen(s) + 1);
}

/* ---- parse_id_list ----------------------------------------------------- */

static void check_ids(const char *s, size_t max, size_t n0)
{
	static uint32_t ids[LOUPE_MAX_IDS], before[LOUPE_MAX_IDS], want[LOUPE_MAX_IDS];
	size_t n = n0, wn = n0, i;
	const char *p = s;
	int r, wr = 0;

	for (i = 0; i < max; i++)
		ids[i] = before[i] = (uint32_t)(0x10000 + i);
	r = parse_id_list(s, ids, max, &n);
	if (!*s)
		wr = -EINVAL;
	while (*s && !wr) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		u128 v;

		if (!all_digits(p, len)) {
			wr = -EINVAL;
			break;
		}
		v = digits_value(p, len);
		if (v < 1 || v > 0x7fffffff) {
			wr = -ERANGE;
			break;
		}
		if (wn >= max) {
			wr = -E2BIG;
			break;
		}
		want[wn++] = (uint32_t)v;
		if (!c)
			break;
		p = c + 1;
	}
	REQUIRE(r == wr);
	for (i = 0; i < n0; i++)
		REQUIRE(ids[i] == before[i]);
	if (r) {
		REQUIRE(n == n0);
		return;
	}
	REQUIRE(n == wn);
	for (i = n0; i < n; i++)
		REQUIRE(ids[i] == want[i]);
}

/* ---- names ------------------------------------------------------------- */

static void check_errno(const char *s)
{
	int r = errno_parse(s);
	const char *name;
	unsigned i;

	if (r < 0) {
		REQUIRE(r == -EINVAL);
		for (i = 0; i < loupe_errno_table_len; i++)
			REQUIRE(!loupe_errno_table[i] || strcasecmp(loupe_errno_table[i], s));
		return;
	}
	REQUIRE(r >= 1 && r <= 4095);
	if (all_digits(s, strlen(s))) {
		REQUIRE(digits_value(s, strlen(s)) == (u128)r);
		return;
	}
	name = errno_name(r);
	REQUIRE(name != NULL);
	REQUIRE(errno_parse(name) == r);
	REQUIRE(!strcasecmp(name, s) || !strcasecmp(s, "EWOULDBLOCK") ||
		!strcasecmp(s, "EDEADLOCK") || !strcasecmp(s, "ENOTSUP"));
}

static void check_syscall(const char *s)
{
	int r = syscall_parse(s);
	const char *name;
	unsigned i;

	if (r < 0) {
		REQUIRE(r == -EINVAL);
		for (i = 0; i < loupe_syscall_table_len; i++)
			REQUIRE(!loupe_syscall_table[i] || strcmp(loupe_syscall_table[i], s));
		return;
	}
	name = syscall_name(r);
	REQUIRE(name != NULL && !strcmp(name, s));
	REQUIRE(syscall_parse(name) == r);
}

static const struct { const char *name; unsigned value; } oflags[] = {
	{ "O_RDONLY", O_RDONLY }, { "O_WRONLY", O_WRONLY }, { "O_RDWR", O_RDWR },
	{ "O_CREAT", O_CREAT }, { "O_EXCL", O_EXCL }, { "O_NOCTTY", O_NOCTTY },
	{ "O_TRUNC", O_TRUNC }, { "O_APPEND", O_APPEND },
	{ "O_NONBLOCK", O_NONBLOCK }, { "O_NDELAY", O_NDELAY },
	{ "O_DSYNC", O_DSYNC }, { "O_SYNC", O_SYNC }, { "O_ASYNC", O_ASYNC },
	{ "O_DIRECT", O_DIRECT }, { "O_DIRECTORY", O_DIRECTORY },
	{ "O_NOFOLLOW", O_NOFOLLOW }, { "O_NOATIME", O_NOATIME },
	{ "O_CLOEXEC", O_CLOEXEC }, { "O_PATH", O_PATH }, { "O_TMPFILE", O_TMPFILE },
};
#define NOFLAGS (sizeof(oflags) / sizeof(oflags[0]))

static void check_oflag(const char *s)
{
	unsigned bit = 0x55555555, v;
	int r = oflag_parse(s, &bit);
	size_t i, k = NOFLAGS;

	for (i = 0; i < NOFLAGS && k == NOFLAGS; i++)
		if (!strcasecmp(oflags[i].name, s) || !strcasecmp(oflags[i].name + 2, s))
			k = i;
	if (k == NOFLAGS) {
		REQUIRE(r == -EINVAL);
		REQUIRE(bit == 0x55555555);
		return;
	}
	REQUIRE(r == 0);
	v = oflags[k].value;
	/* O_RDONLY alone is 0; every other flag is one bit of its value */
	REQUIRE((bit == 0) == (v == 0));
	REQUIRE(!(bit & (bit - 1)) && (v & bit) == bit);
	/* a flag whose value holds the bit holds all of this flag's */
	for (i = 0; i < NOFLAGS; i++)
		if (oflags[i].value & bit)
			REQUIRE((oflags[i].value & v) == v);
}

/* ---- count_parse_by ---------------------------------------------------- */

static void check_by(const char *s, const char *const *names)
{
	uint32_t mask = 0xdeadbeef, want = 0;
	const char *p = s;
	int r = count_parse_by(s, names, &mask), wr = *s ? 0 : -EINVAL;

	while (*s && !wr) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		int i;

		for (i = 0; names[i]; i++)
			if (strlen(names[i]) == len && !memcmp(names[i], p, len))
				break;
		if (!len || !names[i] || i >= 32) {
			wr = -EINVAL;
			break;
		}
		want |= 1u << i;
		if (!c)
			break;
		p = c + 1;
	}
	REQUIRE(r == wr);
	REQUIRE(mask == (r ? 0xdeadbeef : want));
}

static const char *const by_names[] = {
	"process", "comm", "pid", "path", "errno", "p", "pi", NULL
};
static const char *const many_names[] = {
	"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11",
	"k12", "k13", "k14", "k15", "k16", "k17", "k18", "k19", "k20", "k21",
	"k22", "k23", "k24", "k25", "k26", "k27", "k28", "k29", "k30", "k31",
	"k32", "k33", NULL
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	uint64_t v;

	memcpy(s, data, size);
	s[size] = 0;
	cur = s;
	fuzz_context = print_input;

	check_u64(s, 0, UINT64_MAX);
	check_u64(s, 1, 0x7fffffff);
	check_u64(s, 100, 1000);
	REQUIRE(!opt_parse_u64(s, &v) == !parse_u64(s, 0, UINT64_MAX, &v));
	check_duration(s);
	check_size(s);
	check_list(s);
	check_ids(s, LOUPE_MAX_IDS, 0);
	check_ids(s, 4, strlen(s) % 5);
	check_errno(s);
	check_syscall(s);
	check_oflag(s);
	check_by(s, by_names);
	check_by(s, many_names);
	free(s);
	return 0;
}
