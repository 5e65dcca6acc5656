/* Histogram template: bcc's text layout byte for byte, JSON, -e. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "unit.h"
#include "hist.h"

static const struct hist_fmt us = {
	.kind = HIST_LOG2, .unit = "usecs", .unit_ns = 1000, .sum_div = 1000,
	.sum_key = "sum_ns",
};
static const struct hist_fmt lin = { .kind = HIST_LINEAR, .base = 0, .step = 1,
				     .unit = "slot" };

struct args {
	const struct hist_fmt *f;
	const struct loupe_hist *h;
};

static void print_hist(FILE *f, void *a)
{
	const struct args *x = a;

	hist_print(f, x->f, x->h);
}

static const char *render(const struct hist_fmt *f, const struct loupe_hist *h)
{
	struct args a = { f, h };

	return unit_capture(print_hist, &a);
}

TEST(hist_log2_empty_prints_nothing)
{
	struct loupe_hist h = { 0 };

	CHECK_STR(render(&us, &h), "");
}

TEST(hist_log2_bcc_histdemo)
{
	/* ANCHORS.md §3.1, bcc's histdemo.txt (bcc slot i is our i - 1) */
	struct loupe_hist h = { .slots = { [2] = 2, [3] = 7, [4] = 52, [5] = 13, [7] = 1 } };

	CHECK_STR(render(&us, &h),
		"     usecs               : count     distribution\n"
		"         0 -> 1          : 0        |                                        |\n"
		"         2 -> 3          : 0        |                                        |\n"
		"         4 -> 7          : 2        |*                                       |\n"
		"         8 -> 15         : 7        |*****                                   |\n"
		"        16 -> 31         : 52       |****************************************|\n"
		"        32 -> 63         : 13       |**********                              |\n"
		"        64 -> 127        : 0        |                                        |\n"
		"       128 -> 255        : 1        |                                        |\n");
}

TEST(hist_log2_one_bucket)
{
	struct loupe_hist h = { .slots = { [0] = 1 } };

	CHECK_STR(render(&us, &h),
		"     usecs               : count     distribution\n"
		"         0 -> 1          : 1        |****************************************|\n");
}

TEST(hist_log2_u64_counts)
{
	struct loupe_hist h = { .slots = { [0] = UINT64_MAX, [1] = UINT64_MAX / 2 } };

	/* 64-bit counts widen the count column, as bcc's %-8d does */
	CHECK_STR(render(&us, &h),
		"     usecs               : count     distribution\n"
		"         0 -> 1          : 18446744073709551615 |****************************************|\n"
		"         2 -> 3          : 9223372036854775807 |*******************                     |\n");
}

TEST(hist_log2_wide_from_2_pow_32)
{
	struct loupe_hist h = { .slots = { [31] = 1 } };
	const char *t, *want;

	t = render(&us, &h); /* slot 31 ends at 2^32 - 1: still narrow */
	CHECK(strstr(t, "2147483648 -> 4294967295 : 1        |****") != NULL);
	memset(&h, 0, sizeof(h));
	h.slots[32] = 3;
	h.slots[63] = 6;
	t = render(&us, &h);
	want = "               usecs                         : count     distribution\n"
	       "                   0 -> 1                    : 0        |                    |\n";
	CHECK(!strncmp(t, want, strlen(want)));
	CHECK(strstr(t, "          4294967296 -> 8589934591           : 3        |**********          |\n") != NULL);
	CHECK(strstr(t, " 9223372036854775808 -> 18446744073709551615 : 6        |********************|\n") != NULL);
}

TEST(hist_linear_bcc_layout)
{
	/* ANCHORS.md §3.3, bcc print_linear_hist("slot") */
	struct loupe_hist h = { .slots = { [2] = 3, [5] = 9 } };

	CHECK_STR(render(&lin, &h),
		"     slot          : count     distribution\n"
		"        0          : 0        |                                        |\n"
		"        1          : 0        |                                        |\n"
		"        2          : 3        |*************                           |\n"
		"        3          : 0        |                                        |\n"
		"        4          : 0        |                                        |\n"
		"        5          : 9        |****************************************|\n");
}

TEST(hist_linear_empty_one_bucket_u64)
{
	struct loupe_hist h = { 0 };

	CHECK_STR(render(&lin, &h), "");
	h.slots[0] = UINT64_MAX;
	CHECK_STR(render(&lin, &h),
		"     slot          : count     distribution\n"
		"        0          : 18446744073709551615 |****************************************|\n");
}

TEST(hist_bounds_cover_u64)
{
	struct hist_fmt l10 = { .kind = HIST_LINEAR, .base = 100, .step = 10 };
	uint64_t lo, hi, prev_hi = 0;
	int i;

	for (i = 0; i < LOUPE_HIST_SLOTS; i++) {
		hist_bounds(&us, i, &lo, &hi);
		CHECK(i == 0 ? lo == 0 : lo == prev_hi + 1);
		prev_hi = hi;
	}
	CHECK(prev_hi == UINT64_MAX);
	hist_bounds(&l10, 0, &lo, &hi);
	CHECK(lo == 0 && hi == 109);
	hist_bounds(&l10, 1, &lo, &hi);
	CHECK(lo == 110 && hi == 119);
	hist_bounds(&l10, 63, &lo, &hi);
	CHECK(lo == 730 && hi == UINT64_MAX);
}

static void print_ext(FILE *f, void *a)
{
	hist_print_ext(f, &us, a);
}

TEST(hist_ext_line_and_estimates)
{
	/* 10 values in [8,15], 10 in [16,31]; sum 400000 ns = 400 usecs */
	struct loupe_hist h = { .slots = { [3] = 10, [4] = 10 }, .sum = 400999 };

	CHECK_STR(unit_capture(print_ext, &h),
		"\navg = 20 usecs, total: 400 usecs, count: 20\n"
		"p50 ~ 16.0 usecs, p90 ~ 28.8 usecs, p99 ~ 31.7 usecs (estimated from the buckets)\n\n");
	memset(&h, 0, sizeof(h));
	CHECK_STR(unit_capture(print_ext, &h), "");
}

static void json_set(FILE *f, void *a)
{
	hist_set__json(f, a, &us, true, 1700000000123456000ULL);
}

TEST(hist_json_records)
{
	static const char *const names[] = { "disk", "flags" };
	struct hist_set s;
	const char *v1[] = { "loop10", "Read" }, *v2[] = { "loop2", "Sync-Write" };

	setenv("TZ", "UTC", 1);
	tzset();
	hist_set__init(&s, 0, NULL);
	/* unlabelled and empty: still one record */
	CHECK_STR(unit_capture(json_set, &s),
		"{\"type\":\"hist\",\"time\":\"2023-11-14T22:13:20.123456+00:00\",\"unit\":\"usecs\","
		"\"count\":0,\"sum_ns\":0,\"avg\":0,\"p50_est\":0,\"p90_est\":0,\"p99_est\":0,"
		"\"buckets\":[]}\n");
	hist_set__free(&s);

	hist_set__init(&s, 2, names);
	hist_set__get(&s, v1)->slots[1] = 4;
	hist_set__get(&s, v2)->slots[0] = 1;
	hist_set__get(&s, v2)->sum = 1500;
	hist_set__sort(&s); /* loop2 before loop10 */
	CHECK_STR(unit_capture(json_set, &s),
		"{\"type\":\"hist\",\"time\":\"2023-11-14T22:13:20.123456+00:00\",\"disk\":\"loop2\","
		"\"flags\":\"Sync-Write\",\"unit\":\"usecs\",\"count\":1,\"sum_ns\":1500,\"avg\":1.5,"
		"\"p50_est\":1,\"p90_est\":1.8,\"p99_est\":1.98,"
		"\"buckets\":[{\"lo\":0,\"hi\":1,\"count\":1}]}\n"
		"{\"type\":\"hist\",\"time\":\"2023-11-14T22:13:20.123456+00:00\",\"disk\":\"loop10\","
		"\"flags\":\"Read\",\"unit\":\"usecs\",\"count\":4,\"sum_ns\":0,\"avg\":0,"
		"\"p50_est\":3,\"p90_est\":3.8,\"p99_est\":3.98,"
		"\"buckets\":[{\"lo\":0,\"hi\":1,\"count\":0},{\"lo\":2,\"hi\":3,\"count\":4}]}\n");
	hist_set__free(&s);
}

static void print_set(FILE *f, void *a)
{
	hist_set__print(f, a, &us, false);
}

TEST(hist_set_sections)
{
	static const char *const names[] = { "disk" };
	struct hist_set s;
	const char *v[] = { "sda" };

	hist_set__init(&s, 1, names);
	hist_set__get(&s, v)->slots[1] = 2;
	CHECK_STR(unit_capture(print_set, &s),
		"\ndisk = sda\n"
		"     usecs               : count     distribution\n"
		"         0 -> 1          : 0        |                                        |\n"
		"         2 -> 3          : 2        |****************************************|\n");
	hist_set__free(&s);
}

TEST(hist_labels)
{
	char b[32];

	hist_label(b, sizeof(b), &us, 0);
	CHECK_STR(b, "0");
	hist_label(b, sizeof(b), &us, 16);
	CHECK_STR(b, "16us");
	hist_label(b, sizeof(b), &us, 4096);
	CHECK_STR(b, "4.1ms");
	hist_label(b, sizeof(b), &us, 1ULL << 20);
	CHECK_STR(b, "1.0s");
	hist_label(b, sizeof(b), &lin, 65536);
	CHECK_STR(b, "64K");
}
