/*
 * funccount's patterns, expanded into probes (user space only):
 *
 *   t:CATEGORY:EVENT      tracepoints (globs on both parts); syscalls:sys_enter_X
 *                         and sys_exit_X become raw_syscalls probes by number
 *   u:LIB:NAME            USDT probes of LIB named NAME (u:LIB:PROVIDER:NAME),
 *                         or, when LIB has no USDT probe of that name, functions
 *   p:LIB:SYMBOL, LIB:SYMBOL, /path:SYMBOL
 *                         functions of a library or program (ELF symbols)
 *   k:FUNCTION, FUNCTION  kernel functions
 *
 * LIB is a library name (c, libc, libc.so.6), a program name, or a path;
 * with -p, the process's own (through /proc/PID/root: a container's). -r
 * takes regular expressions (POSIX extended, the whole name) instead of
 * globs.
 */
#ifndef FUNCCOUNT_PATTERNS_H
#define FUNCCOUNT_PATTERNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum probe_kind { PK_SYSCALL_ENTER, PK_SYSCALL_EXIT, PK_TRACEPOINT, PK_UPROBE, PK_USDT,
		  PK_KFUNC };

struct probe {
	enum probe_kind kind;
	char *name;       /* as shown: "syscalls:sys_enter_openat", "libc.so.6:malloc" */
	char *path;       /* PK_UPROBE, PK_USDT: the binary */
	char *cat, *event;/* PK_TRACEPOINT; PK_USDT: provider and probe name */
	char *func;       /* PK_KFUNC */
	uint64_t offset;  /* PK_UPROBE */
	int nr;           /* PK_SYSCALL_*: the syscall number */
	bool skipped;     /* the kernel refused to probe it */
};

struct probes {
	struct probe *v;
	size_t n, cap;
	size_t nifunc;            /* IFUNC symbols a pattern matched and left out */
	char ifunc_example[64];   /* one of them */
};

/* Expand pattern into probes (appended; a probe already there is not
 * added again). 0; -EINVAL malformed (err says why: exit 2); -ENOENT
 * matches nothing (exit 1); other -errno (exit 1). err gets the reason. */
int patterns_expand(const char *pattern, bool regex, pid_t pid, struct probes *out,
		    char *err, size_t errlen);
void probes_free(struct probes *p);
/* The pattern's form only (no file read): 0, or -EINVAL with err. */
int patterns_syntax(const char *pattern, bool regex, char *err, size_t errlen);

#endif
