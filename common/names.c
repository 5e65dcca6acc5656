#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "names.h"
#include "parse.h"

const char *errno_name(int err)
{
	if (err < 0 || (unsigned)err >= loupe_errno_table_len)
		return NULL;
	return loupe_errno_table[err];
}

int errno_parse(const char *s)
{
	unsigned i;
	uint64_t v;

	if (parse_u64(s, 1, 4095, &v) == 0)
		return (int)v;
	for (i = 0; i < loupe_errno_table_len; i++)
		if (loupe_errno_table[i] && !strcasecmp(loupe_errno_table[i], s))
			return (int)i;
	/* aliases the table keeps under another name */
	if (!strcasecmp(s, "EWOULDBLOCK"))
		return EAGAIN;
	if (!strcasecmp(s, "EDEADLOCK"))
		return EDEADLK;
	if (!strcasecmp(s, "ENOTSUP"))
		return EOPNOTSUPP;
	return -EINVAL;
}

const char *syscall_name(int nr)
{
	if (nr < 0 || (unsigned)nr >= loupe_syscall_table_len)
		return NULL;
	return loupe_syscall_table[nr];
}

int syscall_parse(const char *s)
{
	unsigned i;

	for (i = 0; i < loupe_syscall_table_len; i++)
		if (loupe_syscall_table[i] && !strcmp(loupe_syscall_table[i], s))
			return (int)i;
	return -EINVAL;
}

int syscall_parse_event(const char *event)
{
	/* events named after the kernel's implementation, not the syscall */
	static const char *const alias[][2] = {
		{ "newstat", "stat" }, { "newlstat", "lstat" }, { "newfstat", "fstat" },
		{ "newuname", "uname" }, { "sendfile64", "sendfile" }, { "umount", "umount2" },
	};
	int nr = syscall_parse(event);
	size_t i;

	for (i = 0; nr < 0 && i < sizeof(alias) / sizeof(alias[0]); i++)
		if (!strcmp(event, alias[i][0]))
			nr = syscall_parse(alias[i][1]);
	return nr;
}

static const struct { const char *name; unsigned bit; } oflags[] = {
	{ "O_RDONLY", O_RDONLY }, { "O_WRONLY", O_WRONLY }, { "O_RDWR", O_RDWR },
	{ "O_CREAT", O_CREAT }, { "O_EXCL", O_EXCL }, { "O_NOCTTY", O_NOCTTY },
	{ "O_TRUNC", O_TRUNC }, { "O_APPEND", O_APPEND },
	{ "O_NONBLOCK", O_NONBLOCK }, { "O_NDELAY", O_NDELAY },
	{ "O_DSYNC", O_DSYNC }, { "O_SYNC", O_SYNC & ~O_DSYNC },
	{ "O_ASYNC", O_ASYNC }, { "O_DIRECT", O_DIRECT },
	{ "O_DIRECTORY", O_DIRECTORY }, { "O_NOFOLLOW", O_NOFOLLOW },
	{ "O_NOATIME", O_NOATIME }, { "O_CLOEXEC", O_CLOEXEC },
	{ "O_PATH", O_PATH }, { "O_TMPFILE", O_TMPFILE & ~O_DIRECTORY },
};

int oflag_parse(const char *s, unsigned *bit)
{
	size_t i;

	for (i = 0; i < sizeof(oflags) / sizeof(oflags[0]); i++)
		if (!strcasecmp(oflags[i].name, s) || !strcasecmp(oflags[i].name + 2, s)) {
			*bit = oflags[i].bit;
			return 0;
		}
	return -EINVAL;
}

const char *oflag_name(unsigned i)
{
	return i < sizeof(oflags) / sizeof(oflags[0]) ? oflags[i].name : NULL;
}
