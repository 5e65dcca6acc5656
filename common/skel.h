/*
 * A BPF skeleton's shared parts, before and after load: variables in its
 * .rodata/.bss/.data found by name through the object's BTF, the filter
 * (cfg_filter in .rodata, filter_* maps) and the event buffer's size.
 * Functions return 0 or -errno and print nothing.
 */
#ifndef LOUPE_SKEL_H
#define LOUPE_SKEL_H

#include <stddef.h>

#include <bpf/libbpf.h>

#include "opts.h"

/* Open options for an object that reads kernel structs (CO-RE): libbpf
 * is pointed at the kernel's BTF file explicitly. Otherwise it searches
 * the modules' BTF too when a type flavour is missing from vmlinux, which
 * needs CAP_SYS_ADMIN (libbpf 1.1 then fails on EPERM): with the explicit
 * path, CAP_BPF + CAP_PERFMON suffice. Usage:
 *   x_bpf__open_opts(skel_core_opts(&oo)) */
const struct bpf_object_open_opts *skel_core_opts(struct bpf_object_open_opts *oo);

/* Set a variable in a skeleton's .rodata/.bss/.data by name, before load.
 * -ENOENT when there is none, -EINVAL when its size differs. */
int skel_set_var(struct bpf_object_skeleton *s, const char *name,
		 const void *val, size_t size);
/* Address of a variable in the mmaped .rodata/.bss/.data, or NULL. */
void *skel_var(const struct bpf_object_skeleton *s, const char *name);

/* Before load: the filter (cfg_filter: -p, --tid, -u, -n, --cgroup, the
 * tracer itself), and where the object has map "events", its size
 * (--buffer-size) and the wakeup threshold. -ENOENT when the object has
 * no cfg_filter (every loupe object includes bpf/loupe.bpf.h). */
int skel_configure(struct bpf_object_skeleton *s, const struct loupe_opts *o);
/* After load: the pid/tid sets and the cgroup in the filter maps. */
int skel_fill_filters(struct bpf_object_skeleton *s, const struct loupe_opts *o);

#endif
