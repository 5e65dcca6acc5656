// SPDX-License-Identifier: GPL-2.0
/*
 * The cgroup_mkdir watcher (common/cgwatch.h): the id and path of every
 * cgroup v2 directory made while a tool runs, kept in a map, so that a
 * container's cgroup is known even when the container is gone before its
 * events are printed (podman --rm removes it at once). raw_tp
 * cgroup_mkdir(struct cgroup *, const char *path); the fields are read
 * through offsets that user space takes from the kernel's BTF: no CO-RE.
 */
#include "vmlinux.h"
#include "loupe.bpf.h"

const volatile struct loupe_cgroup_offsets cfg_cg = {};

struct cg_path {
	char path[LOUPE_CGROUP_PATH];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct cg_path);
} cg_paths SEC(".maps");

LOUPE_PERCPU_BUF(cg_buf, struct cg_path);

SEC("raw_tp/cgroup_mkdir")
int cgwatch_mkdir(__u64 *ctx)
{
	const char *cgrp = (const char *)ctx[0], *root = NULL, *kn = NULL;
	int hierarchy = -1;
	struct cg_path *p = cg_buf_get();
	__u64 id = 0;

	if (!p)
		return 0;
	/* the cgroup v2 hierarchy only (hierarchy_id 0), not a v1 one */
	if (bpf_probe_read_kernel(&root, sizeof(root), cgrp + cfg_cg.cgroup_root) || !root ||
	    bpf_probe_read_kernel(&hierarchy, sizeof(hierarchy),
				  root + cfg_cg.root_hierarchy_id) || hierarchy != 0)
		return 0;
	if (bpf_probe_read_kernel(&kn, sizeof(kn), cgrp + cfg_cg.cgroup_kn) || !kn ||
	    bpf_probe_read_kernel(&id, sizeof(id), kn + cfg_cg.kn_id) ||
	    bpf_probe_read_kernel_str(p->path, sizeof(p->path), (const char *)ctx[1]) <= 0) {
		loupe_count_loss(lost_read);
		return 0;
	}
	if (bpf_map_update_elem(&cg_paths, &id, p, BPF_ANY))
		loupe_count_loss(lost_map);
	return 0;
}
