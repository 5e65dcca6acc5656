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

/* The current task's open file fd (its fd table, read with CO-RE), or
 * NULL when the fd is not open. The file lives at least as long as the
 * syscall that holds it; read it there. */
static __always_inline struct file *loupe_task_file(int fd)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **fds, *f = NULL;

	if (!fdt || fd < 0 || (unsigned)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
		return NULL;
	return f;
}

/* ---- block layer (struct request) -------------------------------------- */

/*
 * The struct request * of block_rq_insert, block_rq_issue and
 * block_rq_requeue (raw_tp and tp_btf see the tracepoint's arguments as
 * u64 ctx[]). Before 5.11 they
 * were (struct request_queue *q, struct request *rq); commit a54895fa057c
 * ("block: remove the request_queue to argument request based tracepoints",
 * 5.11) dropped q. User space counts the arguments in the kernel's BTF
 * (btf_trace_block_rq_issue, common/hooks.h: loupe_tp_nargs) and passes
 * rq_arg, the index of rq, as a .rodata constant: both loads use constant
 * offsets (the verifier refuses a variable ctx offset) and the branch not
 * taken is dead code, so a one-argument tp_btf program never reads ctx[1].
 * block_rq_complete has had rq first since before 5.8.
 */
static __always_inline struct request *core_blk_tp_rq(__u64 *ctx, __u32 rq_arg)
{
	__u64 rq;

	/* asm, because clang otherwise merges the two loads into one at
	 * ctx + rq_arg * 8: a variable offset */
	if (rq_arg == 1)
		asm volatile("%0 = *(u64 *)(%1 + 8)" : "=r"(rq) : "r"(ctx));
	else
		asm volatile("%0 = *(u64 *)(%1 + 0)" : "=r"(rq) : "r"(ctx));
	return (struct request *)rq;
}

/*
 * The accessors below take `direct`, a compile-time constant: true in
 * tp_btf programs, where rq is a BTF pointer and fields are read with plain
 * loads the verifier checks (and makes fault-safe); false in raw_tp
 * programs, which must use bpf_probe_read_kernel() (a helper call per
 * field, several times slower). The branch not taken is compiled out.
 */
#define CORE_RQ_READ(direct, p, ...) \
	((direct) ? BPF_CORE_READ_DIRECT(p, __VA_ARGS__) : BPF_CORE_READ(p, __VA_ARGS__))
#define BPF_CORE_READ_DIRECT(p, ...) ___core_direct(p, __VA_ARGS__)
#define ___core_direct(p, a, ...) ___core_direct_n(p, a, ##__VA_ARGS__, 3, 2, 1)
#define ___core_direct_n(p, a, b, c, n, ...) ___core_direct##n(p, a, b, c)
#define ___core_direct1(p, a, b, c) ((p)->a)
#define ___core_direct2(p, a, b, c) ((p)->a->b)

/*
 * The gendisk of a request: rq->rq_disk until 5.16; commit f3fa33acca9f
 * ("block: remove the ->rq_disk field in struct request", 5.17) removed it,
 * and since commit d152c682f03c ("block: add an explicit ->disk backpointer
 * to the request_queue", 5.15) it is rq->q->disk.
 */
struct request_queue___loupe {
	struct gendisk *disk;
} __attribute__((preserve_access_index));

struct request___loupe {
	struct request_queue___loupe *q;
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

static __always_inline struct gendisk *core_rq_disk(struct request *rq, bool direct)
{
	struct request___loupe *r = (void *)rq;

	if (bpf_core_field_exists(r->rq_disk))
		return CORE_RQ_READ(direct, r, rq_disk);
	return CORE_RQ_READ(direct, r, q, disk);
}

/* Kernel dev_t: MKDEV(major, minor) = major << 20 | minor. */
#define LOUPE_MKDEV(ma, mi) (((__u32)(ma) << 20) | (__u32)(mi))

/* The whole disk's device number of a request (0 without a disk). */
static __always_inline __u32 core_rq_disk_dev(struct request *rq, bool direct)
{
	struct gendisk *disk = core_rq_disk(rq, direct);

	if (!disk)
		return 0;
	return LOUPE_MKDEV(CORE_RQ_READ(direct, disk, major),
			   CORE_RQ_READ(direct, disk, first_minor));
}

/*
 * The device number of the partition a request addresses (the whole disk's
 * for I/O to the whole disk). rq->part is a struct block_device * since
 * commit 0d02129e76ed ("block: merge struct block_device and struct
 * hd_struct", 5.11); before, it was a struct hd_struct * and this returns
 * the whole disk's number. rq->part is NULL when the queue does no I/O
 * accounting (iostats off): the whole disk's number then too.
 */
struct hd_struct___loupe {
	int partno;
} __attribute__((preserve_access_index));

static __always_inline __u32 core_rq_part_dev(struct request *rq, bool direct)
{
	struct block_device *part;

	if (!bpf_core_type_exists(struct hd_struct___loupe)) {
		part = CORE_RQ_READ(direct, rq, part);
		if (part)
			return CORE_RQ_READ(direct, part, bd_dev);
	}
	return core_rq_disk_dev(rq, direct);
}

/* The request's operation and flags (blk_opf_t since 6.0, same bits). */
static __always_inline __u32 core_rq_cmd_flags(struct request *rq, bool direct)
{
	return CORE_RQ_READ(direct, rq, cmd_flags);
}

#endif
