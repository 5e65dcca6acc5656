/*
 * The syscall event source, user side (the BPF side and the two sources
 * are described in bpf/syscalls.bpf.h). A tool names its syscalls (index
 * i = its own idx) and a preference; this chooses the source, enables that
 * source's programs and disables the other's, fills the raw source's
 * number table (this architecture's numbers, common/names.h) and describes
 * the choice for -v.
 *
 * The rule: a tool that traces a handful of syscalls prefers tracepoints
 * (the other syscalls are not taxed); one that needs many or all prefers
 * raw_syscalls (two links, released in ~1 ms, instead of hundreds).
 * LOUPE_FORCE_HOOK=tracepoint or =raw_tp overrides it (tests). Syscalls
 * this kernel lacks (no tracepoint, or no number on this architecture) are
 * left out; none at all is -ENOENT.
 */
#ifndef LOUPE_SYSCALLS_H
#define LOUPE_SYSCALLS_H

#include <stdbool.h>
#include <stddef.h>

#include <bpf/libbpf.h>

enum sys_source { SYS_SRC_TRACEPOINTS, SYS_SRC_RAW };

struct sys_choice {
	enum sys_source source;
	unsigned ntraced;       /* syscalls that will be seen */
	char desc[512];         /* "tracepoint syscalls:sys_{enter,exit}_{open,...}" */
};

/*
 * names[i] is the syscall of idx i (n of them; NULL entries are skipped;
 * from the 255th on, idx is 254 for all);
 * all: every syscall (raw source only; names is then NULL). The object has
 * tp_enter_<name>/tp_exit_<name> and raw_sys_enter/raw_sys_exit (either
 * direction may be absent). Call after open, before load.
 */
int syscalls_choose(struct bpf_object_skeleton *s, const char *const *names, int n,
		    bool all, enum sys_source prefer, struct sys_choice *c);

#endif
