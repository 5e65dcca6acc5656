/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Full paths in the kernel: a task's cwd, an fd's file, and the walk from a
 * {vfsmount, dentry} up to the task's root, crossing mount points. Uses
 * CO-RE reads (bpf/core_shims.h), so an object that includes this loads the
 * kernel's BTF: keep it out of objects that don't need full paths
 * (DESIGN.md §10).
 *
 * Two passes, because BPF cannot prepend: loupe_path_walk() collects the
 * names leaf first into a struct loupe_path_walk (per-CPU scratch, too big
 * for the stack), loupe_path_emit() writes them root first.
 */
#ifndef LOUPE_PATH_H
#define LOUPE_PATH_H

#include <bpf/bpf_core_read.h>
#include "core_shims.h"

#define LOUPE_PATH_MAX  4096 /* PATH_MAX: the longest path written, NUL included */
#define LOUPE_NAME_MAX  255  /* NAME_MAX: the longest name of one component */
#define LOUPE_PATH_DEPTH 64  /* components and mount crossings walked */

struct loupe_path_walk {
	const unsigned char *name[LOUPE_PATH_DEPTH]; /* leaf first */
	__u32 len[LOUPE_PATH_DEPTH];
	__u32 n;          /* names collected */
	__u32 truncated;  /* the root was not reached within LOUPE_PATH_DEPTH */
};

/* A buffer passed to loupe_path_emit() must have this many bytes: it may
 * write one component past LOUPE_PATH_MAX - 1 before it stops. */
#define LOUPE_PATH_BUF (LOUPE_PATH_MAX + LOUPE_NAME_MAX + 2)

/* The current task's cwd and root. 0, or -1 when unreadable (a task
 * that is exiting has no fs). */
static __always_inline int loupe_task_fs(struct vfsmount **cwd_mnt, struct dentry **cwd,
					 struct vfsmount **root_mnt, struct dentry **root)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct fs_struct *fs = BPF_CORE_READ(t, fs);

	if (!fs)
		return -1;
	*cwd_mnt = BPF_CORE_READ(fs, pwd.mnt);
	*cwd = BPF_CORE_READ(fs, pwd.dentry);
	*root_mnt = BPF_CORE_READ(fs, root.mnt);
	*root = BPF_CORE_READ(fs, root.dentry);
	return *cwd && *cwd_mnt ? 0 : -1;
}

/* The {vfsmount, dentry} of the current task's open file `fd`: 0, or
 * -1 when the fd is not open (or not readable). */
static __always_inline int loupe_task_fd(int fd, struct vfsmount **mnt, struct dentry **d)
{
	struct file *f = loupe_task_file(fd);

	if (!f)
		return -1;
	core_file_path(f, mnt, d);
	return *mnt && *d ? 0 : -1;
}

/* Collect the names from {mnt, d} up to {root_mnt, root} (or the top of the
 * mount tree), crossing from the root of a mount to its mount point. */
static __always_inline void loupe_path_walk(struct loupe_path_walk *w,
					    struct vfsmount *mnt, struct dentry *d,
					    struct vfsmount *root_mnt, struct dentry *root)
{
	__u32 off = bpf_core_field_offset(struct mount, mnt);
	int i;

	w->n = 0;
	w->truncated = 1;
	for (i = 0; i < LOUPE_PATH_DEPTH; i++) {
		struct dentry *parent;
		__u32 n = w->n;

		if (d == root && mnt == root_mnt) {
			w->truncated = 0;
			break;
		}
		if (d == BPF_CORE_READ(mnt, mnt_root)) {
			/* the top of this mount: continue at its mount point */
			struct mount *m = (void *)mnt - off;
			struct mount *up = BPF_CORE_READ(m, mnt_parent);

			if (!up || up == m) {
				w->truncated = 0; /* the top of the mount tree */
				break;
			}
			d = BPF_CORE_READ(m, mnt_mountpoint);
			mnt = (void *)up + off;
			continue;
		}
		parent = BPF_CORE_READ(d, d_parent);
		if (!parent || parent == d) {
			w->truncated = 0; /* a filesystem's root outside any mount */
			break;
		}
		if (n >= LOUPE_PATH_DEPTH)
			break;
		w->name[n] = core_dentry_name(d, &w->len[n]);
		w->n = n + 1;
		d = parent;
	}
}

/*
 * Write the walked path root first into buf: "/a/b/" (a '/' after every
 * name, so a relative name can follow), "/" for the root itself, ".../a/"
 * when the walk did not reach the root. A name that would not fit ends the
 * path, and sets *cut. Returns the bytes written, at most LOUPE_PATH_MAX - 1;
 * buf must have LOUPE_PATH_BUF bytes.
 */
static __always_inline __u32 loupe_path_emit(char *buf, const struct loupe_path_walk *w,
					     bool *cut)
{
	__u32 off = 1, n = w->n;
	int i;

	buf[0] = '/';
	if (w->truncated) {
		buf[0] = '.'; buf[1] = '.'; buf[2] = '.'; buf[3] = '/';
		off = 4;
	}
	for (i = 0; i < LOUPE_PATH_DEPTH; i++) {
		__u32 k, len;

		if (i >= n)
			break;
		k = (n - 1 - i) & (LOUPE_PATH_DEPTH - 1);
		len = w->len[k] & LOUPE_NAME_MAX; /* NAME_MAX: a mask, no clamp */
		if (off + len + 1 > LOUPE_PATH_MAX - 1) {
			*cut = true;
			break;
		}
		/* the masks change no value (checked above); they give the
		 * verifier one range of off per iteration, not a set that
		 * grows with each (6x fewer instructions to verify) */
		off &= LOUPE_PATH_MAX - 1;
		bpf_probe_read_kernel(buf + off, len, w->name[k]);
		off += len;
		buf[off] = '/';
		off = (off + 1) & (LOUPE_PATH_MAX - 1);
	}
	return off;
}

#endif
