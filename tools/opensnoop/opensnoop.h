/* opensnoop wire types, shared by opensnoop.bpf.c and opensnoop.c. */
#ifndef OPENSNOOP_H
#define OPENSNOOP_H

#define OPENSNOOP_PATH_MAX 4096 /* PATH_MAX, NUL included */

enum opensnoop_syscall { SYS_OPEN, SYS_OPENAT, SYS_OPENAT2, SYS__NR };

/* One open; the record ends after path_len bytes of path. */
struct opensnoop_event {
	__u64 ts_ns;     /* bpf_ktime_get_ns() at exit */
	__u32 pid;       /* tgid */
	__u32 tid;
	__u32 uid;
	__s32 ret;       /* fd, or -errno */
	__u32 flags;     /* open flags as passed */
	__u32 mode;
	__u32 syscall;   /* enum opensnoop_syscall */
	__u32 path_len;  /* bytes of path, NUL excluded; 0 if unreadable */
	char comm[16];
	char path[OPENSNOOP_PATH_MAX];
};
#define OPENSNOOP_HDR_SIZE 56

#ifndef __bpf__
_Static_assert(__builtin_offsetof(struct opensnoop_event, path) == OPENSNOOP_HDR_SIZE,
	       "opensnoop_event layout");
#endif

#endif
