/* Errno and syscall names, from tables generated at build time. */
#ifndef LOUPE_NAMES_H
#define LOUPE_NAMES_H

extern const char *const loupe_errno_table[];
extern const unsigned loupe_errno_table_len;
extern const char *const loupe_syscall_table[];
extern const unsigned loupe_syscall_table_len;

/* "ENOENT" for 2; NULL when the number has no name. */
const char *errno_name(int err);
/* 2 for "ENOENT" (or "enoent", or "2"); -EINVAL when unknown. */
int errno_parse(const char *s);
/* "openat" for 257; NULL when unknown. */
const char *syscall_name(int nr);
/* 257 for "openat"; -EINVAL when unknown. */
int syscall_parse(const char *s);
/* The number of the syscall whose tracepoints are syscalls:sys_enter_<event>
 * and sys_exit_<event>: its name, or the kernel's name for it (newfstat is
 * fstat, umount is umount2...); -EINVAL when unknown. */
int syscall_parse_event(const char *event);
/* Open flag by name ("O_CREAT", "creat", any case) into *bit, the bit that
 * tells the flag apart in a `flags & bit` test (O_TMPFILE without
 * O_DIRECTORY, O_SYNC without O_DSYNC). O_RDONLY, which is 0, gives *bit 0:
 * test it as (flags & O_ACCMODE) == 0. -EINVAL when unknown. */
int oflag_parse(const char *s, unsigned *bit);
/* The name of the i-th open flag oflag_parse knows ("O_RDONLY" for 0);
 * NULL past the last. */
const char *oflag_name(unsigned i);

#endif
