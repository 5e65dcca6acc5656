/*
 * opencalls: the open-like calls opener does not make, for the opensnoop
 * integration tests.
 *   opencalls creat PATH MODE     creat(2) with MODE (octal)
 *   opencalls handle PATH         name_to_handle_at(2), then
 *                                 open_by_handle_at(2) O_RDONLY (needs root)
 *   opencalls dirfd DIR NAME      openat(2) of NAME relative to an fd of DIR
 * Prints "pid <pid>", then "fd <fd> <errno>" for the call traced; exits 0
 * when that call succeeded, 1 otherwise (2 on a usage error).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int report(int fd)
{
	printf("fd %d %d\n", fd, fd < 0 ? errno : 0);
	return fd < 0;
}

int main(int argc, char **argv)
{
	printf("pid %d\n", getpid());
	fflush(stdout);
	if (argc == 4 && !strcmp(argv[1], "creat"))
		return report(creat(argv[2], (mode_t)strtol(argv[3], NULL, 8)));
	if (argc == 3 && !strcmp(argv[1], "handle")) {
		static union {
			struct file_handle fh;
			char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
		} h;
		struct file_handle *fh = &h.fh;
		int mount_id, mfd;

		fh->handle_bytes = MAX_HANDLE_SZ;
		if (name_to_handle_at(AT_FDCWD, argv[2], fh, &mount_id, 0)) {
			perror("name_to_handle_at");
			return 1;
		}
		mfd = open(argv[2], O_RDONLY); /* any fd on the same mount */
		if (mfd < 0)
			return report(mfd);
		return report(open_by_handle_at(mfd, fh, O_RDONLY));
	}
	if (argc == 4 && !strcmp(argv[1], "dirfd")) {
		int dfd = open(argv[2], O_RDONLY | O_DIRECTORY);

		if (dfd < 0)
			return report(dfd);
		return report(openat(dfd, argv[3], O_RDONLY));
	}
	fprintf(stderr, "usage: opencalls creat PATH MODE | handle PATH | dirfd DIR NAME\n");
	return 2;
}
