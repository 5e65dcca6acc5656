/* What the libFuzzer targets share: a check that aborts with its reason
 * (libFuzzer then saves the input as the reproducer). */
#ifndef LOUPE_FUZZ_H
#define LOUPE_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

/* Set by a target to print what it was doing when a check failed. */
static void (*fuzz_context)(void);

__attribute__((noreturn, unused))
static void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
	if (fuzz_context)
		fuzz_context();
	abort();
}

#define REQUIRE(c) ((c) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #c))

/* s[0..n) on stderr, bytes outside printable ASCII as \xNN. */
__attribute__((unused))
static void fuzz_dump(const char *label, const char *s, size_t n)
{
	size_t i;

	fprintf(stderr, "  %s: \"", label);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fprintf(stderr, "\" (%zu bytes)\n", n);
}

#endif
