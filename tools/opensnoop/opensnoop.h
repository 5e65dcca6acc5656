/* opensnoop wire types, shared by both BPF objects and opensnoop.c. */
#ifndef OPENSNOOP_H
#define OPENSNOOP_H

#include "bpf/types.h"

#define OPENSNOOP_PATH_MAX 4096 /* PATH_MAX, NUL included */

/* The traced syscalls, in the tool's own numbering (the idx of
 * bpf/syscalls.bpf.h); names in opensnoop.c's sys_names. */
enum opensnoop_syscall {
	SYS_OPEN, SYS_OPENAT, SYS_OPENAT2, SYS_CREAT, SYS_OPEN_BY_HANDLE_AT,
	SYS__NR
};

/* One open; the record ends after path_len bytes of path (no NUL). */
struct opensnoop_event {
	struct loupe_event_hdr hdr; /* stamped at exit */
	__s32 ret;       /* fd, or -errno */
	__u32 flags;     /* open flags as passed */
	__u32 mode;      /* as passed; meaningful with O_CREAT or O_TMPFILE */
	__u32 syscall;   /* enum opensnoop_syscall */
	__u32 path_len;  /* bytes of path; 0: unreadable, or a handle not resolved */
	__u8 path_cut;   /* the path went on beyond OPENSNOOP_PATH_MAX - 1 bytes */
	__u8 pad[3];
	char path[OPENSNOOP_PATH_MAX];
};
#define OPENSNOOP_HDR_SIZE 80

#define OPENSNOOP_MAX_PREFIXES 8   /* --path given this many times at most */
#define OPENSNOOP_PREFIX_MAX 256   /* a --path prefix has fewer bytes than this */

/* Configuration, in each object's .rodata as cfg_open; a disabled part is
 * a constant the verifier removes. */
struct opensnoop_cfg {
	__u32 flags_any;  /* -f: an open passes with any of these flag bits... */
	__u8 flags_on;    /* -f given */
	__u8 flags_rdonly;/* ...or, with -f O_RDONLY, with (flags & O_ACCMODE) == 0 */
	__u8 failed_only; /* -x */
	__u8 nprefix;     /* --path: prefixes in use; the path must start with one */
	__u32 prefix_len[OPENSNOOP_MAX_PREFIXES];
	char prefix[OPENSNOOP_MAX_PREFIXES][OPENSNOOP_PREFIX_MAX];
};

/* -c: opens counted in the kernel (map "counts"), keyed by what -k picks;
 * the fields it does not pick are zero. */
enum { OPENSNOOP_BY_PATH = 1, OPENSNOOP_BY_PROCESS = 2, OPENSNOOP_BY_COMM = 4 };
#define OPENSNOOP_COUNT_PATH 256   /* longer paths are cut to 255 bytes */
struct opensnoop_count_key {
	__u32 gen;       /* generation (bpf/summary.bpf.h) */
	__u32 pid;       /* BY_PROCESS */
	char comm[16];   /* BY_PROCESS, BY_COMM */
	char path[OPENSNOOP_COUNT_PATH]; /* BY_PATH; NUL-padded */
};

#ifndef __bpf__
_Static_assert(sizeof(struct opensnoop_count_key) == 280, "opensnoop_count_key layout");
_Static_assert(__builtin_offsetof(struct opensnoop_event, path) == OPENSNOOP_HDR_SIZE,
	       "opensnoop_event layout");
_Static_assert(sizeof(struct opensnoop_cfg) == 8 + 4 * OPENSNOOP_MAX_PREFIXES +
	       OPENSNOOP_MAX_PREFIXES * OPENSNOOP_PREFIX_MAX, "opensnoop_cfg layout");
#endif

#endif
