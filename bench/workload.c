// SPDX-License-Identifier: GPL-2.0
/*
 * workload - generate open() events (and untraced syscalls) for the bench/
 * scripts, watch a tracer's output file for them, stop a tracer and watch
 * its BPF programs go.
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
 *   workload attach-exec PREFIX OUTFILE T0 [TIMEOUT_MS [PID]]
 *       The same with an exec of `/bin/true PREFIX<k>` (fork, exec, wait)
 *       as the probe, for exec tracers.
 *   workload wait OUTFILE TOKEN T0 [TIMEOUT_MS [PID]]
 *       Polls OUTFILE every 1 ms until a complete line contains TOKEN.
 *       Prints: visible_ms=Y
 *   workload getppid N
 *       N x getppid(2) (the raw syscall, never cached): the price of a
 *       syscall no tracer is interested in.
 *       Prints: calls=N elapsed_ns=T ns_per_call=X cpu_us=C
 *   workload storm PATH MS
 *       open+close of PATH as fast as possible for MS milliseconds.
 *       Prints: ops=N elapsed_ns=T ns_per_op=X
 *   workload exec PROG N [ARG]
 *       N x (fork, execve(PROG, {PROG, ARG}), waitpid), one after the
 *       other. cpu_us includes the children's.
 *       Prints: ops=N elapsed_ns=T ns_per_op=X failed=F cpu_us=C
 *   workload connect N
 *       Listens on 127.0.0.1 (a port the kernel picks), then N x (socket,
 *       blocking connect, accept, close both; the client with SO_LINGER 0:
 *       a reset, so no TIME_WAIT piles up).
 *       Prints: ops=N elapsed_ns=T ns_per_op=X port=P cpu_us=C
 *   workload fail PATH N
 *       N x openat(PATH) of a path that must not exist (ENOENT).
 *       Prints: ops=N elapsed_ns=T ns_per_op=X cpu_us=C
 *   workload pread PATH N
 *       N x pread of 4 KiB at offset 0 of the file PATH (read once first,
 *       so it is cached).
 *       Prints: ops=N elapsed_ns=T ns_per_op=X cpu_us=C
 *   workload call N
 *       N x calls of workload_probe(), a function of this binary that
 *       does nothing (a uprobe target).
 *       Prints: ops=N elapsed_ns=T ns_per_op=X cpu_us=C
 *   workload rename N
 *       N x prctl(PR_SET_NAME) to its own name: the task:task_rename
 *       tracepoint fires each time.
 *       Prints: ops=N elapsed_ns=T ns_per_op=X cpu_us=C
 *   workload stop PID [TIMEOUT_MS [CGROUP|- [ID...]]]
 *       Sends SIGINT to PID (any process, not only a child) and times,
 *       from the signal: exit_ms, until PID has exited (pidfd readable);
 *       gone_ms, until none of the BPF programs ID... is loaded any more
 *       (BPF_PROG_GET_NEXT_ID, which is what `bpftool prog show` lists;
 *       takes no reference); empty_ms, until the cgroup v2 directory
 *       CGROUP holds no process (cgroup.events: populated 0), e.g. a
 *       helper the tracer left behind. Polled every 0.5 ms.
 *       Prints: exit_ms=X gone_ms=Y empty_ms=Z ("timeout" when TIMEOUT_MS,
 *       default 30000, ran out; "-" for what was not asked)
 *   workload maxprog
 *       Prints the highest id of a loaded BPF program (0: none).
 *   workload gone-above MAXID T0 [TIMEOUT_MS [CGROUP]]
 *       Takes the BPF programs loaded now whose id is above MAXID and waits
 *       until they are all gone, and until CGROUP holds no process. T0: as
 *       for attach (bash $EPOCHREALTIME).
 *       Prints: gone_ms=Y progs=K empty_ms=Z (from T0; when already so at
 *       the first look, the time of that look)
 *
 * attach and wait give up early (printing "died") when process PID, the
 * tracer, has exited.
 *
 * `workload --comm NAME MODE ...` sets its own name (comm, 15 characters at
 * most) first, so that a tracer's lines for it can be told apart.
 *
 * Exit status: 0 ok, 1 failure or timeout, 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>

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

static uint64_t rusage_us(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000ULL +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static void print_cpu_us(void)
{
	printf(" cpu_us=%llu\n", (unsigned long long)rusage_us(RUSAGE_SELF));
}

/* "ops=N elapsed_ns=T ns_per_op=X" (no newline) */
static void print_ops(uint64_t n, uint64_t t0, uint64_t t1)
{
	printf("ops=%llu elapsed_ns=%llu ns_per_op=%.1f", (unsigned long long)n,
	       (unsigned long long)(t1 - t0), (double)(t1 - t0) / (double)n);
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
	print_ops(n, t0, t1);
	print_cpu_us();
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

/*
 * fork, execve(PROG, {PROG, ARG}) in the child (no environment), wait:
 * 0 when it exited with 0, 1 otherwise, -1 when fork or wait failed.
 * The strings are copied onto the stack first: a tracer that reads the
 * arguments at the execve's entry (libbpf-tools, bpftrace) cannot read a
 * page the child has not touched yet, such as a string literal of this
 * binary (fork copies no page table of a file mapping), and would show
 * them blank.
 */
static int run_prog(const char *prog, const char *arg)
{
	char p[256], a[4096];
	char *const av[] = { p, arg ? a : NULL, NULL }, *const ev[] = { NULL };
	pid_t pid;
	int st;

	snprintf(p, sizeof(p), "%s", prog);
	snprintf(a, sizeof(a), "%s", arg ? arg : "");
	pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execve(p, av, ev);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

static void do_exec_true(const char *path)
{
	run_prog("/bin/true", path);
}

static int cmd_attach(int argc, char **argv, void (*probe)(const char *))
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
		probe(path);

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

static int cmd_getppid(int argc, char **argv)
{
	uint64_t n, i, t0, t1;

	if (argc != 1 || parse_u64(argv[0], &n) || n == 0)
		return -1;
	t0 = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	t1 = now_ns(CLOCK_MONOTONIC);
	printf("calls=%llu elapsed_ns=%llu ns_per_call=%.2f", (unsigned long long)n,
	       (unsigned long long)(t1 - t0), (double)(t1 - t0) / (double)n);
	print_cpu_us();
	return 0;
}

static int cmd_storm(int argc, char **argv)
{
	uint64_t ms, n = 0, t0, t, end;
	int fd;

	if (argc != 2 || parse_u64(argv[1], &ms))
		return -1;
	t0 = now_ns(CLOCK_MONOTONIC);
	end = t0 + ms * 1000000ULL;
	do {
		int k;

		for (k = 0; k < 64; k++) {
			fd = open(argv[0], O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				fprintf(stderr, "workload: open %s: %s\n", argv[0], strerror(errno));
				return 1;
			}
			close(fd);
		}
		n += 64;
		t = now_ns(CLOCK_MONOTONIC);
	} while (t < end);
	printf("ops=%llu elapsed_ns=%llu ns_per_op=%.1f\n", (unsigned long long)n,
	       (unsigned long long)(t - t0), (double)(t - t0) / (double)n);
	return 0;
}

static int cmd_exec(int argc, char **argv)
{
	uint64_t n, i, failed = 0, t0, t1;

	if (argc < 2 || argc > 3 || parse_u64(argv[1], &n) || n == 0)
		return -1;
	t0 = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++) {
		int r = run_prog(argv[0], argc == 3 ? argv[2] : NULL);

		if (r < 0) {
			fprintf(stderr, "workload: fork or wait: %s\n", strerror(errno));
			return 1;
		}
		failed += (uint64_t)r;
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	print_ops(n, t0, t1);
	printf(" failed=%llu cpu_us=%llu\n", (unsigned long long)failed,
	       (unsigned long long)(rusage_us(RUSAGE_SELF) + rusage_us(RUSAGE_CHILDREN)));
	return 0;
}

static int cmd_connect(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	socklen_t len = sizeof(sa);
	uint64_t n, i, t0, t1;
	int ls, one = 1;

	if (argc != 1 || parse_u64(argv[0], &n) || n == 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 128) ||
	    getsockname(ls, (struct sockaddr *)&sa, &len)) {
		fprintf(stderr, "workload: listen on 127.0.0.1: %s\n", strerror(errno));
		return 1;
	}
	t0 = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), a;

		if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa))) {
			fprintf(stderr, "workload: connect 127.0.0.1:%u: %s\n", ntohs(sa.sin_port),
				strerror(errno));
			return 1;
		}
		a = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		if (a < 0) {
			fprintf(stderr, "workload: accept: %s\n", strerror(errno));
			return 1;
		}
		setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(c);
		close(a);
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	close(ls);
	print_ops(n, t0, t1);
	printf(" port=%u", ntohs(sa.sin_port));
	print_cpu_us();
	return 0;
}

static int cmd_fail(int argc, char **argv)
{
	uint64_t n, i, t0, t1;

	if (argc != 2 || parse_u64(argv[1], &n) || n == 0)
		return -1;
	t0 = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++) {
		int fd = open(argv[0], O_RDONLY | O_CLOEXEC);

		if (fd >= 0 || errno != ENOENT) {
			fprintf(stderr, "workload: open %s did not fail with ENOENT\n", argv[0]);
			return 1;
		}
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	print_ops(n, t0, t1);
	print_cpu_us();
	return 0;
}

static int cmd_pread(int argc, char **argv)
{
	static char buf[4096];
	uint64_t n, i, t0, t1;
	int fd;

	if (argc != 2 || parse_u64(argv[1], &n) || n == 0)
		return -1;
	fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || pread(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf)) {
		fprintf(stderr, "workload: %s: cannot read 4 KiB\n", argv[0]);
		return 1;
	}
	t0 = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++) {
		if (pread(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf)) {
			fprintf(stderr, "workload: pread %s: %s\n", argv[0], strerror(errno));
			return 1;
		}
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	close(fd);
	print_ops(n, t0, t1);
	print_cpu_us();
	return 0;
}

/* The uprobe target of `workload call`: global, not inlined, not empty. */
volatile uint64_t workload_probe_calls;
__attribute__((noinline)) void workload_probe(void)
{
	workload_probe_calls++;
}

static int cmd_call(int argc, char **argv)
{
	uint64_t n, i, t0, t1;

	if (argc != 1 || parse_u64(argv[0], &n) || n == 0)
		return -1;
	t0 = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++)
		workload_probe();
	t1 = now_ns(CLOCK_MONOTONIC);
	print_ops(n, t0, t1);
	print_cpu_us();
	return 0;
}

static int cmd_rename(int argc, char **argv)
{
	char name[16] = "";
	uint64_t n, i, t0, t1;

	if (argc != 1 || parse_u64(argv[0], &n) || n == 0)
		return -1;
	prctl(PR_GET_NAME, name);
	t0 = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++)
		prctl(PR_SET_NAME, name);
	t1 = now_ns(CLOCK_MONOTONIC);
	print_ops(n, t0, t1);
	print_cpu_us();
	return 0;
}

/* Next loaded BPF program id after `id` (0: none; -1: error). */
static int64_t prog_next_id(uint32_t id)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.start_id = id;
	if (syscall(SYS_bpf, BPF_PROG_GET_NEXT_ID, &attr, sizeof(attr)) < 0)
		return errno == ENOENT ? 0 : -1;
	return attr.next_id;
}

/* How many of ids[0..n) are still loaded (-1: error). */
static int progs_left(const uint32_t *ids, size_t n)
{
	int left = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int64_t next = prog_next_id(ids[i] - 1);

		if (next < 0)
			return -1;
		if (next == ids[i])
			left++;
	}
	return left;
}

/* Does the cgroup v2 directory hold no process? 1 yes, 0 no, -1 error */
static int cgroup_empty(const char *dir)
{
	char path[4096], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "populated ");
	if (!p)
		return -1;
	return p[10] == '0';
}

/*
 * Poll every 0.5 ms until none of ids is loaded and cgroup (if any) is
 * empty, or deadline (CLOCK_MONOTONIC ns). *gone and *empty get the time
 * each became so (0: not by the deadline, or an error).
 */
static void wait_gone(const uint32_t *ids, size_t n, const char *cgroup, uint64_t deadline,
		      uint64_t *gone, uint64_t *empty)
{
	*gone = *empty = 0;
	for (;;) {
		uint64_t t = now_ns(CLOCK_MONOTONIC);

		if (!*gone) {
			int left = progs_left(ids, n);

			if (left < 0) {
				fprintf(stderr, "workload: BPF_PROG_GET_NEXT_ID: %s\n", strerror(errno));
				return;
			}
			if (left == 0)
				*gone = t;
		}
		if (cgroup && !*empty) {
			int e = cgroup_empty(cgroup);

			if (e < 0) {
				fprintf(stderr, "workload: %s/cgroup.events: %s\n", cgroup, strerror(errno));
				return;
			}
			if (e)
				*empty = t;
		}
		if (*gone && (!cgroup || *empty))
			return;
		if (t >= deadline)
			return;
		sleep_until(t + POLL_NS / 2);
	}
}

static void print_ms(const char *name, uint64_t t, uint64_t t0, int asked)
{
	if (!asked)
		printf("%s=-", name);
	else if (!t)
		printf("%s=timeout", name);
	else
		printf("%s=%.3f", name, (double)(t > t0 ? t - t0 : 0) / 1e6);
}

static int cmd_stop(int argc, char **argv)
{
	uint64_t pid, timeout_ms = 30000, v, t0, t_exit = 0, t_gone, t_empty, deadline;
	const char *cgroup = NULL;
	uint32_t *ids;
	struct pollfd pfd;
	int pidfd, i, nids = 0, r;

	if (argc < 1 || parse_u64(argv[0], &pid) || pid == 0 ||
	    (argc >= 2 && parse_u64(argv[1], &timeout_ms)))
		return -1;
	if (argc >= 3 && strcmp(argv[2], "-"))
		cgroup = argv[2];
	ids = calloc((size_t)argc + 1, sizeof(*ids));
	if (!ids)
		return 1;
	for (i = 3; i < argc; i++) {
		if (parse_u64(argv[i], &v) || v == 0 || v > UINT32_MAX) {
			free(ids);
			return -1;
		}
		ids[nids++] = (uint32_t)v;
	}
	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pidfd < 0) {
		fprintf(stderr, "workload: pidfd_open %llu: %s\n", (unsigned long long)pid,
			strerror(errno));
		free(ids);
		return 1;
	}
	t0 = now_ns(CLOCK_MONOTONIC);
	deadline = t0 + timeout_ms * 1000000ULL;
	if (kill((pid_t)pid, SIGINT) < 0) {
		fprintf(stderr, "workload: kill %llu: %s\n", (unsigned long long)pid, strerror(errno));
		free(ids);
		return 1;
	}
	pfd.fd = pidfd;
	pfd.events = POLLIN;
	do {
		r = poll(&pfd, 1, (int)timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r > 0)
		t_exit = now_ns(CLOCK_MONOTONIC);
	close(pidfd);
	if (!t_exit) {
		printf("exit_ms=timeout gone_ms=timeout empty_ms=%s\n", cgroup ? "timeout" : "-");
		free(ids);
		return 1;
	}
	wait_gone(ids, (size_t)nids, cgroup, deadline, &t_gone, &t_empty);
	free(ids);
	print_ms("exit_ms", t_exit, t0, 1);
	putchar(' ');
	print_ms("gone_ms", t_gone, t0, 1);
	putchar(' ');
	print_ms("empty_ms", t_empty, t0, cgroup != NULL);
	putchar('\n');
	return t_gone && (!cgroup || t_empty) ? 0 : 1;
}

static int cmd_maxprog(int argc, char **argv)
{
	int64_t id = 0, next;

	(void)argv;
	if (argc != 0)
		return -1;
	while ((next = prog_next_id((uint32_t)id)) > 0)
		id = next;
	if (next < 0) {
		fprintf(stderr, "workload: BPF_PROG_GET_NEXT_ID: %s\n", strerror(errno));
		return 1;
	}
	printf("%lld\n", (long long)id);
	return 0;
}

static int cmd_gone_above(int argc, char **argv)
{
	uint64_t maxid, t0_real, timeout_ms = 30000, t_gone, t_empty, mono0, real0, base;
	const char *cgroup = NULL;
	uint32_t *ids = NULL;
	size_t n = 0, cap = 0;
	int64_t next;

	if (argc < 2 || argc > 4 || parse_u64(argv[0], &maxid) || maxid > UINT32_MAX ||
	    parse_t0(argv[1], &t0_real) || (argc >= 3 && parse_u64(argv[2], &timeout_ms)))
		return -1;
	if (argc == 4)
		cgroup = argv[3];
	mono0 = now_ns(CLOCK_MONOTONIC);
	real0 = now_ns(CLOCK_REALTIME);
	for (next = (int64_t)maxid; (next = prog_next_id((uint32_t)next)) > 0; ) {
		if (n == cap) {
			uint32_t *nids;

			cap = cap ? cap * 2 : 64;
			nids = realloc(ids, cap * sizeof(*ids));
			if (!nids) {
				free(ids);
				return 1;
			}
			ids = nids;
		}
		ids[n++] = (uint32_t)next;
	}
	if (next < 0) {
		fprintf(stderr, "workload: BPF_PROG_GET_NEXT_ID: %s\n", strerror(errno));
		free(ids);
		return 1;
	}
	wait_gone(ids, n, cgroup, mono0 + timeout_ms * 1000000ULL, &t_gone, &t_empty);
	free(ids);
	/* times relative to T0 (realtime): the realtime at mono0 plus the
	 * monotonic delta; base is T0 on the monotonic clock */
	base = mono0 - (real0 - t0_real);
	print_ms("gone_ms", t_gone, base, 1);
	printf(" progs=%zu ", n);
	print_ms("empty_ms", t_empty, base, cgroup != NULL);
	putchar('\n');
	return t_gone && (!cgroup || t_empty) ? 0 : 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: workload run PATH N [RATE]\n"
		"       workload lone PATH OUTFILE [TIMEOUT_MS]\n"
		"       workload attach PREFIX OUTFILE T0 [TIMEOUT_MS [PID]]\n"
		"       workload attach-exec PREFIX OUTFILE T0 [TIMEOUT_MS [PID]]\n"
		"       workload wait OUTFILE TOKEN T0 [TIMEOUT_MS [PID]]\n"
		"       workload getppid N\n"
		"       workload storm PATH MS\n"
		"       workload exec PROG N [ARG]\n"
		"       workload connect N\n"
		"       workload fail PATH N\n"
		"       workload pread PATH N\n"
		"       workload call N\n"
		"       workload rename N\n"
		"       workload stop PID [TIMEOUT_MS [CGROUP|- [ID...]]]\n"
		"       workload maxprog\n"
		"       workload gone-above MAXID T0 [TIMEOUT_MS [CGROUP]]\n"
		"       (any of them after --comm NAME: set its own name first)\n");
}

int main(int argc, char **argv)
{
	int ret = -1;

	if (argc >= 3 && !strcmp(argv[1], "--comm")) {
		prctl(PR_SET_NAME, argv[2]);
		argc -= 2;
		argv += 2;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "run"))
		ret = cmd_run(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "lone"))
		ret = cmd_lone(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "attach"))
		ret = cmd_attach(argc - 2, argv + 2, do_open);
	else if (!strcmp(argv[1], "attach-exec"))
		ret = cmd_attach(argc - 2, argv + 2, do_exec_true);
	else if (!strcmp(argv[1], "wait"))
		ret = cmd_wait(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "getppid"))
		ret = cmd_getppid(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "storm"))
		ret = cmd_storm(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "exec"))
		ret = cmd_exec(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "connect"))
		ret = cmd_connect(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "fail"))
		ret = cmd_fail(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "pread"))
		ret = cmd_pread(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "call"))
		ret = cmd_call(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "rename"))
		ret = cmd_rename(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "stop"))
		ret = cmd_stop(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "maxprog"))
		ret = cmd_maxprog(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "gone-above"))
		ret = cmd_gone_above(argc - 2, argv + 2);
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
