/* A minimal unit-test harness: TEST(name) { ... CHECK(...); } */
#ifndef LOUPE_UNIT_H
#define LOUPE_UNIT_H

#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
	struct unit_test *next;
};
void unit_register(struct unit_test *t);
extern int unit_failed_checks;

#define TEST(n)                                                              \
	static void test_##n(void);                                          \
	static struct unit_test unit_##n = { #n, test_##n, NULL };           \
	__attribute__((constructor)) static void reg_##n(void)               \
	{ unit_register(&unit_##n); }                                        \
	static void test_##n(void)

#define CHECK(c) do { if (!(c)) { unit_failed_checks++;                      \
	fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); } } while (0)
#define CHECK_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) { unit_failed_checks++;                                \
	fprintf(stderr, "  %s:%d: %s == %lld, want %lld\n", __FILE__, __LINE__, #a, _a, _b); } } while (0)
#define CHECK_STR(a, b) do { const char *_a = (a), *_b = (b);                \
	if (strcmp(_a, _b)) { unit_failed_checks++;                          \
	fprintf(stderr, "  %s:%d: %s ==\n\"%s\"\n  want\n\"%s\"\n", __FILE__, __LINE__, #a, _a, _b); } } while (0)

/* Run fn(f) with f a memory stream; returns the text (static buffer). */
const char *unit_capture(void (*fn)(FILE *f, void *arg), void *arg);

#endif
