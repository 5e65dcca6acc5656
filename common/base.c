#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base.h"

static const char *name = "loupe";
static int verbose;
static uint64_t start_mono, wall_offset;

void loupe_set_name(const char *n) { name = n; }
const char *loupe_name(void) { return name; }
void loupe_set_verbose(int n) { verbose = n; }
int loupe_verbose(void) { return verbose; }

int loupe_fail(const char *step, int err)
{
	fprintf(stderr, "%s: %s: %s\n", name, step, strerror(err < 0 ? -err : err));
	return 1;
}

static void vsay(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int loupe_failf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	return 1;
}

void loupe_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

void loupe_info(int level, const char *fmt, ...)
{
	va_list ap;

	if (verbose < level)
		return;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

/* ---- clock ----------------------------------------------------------- */

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t loupe_now_mono(void) { return clock_ns(CLOCK_MONOTONIC); }

void loupe_clock_init(void)
{
	uint64_t best = UINT64_MAX;
	int i;

	/* realtime - monotonic, from the tightest of a few samples */
	for (i = 0; i < 5; i++) {
		uint64_t m1 = clock_ns(CLOCK_MONOTONIC);
		uint64_t r = clock_ns(CLOCK_REALTIME);
		uint64_t m2 = clock_ns(CLOCK_MONOTONIC);

		if (m2 - m1 < best) {
			best = m2 - m1;
			wall_offset = r - (m1 + (m2 - m1) / 2);
		}
	}
	start_mono = clock_ns(CLOCK_MONOTONIC);
}

uint64_t loupe_start_mono(void) { return start_mono; }
uint64_t loupe_wall_ns(uint64_t mono_ns) { return mono_ns + wall_offset; }

double loupe_elapsed_s(uint64_t mono_ns)
{
	return mono_ns < start_mono ? 0.0 : (double)(mono_ns - start_mono) / 1e9;
}
