/*
 * dioread: exactly N O_DIRECT reads of SIZE bytes from a file or block
 * device, for the block-layer tests and bench/biolatency.sh.
 *   dioread [-n N] [-s SIZE] [-w] PATH
 *     -n N     reads (default 1)
 *     -s SIZE  bytes per read, a multiple of 512 (default 4096)
 *     -w       print the pid, then wait for a line on stdin before reading
 * Read i is at offset (i * SIZE) modulo the size of PATH (rounded down to
 * SIZE), so every read is one aligned request. Prints "pid <pid>" (with
 * -w), then "reads <N> ns <elapsed ns>"; exits 0, or 1 with a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long long n = 1, size = 4096, i, span, t0;
	unsigned long long bytes = 0;
	int c, fd, wait = 0;
	struct stat st;
	void *buf;

	while ((c = getopt(argc, argv, "n:s:w")) != -1) {
		switch (c) {
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 's': size = strtoull(optarg, NULL, 10); break;
		case 'w': wait = 1; break;
		default: return 2;
		}
	}
	if (optind != argc - 1 || !size || size % 512) {
		fprintf(stderr, "usage: dioread [-n N] [-s SIZE] [-w] PATH\n");
		return 2;
	}
	fd = open(argv[optind], O_RDONLY | O_DIRECT);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "dioread: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &bytes)) {
			fprintf(stderr, "dioread: BLKGETSIZE64: %s\n", strerror(errno));
			return 1;
		}
	} else {
		bytes = (unsigned long long)st.st_size;
	}
	span = bytes / size;
	if (!span) {
		fprintf(stderr, "dioread: %s: smaller than %llu bytes\n", argv[optind], size);
		return 1;
	}
	if (posix_memalign(&buf, 4096, size))
		return 1;
	if (wait) {
		char line[16];

		printf("pid %d\n", getpid());
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin)) {
			free(buf);
			return 1;
		}
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		ssize_t r = pread(fd, buf, size, (off_t)((i % span) * size));

		if (r != (ssize_t)size) {
			fprintf(stderr, "dioread: read %llu: %s\n", i,
				r < 0 ? strerror(errno) : "short read");
			free(buf);
			return 1;
		}
	}
	printf("reads %llu ns %llu\n", n, now_ns() - t0);
	free(buf);
	close(fd);
	return 0;
}
