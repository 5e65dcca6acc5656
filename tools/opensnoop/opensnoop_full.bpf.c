// SPDX-License-Identifier: GPL-2.0
/*
 * opensnoop -F: the same programs (opensnoop.bpf.h), with relative names
 * made absolute in the kernel, so --path matches the full path. A relative
 * name starts at the task's cwd, or at the directory fd of openat/openat2;
 * that directory's path is walked up to the task's root, crossing mount
 * points (bpf/path.h). open_by_handle_at's file is found from the returned
 * fd. These CO-RE reads make libbpf load the kernel's BTF, which is why
 * this is a separate object.
 */
#include "vmlinux.h"
#define OPENSNOOP_ONE_EXIT /* one verified copy of the costly exit path */
#include "tools/opensnoop/opensnoop.bpf.h"
#include "path.h"

/* the record, room for a relative name after the directory, the walk */
struct full_buf {
	struct opensnoop_event e;
	char slack[LOUPE_PATH_BUF];
	struct loupe_path_walk walk;
};

LOUPE_PERCPU_BUF(full_bufs, struct full_buf);

static __always_inline struct opensnoop_event *event_buf(void)
{
	return (struct opensnoop_event *)full_bufs_get();
}

static __always_inline __u32 event_path(struct opensnoop_event *e,
					const struct open_args *a, long ret)
{
	struct full_buf *b = (struct full_buf *)e;
	struct vfsmount *cwd_mnt, *root_mnt, *mnt;
	struct dentry *cwd, *root, *d;
	bool rel = a->syscall != SYS_OPEN_BY_HANDLE_AT, cut;
	__u32 off;
	long n;
	char c = 0;

	if (loupe_task_fs(&cwd_mnt, &cwd, &root_mnt, &root))
		return rel ? user_path(e, a->fname) : 0;
	if (!rel) {
		/* the file behind the new fd */
		if (ret < 0 || loupe_task_fd((int)ret, &mnt, &d))
			return 0;
	} else {
		bpf_probe_read_user(&c, 1, (void *)a->fname);
		if (c == '/' || c == 0)
			return user_path(e, a->fname);
		mnt = cwd_mnt;
		d = cwd;
		/* a bad dfd fails the open: show the name as passed */
		if (a->dfd != OS_AT_FDCWD && loupe_task_fd(a->dfd, &mnt, &d))
			return user_path(e, a->fname);
	}
	loupe_path_walk(&b->walk, mnt, d, root_mnt, root);
	cut = false;
	off = loupe_path_emit(e->path, &b->walk, &cut);
	e->path_cut = cut;
	if (!rel)
		return off > 1 ? off - 1 : off; /* without the trailing '/' */
	off &= OPENSNOOP_PATH_MAX - 1;
	n = bpf_probe_read_user_str(e->path + off, OPENSNOOP_PATH_MAX, (void *)a->fname);
	if (n <= 1)
		return off;
	off += n - 1;
	if (off < OPENSNOOP_PATH_MAX)
		return off;
	e->path_cut = 1; /* the caller shows OPENSNOOP_PATH_MAX - 1 bytes */
	return OPENSNOOP_PATH_MAX - 1;
}
