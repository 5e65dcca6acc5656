/* errsnoop wire types, shared by errsnoop.bpf.c and errsnoop.c. */
#ifndef ERRSNOOP_H
#define ERRSNOOP_H

#include "bpf/types.h"

#define ERR_NR_MAX     1024  /* syscall numbers below this (bpf/syscalls.bpf.h) */
#define ERR_ERRNO_MAX  4096  /* errnos below this (MAX_ERRNO + 1) */
#define ERR_PATH_MAX   1024  /* a path argument: longer ones are cut (marked) */

enum errsnoop_flags {
	ERR_F_PATH = 1,       /* path holds the call's path argument */
	ERR_F_PATH_CUT = 2,   /* ... cut at ERR_PATH_MAX - 1 bytes */
	ERR_F_LAT = 4,        /* lat_ns is known (-e) */
	ERR_F_UNIX = 8,       /* path is a connect()/bind()'s AF_UNIX address */
};

/* One failed system call; the record ends after path_len bytes. */
struct errsnoop_event {
	struct loupe_event_hdr hdr;
	__s64 ret;            /* -errno */
	__u64 lat_ns;         /* with ERR_F_LAT */
	__u32 nr;             /* syscall number (this architecture's) */
	__u32 flags;          /* enum errsnoop_flags */
	__u32 path_len;
	__u32 pad;
	char path[ERR_PATH_MAX];
};
#define ERRSNOOP_HDR_SIZE __builtin_offsetof(struct errsnoop_event, path)

/* -c: failures counted in the kernel, keyed by what -k picks. */
enum { ERR_BY_SYSCALL = 1, ERR_BY_ERRNO = 2, ERR_BY_PROCESS = 4, ERR_BY_COMM = 8 };
struct errsnoop_count_key {
	__u32 gen;       /* generation (bpf/summary.bpf.h) */
	__u32 nr;        /* BY_SYSCALL, else ~0 */
	__u32 err;       /* BY_ERRNO, else 0 */
	__u32 pid;       /* BY_PROCESS */
	char comm[16];   /* BY_PROCESS, BY_COMM */
};

/* Which failures are hidden by default (the noise of a healthy system) and
 * which are asked for, in .rodata as cfg_err. Bitmaps indexed by errno. */
struct errsnoop_cfg {
	__u8 show[ERR_ERRNO_MAX / 8];   /* -E: only these errnos */
	__u8 hide[ERR_ERRNO_MAX / 8];   /* hidden for every syscall (unless -A) */
	__u8 path_arg[ERR_NR_MAX];      /* syscall nr -> index + 1 of its path
					 * argument; 0: none */
	__u32 hide_timedout_nr[4];      /* ETIMEDOUT hidden for these syscalls
					 * (futex waits); ~0: none */
	__u32 connect_nr, bind_nr;      /* their AF_UNIX address is a path */
	__u32 count_by;                 /* -c: ERR_BY_* bits */
	__u8 errno_on;                  /* -E given */
	__u8 show_all;                  /* -A: nothing hidden */
	__u8 latency;                   /* -e: time the calls */
	__u8 paths;                     /* read path arguments */
};

#ifndef __bpf__
_Static_assert(ERRSNOOP_HDR_SIZE == 88, "errsnoop_event layout");
_Static_assert(sizeof(struct errsnoop_count_key) == 32, "errsnoop_count_key layout");
_Static_assert(sizeof(struct errsnoop_cfg) == 1024 + 1024 + 16 + 8 + 4 + 4,
	       "errsnoop_cfg layout");
#endif

#endif
