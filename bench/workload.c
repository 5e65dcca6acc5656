// SPDX-License-Identifier: GPL-2.0
/*
 * workload - generate open() events for the opensnoop benchmark and watch a
 * tracer's output file for them.
 *
 *   workload run PATH N [RATE]
 *       N x (openat(PATH) + close). RATE (opens per second, 0 = as fast as
 *       possible) paces the calls.
 *       Prints: ops=N elapsed_ns=T ns_per_op=X cpu_us=C (C: own user+system
 *       CPU time, whole process)
 *   workload lone PATH OUTFILE [TIMEOUT_MS]
 *       One openat(PATH) (PATH need not exist; a failed open is an event
 *       too), then polls OUTFILE every 1 ms until a complete line contains
 *       the last component of PATH. Prints: latency_us=X, or latency_us=timeout
 *   workload attach PREFIX OUTFILE T0 [TIMEOUT_MS [PID]]
 *       Start-up detection. Every 1 ms opens PREFIX<k> (k = 0, 1, ...) and
 *       polls OUTFILE for the last component of PREFIX followed by digits.
 *       The smallest k seen is the first open made after the tracer was
 *       attached, so the tracer was attached by the time probe k was issued,
 *       whatever its output buffering. T0 is the CLOCK_REALTIME time the
 *       tracer was started, as "SECONDS.MICROSECONDS" (bash $EPOCHREALTIME).
 *       Prints: attach_ms=X visible_ms=Y probe=K probes=P
 *       (attach_ms: T0 to probe K; visible_ms: T0 to the line appearing)
 *   workload wait OUTFILE TOKEN T0 [TIMEOUT_MS [PID]]
 *       Polls OUTFILE every 1 ms until a complete line contains TOKEN.
 *       Prints: visible_ms=Y
 *
 * attach and wait give up early (printing "died") when process PID, the
 * tracer, has exited.
 *
 * Exit status: 0 ok, 1 failure or timeout, 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define POLL_NS 1000000LL	/* 1 ms */

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t_ns / 1000000000ULL),
		.tv_nsec = (long)(t_ns % 1000000000ULL),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

/* "SECONDS.MICROSECONDS" (or "SECONDS") as CLOCK_REALTIME ns. */
static int parse_t0(const char *s, uint64_t *out)
{
	char buf[64], *dot;
	uint64_t sec, usec = 0;
	size_t ndig;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	dot = strchr(buf, '.');
	if (dot) {
		*dot = '\0';
		ndig = strlen(dot + 1);
		if (ndig == 0 || ndig > 9 || parse_u64(dot + 1, &usec))
			return -1;
		while (ndig++ < 9)
			usec *= 10;	/* now ns */
	}
	if (parse_u64(buf, &sec))
		return -1;
	*out = sec * 1000000000ULL + usec;
	return 0;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* Incremental reader of complete lines of a growing file. */
struct scanner {
	const char *path;
	int fd;
	off_t done;		/* bytes up to the last complete line seen */
	char *buf;
	size_t cap;
};

/*
 * Read the complete lines added since the last call into sc->buf;
 * returns their length (0 if none), -1 on error.
 */
static ssize_t scan_new(struct scanner *sc)
{
	size_t len = 0;
	ssize_t n;
	char *nl;

	if (sc->fd < 0) {
		sc->fd = open(sc->path, O_RDONLY | O_CLOEXEC);
		if (sc->fd < 0)
			return errno == ENOENT ? 0 : -1;
	}
	for (;;) {
		if (sc->cap - len < 65536) {
			size_t ncap = sc->cap ? sc->cap * 2 : 1 << 20;
			char *nb = realloc(sc->buf, ncap);

			if (!nb)
				return -1;
			sc->buf = nb;
			sc->cap = ncap;
		}
		n = pread(sc->fd, sc->buf + len, sc->cap - len - 1, sc->done + (off_t)len);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	nl = memrchr(sc->buf, '\n', len);
	if (!nl)
		return 0;
	len = (size_t)(nl - sc->buf) + 1;
	sc->buf[len] = '\0';
	sc->done += (off_t)len;
	return (ssize_t)len;
}

/* Has process pid exited (gone, or a zombie not yet reaped)? */
static int exited(uint64_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	if (!pid)
		return 0;
	snprintf(path, sizeof(path), "/proc/%llu/stat", (unsigned long long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return !p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X';
}

static void do_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
}

static int cmd_run(int argc, char **argv)
{
	uint64_t n, rate = 0, i, t0, t1, interval = 0, next;
	struct rusage ru;
	const char *path;
	int fd;

	if (argc < 2 || argc > 3 || parse_u64(argv[1], &n) || n == 0 ||
	    (argc == 3 && parse_u64(argv[2], &rate)))
		return -1;
	path = argv[0];
	if (rate)
		interval = 1000000000ULL / rate;

	t0 = now_ns(CLOCK_MONOTONIC);
	next = t0;
	for (i = 0; i < n; i++) {
		if (interval) {
			next += interval;
			/* sleep only when well ahead; otherwise catch up */
			if (next > now_ns(CLOCK_MONOTONIC) + 50000)
				sleep_until(next);
		}
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "workload: open %s: %s\n", path, strerror(errno));
			return 1;
		}
		close(fd);
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	getrusage(RUSAGE_SELF, &ru);
	printf("ops=%llu elapsed_ns=%llu ns_per_op=%.1f cpu_us=%llu\n",
	       (unsigned long long)n, (unsigned long long)(t1 - t0),
	       (double)(t1 - t0) / (double)n,
	       (unsigned long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000ULL +
	       (unsigned long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec));
	return 0;
}

static int cmd_lone(int argc, char **argv)
{
	struct scanner sc = { .fd = -1 };
	uint64_t timeout_ms = 2000, t0, deadline, t;
	const char *token;
	ssize_t n;

	if (argc < 2 || argc > 3 || (argc == 3 && parse_u64(argv[2], &timeout_ms)))
		return -1;
	sc.path = argv[1];
	token = base_name(argv[0]);
	/* skip what is already there */
	if (scan_new(&sc) < 0)
		goto fail;

	t0 = now_ns(CLOCK_MONOTONIC);
	do_open(argv[0]);
	deadline = t0 + timeout_ms * 1000000ULL;
	for (t = t0;; ) {
		n = scan_new(&sc);
		if (n < 0)
			goto fail;
		if (n > 0 && memmem(sc.buf, (size_t)n, token, strlen(token))) {
			t = now_ns(CLOCK_MONOTONIC);
			printf("latency_us=%.0f\n", (double)(t - t0) / 1000.0);
			return 0;
		}
		t = now_ns(CLOCK_MONOTONIC);
		if (t >= deadline)
			break;
		sleep_until(t + POLL_NS);
	}
	printf("latency_us=timeout\n");
	return 1;
fail:
	fprintf(stderr, "workload: read %s: %s\n", sc.path, strerror(errno));
	return 1;
}

static int cmd_attach(int argc, char **argv)
{
	struct scanner sc = { .fd = -1 };
	uint64_t timeout_ms = 30000, t0_real, start, deadline, k, now, pid = 0;
	uint64_t *issued = NULL;	/* CLOCK_REALTIME of each probe */
	size_t cap = 0;
	const char *token;
	char path[4096];
	size_t toklen;

	if (argc < 3 || argc > 5 || parse_t0(argv[2], &t0_real) ||
	    (argc >= 4 && parse_u64(argv[3], &timeout_ms)) ||
	    (argc == 5 && parse_u64(argv[4], &pid)))
		return -1;
	sc.path = argv[1];
	token = base_name(argv[0]);
	toklen = strlen(token);
	start = now_ns(CLOCK_MONOTONIC);
	deadline = start + timeout_ms * 1000000ULL;

	for (k = 0;; k++) {
		ssize_t n;

		if (k == cap) {
			cap = cap ? cap * 2 : 4096;
			issued = realloc(issued, cap * sizeof(*issued));
			if (!issued)
				return 1;
		}
		snprintf(path, sizeof(path), "%s%llu", argv[0], (unsigned long long)k);
		issued[k] = now_ns(CLOCK_REALTIME);
		do_open(path);

		n = scan_new(&sc);
		if (n < 0) {
			fprintf(stderr, "workload: read %s: %s\n", sc.path, strerror(errno));
			return 1;
		}
		if (n > 0) {
			uint64_t best = UINT64_MAX;
			char *p = sc.buf, *lim = sc.buf + n;

			while ((p = memmem(p, (size_t)(lim - p), token, toklen)) != NULL) {
				char *end;
				unsigned long long v;

				p += toklen;
				if (*p < '0' || *p > '9')
					continue;
				v = strtoull(p, &end, 10);
				if (v <= k && v < best)
					best = v;
				p = end;
			}
			if (best != UINT64_MAX) {
				now = now_ns(CLOCK_REALTIME);
				printf("attach_ms=%.3f visible_ms=%.3f probe=%llu probes=%llu\n",
				       (double)((int64_t)(issued[best] - t0_real)) / 1e6,
				       (double)((int64_t)(now - t0_real)) / 1e6,
				       (unsigned long long)best, (unsigned long long)k + 1);
				free(issued);
				return 0;
			}
		}
		now = now_ns(CLOCK_MONOTONIC);
		if (now >= deadline)
			break;
		if (k % 50 == 49 && exited(pid)) {
			free(issued);
			printf("attach_ms=died\n");
			return 1;
		}
		sleep_until(now + POLL_NS);
	}
	free(issued);
	printf("attach_ms=timeout\n");
	return 1;
}

static int cmd_wait(int argc, char **argv)
{
	struct scanner sc = { .fd = -1 };
	uint64_t timeout_ms = 30000, t0_real, start, now, pid = 0, iter;

	if (argc < 3 || argc > 5 || parse_t0(argv[2], &t0_real) ||
	    (argc >= 4 && parse_u64(argv[3], &timeout_ms)) ||
	    (argc == 5 && parse_u64(argv[4], &pid)))
		return -1;
	sc.path = argv[0];
	start = now_ns(CLOCK_MONOTONIC);
	for (iter = 0;; iter++) {
		ssize_t n = scan_new(&sc);

		if (n < 0) {
			fprintf(stderr, "workload: read %s: %s\n", sc.path, strerror(errno));
			return 1;
		}
		if (n > 0 && memmem(sc.buf, (size_t)n, argv[1], strlen(argv[1]))) {
			now = now_ns(CLOCK_REALTIME);
			printf("visible_ms=%.3f\n", (double)((int64_t)(now - t0_real)) / 1e6);
			return 0;
		}
		now = now_ns(CLOCK_MONOTONIC);
		if (now - start >= timeout_ms * 1000000ULL)
			break;
		if (iter % 50 == 49 && exited(pid)) {
			printf("visible_ms=died\n");
			return 1;
		}
		sleep_until(now + POLL_NS);
	}
	printf("visible_ms=timeout\n");
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: workload run PATH N [RATE]\n"
		"       workload lone PATH OUTFILE [TIMEOUT_MS]\n"
		"       workload attach PREFIX OUTFILE T0 [TIMEOUT_MS [PID]]\n"
		"       workload wait OUTFILE TOKEN T0 [TIMEOUT_MS [PID]]\n");
}

int main(int argc, char **argv)
{
	int ret = -1;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "run"))
		ret = cmd_run(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "lone"))
		ret = cmd_lone(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "attach"))
		ret = cmd_attach(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "wait"))
		ret = cmd_wait(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (ret < 0) {
		usage(stderr);
		return 2;
	}
	return ret;
}
