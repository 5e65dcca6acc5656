/* Cells beyond scalars (common/out.h: lists, addresses, booleans, cut
 * strings) and the standard event columns (common/event.h). */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>

#include "unit.h"
#include "base.h"
#include "event.h"
#include "out.h"

enum { C_COUNT, LOUPE_EVENT_COLS, C_ARGS, C_ADDR, C_OK, C_RET, C_ERR, C_ERRNO, C_PATH,
       C_PATH_CUT, C__NR };
static const struct col cols[] = {
	[C_COUNT] = { "COUNT", "count", 5, 0 },
	LOUPE_EVENT_COL_DEFS,
	[C_ARGS] = { "ARGS", "args", 12, COL_LEFT },
	[C_ADDR] = { "ADDR", "addr", 16, COL_LEFT },
	[C_OK] = { "OK", "ok", 3, COL_LEFT },
	[C_RET] = { "RET", "ret", 0, COL_JSON },
	[C_ERR] = { "ERR", "errno", 3, 0 },
	[C_ERRNO] = { "ERRNO", "errno_name", 7, COL_LEFT },
	[C_PATH] = { "PATH", "path", 0, COL_LEFT },
	[C_PATH_CUT] = { "", "path_truncated", 0, COL_JSON },
};

struct args {
	bool json, quote;
	uint32_t shown;
};

static void row(FILE *f, void *arg)
{
	const struct args *a = arg;
	static const char *const items[] = { "ls", "-l", "a b", "it's", "", "x\ny" };
	static const size_t lens[] = { 2, 2, 3, 4, 0, 3 };
	struct loupe_event_hdr h = { .ts_ns = 0, .cgroup_id = 77, .pid = 42, .tid = 43,
				     .uid = 1000, .comm = "cat" };
	unsigned char v4[4] = { 127, 0, 0, 1 };
	unsigned char mapped[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 1 };
	struct out *o = malloc(sizeof(*o));

	out_init(o, f, a->json, cols, C__NR, a->shown);
	out_row_begin(o);
	out_event_hdr(o, C_TIME, &h);
	out_list(o, C_ARGS, items, lens, 6, a->quote);
	out_addr(o, C_ADDR, AF_INET, v4);
	out_bool(o, C_OK, true);
	out_errno(o, C_RET, C_ERR, C_ERRNO, -2);
	out_str_cut(o, C_PATH, "/tmp/long", 9, true);
	out_bool(o, C_PATH_CUT, true);
	out_row_end(o, "event");
	out_row_begin(o);
	out_addr(o, C_ADDR, AF_INET6, mapped);
	out_errno(o, C_RET, C_ERR, C_ERRNO, -999);
	out_row_end(o, "event");
	free(o);
}

TEST(cells_json)
{
	struct args a = { true, false, OUT_BIT(C_PID) | OUT_BIT(C_COMM) | OUT_BIT(C_ARGS) |
			  OUT_BIT(C_ADDR) | OUT_BIT(C_OK) | OUT_BIT(C_ERR) |
			  OUT_BIT(C_ERRNO) | OUT_BIT(C_PATH) };
	const char *s = unit_capture(row, &a);

	/* time is wall clock: skip it */
	s = strstr(s, "\"uid\"");
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_STR(s, "\"uid\":1000,\"pid\":42,\"tid\":43,\"comm\":\"cat\",\"cgroup_id\":77,"
		  "\"args\":[\"ls\",\"-l\",\"a b\",\"it's\",\"\",\"x\\ny\"],"
		  "\"addr\":\"127.0.0.1\",\"ok\":true,\"ret\":-2,\"errno\":2,"
		  "\"errno_name\":\"ENOENT\",\"path\":\"/tmp/long\",\"path_truncated\":true}\n"
		  "{\"type\":\"event\",\"addr\":\"::ffff:10.0.0.1\",\"ret\":-999,\"errno\":999,"
		  "\"errno_name\":\"E999\"}\n");
}

TEST(cells_text)
{
	struct args a = { false, false, OUT_BIT(C_PID) | OUT_BIT(C_COMM) | OUT_BIT(C_ARGS) |
			  OUT_BIT(C_ADDR) | OUT_BIT(C_ERR) | OUT_BIT(C_ERRNO) | OUT_BIT(C_PATH) };

	CHECK_STR(unit_capture(row, &a),
		  /* the over-wide ARGS cell: ADDR gives up padding to re-align */
		  "     42 cat              ls -l a b it's  x\\ny 127.0.0.1  2 ENOENT  "
		  "/tmp/long...\n"
		  "      - -                -            ::ffff:10.0.0.1  999 E999    -\n");
	a.quote = true;
	a.shown = OUT_BIT(C_ARGS);
	CHECK_STR(unit_capture(row, &a),
		  "ls -l 'a b' 'it'\\''s' '' x\\ny\n-\n");
}

TEST(event_cols_by_option)
{
	struct loupe_opts o = { 0 };

	CHECK_EQ(event_cols_shown(&o, C_TIME), OUT_BIT(C_PID) | OUT_BIT(C_COMM));
	o.timestamp = o.elapsed = o.print_uid = true;
	o.ntids = 1;
	CHECK_EQ(event_cols_shown(&o, C_TIME), OUT_BIT(C_TIME) | OUT_BIT(C_TIME_S) |
		 OUT_BIT(C_UID) | OUT_BIT(C_PID) | OUT_BIT(C_TID) | OUT_BIT(C_COMM));
}
