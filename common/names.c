#include <errno.h>
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
