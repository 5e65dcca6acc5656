// SPDX-License-Identifier: GPL-2.0
/*
 * fileslower: synchronous file I/O slower than a threshold (the threshold
 * template, bpf/threshold.bpf.h), on every file system, without kprobes:
 * the read/write family, fsync, fdatasync and opens come from raw_syscalls
 * (bpf/syscalls.bpf.h: sixteen syscalls, one program pair). The entry finds
 * the file behind the fd (CO-RE reads of the task's file table: a regular
 * file unless -a, on --fs's file system type) and stashes the start time
 * and offset per thread; the exit times the call and, past the threshold,
 * sends it with the bytes actually transferred and the file's name (-F: its
 * full path), or counts it in a histogram (--hist, --heatmap).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include "loupe.bpf.h"
#include "events.bpf.h"
#include "stash.bpf.h"
#include "hist.bpf.h"
#include "threshold.bpf.h"
#include "regs.h"
#include "path.h"
#include "tools/fileslower/fileslower.h"

#define S_IFMT   00170000
#define S_IFSOCK 0140000
#define S_IFLNK  0120000
#define S_IFREG  0100000
#define S_IFBLK  0060000
#define S_IFDIR  0040000
#define S_IFCHR  0020000
#define S_IFIFO  0010000

const volatile struct fileslower_cfg cfg_fs = {};

/* what the entry saw, until the exit */
struct op {
	__u64 ts;
	__u64 file;     /* struct file *; 0 for an open (known at the exit) */
	__u64 offset;
	__u32 idx;      /* enum fileslower_syscall */
	__u32 kind;
};

LOUPE_STASH(ops, __u32, struct op, 65536);

LOUPE_HIST_ARRAY(hists);

LOUPE_HIST_HASH(keyed_hists, struct fileslower_hist_key, 4096);

/* the record, room for the path walk */
struct fs_buf {
	struct fileslower_event e;
	char slack[LOUPE_PATH_BUF];
	struct loupe_path_walk walk;
	struct fileslower_hist_key key;
};

LOUPE_PERCPU_BUF(bufs, struct fs_buf);

static __always_inline __u32 kind_of(struct file *f)
{
	switch (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) {
	case S_IFREG: return FS_KIND_FILE;
	case S_IFDIR: return FS_KIND_DIR;
	case S_IFIFO: return FS_KIND_PIPE;
	case S_IFSOCK: return FS_KIND_SOCKET;
	case S_IFCHR: return FS_KIND_CHAR;
	case S_IFBLK: return FS_KIND_BLOCK;
	case S_IFLNK: return FS_KIND_LINK;
	}
	return FS_KIND_OTHER;
}

/* -a and --fs: a file to report. */
static __always_inline bool file_pass(struct file *f, __u32 kind)
{
	char type[FS_TYPE_LEN] = {};
	const char *name;
	int i;

	if (!cfg_fs.all_kinds && kind != FS_KIND_FILE)
		return false;
	if (!cfg_fs.fs_on)
		return true;
	name = BPF_CORE_READ(f, f_inode, i_sb, s_type, name);
	bpf_probe_read_kernel_str(type, sizeof(type), name);
	for (i = 0; i < FS_TYPE_LEN; i++)
		if (type[i] != cfg_fs.fs_type[i])
			return false;
	return true;
}

static __always_inline int loupe_sys_enter(void *ctx, __u32 idx, long nr, const __u64 *args)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct op o = { .idx = idx };
	struct file *f;

	if (!loupe_filter_pass())
		return 0;
	if (idx < SYS_OPEN) {
		f = loupe_task_file((int)args[0]);
		if (!f)
			return 0;
		o.kind = kind_of(f);
		if (!file_pass(f, o.kind))
			return 0;
		o.file = (__u64)f;
		switch (idx) {
		case SYS_PREAD64: case SYS_PWRITE64: case SYS_PREADV: case SYS_PWRITEV:
			o.offset = args[3];
			break;
		case SYS_PREADV2: case SYS_PWRITEV2:
			if ((__s64)args[3] != -1) { /* -1: at the current position */
				o.offset = args[3];
				break;
			}
			/* fallthrough */
		default:
			o.offset = BPF_CORE_READ(f, f_pos);
		}
	}
	o.ts = bpf_ktime_get_ns();
	loupe_stash_put(&ops, &tid, &o);
	return 0;
}

/* The file's name (-F: its full path) into e. */
static __always_inline void file_name(struct fs_buf *b, struct file *f)
{
	struct fileslower_event *e = &b->e;
	struct vfsmount *cwd_mnt, *root_mnt, *mnt;
	struct dentry *cwd, *root, *d;
	const unsigned char *name;
	bool cut = false;
	__u32 len;
	long n;

	e->name_len = 0;
	e->name_cut = 0;
	core_file_path(f, &mnt, &d);
	if (cfg_fs.full_path && !loupe_task_fs(&cwd_mnt, &cwd, &root_mnt, &root)) {
		loupe_path_walk(&b->walk, mnt, d, root_mnt, root);
		len = loupe_path_emit(e->name, &b->walk, &cut);
		e->name_len = len > 1 ? len - 1 : len; /* without the trailing '/' */
		e->name_cut = cut || b->walk.truncated;
		return;
	}
	name = core_dentry_name(d, &len);
	n = bpf_probe_read_kernel_str(e->name, LOUPE_NAME_MAX + 1, name);
	e->name_len = n > 1 ? (__u32)(n - 1) : 0;
}

static __always_inline void count(struct fs_buf *b, __u32 idx, __u64 delta)
{
	struct loupe_hist *h;
	__u64 v = cfg_fs.hist_ms ? delta / 1000000 : delta / 1000;

	if (cfg_fs.hist_by) {
		struct fileslower_hist_key *k = &b->key;

		__builtin_memset(k, 0, sizeof(*k));
		if (cfg_fs.hist_by & FS_BY_OP)
			k->op = idx + 1;
		if (cfg_fs.hist_by & FS_BY_PROCESS)
			k->pid = loupe_pid_tgid() >> 32;
		if (cfg_fs.hist_by & (FS_BY_PROCESS | FS_BY_COMM))
			bpf_get_current_comm(k->comm, sizeof(k->comm));
		if (cfg_fs.hist_by & FS_BY_FILE)
			bpf_probe_read_kernel(k->name, FS_KEY_NAME - 1, b->e.name);
		h = loupe_hist_of(&keyed_hists, k);
	} else {
		h = loupe_hist_cur(&hists);
	}
	if (h)
		loupe_hist_add(h, loupe_log2_slot(v), delta);
}

static __always_inline int loupe_sys_exit(void *ctx, __u32 idx, long nr, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct op *o = loupe_stash_get(&ops, &tid);
	struct fileslower_event *e;
	struct fs_buf *b;
	struct file *f;
	__u64 delta;
	__u32 kind;

	if (!o)
		return 0;
	delta = bpf_ktime_get_ns() - o->ts;
	if (ret < 0 || !loupe_threshold_pass(delta) || !(b = bufs_get()))
		goto out;
	f = (struct file *)o->file;
	kind = o->kind;
	if (o->idx >= SYS_OPEN) {
		/* the new fd's file */
		f = loupe_task_file((int)ret);
		if (!f)
			goto out;
		kind = kind_of(f);
		if (!file_pass(f, kind))
			goto out;
	}
	e = &b->e;
	e->name_len = 0;
	if (!cfg_fs.hist || (cfg_fs.hist_by & FS_BY_FILE)) {
		if (kind == FS_KIND_PIPE || kind == FS_KIND_SOCKET) {
			e->name_len = 0; /* no name: labelled by its kind */
			e->name_cut = 0;
		} else {
			file_name(b, f);
		}
	}
	if (cfg_fs.hist) {
		count(b, o->idx, delta);
		goto out;
	}
	loupe_event_hdr(&e->hdr);
	e->lat_ns = delta;
	e->ret = ret;
	e->offset = o->offset;
	e->syscall = o->idx;
	e->kind = kind;
	loupe_output(e, FILESLOWER_HDR_SIZE + loupe_bound(e->name_len, FS_NAME_MAX - 1));
out:
	loupe_stash_drop(&ops, &tid);
	return 0;
}

#define LOUPE_SYS_ENTER 1
#define LOUPE_SYS_EXIT 1
#include "syscalls.bpf.h"
