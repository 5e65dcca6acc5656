/* execsnoop wire types, shared by execsnoop.bpf.c and execsnoop.c. */
#ifndef EXECSNOOP_H
#define EXECSNOOP_H

#include "bpf/types.h"

#define EXEC_ARGS_MAX  8192  /* bytes of arguments copied (NUL-separated) */
#define EXEC_ARG_MAX   4096  /* one argument of a failed exec, read at exit */
#define EXEC_KARGS_MAX 64    /* arguments of a failed exec read in the kernel */
#define EXEC_PATH_MAX  4096  /* the executable's path */
#define EXEC_ANCESTORS 8     /* parents read in the kernel (--ancestors) */

/* The traced syscalls, in the tool's numbering (bpf/syscalls.bpf.h idx). */
enum execsnoop_syscall { SYS_EXECVE, SYS_EXECVEAT, SYS__NR };

enum execsnoop_flags {
	EXEC_F_ARGS_CUT = 1,      /* more argument bytes than EXEC_ARGS_MAX, or an
				   * argument longer than EXEC_ARG_MAX */
	EXEC_F_ARGS_UNREAD = 2,   /* (failed exec) an argument could not be read */
	EXEC_F_SCRIPT = 4,        /* run through an interpreter (#!): the arguments
				   * are the interpreter's */
	EXEC_F_AT = 8,            /* execveat(2) */
	EXEC_F_EXE_CUT = 16,      /* the executable's path was cut */
	EXEC_F_MORE_ARGS = 32,    /* (failed exec) more than EXEC_KARGS_MAX args */
};

struct exec_ancestor {
	__u32 pid;
	__u32 vpid;      /* -C: its PID in its PID namespace (1: a container's init) */
	char comm[16];
};

/* One exec; the record ends after args_len bytes of arguments (each ended
 * by a NUL) and exe_len bytes of the executable's path (no NUL). */
struct execsnoop_event {
	struct loupe_event_hdr hdr;  /* the new image's comm for a success */
	__s32 ret;                   /* 0, or -errno */
	__u32 ppid;
	char pcomm[16];
	__u32 flags;                 /* enum execsnoop_flags */
	__u32 syscall;               /* enum execsnoop_syscall */
	__u32 args_len;
	__u32 exe_len;
	__u32 nanc;                  /* ancestors filled */
	__u32 pad;
	struct exec_ancestor anc[EXEC_ANCESTORS]; /* parent's parent first */
	char data[EXEC_ARGS_MAX + EXEC_PATH_MAX];
};
#define EXECSNOOP_HDR_SIZE __builtin_offsetof(struct execsnoop_event, data)

/* Configuration, in .rodata as cfg_exec. */
struct execsnoop_cfg {
	__u32 ppid;          /* --ppid: only children of this process, 0: all */
	__u8 failed_only;    /* -x */
	__u8 ancestors;      /* --ancestors: levels to read (0: none) */
	__u8 exe;            /* read the executable's path */
	__u8 max_args;       /* a failed exec's arguments read in the kernel */
};

#ifndef __bpf__
_Static_assert(EXECSNOOP_HDR_SIZE == 296, "execsnoop_event layout");
_Static_assert(sizeof(struct execsnoop_cfg) == 8, "execsnoop_cfg layout");
#endif

#endif
