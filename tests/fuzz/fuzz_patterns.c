/*
 * libFuzzer target: funccount's pattern syntax (tools/funccount/patterns.h,
 * patterns_syntax: the form of a pattern, no file read), against a
 * reference written here from the pattern grammar of funccount(8). The
 * input, up to its first NUL byte, is the pattern.
 *
 * - glob mode: the pattern is accepted iff the reference accepts its form:
 *     t:CAT:EVENT       CAT and EVENT not empty
 *     u:LIB:PROBE       LIB and PROBE not empty
 *     u:LIB:PROV:PROBE  LIB, PROV and PROBE not empty
 *     p:LIB:SYM         SYM not empty (an empty LIB: a kernel function)
 *     k:FUNC            FUNC not empty
 *     LIB:SYM           LIB not empty and not one of t u p k; SYM not empty
 *     FUNC              not empty (a kernel function)
 *   anything else (five or more parts too) is refused with -EINVAL;
 * - regex mode accepts a subset of what glob mode accepts (the names must
 *   also be valid regular expressions);
 * - a refusal says why: a non-empty message, NUL-terminated inside the
 *   buffer, and the same message for the same input (determinism);
 * - a short buffer is never overrun (checked by ASan with an exact-size
 *   heap buffer).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/funccount/patterns.h"
#include "tests/fuzz/fuzz.h"

static const char *cur;

static void print_input(void)
{
	fuzz_dump("input", cur, strlen(cur));
}

/* The reference: does the pattern have one of the forms above? */
static bool form_ok(const char *pat)
{
	const char *p[5] = { 0 };
	size_t len[5] = { 0 };
	const char *s = pat;
	int n = 0;

	for (;;) {
		const char *c = strchr(s, ':');

		if (n == 5)
			return false;
		p[n] = s;
		len[n] = c ? (size_t)(c - s) : strlen(s);
		n++;
		if (!c)
			break;
		s = c + 1;
	}
	if (n == 5)
		return false;
#define IS(i, lit) (len[i] == 1 && p[i][0] == (lit))
	if (n == 3 && IS(0, 't'))
		return len[1] && len[2];
	if ((n == 3 || n == 4) && IS(0, 'u'))
		return len[1] && len[n - 1] && (n == 3 || len[2]);
	if (n == 3 && IS(0, 'p'))
		return len[2];
	if (n == 2 && IS(0, 'k'))
		return len[1];
	if (n == 2)
		return len[0] && !(len[0] == 1 && strchr("tupk", p[0][0])) && len[1];
	if (n == 1)
		return len[0];
	return false;
#undef IS
}

static int check(const char *pat, bool regex, size_t errlen)
{
	char *err = malloc(errlen), *again = malloc(errlen);
	int r, r2;

	memset(err, 'x', errlen);
	r = patterns_syntax(pat, regex, err, errlen);
	REQUIRE(r == 0 || r == -EINVAL || r == -ENOMEM);
	if (r) {
		REQUIRE(memchr(err, 0, errlen) != NULL);
		REQUIRE(errlen < 2 || err[0] != 0);
		r2 = patterns_syntax(pat, regex, again, errlen);
		REQUIRE(r2 == r);
		REQUIRE(!strcmp(err, again));
	}
	free(again);
	free(err);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	int glob, re;

	memcpy(s, data, size);
	s[size] = 0;
	cur = s;
	fuzz_context = print_input;

	glob = check(s, false, 512);
	REQUIRE((glob == 0) == form_ok(s));
	re = check(s, true, 512);
	REQUIRE(re != 0 || glob == 0);
	check(s, false, 1 + size % 16); /* short buffers: cut, never overrun */
	free(s);
	return 0;
}
