/*
 * Hook ladders (DESIGN.md §2): a tool's BPF object holds the same program
 * body for several hook kinds (e.g. tp_btf and raw_tp sections); a runtime
 * probe picks the best kind this kernel can load, and only that kind's
 * programs stay enabled. -v says which was chosen and why the better ones
 * were not. Also what the kernel's BTF tells about tracepoints.
 */
#ifndef LOUPE_HOOKS_H
#define LOUPE_HOOKS_H

#include <stdbool.h>

#include <bpf/libbpf.h>

struct btf;

/* One rung: programs whose section starts with "<kind>/". probe(arg)
 * returns 0 when usable, else -errno (the reason); NULL: always usable. */
struct loupe_rung {
	const char *kind;
	int (*probe)(const char *arg);
	const char *arg;
};

/* Choose the first usable rung; disable the programs of every other rung.
 * Returns the chosen index, or -ENOENT when none is usable. With verbose,
 * prints "<tool>: hooks: <kind> (<enabled sections>)" and why better rungs
 * were skipped. Call after the tool has disabled programs it does not want
 * and before load. LOUPE_FORCE_HOOK=<kind> in the environment skips the
 * other rungs (tests use it to exercise a fallback). */
int loupe_choose_hooks(struct bpf_object_skeleton *s, const struct loupe_rung *ladder,
		       int n, int verbose);

/* 0 when a BTF-typed raw tracepoint program (tp_btf) loads for tracepoint
 * tp on this kernel (a trial load of a two-instruction program), else
 * -errno: -ENOENT when the kernel's BTF has no btf_trace_<tp>. */
int loupe_probe_tp_btf(const char *tp);
/* Number of arguments of tracepoint tp (its TP_PROTO) from the kernel's
 * BTF typedef btf_trace_<tp>, or -errno. */
int loupe_tp_nargs(const char *tp);

/* The kernel's BTF, loaded once (NULL when the kernel has none). Release
 * it before loading the BPF object: libbpf loads its own copy, and two
 * would double the peak memory. */
const struct btf *loupe_vmlinux_btf(void);
void loupe_vmlinux_btf_release(void);

#endif
