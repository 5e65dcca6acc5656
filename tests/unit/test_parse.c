#include <errno.h>
#include <stdint.h>

#include "unit.h"
#include "parse.h"
#include "names.h"

TEST(parse_u64_good_and_bad)
{
	uint64_t v = 7;

	CHECK_EQ(parse_u64("0", 0, 10, &v), 0); CHECK_EQ(v, 0);
	CHECK_EQ(parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	CHECK(v == UINT64_MAX);
	CHECK_EQ(parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	CHECK_EQ(parse_u64("1x", 0, 10, &v), -EINVAL);
	CHECK_EQ(parse_u64("-5", 0, 10, &v), -EINVAL);
	CHECK_EQ(parse_u64("+5", 0, 10, &v), -EINVAL);
	CHECK_EQ(parse_u64(" 5", 0, 10, &v), -EINVAL);
	CHECK_EQ(parse_u64("", 0, 10, &v), -EINVAL);
	CHECK_EQ(parse_u64("11", 0, 10, &v), -ERANGE);
	CHECK_EQ(parse_u64("0", 1, 10, &v), -ERANGE);
}

TEST(parse_duration_units)
{
	uint64_t ns;

	CHECK_EQ(parse_duration("10", &ns), 0); CHECK(ns == 10000000000ULL);
	CHECK_EQ(parse_duration("10s", &ns), 0); CHECK(ns == 10000000000ULL);
	CHECK_EQ(parse_duration("500ms", &ns), 0); CHECK(ns == 500000000ULL);
	CHECK_EQ(parse_duration("250us", &ns), 0); CHECK(ns == 250000ULL);
	CHECK_EQ(parse_duration("2m", &ns), 0); CHECK(ns == 120000000000ULL);
	CHECK_EQ(parse_duration("1h", &ns), 0); CHECK(ns == 3600000000000ULL);
	CHECK_EQ(parse_duration("1.5s", &ns), 0); CHECK(ns == 1500000000ULL);
	CHECK_EQ(parse_duration("0.25", &ns), 0); CHECK(ns == 250000000ULL);
	CHECK_EQ(parse_duration("0", &ns), -ERANGE);
	CHECK_EQ(parse_duration("-1", &ns), -EINVAL);
	CHECK_EQ(parse_duration("1x", &ns), -EINVAL);
	CHECK_EQ(parse_duration("s", &ns), -EINVAL);
	CHECK_EQ(parse_duration("", &ns), -EINVAL);
	CHECK_EQ(parse_duration("1.", &ns), -EINVAL);
	CHECK_EQ(parse_duration(".5", &ns), -EINVAL);
	CHECK_EQ(parse_duration("1..2s", &ns), -EINVAL);
	CHECK_EQ(parse_duration("99999999999999999999", &ns), -ERANGE);
	CHECK_EQ(parse_duration("10 s", &ns), -EINVAL);
}

TEST(parse_size_suffixes)
{
	uint64_t b;

	CHECK_EQ(parse_size("65536", &b), 0); CHECK(b == 65536);
	CHECK_EQ(parse_size("256K", &b), 0); CHECK(b == 256 << 10);
	CHECK_EQ(parse_size("8m", &b), 0); CHECK(b == 8 << 20);
	CHECK_EQ(parse_size("1G", &b), 0); CHECK(b == 1 << 30);
	CHECK_EQ(parse_size("K", &b), -EINVAL);
	CHECK_EQ(parse_size("-1M", &b), -EINVAL);
	CHECK_EQ(parse_size("99999999999999999G", &b), -ERANGE);
}

TEST(parse_id_lists)
{
	uint32_t ids[4];
	size_t n = 0;

	CHECK_EQ(parse_id_list("12", ids, 4, &n), 0); CHECK_EQ(n, 1); CHECK_EQ(ids[0], 12);
	n = 0;
	CHECK_EQ(parse_id_list("1,2,3", ids, 4, &n), 0); CHECK_EQ(n, 3); CHECK_EQ(ids[2], 3);
	/* a second list appends; one that does not fit leaves n alone */
	CHECK_EQ(parse_id_list("7", ids, 4, &n), 0); CHECK_EQ(n, 4); CHECK_EQ(ids[3], 7);
	CHECK_EQ(parse_id_list("8", ids, 4, &n), -E2BIG); CHECK_EQ(n, 4);
	n = 0;
	CHECK_EQ(parse_id_list("1,,2", ids, 4, &n), -EINVAL);
	CHECK_EQ(parse_id_list("1,", ids, 4, &n), -EINVAL);
	CHECK_EQ(parse_id_list("abc", ids, 4, &n), -EINVAL);
	CHECK_EQ(parse_id_list("0", ids, 4, &n), -ERANGE);
	CHECK_EQ(parse_id_list("2147483648", ids, 4, &n), -ERANGE);
	CHECK_EQ(parse_id_list("1,2,3,4,5", ids, 4, &n), -E2BIG);
	CHECK_EQ(parse_id_list("", ids, 4, &n), -EINVAL);
	CHECK_EQ(n, 0);
}

static int count_items(void *ctx, const char *s, size_t len)
{
	if (len == 3 && !memcmp(s, "bad", 3))
		return -ERANGE;
	(*(int *)ctx)++;
	return 0;
}

TEST(parse_lists)
{
	int n = 0;

	CHECK_EQ(parse_list("a,bb,c", count_items, &n), 0); CHECK_EQ(n, 3);
	CHECK_EQ(parse_list(",a", count_items, &n), -EINVAL);
	CHECK_EQ(parse_list("a,,b", count_items, &n), -EINVAL);
	CHECK_EQ(parse_list("a,", count_items, &n), -EINVAL);
	CHECK_EQ(parse_list("", count_items, &n), -EINVAL);
	CHECK_EQ(parse_list("a,bad,c", count_items, &n), -ERANGE);
}

TEST(errno_and_syscall_names)
{
	CHECK_STR(errno_name(2), "ENOENT");
	CHECK_STR(errno_name(512), "ERESTARTSYS");
	CHECK_STR(errno_name(524), "ENOTSUPP");
	CHECK(errno_name(0) == NULL);
	CHECK(errno_name(-1) == NULL);
	CHECK(errno_name(100000) == NULL);
	CHECK_EQ(errno_parse("ENOENT"), 2);
	CHECK_EQ(errno_parse("enoent"), 2);
	CHECK_EQ(errno_parse("13"), 13);
	CHECK_EQ(errno_parse("EWOULDBLOCK"), EAGAIN);
	CHECK_EQ(errno_parse("ENOPE"), -EINVAL);
	CHECK_STR(syscall_name(257), "openat");
	CHECK_STR(syscall_name(437), "openat2");
	CHECK_STR(syscall_name(462), "mseal");
	CHECK_EQ(syscall_parse("openat"), 257);
	CHECK_EQ(syscall_parse("nosuchcall"), -EINVAL);
}

/* Found by tests/fuzz/fuzz_parse against its reference: overflow checks
 * that refused values which fit, a fraction times the unit that wrapped,
 * length limits that refused numbers with leading zeros, and -ERANGE for
 * strings that are not numbers at all. */
TEST(parse_fuzz_findings)
{
	uint32_t ids[4];
	uint64_t v;
	size_t n = 0;

	CHECK_EQ(parse_u64("99999999999999999999x", 0, UINT64_MAX, &v), -EINVAL);
	CHECK_EQ(parse_duration("18446744073709551615ns", &v), 0);
	CHECK(v == UINT64_MAX);
	CHECK_EQ(parse_duration("18446744073709551616ns", &v), -ERANGE);
	CHECK_EQ(parse_duration("18446744073.709551615s", &v), 0);
	CHECK(v == 18446744073709551615ULL);
	CHECK_EQ(parse_duration("18446744073.9s", &v), -ERANGE);
	CHECK_EQ(parse_duration("0.999999999h", &v), 0);
	CHECK(v == 3599999996400ULL);
	CHECK_EQ(parse_duration("1.123456789m", &v), 0);
	CHECK(v == 67407407340ULL);
	CHECK_EQ(parse_duration("1.5m", &v), 0);
	CHECK(v == 90000000000ULL);
	CHECK_EQ(parse_duration("99999999999999999999x", &v), -EINVAL);
	CHECK_EQ(parse_duration("99999999999999999999.x", &v), -EINVAL);
	CHECK_EQ(parse_size("000000000000000000000000000000001K", &v), 0);
	CHECK(v == 1024);
	CHECK_EQ(parse_size("000000000000000000000000000000000x", &v), -EINVAL);
	CHECK_EQ(parse_id_list("0000000000000001", ids, 4, &n), 0);
	CHECK_EQ(n, 1); CHECK_EQ(ids[0], 1);
	CHECK_EQ(parse_id_list("abcdefghijklmnopq", ids, 4, &n), -EINVAL);
	CHECK_EQ(parse_id_list("99999999999999999999", ids, 4, &n), -ERANGE);
	CHECK_EQ(n, 1);
}
