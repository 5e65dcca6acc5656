#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "attach.h"
#include "btfoff.h"
#include "cgwatch.h"
#include "loupe.h"
#include "cgwatch.skel.h"

static struct cgwatch_bpf *skel;

int cgwatch_start(void)
{
	struct loupe_cgroup_offsets off;
	int err;

	if (skel)
		return 0;
	if ((err = btf_cgroup_offsets(&off)))
		return err;
	skel = cgwatch_bpf__open();
	if (!skel)
		return -errno;
	skel->rodata->cfg_cg = off;
	err = cgwatch_bpf__load(skel);
	if (!err)
		err = attach_raw_tp(skel->progs.cgwatch_mkdir, "cgroup_mkdir", 0);
	if (err) {
		cgwatch_bpf__destroy(skel);
		skel = NULL;
		return err;
	}
	loupe_collect(skel->skeleton);
	return 0;
}

int cgwatch_path(uint64_t id, char *path, size_t len)
{
	char buf[LOUPE_CGROUP_PATH];

	if (!skel || bpf_map__lookup_elem(skel->maps.cg_paths, &id, sizeof(id), buf,
					  sizeof(buf), 0))
		return -ENOENT;
	buf[sizeof(buf) - 1] = 0;
	snprintf(path, len, "%s", buf);
	return 0;
}
