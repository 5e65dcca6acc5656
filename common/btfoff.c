#include <errno.h>
#include <string.h>

#include <bpf/btf.h>

#include "btfoff.h"
#include "hooks.h"

static int find_struct(const struct btf *btf, const char *type)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);

	return id >= 0 ? id : btf__find_by_name_kind(btf, type, BTF_KIND_UNION);
}

/* member `name` of composite type id, searched through anonymous members;
 * adds its bit offset to *bits and returns its type id, or -ENOENT */
static int member(const struct btf *btf, int id, const char *name, size_t len, uint32_t *bits)
{
	const struct btf_type *t = btf__type_by_id(btf, (uint32_t)btf__resolve_type(btf, id));
	const struct btf_member *m;
	int i;

	if (!t || !(btf_is_struct(t) || btf_is_union(t)))
		return -ENOENT;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		uint32_t bit = btf_member_bit_offset(t, (uint32_t)i);

		if (mn && *mn) {
			if (strlen(mn) == len && !strncmp(mn, name, len)) {
				if (btf_member_bitfield_size(t, (uint32_t)i))
					return -EINVAL;
				*bits += bit;
				return (int)m->type;
			}
			continue;
		}
		/* an anonymous struct or union: look inside */
		{
			uint32_t inner = *bits + bit;
			int r = member(btf, (int)m->type, name, len, &inner);

			if (r >= 0) {
				*bits = inner;
				return r;
			}
		}
	}
	return -ENOENT;
}

int btf_offset(const struct btf *btf, const char *type, const char *path, uint32_t *off)
{
	int id = find_struct(btf, type);
	uint32_t bits = 0;

	if (id < 0)
		return -ENOENT;
	while (*path) {
		size_t len = strcspn(path, ".");

		id = member(btf, id, path, len, &bits);
		if (id < 0)
			return id;
		path += len + (path[len] == '.');
	}
	if (bits % 8)
		return -EINVAL;
	*off = bits / 8;
	return 0;
}

int btf_struct_size(const struct btf *btf, const char *type, uint32_t *size)
{
	int id = find_struct(btf, type);

	if (id < 0)
		return -ENOENT;
	*size = btf__type_by_id(btf, (uint32_t)id)->size;
	return 0;
}

int btf_task_offsets(struct loupe_task_offsets *t)
{
	const struct btf *btf = loupe_vmlinux_btf();
	int err;

	memset(t, 0, sizeof(*t));
	if (!btf)
		return -ENOENT;
	if ((err = btf_offset(btf, "task_struct", "group_leader", &t->task_group_leader)) ||
	    (err = btf_offset(btf, "task_struct", "thread_pid", &t->task_thread_pid)) ||
	    (err = btf_offset(btf, "task_struct", "nsproxy", &t->task_nsproxy)) ||
	    (err = btf_offset(btf, "task_struct", "real_parent", &t->task_real_parent)) ||
	    (err = btf_offset(btf, "nsproxy", "mnt_ns", &t->nsproxy_mnt_ns)) ||
	    (err = btf_offset(btf, "mnt_namespace", "ns.inum", &t->mnt_ns_inum)) ||
	    (err = btf_offset(btf, "pid", "level", &t->pid_level)) ||
	    (err = btf_offset(btf, "pid", "numbers", &t->pid_numbers)) ||
	    (err = btf_struct_size(btf, "upid", &t->upid_size)) ||
	    (err = btf_offset(btf, "upid", "nr", &t->upid_nr)) ||
	    (err = btf_offset(btf, "upid", "ns", &t->upid_ns)) ||
	    (err = btf_offset(btf, "pid_namespace", "ns.inum", &t->pidns_inum)))
		return err;
	t->on = 1;
	return 0;
}

int btf_cgroup_offsets(struct loupe_cgroup_offsets *c)
{
	const struct btf *btf = loupe_vmlinux_btf();
	int err;

	memset(c, 0, sizeof(*c));
	if (!btf)
		return -ENOENT;
	if ((err = btf_offset(btf, "cgroup", "kn", &c->cgroup_kn)) ||
	    (err = btf_offset(btf, "cgroup", "root", &c->cgroup_root)) ||
	    (err = btf_offset(btf, "kernfs_node", "id", &c->kn_id)) ||
	    (err = btf_offset(btf, "cgroup_root", "hierarchy_id", &c->root_hierarchy_id)))
		return err;
	return 0;
}
