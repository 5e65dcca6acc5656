/*
 * opener: open (and close) paths in a known way, for the integration tests.
 *   opener [-n COUNT] [-w] [-s] [-e] [-F FLAGS] [-m MODE] [-d DIR] PATH...
 *     -n COUNT  open every PATH COUNT times (default 1)
 *     -w        wait for a line on stdin before starting (after printing the pid)
 *     -d DIR    chdir(DIR) first (relative opens)
 *     -F FLAGS  open flags, octal (default O_RDONLY)
 *     -m MODE   mode, octal (default 0644)
 *     -2        use openat2(2) instead of openat(2)
 * Prints "pid <pid>" first, then "fd <fd> <errno>" for the first open of each
 * PATH; exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long count = 1, i;
	int c, wait = 0, use2 = 0, flags = O_RDONLY, mode = 0644;
	const char *dir = NULL;

	while ((c = getopt(argc, argv, "n:wd:F:m:2")) != -1) {
		switch (c) {
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'w': wait = 1; break;
		case 'd': dir = optarg; break;
		case 'F': flags = (int)strtol(optarg, NULL, 8); break;
		case 'm': mode = (int)strtol(optarg, NULL, 8); break;
		case '2': use2 = 1; break;
		default: return 2;
		}
	}
	printf("pid %d\n", getpid());
	fflush(stdout);
	if (wait) {
		char line[16];

		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}
	if (dir && chdir(dir))
		return 1;
	for (; optind < argc; optind++) {
		for (i = 0; i < count; i++) {
			int fd;

			if (use2) {
				struct open_how how = { .flags = (unsigned)flags, .mode = (unsigned)mode };

				fd = (int)syscall(SYS_openat2, AT_FDCWD, argv[optind], &how, sizeof(how));
			} else {
				fd = openat(AT_FDCWD, argv[optind], flags, mode);
			}
			if (i == 0)
				printf("fd %d %d\n", fd, fd < 0 ? errno : 0);
			if (fd >= 0)
				close(fd);
		}
	}
	fflush(stdout);
	return 0;
}
