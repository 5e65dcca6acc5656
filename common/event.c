#include <stdio.h>
#include <string.h>

#include "base.h"
#include "containers.h"
#include "event.h"
#include "loupe.h"
#include "names.h"

enum { E_TIME, E_TIME_S, E_UID, E_PID, E_TID, E_COMM, E_CGROUP_ID, E_CONTAINER, E_CGROUP,
       E_CONTAINER_ID, E_VPID, E_MNTNS };

uint32_t event_cols_shown(const struct loupe_opts *o, int first)
{
	uint32_t shown = OUT_BIT(E_PID) | OUT_BIT(E_COMM);

	if (o->timestamp)
		shown |= OUT_BIT(E_TIME);
	if (o->elapsed)
		shown |= OUT_BIT(E_TIME_S);
	if (o->print_uid)
		shown |= OUT_BIT(E_UID);
	if (o->ntids)
		shown |= OUT_BIT(E_TID);
	if (o->containers && !o->json)
		shown |= OUT_BIT(E_CONTAINER);
	if (o->containers && o->json)
		shown |= OUT_BIT(E_CGROUP) | OUT_BIT(E_CONTAINER_ID) | OUT_BIT(E_VPID) |
			 OUT_BIT(E_MNTNS);
	return shown << first;
}

void out_event_hdr(struct out *out, int first, const struct loupe_event_hdr *h)
{
	out_walltime(out, first + E_TIME, loupe_wall_ns(h->ts_ns));
	out_fixed(out, first + E_TIME_S, loupe_elapsed_s(h->ts_ns), 6);
	out_uint(out, first + E_UID, h->uid);
	out_uint(out, first + E_PID, h->pid);
	out_uint(out, first + E_TID, h->tid);
	out_str(out, first + E_COMM, h->comm, strnlen(h->comm, sizeof(h->comm)));
	out_uint(out, first + E_CGROUP_ID, h->cgroup_id);
	if (loupe_cgroups()) {
		const struct cgroup_info *ci = cgroups__get(loupe_cgroups(), h->cgroup_id);

		out_str(out, first + E_CONTAINER, ci->name, strlen(ci->name));
		if (*ci->path)
			out_str(out, first + E_CGROUP, ci->path, strlen(ci->path));
		if (*ci->container)
			out_str(out, first + E_CONTAINER_ID, ci->container, strlen(ci->container));
		out_uint(out, first + E_VPID, h->vpid);
		out_uint(out, first + E_MNTNS, h->mntns);
	}
}

void out_errno(struct out *out, int c_ret, int c_err, int c_name, int64_t ret)
{
	if (c_ret >= 0)
		out_int(out, c_ret, ret);
	if (c_err >= 0)
		out_int(out, c_err, ret < 0 ? -ret : 0);
	if (c_name >= 0 && ret < 0) {
		const char *n = ret >= -4095 ? errno_name((int)-ret) : NULL;
		char num[24];

		if (!n) { /* never a blank: an unknown errno shows as its number */
			snprintf(num, sizeof(num), "E%lld", (long long)-ret);
			n = num;
		}
		out_cstr(out, c_name, n);
	}
}
