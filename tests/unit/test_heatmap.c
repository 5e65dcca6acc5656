/* Heat map: terminal rows in plain mode, levels, SVG well-formedness bits. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "heatmap.h"

static const struct hist_fmt us = {
	.kind = HIST_LOG2, .unit = "usecs", .unit_ns = 1000, .sum_div = 1000,
};

static void rows(FILE *f, void *a)
{
	struct heatmap *h;
	struct loupe_hist c1 = { .slots = { [0] = 1, [2] = 4, [3] = 16, [4] = 64, [5] = 256,
					    [6] = 1024, [7] = 4096, [8] = 16384, [9] = 65536 } };
	struct loupe_hist c2 = { .slots = { [1] = 3, [11] = 2, [30] = 5 } };
	struct loupe_hist c3 = { 0 };

	(void)a;
	h = heatmap__new(&(struct heatmap_cfg){ .fmt = &us, .title = "t: lat", .what = "I/Os",
						.term = f, .style = HEATMAP_PLAIN, .cols = 12 });
	heatmap__add(h, 1700000000ULL * 1000000000ULL, &c1);
	heatmap__add(h, 1700000001ULL * 1000000000ULL, &c2);
	heatmap__add(h, 1700000002ULL * 1000000000ULL, &c3);
	heatmap__free(h);
}

TEST(heatmap_plain_rows)
{
	setenv("TZ", "UTC", 1);
	tzset();
	/* the last column (slot 11) also takes slot 30 */
	CHECK_STR(unit_capture(rows, NULL),
		"t: lat\none row per interval, one column per usecs bucket (log2)\n"
		"I/Os per cell: . 1+  : 4+  - 16+  = 64+  + 256+  * 1K+  # 4K+  % 16K+  @ 64K+\n"
		"TIME     |0       16us    256us   | COUNT\n"
		"22:13:20 |..  ::--==++**##%%@@    | 87381\n"
		"22:13:21 |  ..                  ::| 10\n"
		"22:13:22 |                        | 0\n");
}

TEST(heatmap_levels)
{
	CHECK_EQ(heatmap_level(0), 0);
	CHECK_EQ(heatmap_level(1), 1);
	CHECK_EQ(heatmap_level(3), 1);
	CHECK_EQ(heatmap_level(4), 2);
	CHECK_EQ(heatmap_level(65535), 8);
	CHECK_EQ(heatmap_level(65536), 9);
	CHECK_EQ(heatmap_level(UINT64_MAX), 9);
}

TEST(heatmap_svg_columns)
{
	char path[] = "/tmp/loupe-unit-svg-XXXXXX";
	struct loupe_hist c = { .slots = { [3] = 2 } };
	struct heatmap *h;
	char *buf = NULL;
	size_t len = 0, n = 0;
	const char *p;
	FILE *f;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	close(fd);
	h = heatmap__new(&(struct heatmap_cfg){ .fmt = &us, .title = "a <&> b", .what = "I/Os",
						.interval_ns = 1000000000ULL });
	heatmap__add(h, 1700000000ULL * 1000000000ULL, &c);
	heatmap__add(h, 1700000001ULL * 1000000000ULL, &(struct loupe_hist){ 0 });
	CHECK_EQ(heatmap__write_svg(h, path), 0);
	/* a write error reaches the caller */
	CHECK_EQ(heatmap__write_svg(h, "/dev/full"), -ENOSPC);
	heatmap__free(h);
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (f) {
		CHECK(getdelim(&buf, &len, 0, f) > 0);
		fclose(f);
	}
	unlink(path);
	CHECK(buf && !strncmp(buf, "<?xml", 5));
	CHECK(buf && strstr(buf, "<title>a &lt;&amp;&gt; b</title>"));
	for (p = buf; p && (p = strstr(p, "<g class=\"col\"")); p++)
		n++;
	CHECK_EQ(n, 2);
	CHECK(buf && strstr(buf, "</svg>\n"));
	free(buf);
}
