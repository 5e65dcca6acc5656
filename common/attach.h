/*
 * The attachment layer: every link of the run, however it was made, in one
 * set, released together at exit; probes beyond what a skeleton's
 * auto-attach does (one program on many targets, each told apart by a
 * cookie); and the kernel features that decide how.
 *
 * Cookies. The BPF side reads a target's cookie with loupe_cookie(ctx)
 * (bpf/attach.bpf.h). Where the kernel delivers cookies for the hook
 * (bpf_get_attach_cookie: perf-event links -- tracepoints, uprobes,
 * USDT -- from 5.15; uprobe_multi from 6.6), the link carries it. Where it
 * does not (raw tracepoints before 6.10, or any hook before 5.15), the
 * program is loaded again as a clone whose instance constant is the cookie
 * (attach_clone), one clone per target, from the instructions libbpf
 * loaded: same maps, same code. So a raw_tp target always gets its own
 * instance, and every hook has cookies from 5.8 on.
 *
 * Release. Closing a classic tracepoint link takes ~40-70 ms and a uprobe
 * link ~100 ms, serialized in the kernel (DESIGN.md §10); raw_tp ~0.2 ms.
 * attach_release() hands the links to a detached child (new session,
 * stdin/stdout/stderr on /dev/null, every other fd closed) that closes them
 * and exits, so the tool exits at once and `x=$(tool -d1)` or ssh do not
 * wait; the parent keeps nothing attached once it has exited. Where fork
 * fails, or LOUPE_SYNC_RELEASE=1 is set, it closes them itself.
 *
 * Functions return 0 or -errno and print nothing; attach_failed() names
 * the probe of the last failure for the lifecycle's message.
 */
#ifndef LOUPE_ATTACH_H
#define LOUPE_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <bpf/libbpf.h>

/* The constant loupe_cookie() compares against (bpf/attach.bpf.h). */
#define LOUPE_INSTANCE_MAGIC 0x10c0ffee5eed1e55ULL

/* Take a link into the run's set (it is released with the others). */
int attach_add(struct bpf_link *l);
/* Take every link a skeleton attached (its link pointers become NULL, so
 * destroying the skeleton detaches nothing). */
int attach_adopt(struct bpf_object_skeleton *s);
/* Links in the set. */
size_t attach_count(void);
/* "<kind> <target>" of the last probe that failed to attach, or "". */
const char *attach_failed(void);

/* A classic tracepoint. */
int attach_tracepoint(struct bpf_program *p, const char *category, const char *name,
		      uint64_t cookie);
/* A raw tracepoint: a clone of p with instance `cookie` (p itself when
 * cookie is 0). */
int attach_raw_tp(struct bpf_program *p, const char *name, uint64_t cookie);
/* A uprobe (or uretprobe) at a file offset of binary path; pid -1: all. */
int attach_uprobe(struct bpf_program *p, const char *path, uint64_t offset, pid_t pid,
		  bool ret, uint64_t cookie);
/* n uprobes of one binary: one uprobe_multi link where the kernel has them
 * and p was prepared (attach_prepare_uprobe_multi), else n links. With
 * skipped (n entries), an offset the kernel cannot probe (an instruction
 * uprobes refuse) is marked there and left out, instead of failing the
 * whole call; all of them refused is still an error. */
int attach_uprobes(struct bpf_program *p, const char *path, const uint64_t *offsets,
		   const uint64_t *cookies, size_t n, pid_t pid, bool ret, bool *skipped);
/* A USDT probe (libbpf's USDT support; the BPF side includes
 * <bpf/usdt.bpf.h> and reads the cookie with bpf_usdt_cookie()). */
int attach_usdt(struct bpf_program *p, const char *path, const char *provider,
		const char *name, pid_t pid, uint64_t cookie);

/* A copy of loaded program p whose loupe_instance() is `instance`: a new
 * program fd, or -errno. The copy uses p's maps. */
int attach_clone(struct bpf_program *p, uint64_t instance);

/* ---- what the kernel offers ------------------------------------------ */

/* bpf_get_attach_cookie() works in programs of this type attached
 * through perf-event links (trial load + the perf link feature). */
bool attach_cookies_supported(enum bpf_prog_type type);
/* The kernel has uprobe_multi links (6.6+). */
bool attach_uprobe_multi_supported(void);
/* Before load: make p a uprobe_multi program when the kernel has them.
 * Returns true when it did. */
bool attach_prepare_uprobe_multi(struct bpf_program *p);

/* Raise RLIMIT_NOFILE so that n more fds fit. 0 or -EMFILE. */
int attach_reserve_fds(size_t n);

/* Release every link of the set (see above). Returns at once. */
void attach_release(void);

#endif
