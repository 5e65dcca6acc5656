#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "btfoff.h"
#include "skel.h"
#include "system.h"
#include "../bpf/types.h"

const struct bpf_object_open_opts *skel_core_opts(struct bpf_object_open_opts *oo)
{
	static const char path[] = "/sys/kernel/btf/vmlinux";

	memset(oo, 0, sizeof(*oo));
	oo->sz = sizeof(*oo);
	if (!access(path, R_OK))
		oo->btf_custom_path = path;
	return oo;
}

static const struct bpf_map_skeleton *find_datasec(const struct bpf_object_skeleton *s,
						   const char *sec)
{
	int i;

	for (i = 0; i < s->map_cnt; i++) {
		const char *n = bpf_map__name(*s->maps[i].map);
		size_t ln = strlen(n), ls = strlen(sec);

		/* libbpf names them "<obj prefix>.rodata" */
		if (ln >= ls && !strcmp(n + ln - ls, sec) && s->maps[i].mmaped)
			return &s->maps[i];
	}
	return NULL;
}

/* Offset of variable `var` in datasec `sec`, or -1. */
static long var_offset(const struct bpf_object_skeleton *s, const char *sec,
		       const char *var, size_t *size)
{
	struct btf *btf = bpf_object__btf(*s->obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *t;
	int id, i;

	if (!btf)
		return -1;
	id = btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(t);
	for (i = 0; i < btf_vlen(t); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);

		if (!strcmp(btf__name_by_offset(btf, v->name_off), var)) {
			*size = vs->size;
			return vs->offset;
		}
	}
	return -1;
}

static void *var_addr(const struct bpf_object_skeleton *s, const char *var,
		      size_t *size)
{
	static const char *const secs[] = { ".rodata", ".bss", ".data" };
	size_t i;

	for (i = 0; i < 3; i++) {
		const struct bpf_map_skeleton *m = find_datasec(s, secs[i]);
		long off;

		if (!m || !*m->mmaped)
			continue;
		off = var_offset(s, secs[i], var, size);
		if (off >= 0)
			return (char *)*m->mmaped + off;
	}
	return NULL;
}

int skel_set_var(struct bpf_object_skeleton *s, const char *var,
		 const void *val, size_t size)
{
	size_t have = 0;
	void *p = var_addr(s, var, &have);

	if (!p)
		return -ENOENT;
	if (have != size)
		return -EINVAL;
	memcpy(p, val, size);
	return 0;
}

void *skel_var(const struct bpf_object_skeleton *s, const char *var)
{
	size_t size;

	return var_addr(s, var, &size);
}

/*
 * Task offsets and PID namespace: with -C the namespaces of each event's
 * task (bpf/events.bpf.h); when loupe runs in a PID namespace of its own,
 * that namespace's PIDs in every object (bpf/loupe.bpf.h), and with the
 * offsets also those of tasks in namespaces nested inside it. Without the
 * kernel's BTF, such tasks show PID 0 (loupe_start() says so).
 */
static int configure_tasks(struct bpf_object_skeleton *s, const struct loupe_opts *o)
{
	struct loupe_pidns ns = { 0 };
	struct loupe_task_offsets t;
	uint64_t dev, ino;
	bool own = sys_own_pidns(&dev, &ino);
	int err;

	if (!o->containers && !own)
		return 0;
	err = btf_task_offsets(&t);
	if (err && o->containers)
		return err;
	if (!err) {
		t.on = o->containers;
		ns.nested = own;  /* the offsets are there to follow them */
		err = skel_set_var(s, "cfg_task", &t, sizeof(t));
		if (err)
			return err;
	}
	if (!own)
		return 0;
	ns.dev = dev;
	ns.ino = ino;
	return skel_set_var(s, "cfg_pidns", &ns, sizeof(ns));
}

int skel_configure(struct bpf_object_skeleton *s, const struct loupe_opts *o)
{
	struct loupe_filter f = { 0 };
	struct bpf_map *events = bpf_object__find_map_by_name(*s->obj, "events");
	int err;

	/* in loupe's own PID namespace, as the objects report PIDs */
	f.self_tgid = (uint32_t)getpid();
	f.pid_on = o->npids > 0;
	f.tid_on = o->ntids > 0;
	f.uid_on = o->uid_set;
	f.uid = o->uid;
	f.cgroup_on = o->cgroup != NULL;
	if (o->name) {
		f.comm_on = 1;
		f.comm_len = (uint32_t)strlen(o->name);
		memcpy(f.comm, o->name, f.comm_len);
	}
	/* an object without the filter would silently ignore -p, -u, -n */
	err = skel_set_var(s, "cfg_filter", &f, sizeof(f));
	if (err)
		return err;
	err = configure_tasks(s, o);
	if (err)
		return err;
	if (events && o->buffer_size) {
		/* wake the reader once 1/16 of the buffer is unread: rare
		 * enough to cost nothing per event, early enough that a
		 * reader that is slow to run still drains in time */
		uint64_t wake = o->buffer_size / 16;

		err = bpf_map__set_max_entries(events, (uint32_t)o->buffer_size);
		if (err)
			return err;
		err = skel_set_var(s, "cfg_wakeup_bytes", &wake, sizeof(wake));
		if (err)
			return err;
	}
	return 0;
}

int skel_fill_filters(struct bpf_object_skeleton *s, const struct loupe_opts *o)
{
	struct bpf_map *m;
	uint8_t one = 1;
	size_t i;
	int err;

	m = bpf_object__find_map_by_name(*s->obj, "filter_pids");
	if (!m && (o->npids || o->ntids || o->cgroup))
		return -ENOENT;
	for (i = 0; i < o->npids; i++)
		if ((err = bpf_map__update_elem(m, &o->pids[i], 4, &one, 1, BPF_ANY)))
			return err;
	m = bpf_object__find_map_by_name(*s->obj, "filter_tids");
	for (i = 0; m && i < o->ntids; i++)
		if ((err = bpf_map__update_elem(m, &o->tids[i], 4, &one, 1, BPF_ANY)))
			return err;
	m = bpf_object__find_map_by_name(*s->obj, "filter_cgroup");
	if (m && o->cgroup) {
		uint32_t zero = 0;
		int fd = open(o->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			return -errno;
		err = bpf_map__update_elem(m, &zero, 4, &fd, 4, BPF_ANY);
		close(fd);
		if (err)
			return err == -EBADF ? -ENOTDIR : err;
	}
	return 0;
}
