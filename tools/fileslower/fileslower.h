/* fileslower wire types, shared by fileslower.bpf.c and fileslower.c. */
#ifndef FILESLOWER_H
#define FILESLOWER_H

#include "bpf/types.h"

#define FS_NAME_MAX 4096  /* the file's name (-F: its full path) */
#define FS_TYPE_LEN 16    /* --fs: a file system type's name */

/* The traced syscalls, in the tool's numbering (bpf/syscalls.bpf.h idx). */
enum fileslower_syscall {
	SYS_READ, SYS_WRITE, SYS_PREAD64, SYS_PWRITE64, SYS_READV, SYS_WRITEV,
	SYS_PREADV, SYS_PWRITEV, SYS_PREADV2, SYS_PWRITEV2, SYS_FSYNC, SYS_FDATASYNC,
	SYS_OPEN, SYS_OPENAT, SYS_OPENAT2, SYS_CREAT, SYS__NR
};

/* What an fd is (from its inode's mode); FS_KIND_FILE: a regular file. */
enum fileslower_kind { FS_KIND_FILE, FS_KIND_DIR, FS_KIND_PIPE, FS_KIND_SOCKET,
		       FS_KIND_CHAR, FS_KIND_BLOCK, FS_KIND_LINK, FS_KIND_OTHER, FS_KIND__NR };

/* One operation slower than the threshold; the record ends after name_len
 * bytes of name. */
struct fileslower_event {
	struct loupe_event_hdr hdr;
	__u64 lat_ns;
	__s64 ret;        /* bytes transferred (read, write), the fd (open), 0 */
	__u64 offset;     /* the file offset where the read or write started */
	__u32 syscall;    /* enum fileslower_syscall */
	__u32 kind;       /* enum fileslower_kind */
	__u32 name_len;
	__u8 name_cut;    /* the name (path) was cut */
	__u8 pad[3];
	char name[FS_NAME_MAX];
};
#define FILESLOWER_HDR_SIZE __builtin_offsetof(struct fileslower_event, name)

/* --hist: histograms keyed by what -k picks (the rest zero). */
enum { FS_BY_OP = 1, FS_BY_FILE = 2, FS_BY_PROCESS = 4, FS_BY_COMM = 8 };
#define FS_KEY_NAME 64
struct fileslower_hist_key {
	__u32 gen;       /* generation (bpf/summary.bpf.h) */
	__u32 op;        /* BY_OP: enum fileslower_syscall + 1 */
	__u32 pid;       /* BY_PROCESS */
	__u32 pad;
	char comm[16];   /* BY_PROCESS, BY_COMM */
	char name[FS_KEY_NAME]; /* BY_FILE: the file's name, cut */
};

/* Configuration, in .rodata as cfg_fs. */
struct fileslower_cfg {
	char fs_type[FS_TYPE_LEN]; /* --fs: only files on this type (NUL-padded) */
	__u8 fs_on;
	__u8 all_kinds;            /* -a: pipes, sockets, devices too */
	__u8 full_path;            /* -F */
	__u8 hist;                 /* --hist/--heatmap: histograms, no events */
	__u8 hist_ms;              /* -m */
	__u8 pad[3];
	__u32 hist_by;             /* FS_BY_*; 0: one histogram (the heat map) */
};

#ifndef __bpf__
_Static_assert(FILESLOWER_HDR_SIZE == 96, "fileslower_event layout");
_Static_assert(sizeof(struct fileslower_hist_key) == 96, "fileslower_hist_key layout");
_Static_assert(sizeof(struct fileslower_cfg) == 28, "fileslower_cfg layout");
#endif

#endif
