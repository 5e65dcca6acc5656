/*
 * fcount: hits of known probes, for the funccount tests.
 *   fcount [-o OFFSET_MS] K PATH
 * Prints "pid <pid>", waits for a line on stdin, then K times: calls
 * loupe_fc_target() and loupe_fc_other() (functions of its own), rand(),
 * malloc() and free() (libc; malloc and free are aliases of __libc_malloc
 * and __libc_free there), opens PATH (openat) and fires the USDT probe loupe:tick; prints
 * "done" and exits. With -o, each round waits for the next wall-clock
 * second plus OFFSET_MS first (one round per second).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) int loupe_fc_target(int x)
{
	asm volatile("" ::: "memory");
	return x + 1;
}

__attribute__((noinline)) int loupe_fc_other(int x)
{
	asm volatile("" ::: "memory");
	return x * 3;
}

static void wait_offset(long ms)
{
	struct timespec now, t;

	clock_gettime(CLOCK_REALTIME, &now);
	t.tv_sec = now.tv_sec + 1;
	t.tv_nsec = ms * 1000000L;
	clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &t, NULL);
}

int main(int argc, char **argv)
{
	long k, i, off = -1;
	char line[16];
	int acc = 0;

	if (argc == 5 && !strcmp(argv[1], "-o")) {
		off = atol(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc != 3)
		return fprintf(stderr, "usage: fcount [-o OFFSET_MS] K PATH\n"), 2;
	k = atol(argv[1]);
	printf("pid %d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (i = 0; i < k; i++) {
		char *volatile m; /* volatile: the pair is not optimised away */
		int fd;

		if (off >= 0)
			wait_offset(off);
		acc += loupe_fc_target((int)i) + loupe_fc_other((int)i) + rand() % 2;
		m = malloc(64 + (size_t)(i % 2));
		free(m);
		fd = open(argv[2], O_RDONLY);
		if (fd >= 0)
			close(fd);
		STAP_PROBE1(loupe, tick, i);
	}
	printf("done %d\n", acc);
	return 0;
}
