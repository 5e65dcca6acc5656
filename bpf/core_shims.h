/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CO-RE shims: the one place for kernel-layout differences (DESIGN.md §2).
 * One accessor per difference; each names the kernel version where the
 * layout changed and what the accessor does about it. Include after
 * vmlinux.h, only in objects that read kernel structs: any CO-RE relocation
 * makes libbpf load the kernel's BTF (DESIGN.md §10).
 */
#ifndef LOUPE_CORE_SHIMS_H
#define LOUPE_CORE_SHIMS_H

#include <bpf/bpf_core_read.h>

/* ---- VFS (paths) ------------------------------------------------------ */

/*
 * dentry->d_name: a plain `struct qstr d_name` up to 6.12; in 6.18 it is
 * `const struct qstr d_name` in an anonymous union with `__d_name`.
 * libbpf matches a field through anonymous members, so one relocated read
 * serves both layouts. Returns the name and sets *len (0 on a failed read).
 */
static __always_inline const unsigned char *
core_dentry_name(struct dentry *d, __u32 *len)
{
	*len = BPF_CORE_READ(d, d_name.len);
	return BPF_CORE_READ(d, d_name.name);
}

/*
 * file->f_path: a plain `struct path f_path` up to 6.12; in 6.18 it is
 * `const struct path f_path` in an anonymous union with `__f_path`.
 * Same remedy as d_name.
 */
static __always_inline void core_file_path(struct file *f, struct vfsmount **mnt,
					   struct dentry **dentry)
{
	*mnt = BPF_CORE_READ(f, f_path.mnt);
	*dentry = BPF_CORE_READ(f, f_path.dentry);
}

#endif
