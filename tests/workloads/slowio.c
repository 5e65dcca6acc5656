/*
 * slowio: file reads and writes that take a known time, for fileslower's
 * examples.
 *   slowio [-n N] [-m MS] PATH
 * Creates PATH, then N rounds of: a write(2) of 64 KiB at offset 0, a
 * read(2) of it back, and 4 pread(2)s of 512 bytes at offsets 4 KiB apart. The
 * 64 KiB write and read use a buffer whose pages are missing: the first
 * touch of it inside the system call waits MS ms (default 30) for a thread
 * that supplies the pages through userfaultfd, as a read from a slow disk
 * or network file system would wait for the data. The small reads copy
 * into memory that is there, and are fast. Prints "pid <pid>" first and
 * "rounds <N>" at the end; exits 0, or 1 with a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BIG (64 * 1024)

static char *buf, *src;
static long delay_ms = 30;
static int uffd;

static int fail(const char *what)
{
	fprintf(stderr, "slowio: %s: %s\n", what, strerror(errno));
	return 1;
}

/* Supplies the whole buffer MS ms after each fault on it. */
static void *pager(void *unused)
{
	struct uffd_msg msg;
	struct pollfd p = { .fd = uffd, .events = POLLIN };

	(void)unused;
	while (poll(&p, 1, -1) > 0) {
		struct timespec ts = { delay_ms / 1000, delay_ms % 1000 * 1000000L };
		struct uffdio_copy copy = {
			.dst = (unsigned long)buf, .src = (unsigned long)src, .len = BIG,
		};

		if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
		    msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		nanosleep(&ts, NULL);
		if (ioctl(uffd, UFFDIO_COPY, &copy) && errno != EEXIST)
			fail("UFFDIO_COPY");
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	long n = 3, i, j;
	char small[512];
	pthread_t t;
	int c, fd;

	while ((c = getopt(argc, argv, "n:m:")) != -1) {
		switch (c) {
		case 'n': n = atol(optarg); break;
		case 'm': delay_ms = atol(optarg); break;
		default: return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: slowio [-n N] [-m MS] PATH\n");
		return 2;
	}
	printf("pid %d\n", getpid());
	fflush(stdout);
	buf = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	src = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || src == MAP_FAILED)
		return fail("mmap");
	memset(src, 'x', BIG);
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		return fail("userfaultfd");
	reg.range.start = (unsigned long)buf;
	reg.range.len = BIG;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		return fail("UFFDIO_REGISTER");
	if (pthread_create(&t, NULL, pager, NULL))
		return fail("pthread_create");
	fd = open(argv[optind], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail(argv[optind]);
	for (i = 0; i < n; i++) {
		/* the pages go: the next touch waits for the pager again */
		if (madvise(buf, BIG, MADV_DONTNEED) || lseek(fd, 0, SEEK_SET) ||
		    write(fd, buf, BIG) != BIG)
			return fail("write");
		if (madvise(buf, BIG, MADV_DONTNEED) || lseek(fd, 0, SEEK_SET) ||
		    read(fd, buf, BIG) != BIG)
			return fail("read");
		for (j = 0; j < 4; j++)
			if (pread(fd, small, sizeof(small), j * 4096) != sizeof(small))
				return fail("small read");
	}
	close(fd);
	printf("rounds %ld\n", n);
	return 0;
}
